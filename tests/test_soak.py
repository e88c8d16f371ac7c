"""Long sessions: memory stays flat, counts stay right, live sessions release what they hold."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import psutil
import pytest

from posecheck.coach.engine import Coach
from posecheck.coach.loader import load_exercise
from posecheck.coach.session import person_frames
from posecheck.track import Track
from posecheck.ui.live import LiveSession

REPO = Path(__file__).resolve().parents[1]
TRACK = REPO / "sample_videos" / "tracks" / "bridge"
BRIDGES = TRACK / "ndnam0109-fitness-content__glute_bridges.npz"


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.slow
def test_thirty_minute_stream_keeps_memory_flat_and_counts_right() -> None:
    """54,000 frames (30 min at 30 fps) of a recorded set, looped, through one live coach."""
    track = Track.load(BRIDGES)
    coach = Coach(load_exercise("bridge"), track.width, track.height)
    frames, loops = 54_000, 0
    period = float(track.t[-1]) + 1 / track.fps
    warm = None
    for n in range(frames):
        i = n % len(track)
        loops += i == 0
        xy, z, vis, people = person_frames(track, i)
        coach.update((n // len(track)) * period + float(track.t[i]), xy, z, vis, people)
        if n == 5_000:
            gc.collect()
            warm = rss_mb()
    gc.collect()
    growth = rss_mb() - (warm or 0.0)
    print(f"soak: {frames} frames, RSS growth after warm-up {growth:.1f} MB")
    assert growth < 15  # rep events and a bounded cue log only: kilobytes, not megabytes
    summary = coach.summary()
    # The clip holds 3 bridges; every full loop must count exactly 3 more.
    full_loops = frames // len(track)
    assert 3 * full_loops <= summary.reps_total <= 3 * loops
    assert len(coach.cues.log) <= coach.cues.log.maxlen  # type: ignore[operator]


def _frame(rgb: np.ndarray, t: float) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    frame.pts = int(t * 1000)
    frame.time_base = Fraction(1, 1000)
    return frame


# The allocator's climb to its plateau, measured in a fresh interpreter after every 5th session
# (2026-12-03, 70 sessions): 318 MB at the 5th, ~390 by the 30th, then 362-395 through the 70th.
# Twenty warm-up sessions were enough earlier; that day a run warmed up 20 grew +156 MB over the
# next 20 (still climbing), one warmed up 30 grew +16 and +31. A leak is growth past the plateau.
WARM_UP_CYCLES = 30


def cycles_here(n: int) -> tuple[int, int, float, float]:
    """Threads and RSS before and after ``n`` connect/disconnect cycles (after a warm-up), in this process."""
    rules = load_exercise("bridge")
    rgb = np.full((360, 640, 3), 80, np.uint8)

    def cycle() -> None:
        session = LiveSession(rules)
        for k in range(5):
            session.process(_frame(rgb.copy(), k / 30))
        session.close()

    # The first cycles build the model bundle and warm the allocator (see WARM_UP_CYCLES).
    for _ in range(WARM_UP_CYCLES):
        cycle()
    gc.collect()
    threads, memory = threading.active_count(), rss_mb()
    for _ in range(n):
        cycle()
    gc.collect()
    print(
        f"{n} cycles: threads {threads} -> {threading.active_count()}, RSS {memory:.0f} -> {rss_mb():.0f} MB",
        file=sys.stderr,
    )
    return threads, threading.active_count(), memory, rss_mb()


def _cycles(n: int) -> tuple[int, int, float, float]:
    """:func:`cycles_here` in a fresh interpreter.

    Inside the whole suite's process (~900 MB of other tests' heap) the allocator's plateau lands
    elsewhere and one late step of it read +100 MB over 20 sessions (CI, 2026-12-03); alone, the
    same cycles climb to ~440 MB by the 22nd session and then sit at 360-380 MB (60 measured).
    """
    code = f"import json; from tests.test_soak import cycles_here; print(json.dumps(cycles_here({n})))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    threads, after, before_mb, after_mb = json.loads(done.stdout.strip().splitlines()[-1])
    return int(threads), int(after), float(before_mb), float(after_mb)


@pytest.fixture(scope="module")
def twenty_cycles() -> tuple[int, int, float, float]:
    return _cycles(20)


@pytest.mark.slow
def test_twenty_connect_disconnect_cycles_leave_no_threads(
    twenty_cycles: tuple[int, int, float, float],
) -> None:
    """A browser that connects and leaves 20 times (real model): every thread ends."""
    before, after, _, _ = twenty_cycles
    assert after <= before


@pytest.mark.slow
def test_twenty_connect_disconnect_cycles_keep_memory_flat(
    twenty_cycles: tuple[int, int, float, float],
) -> None:
    """Without handing freed graph memory back (malloc_trim) RSS grew ~40 MB per session
    (186 -> 681 MB in 12). With it, measured from the third session, two runs grew +85 and +11 MB
    over 20 sessions and later ones up to +104 (the allocator's climb to its plateau, see _cycles);
    measured past the plateau, a leak of even 5 MB a session would show as 100 MB here."""
    _, _, before, after = twenty_cycles
    assert after - before < 100
