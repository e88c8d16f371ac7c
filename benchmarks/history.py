"""Section 10: what saving live sets costs the video's thread, and the history writer's own speed.

The coach runs in streamlit-webrtc's frame thread; a live set is saved as it is counted. Measured
on a temporary SQLite file (WAL, as in use):

- ``SetRecorder.observe`` as the frame thread calls it: every frame with nothing new (the usual
  case), and on a frame that brings a new rep (one queue put);
- what writing a rep in the frame thread itself would cost instead (``HistoryStore.add_rep``);
- the writer thread's rate: reps written per second, queued all at once;
- with another program holding the database's write lock for ``LOCK_S``: the longest time the
  frame thread spent in ``observe`` while its writes waited behind the lock;
- keeping the set's landmark track: ``SetRecorder.frame`` per frame in the frame thread (median,
  99th percentile and slowest: a new 512-frame block is allocated every 17 s), the builder's memory and the saved file's size for a
  10-minute set at 30 fps (the glute-bridge track's real landmarks, looped), and the writer
  thread's time to write that file.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import median, say
from posecheck.coach.feedback import RepEvent
from posecheck.history import HistoryStore
from posecheck.history.live_sets import HistoryWriter, SetInfo, SetRecorder
from posecheck.track import PersonLandmarks, Track

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules" / "bridge.toml"
LOCK_S = 2.0
TRACK = REPO / "sample_videos" / "tracks" / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
TRACK_S, TRACK_FPS = 600.0, 30.0  # a 10-minute live set


@dataclass(frozen=True)
class HistoryResult:
    """Section 10's figures (medians over ``repeats``)."""

    observe_idle_us: float  # per frame with nothing new
    observe_rep_us: float  # on a frame that brings a rep
    add_rep_in_frame_thread_ms: float  # the alternative: writing in the frame thread
    writer_reps_per_s: float
    locked_max_observe_ms: float  # frame thread, while its writes waited behind a lock
    locked_writes_waited_s: float
    track_frame_us: float  # SetRecorder.frame, median per frame
    track_frame_p99_us: float  # the same, 99th percentile
    track_frame_max_ms: float  # the slowest frame (a new block every 512 frames, or the OS)
    track_memory_mb: float  # the builder's arrays after 10 minutes
    track_file_mb: float  # the saved .npz of 10 minutes
    track_save_s: float  # writer thread: writing that file


def _rep(i: int) -> RepEvent:
    return RepEvent(None, float(i), i + 0.8, ("hips_low",) if i % 3 == 0 else ())


def _observe_costs(folder: Path, n: int) -> tuple[float, float, float]:
    writer = HistoryWriter(folder / "observe.db")
    rec = SetRecorder(writer, SetInfo("bridge", RULES))
    reps: list[RepEvent] = []
    idle, new = [], []
    for i in range(n):
        t0 = time.perf_counter()
        rec.observe(reps, [])
        idle.append(time.perf_counter() - t0)
        if i % 10 == 0:  # a rep every tenth frame: far more often than a person does them
            reps.append(_rep(i))
            t0 = time.perf_counter()
            rec.observe(reps, [])
            new.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    writer.flush(timeout_s=120)
    rate = len(reps) / max(time.perf_counter() - t0, 1e-9)
    writer.close()
    return 1e6 * median(idle), 1e6 * median(new), rate


def _direct_add_rep(folder: Path, n: int) -> float:
    with HistoryStore.open(folder / "direct.db") as store:
        sid = store.start_session("bridge", RULES, source="live")
        times = []
        for i in range(1, n + 1):
            t0 = time.perf_counter()
            store.add_rep(sid, i, _rep(i))
            times.append(time.perf_counter() - t0)
    return 1000 * median(times)


def _locked(folder: Path, reps: int) -> tuple[float, float]:
    db = folder / "locked.db"
    HistoryStore.open(db).close()
    writer = HistoryWriter(db)
    rec = SetRecorder(writer, SetInfo("bridge", RULES))
    locked = threading.Event()

    def hold_the_lock() -> None:  # another program: its own connection, in its own thread
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(LOCK_S)
        holder.execute("ROLLBACK")
        holder.close()

    release = threading.Thread(target=hold_the_lock)
    release.start()
    locked.wait()
    t_lock = time.perf_counter()
    worst, events = 0.0, []
    for i in range(reps):
        events.append(_rep(i))
        t0 = time.perf_counter()
        rec.observe(events, [])
        worst = max(worst, time.perf_counter() - t0)
        time.sleep(LOCK_S / (2 * reps))  # frames keep coming while the lock is held
    writer.flush(timeout_s=60)
    waited = time.perf_counter() - t_lock
    release.join()
    writer.close()
    return 1000 * worst, waited


def _track_costs(folder: Path) -> tuple[float, float, float, float, float, float]:
    """Keep a 10-minute set's track as the live page does, then write it as the writer thread does."""
    track = Track.load(TRACK)
    people = [
        PersonLandmarks(track.xy[i, 0], track.z[i, 0], track.visibility[i, 0], track.world[i, 0])
        for i in range(len(track))
    ]
    rec = SetRecorder(HistoryWriter(folder / "unused.db"), SetInfo("bridge", RULES))
    n = int(TRACK_S * TRACK_FPS)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        rec.frame(i / TRACK_FPS, people[i % len(people)], (track.width, track.height), 0)
        times.append(time.perf_counter() - t0)
    assert rec.track is not None
    memory = rec.track.nbytes
    t0 = time.perf_counter()
    builder = rec.track.builder()
    path = builder.save(folder / "set.npz")
    builder.close()
    saved_s = time.perf_counter() - t0
    slow = sorted(times)
    figures = (1e6 * median(times), 1e6 * slow[int(0.99 * n)], 1e3 * slow[-1])
    return (*figures, memory / 1e6, path.stat().st_size / 1e6, saved_s)


def bench_history(repeats: int, frames: int = 3000) -> HistoryResult:
    """Section 10, ``repeats`` times; medians."""
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="posecheck-bench-history-") as tmp:
            folder = Path(tmp)
            idle, new, rate = _observe_costs(folder, frames)
            direct = _direct_add_rep(folder, 100)
            worst, waited = _locked(folder, 10)
            track = _track_costs(folder)
            runs.append((idle, new, direct, rate, worst, waited, *track))
    cols = list(zip(*runs, strict=True))
    return HistoryResult(*(median(list(c)) for c in cols))


def print_history(r: HistoryResult) -> None:
    """Section 10 as lines of text."""
    say("\n10. Saving live sets (history), on a temporary SQLite file")
    say(
        f"   frame thread, SetRecorder.observe: {r.observe_idle_us:.1f} µs per frame, {r.observe_rep_us:.1f} µs on a rep"
    )
    say(
        f"   the alternative, HistoryStore.add_rep in the frame thread: {r.add_rep_in_frame_thread_ms:.2f} ms per rep"
    )
    say(f"   writer thread: {r.writer_reps_per_s:.0f} reps written per second")
    say(
        f"   write lock held {LOCK_S:g} s by another program: the frame thread spent at most "
        f"{r.locked_max_observe_ms:.2f} ms in observe; its writes were done after {r.locked_writes_waited_s:.2f} s"
    )
    say(
        f"   keeping the landmark track, SetRecorder.frame: {r.track_frame_us:.1f} µs per frame "
        f"(99th percentile {r.track_frame_p99_us:.1f} µs, slowest {r.track_frame_max_ms:.1f} ms)"
    )
    say(
        f"   a {TRACK_S / 60:g}-minute set at {TRACK_FPS:g} fps: {r.track_memory_mb:.1f} MB in memory while it runs, "
        f"{r.track_file_mb:.1f} MB file, written by the writer thread in {r.track_save_s:.2f} s"
    )
