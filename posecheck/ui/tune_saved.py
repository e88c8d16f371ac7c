"""The tune page's saved sessions: history sessions of one exercise that kept their landmark track.

Plain Python (tested without Streamlit). The history is only read here: no database is created
for a page that merely lists, and a history that cannot be read is one line, with nothing listed.
"""

from __future__ import annotations

from pathlib import Path

from posecheck.errors import HistoryError
from posecheck.history import HistoryStore, SessionRecord, default_location
from posecheck.history.database import resolve
from posecheck.history.readonly import open_read_only
from posecheck.history.tracks import saved_tracks

PREFIX = "saved: "
READ_TIMEOUT_S = 3.0  # a page waits this long for a locked database before saying so


def saved_label(record: SessionRecord) -> str:
    """How a saved session is listed, e.g. ``saved: 2026-12-03 10:15 bridge (profile anna, 12 reps, session 7)``."""
    when = record.started_at.astimezone()  # the user's local time, as on the Progress page
    who = f"profile {record.profile}, " if record.profile else ""
    return f"{PREFIX}{when:%Y-%m-%d %H:%M} {record.exercise} ({who}{record.reps_total} reps, session {record.id})"


def saved_sessions(
    exercise: str, profile: str | None = None, location: str | Path | None = None
) -> tuple[dict[str, Path], str | None]:
    """Label -> track file of the saved sessions of ``exercise`` (only ``profile``'s if given) that
    kept a track, newest first; and None or the one line saying why the history could not be read."""
    where = str(location) if location is not None else default_location()
    try:
        _url, path = resolve(where)
    except HistoryError as exc:
        return {}, str(exc)
    if path is None or not path.is_file():
        return {}, None  # no history file (or a URL database, which keeps no tracks)
    try:
        with HistoryStore.open(path, timeout_s=READ_TIMEOUT_S) as store:
            found = saved_tracks(store, exercise, profile)
    except HistoryError:
        # Opening takes the write lock (it may migrate): a read-only or busy file is read as it is.
        try:
            with open_read_only(path, READ_TIMEOUT_S) as store:
                found = saved_tracks(store, exercise, profile)
        except HistoryError as exc:
            return {}, str(exc)
    return {saved_label(record): file for record, file in found}, None
