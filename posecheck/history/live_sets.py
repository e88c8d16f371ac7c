"""Live sets into the history as they happen, written by a thread of their own.

The coach runs in streamlit-webrtc's frame thread (or the desktop loop). A database write there
takes milliseconds, and up to the busy timeout while another tab holds the lock: the video would
stall. So the coach side only puts small events on a queue (:class:`SetRecorder`) and one writer
thread per person (:class:`HistoryWriter`) writes them in order. The writer does not depend on the
page being open (a refresh-driven writer would stop with a closed tab), so every counted rep
reaches the file. A set whose ``finish`` never comes stays marked partial (the store starts every
session partial). A history problem is kept as one line (:attr:`HistoryWriter.error`) for the page
to show; coaching never waits for it.

The set's landmark track (tracked person only) grows in memory on the coach's side
(:class:`~posecheck.history.tracks.LiveTrack`: an array write per frame, bounded) and is written
to a file by the writer thread when the set finishes; a set left partial (the app killed) keeps
its reps but no track.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck.coach.feedback import HoldEvent, RepEvent, SessionSummary
from posecheck.errors import HistoryError
from posecheck.history.store import HistoryStore
from posecheck.history.tracks import LiveTrack, save_track, wanted
from posecheck.track import PersonLandmarks

LOG = logging.getLogger(__name__)
IDLE_S = 60.0  # the writer thread stops (closing the database) after this long without a write
Opener = Callable[[], HistoryStore]


@dataclass(frozen=True)
class SetInfo:
    """What a live set is saved with besides its numbers."""

    exercise: str
    rules_path: Path
    source: str = "live"  # live or routine
    profile: str | None = None
    programme: str | None = None
    keep_track: bool = True  # the set's landmark track too (history/tracks.py; POSECHECK_KEEP_TRACKS)


class HistoryWriter:
    """One person's history writes, in order, from one daemon thread (started on the first write)."""

    def __init__(self, location: str | Path | None = None, opener: Opener | None = None) -> None:
        self._opener: Opener = opener or (lambda: HistoryStore.open(location))
        self._queue: queue.Queue[tuple[str, int, SetInfo | None, Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._ids: dict[int, int] = {}  # set number -> session id (writer thread only)
        self._error = ""
        self.saved_sets = 0  # sets finished in the history
        self.session_ids: list[int] = []  # of the sets written, in order

    @property
    def error(self) -> str:
        """The last history problem as one line ('' once a later write worked)."""
        return self._error

    @property
    def pending(self) -> int:
        """Writes queued or in progress."""
        return self._queue.unfinished_tasks

    def check(self) -> None:
        """Open the database in the background now, so a problem shows before the first rep."""
        self._put(("check", 0, None, None))

    def new_set(self) -> int:
        """A number for a new set (its session starts with its first rep or hold)."""
        return next(self._numbers)

    def rep(self, set_no: int, info: SetInfo, index: int, rep: RepEvent) -> None:
        """Queue rep ``index`` (1, 2, ...) of a set."""
        self._put(("rep", set_no, info, (index, rep)))

    def hold(self, set_no: int, info: SetInfo, hold: HoldEvent) -> None:
        """Queue a finished hold of a set."""
        self._put(("hold", set_no, info, hold))

    def finish(
        self,
        set_no: int,
        info: SetInfo,
        summary: SessionSummary,
        partial: bool,
        track: LiveTrack | None = None,
    ) -> None:
        """Queue the end of a set (and its track, written by the writer thread); a set with nothing
        counted is not saved."""
        self._put(("finish", set_no, info, (summary, partial, track)))

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until every queued write is done; False if ``timeout_s`` passed first."""
        deadline = time.monotonic() + timeout_s
        while self.pending:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout_s: float = 10.0) -> None:
        """Write what is queued, then stop the thread and close the database."""
        with self._start_lock:
            thread = self._thread
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(timeout_s)

    def _put(self, item: tuple[str, int, SetInfo | None, Any]) -> None:
        with self._start_lock:
            self._queue.put(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="posecheck-history", daemon=True)
                self._thread.start()

    def _next_item(self) -> tuple[str, int, SetInfo | None, Any] | None:
        """The next write; None to stop (closed, or idle long enough: a closed tab leaves no thread)."""
        while True:
            try:
                item = self._queue.get(timeout=IDLE_S)
                if item is None:  # close()
                    self._queue.task_done()
                    with self._start_lock:
                        self._thread = None
                return item
            except queue.Empty:
                with self._start_lock:
                    if self._queue.empty():
                        self._thread = None
                        return None

    def _run(self) -> None:
        # The open database belongs to this thread alone: a thread started after an idle stop has its own.
        opened: list[HistoryStore] = []
        try:
            while (item := self._next_item()) is not None:
                try:
                    if not opened:
                        opened.append(self._opener())
                    self._write(opened[0], *item)
                    self._error = ""
                except HistoryError as exc:
                    self._error = str(exc)
                    _close(opened)  # a fresh open next time: the file may have been fixed
                except Exception as exc:  # the writer must outlive any single bad write
                    LOG.exception("history write failed")
                    self._error = f"history: {exc}"
                finally:
                    self._queue.task_done()
        finally:
            _close(opened)

    def _session_id(self, store: HistoryStore, set_no: int, info: SetInfo) -> int:
        sid = self._ids.get(set_no)
        if sid is None:
            sid = store.start_session(
                info.exercise,
                info.rules_path,
                source=info.source,
                profile=info.profile,
                programme=info.programme,
            )
            self._ids[set_no] = sid
            self.session_ids.append(sid)
        return sid

    def _write(self, store: HistoryStore, kind: str, set_no: int, info: SetInfo | None, payload: Any) -> None:
        if info is None:  # a check: opening was all
            return
        if kind == "rep":
            index, rep = payload
            store.add_rep(self._session_id(store, set_no, info), index, rep)
        elif kind == "hold":
            store.add_hold(self._session_id(store, set_no, info), payload)
        elif kind == "finish":
            summary, partial, track = payload
            self._finish(store, set_no, info, summary, partial, track)

    def _finish(
        self,
        store: HistoryStore,
        set_no: int,
        info: SetInfo,
        summary: SessionSummary,
        partial: bool,
        track: LiveTrack | None,
    ) -> None:
        sid = self._ids.pop(set_no, None)
        if sid is not None:
            store.finish_session(sid, summary, partial)
        elif summary.reps_total or summary.holds:  # only the hold in progress at STOP was counted
            sid = store.save_summary(
                summary,
                info.rules_path,
                source=info.source,
                profile=info.profile,
                programme=info.programme,
                partial=partial,
            )
            self.session_ids.append(sid)
        else:
            return
        self.saved_sets += 1
        if track is not None and track.frames:
            built = track.builder()
            try:
                save_track(store, sid, built)  # a problem here is one line; the set above stays saved
            finally:
                built.close()


class SetRecorder:
    """One set's reps and holds, passed to a :class:`HistoryWriter` as the coach counts them.

    Called from the coach's thread: it only queues. The coach's lists may be recounted (a camera on
    its side found late); only reps past those already written are sent, and the finishing summary
    is the final word.
    """

    def __init__(self, writer: HistoryWriter, info: SetInfo) -> None:
        self.writer, self.info = writer, info
        self.set_no = writer.new_set()
        self._reps = 0
        self._holds = 0
        self._keep_track = info.keep_track and wanted()
        self.track: LiveTrack | None = None  # made at the first frame (its size is known then)

    def observe(self, reps: Sequence[RepEvent], holds: Sequence[HoldEvent]) -> None:
        """Send the reps and holds that are new since the last call."""
        for i in range(self._reps, len(reps)):
            self.writer.rep(self.set_no, self.info, i + 1, reps[i])
        self._reps = max(self._reps, len(reps))
        for hold in holds[self._holds :]:
            self.writer.hold(self.set_no, self.info, hold)
        self._holds = max(self._holds, len(holds))

    def frame(
        self, t: float, person: PersonLandmarks | None, size: tuple[int, int], turns: int | None
    ) -> None:
        """Keep one frame of the tracked person for the set's track (memory only; saved at the end).

        ``size``: the coach's pixels; ``turns``: the camera's quarter turns as found from the
        picture (None when the coach finds them from the landmarks), so a re-score coaches alike.
        """
        if not self._keep_track:
            return
        if self.track is None:
            self.track = LiveTrack(size[0], size[1])
        if turns is not None:
            self.track.meta["camera_turns"] = turns
        self.track.add(t, person)

    def finish(self, summary: SessionSummary, partial: bool = False) -> None:
        """The set ended: its summary replaces what was sent rep by rep; the track goes with it."""
        track, self.track = self.track, None
        self.writer.finish(self.set_no, self.info, summary, partial, track)


def _close(opened: list[HistoryStore]) -> None:
    while opened:
        opened.pop().close()
