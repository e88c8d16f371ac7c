"""Live sets saved in the history as they happen: a real SQLite file, the live session fed a real track."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from posecheck.coach.feedback import HoldEvent, RepEvent, SessionSummary
from posecheck.coach.loader import load_exercise
from posecheck.history import HistoryStore
from posecheck.history.live_sets import HistoryWriter, SetInfo, SetRecorder
from posecheck.track import Track
from posecheck.ui.live import LiveSession
from tests.test_ui_live import BRIDGE_REPS, BRIDGE_TRACK, ReplayEstimator, feed_track

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules" / "bridge.toml"
INFO = SetInfo("bridge", RULES, "live", "ann")


def summary(reps: int) -> SessionSummary:
    events = [RepEvent(None, 2.0 * i, 2.0 * i + 1.5, ("hips_low",)) for i in range(reps)]
    return SessionSummary("bridge", 9.0, reps, None, None, events, [], [], 90, 90, [], [])


def test_reps_are_in_the_file_before_the_set_ends_and_a_cut_set_stays_partial(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    writer = HistoryWriter(db)
    rec = SetRecorder(writer, INFO)
    reps = [RepEvent(None, 1.0, 2.0, ("hips_low",)), RepEvent(None, 3.0, 4.0)]
    rec.observe(reps[:1], [])
    rec.observe(reps, [HoldEvent(None, 1.0, 2.0, 1.0, False)])
    rec.observe(reps, [HoldEvent(None, 1.0, 2.0, 1.0, False)])  # nothing new: nothing written twice
    assert writer.flush() and not writer.error
    with HistoryStore.open(db) as store:
        (cut,) = store.sessions()
    # The app killed here (no finish): the set is there with its reps, marked partial.
    assert cut.partial and cut.finished_at is None and cut.reps_total == 2
    assert [r.faults for r in cut.reps] == [("hips_low",), ()] and len(cut.holds) == 1
    assert (cut.source, cut.profile, cut.exercise) == ("live", "ann", "bridge")
    rec.finish(summary(3), partial=False)
    assert writer.flush()
    writer.close()
    with HistoryStore.open(db) as store:
        (done,) = store.sessions()
    assert not done.partial and done.finished_at is not None and done.reps_total == 3
    assert writer.saved_sets == 1 and writer.session_ids == [done.id]


def test_an_empty_set_is_not_saved_and_a_hold_only_set_is(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    writer = HistoryWriter(db)
    SetRecorder(writer, INFO).finish(summary(0))
    held = SessionSummary(
        "bridge", 25.0, 0, None, None, [], [HoldEvent(None, 1, 24, 22.0, True)], [], 1, 1, [], []
    )
    SetRecorder(writer, SetInfo("bridge", RULES, "routine", None, "handout")).finish(held, partial=True)
    assert writer.flush()
    writer.close()
    with HistoryStore.open(db) as store:
        (only,) = store.sessions()
    assert (only.source, only.programme, only.partial, only.holds[0].seconds) == (
        "routine",
        "handout",
        True,
        22.0,
    )


def test_a_corrupt_database_is_one_line_and_the_writer_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    db.write_bytes(b"this is not a database" * 100)
    writer = HistoryWriter(db)
    writer.check()
    assert writer.flush()
    assert "not a readable history database" in writer.error and "\n" not in writer.error
    db.unlink()  # the person moves it away: the next write works and the line goes
    SetRecorder(writer, INFO).observe([RepEvent(None, 1.0, 2.0)], [])
    assert writer.flush() and writer.error == ""
    writer.close()
    assert db.is_file()


def test_a_locked_database_never_holds_up_the_frames(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    HistoryStore.open(db).close()
    writer = HistoryWriter(opener=lambda: HistoryStore.open(db, timeout_s=1.0))
    lock = sqlite3.connect(db, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        rec = SetRecorder(writer, INFO)
        rec.observe([RepEvent(None, 1.0, 2.0)], [])
        # Back in the coach's thread with the write still waiting for the lock: nothing was written.
        assert writer.pending == 1
        assert writer.flush(timeout_s=15)
        assert "locked by another program" in writer.error
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    writer.close()


@pytest.fixture(scope="module")
def bridge_track() -> Track:
    return Track.load(BRIDGE_TRACK)


def test_the_live_session_saves_each_rep_as_it_is_counted(tmp_path: Path, bridge_track: Track) -> None:
    db = tmp_path / "h.db"
    writer = HistoryWriter(db)
    rules = load_exercise("bridge")
    session = LiveSession(rules, estimator_factory=lambda: ReplayEstimator(bridge_track))
    session.record_to(writer, INFO)
    seen_in_file: list[int] = []

    def watch() -> None:  # reads the file while the set runs, as another tab would
        while not stop.is_set():
            with HistoryStore.open(db) as store:
                seen_in_file.append(sum(s.reps_total for s in store.sessions()))
            time.sleep(0.05)

    HistoryStore.open(db).close()
    stop = threading.Event()
    reader = threading.Thread(target=watch)
    reader.start()
    feed_track(session, bridge_track)
    assert writer.flush()
    stop.set()
    reader.join()
    counted = session.snapshot().reps_total
    assert counted == BRIDGE_REPS
    with HistoryStore.open(db) as store:
        (running,) = store.sessions()
    assert running.partial and running.reps_total == counted, "before STOP: all reps, marked partial"
    assert 0 < max(seen_in_file) <= counted
    session.end_set()
    assert writer.flush()
    with HistoryStore.open(db) as store:
        (done,) = store.sessions()
    assert not done.partial and done.reps_total == BRIDGE_REPS and len(done.reps) == BRIDGE_REPS
    # paused (a rest between exercises): frames pass through uncoached, nothing is saved
    session.pause(True)
    feed_track(session, bridge_track, frames=30)
    assert session.snapshot().frames == counted_frames(session) and writer.flush()
    with HistoryStore.open(db) as store:
        assert store.count() == 1
    writer.close()


def counted_frames(session: LiveSession) -> int:
    summary = session.snapshot().last_summary
    assert summary is not None
    return summary.frames_total


class LoopingReplay(ReplayEstimator):
    """The recorded track over and over, as the fake camera loops its clip."""

    def detect(self, rgb, t):  # type: ignore[no-untyped-def]
        self.i %= len(self.track)
        return super().detect(rgb, t)


def test_the_routine_moves_the_session_from_set_to_set(tmp_path: Path, bridge_track: Track) -> None:
    db = tmp_path / "h.db"
    writer = HistoryWriter(db)
    rules = load_exercise("bridge")
    session = LiveSession(rules, estimator_factory=lambda: LoopingReplay(bridge_track))
    session.record_to(writer, SetInfo("bridge", RULES, "routine", None, "e2e"))
    feed_track(session, bridge_track, frames=len(bridge_track) * 2 // 3)
    counted = session.snapshot().reps_total
    assert counted >= 1
    # the dose is not done, the person presses Next: the set ends as partial, the rest begins
    session.pause(True)
    session.record_to(writer, SetInfo("bridge", RULES, "routine", "next-one", "e2e"))
    ended = session.next_set(rules, judge=lambda s: s.reps_total < 5)
    assert ended is not None and ended.reps_total >= counted
    assert session.snapshot().reps_total == 0, "the next exercise starts from nothing"
    feed_track(session, bridge_track, frames=60)  # frames during the rest are not coached
    assert session.snapshot().reps_total == 0
    session.pause(False)
    feed_track(session, bridge_track)
    assert session.snapshot().reps_total >= 1
    session.end_set()
    assert writer.flush()
    writer.close()
    with HistoryStore.open(db) as store:
        first, second = store.sessions()
    assert (first.profile, first.partial, first.reps_total) == (None, True, ended.reps_total)
    assert (second.profile, second.partial, second.source) == ("next-one", False, "routine")
    assert second.reps_total >= 1 and len(second.reps) == second.reps_total


def test_two_tabs_write_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    HistoryStore.open(db).close()
    writers = [HistoryWriter(db), HistoryWriter(db)]  # each browser session has its own

    def one_tab(writer: HistoryWriter, name: str) -> None:
        rec = SetRecorder(writer, SetInfo("bridge", RULES, "live", name))
        reps: list[RepEvent] = []
        for i in range(25):
            reps.append(RepEvent(None, float(i), i + 0.5))
            rec.observe(reps, [])
        rec.finish(summary(25))

    tabs = [threading.Thread(target=one_tab, args=(w, n)) for w, n in zip(writers, ("a", "b"), strict=True)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()
    for w in writers:
        assert w.flush(30) and not w.error
        w.close()
    with HistoryStore.open(db) as store:
        sets = store.sessions()
    assert sorted((s.profile, s.reps_total, s.partial) for s in sets) == [("a", 25, False), ("b", 25, False)]
