"""Saved sessions' landmark tracks: files beside the database, so the tune page can re-score them.

What is kept: the tracked person's body landmarks (person 0) in every frame, in the ``.npz``
format of ``posecheck extract`` (:class:`~posecheck.track.Track`); never a picture, never a second
person in view. Where: ``<database folder>/<database name>-tracks/<session id>-<random>.npz``; the
session row names the file relative to that folder (``sessions.track_path``). A database given as a
URL (no file) keeps no tracks. Opt out with ``POSECHECK_KEEP_TRACKS=0`` (or ``--no-track``).

A track that cannot be written is one :class:`~posecheck.errors.HistoryError` line: the session's
numbers are saved before it, and stay.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posecheck.errors import HistoryError, InputError
from posecheck.physio_labels import drop_labels
from posecheck.track import PersonLandmarks, Track, TrackBuilder

if TYPE_CHECKING:
    from posecheck.coach.feedback import SessionSummary
    from posecheck.history.records import SessionRecord
    from posecheck.history.store import HistoryStore

KEEP_ENV = "POSECHECK_KEEP_TRACKS"
_OFF, _ON = ("0", "false", "no", "off"), ("", "1", "true", "yes", "on")
LIVE_FPS = 30.0  # a live set's nominal rate until its own is measured at the end
# A live set's track is held in memory until the set ends: at most 10 minutes at 30 fps (about
# 11 MB); a longer set keeps its first 10 minutes (meta "truncated").
MAX_LIVE_FRAMES = 18_000
CHUNK_FRAMES = 512  # frames per preallocated block (about 0.3 MB each)


def keep_tracks() -> bool:
    """Whether saved sessions keep their track (``POSECHECK_KEEP_TRACKS``, default yes)."""
    value = os.environ.get(KEEP_ENV, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise HistoryError(
        f"{KEEP_ENV}={value}: not understood; set it to 1 (keep saved sessions' landmark tracks) "
        "or 0 (keep numbers only)"
    )


def wanted() -> bool:
    """Whether to collect a live set's track (no error here: a bad setting is told when saving)."""
    return os.environ.get(KEEP_ENV, "").strip().lower() not in _OFF


def tracks_folder(store: HistoryStore) -> Path | None:
    """The folder of the store's track files (beside its SQLite file); None for a URL database."""
    return None if store.file is None else store.file.parent / f"{store.file.stem}-tracks"


def track_file(store: HistoryStore, record: SessionRecord) -> Path | None:
    """The track file of a stored session, if it kept one and the file is still there."""
    folder = tracks_folder(store)
    if folder is None or not record.track_path or Path(record.track_path).name != record.track_path:
        return None  # a name with folders in it was not written by posecheck: never followed
    path = folder / record.track_path
    return path if path.is_file() else None


def tracked_person_only(track: Track) -> Track:
    """A copy of ``track`` keeping person 0 only (the people after it blanked, as when nobody was there)."""
    keep = slice(1, None)
    xy, z, world = track.xy.copy(), track.z.copy(), track.world.copy()
    visibility = track.visibility.copy()
    xy[:, keep], z[:, keep], world[:, keep], visibility[:, keep] = np.nan, np.nan, np.nan, 0.0
    return replace(
        track, xy=xy, z=z, world=world, visibility=visibility, meta=dict(track.meta, people_kept=1)
    )


def save_track(store: HistoryStore, session_id: int, track: Track | TrackBuilder) -> Path | None:
    """Write a saved session's track (person 0 only) and record its place; None when none is kept."""
    folder = tracks_folder(store)
    if not keep_tracks() or folder is None:
        return None
    name = f"{session_id}-{secrets.token_hex(4)}.npz"  # ids are reused after a delete: names are not
    try:
        if isinstance(track, Track):
            path = tracked_person_only(track).save(folder / name)
        else:  # a live set's builder holds person 0 only
            path = track.save(folder / name)
    except OSError as exc:
        raise HistoryError(
            f"{folder}: the landmark track of session {session_id} was not kept "
            f"({exc.strerror or exc}); the session itself is saved; check the disk and its permissions"
        ) from None
    store.set_track_path(session_id, name)
    return path


def save_analysed(
    store: HistoryStore,
    summary: SessionSummary,
    rules_file: str | Path,
    *,
    profile: str | None,
    partial: bool,
    track: Track | Path | None,
) -> tuple[int, str]:
    """Save an analysed video's session, then its track (a Track or its file; None: numbers only).

    Returns the session id and '' or the one line saying why the track was not kept: the session
    is saved either way.
    """
    session_id = store.save_summary(summary, rules_file, source="video", profile=profile, partial=partial)
    if track is None:
        return session_id, ""
    try:
        save_track(store, session_id, track if isinstance(track, Track) else Track.load(track))
    except (HistoryError, InputError) as exc:
        return session_id, f"the landmark track was not kept: {exc}"
    return session_id, ""


def remove_tracks(store: HistoryStore, names: list[str]) -> None:
    """Delete deleted sessions' track files and the counts entered for them (labels.json)."""
    folder = tracks_folder(store)
    if folder is None or not names:
        return
    safe = [n for n in names if Path(n).name == n]
    try:
        for name in safe:
            (folder / name).unlink(missing_ok=True)
        drop_labels(folder, safe)
    except (OSError, InputError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise HistoryError(
            f"{folder}: the sessions were deleted but not all their track files or counts ({reason}); "
            "delete that folder by hand"
        ) from None


def saved_tracks(
    store: HistoryStore, exercise: str, profile: str | None = None
) -> list[tuple[SessionRecord, Path]]:
    """Stored sessions of ``exercise`` (and ``profile``) that kept a track, newest first, with its file."""
    found = []
    for record in store.sessions(profile=profile):
        path = track_file(store, record) if record.exercise == exercise else None
        if path is not None:
            found.append((record, path))
    return found[::-1]


class LiveTrack:
    """A live set's track, built in memory by the coach's thread (cheap, bounded) and saved at its end.

    Only the tracked person is kept, at the track file's precision (602 bytes a frame), in a
    :class:`TrackBuilder`. The history's writer thread saves it when the set finishes
    (:meth:`builder`); a set never finished (the app killed) keeps its reps and no track.
    """

    def __init__(self, width: int, height: int, meta: dict[str, Any] | None = None) -> None:
        """A track of ``width`` x ``height`` pixel landmarks."""
        self._built = TrackBuilder(width, height, LIVE_FPS, dict(meta or {}, source="live"),
                                   chunk_frames=CHUNK_FRAMES, people=1, compact=True)  # fmt: skip
        self.meta = self._built.meta  # the saved file's: camera_turns, truncated
        self._first_t: float | None = None
        self._last_t = 0.0

    @property
    def frames(self) -> int:
        """Frames kept so far."""
        return self._built.frames

    @property
    def nbytes(self) -> int:
        """Memory held by the frames."""
        return self._built.nbytes

    def add(self, t: float, person: PersonLandmarks | None) -> None:
        """One frame: the tracked person's landmarks, or None when nobody was found."""
        if self.frames >= MAX_LIVE_FRAMES:
            self.meta["truncated"] = True
            return
        self._first_t = t if self._first_t is None else self._first_t
        self._last_t = t
        self._built.append(t, [person] if person is not None else [])

    def builder(self) -> TrackBuilder:
        """The track, at the set's own frame rate, for the writer thread to save (no more frames
        may be added: the coach starts a new one for its next set)."""
        first, last, n = self._first_t, self._last_t, self.frames
        if first is not None and n > 1 and last > first:
            self._built.fps = round((n - 1) / (last - first), 3)
        return self._built
