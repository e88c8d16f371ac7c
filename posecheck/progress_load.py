"""Reading the whole history for the Progress page: the sessions, and one line when something is wrong.

The page must draw whatever state the database is in: a missing file is created (and said so),
a read-only one is still shown, and a corrupt, locked or newer one is one line, with no sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from posecheck.errors import HistoryError
from posecheck.history import HistoryStore, SessionRecord, default_location
from posecheck.history.database import resolve
from posecheck.history.readonly import open_read_only

READ_TIMEOUT_S = 3.0  # a page waits this long for a locked database before saying so


@dataclass(frozen=True)
class Loaded:
    """The sessions read (oldest first), where from, and at most one notice and one error line."""

    location: str
    records: list[SessionRecord] = field(default_factory=list)
    notice: str | None = None
    error: str | None = None


def load_history(
    location: str | Path | None = None, since: date | None = None, timeout_s: float = READ_TIMEOUT_S
) -> Loaded:
    """The stored sessions (from ``since`` on, a local day); never raises for a database problem
    (it becomes :attr:`Loaded.error`)."""
    where = str(location) if location is not None else default_location()
    try:
        _url, path = resolve(where)
    except HistoryError as exc:
        return Loaded(where, error=str(exc))
    shown = str(path) if path is not None else where
    existed = path is None or path.exists()
    try:
        with HistoryStore.open(where, timeout_s=timeout_s) as store:
            records = store.sessions(since=since)
    except HistoryError as exc:
        # Opening takes the write lock (it may migrate): a file that cannot be written, or that
        # another program is writing, can still be read as it is.
        why = next((w for w in ("read-only", "locked") if w in str(exc)), None)
        if path is None or not path.is_file() or why is None:
            return Loaded(shown, error=str(exc))
        return _read_only(path, since, timeout_s, why)
    if not existed:
        return Loaded(
            shown, records, notice=f"No history yet: a new one was made at {shown}; sets you save go there."
        )
    return Loaded(shown, records)


def _read_only(path: Path, since: date | None, timeout_s: float, why: str) -> Loaded:
    try:
        with open_read_only(path, timeout_s) as store:
            records = store.sessions(since=since)
    except HistoryError as exc:
        return Loaded(str(path), error=str(exc))
    if why == "locked":
        notice = (
            f"{path}: another program (another posecheck tab?) is writing it; shown as it was a moment "
            "ago: reload the page to see the newest sets."
        )
    else:
        notice = (
            f"{path}: read-only: shown here, but new sets cannot be saved; make it (and its folder) writable."
        )
    return Loaded(str(path), records, notice=notice)
