"""Section 4: the coach alone, microseconds per frame.

The recorded track, looped, goes through ``Coach.update``; then the same frames through the three
calls ``update`` makes (prepare, metrics, step), timed one by one. Runs alone in seconds with
``benchmarks/run.py --only coach``, e.g. before and after a change to the coach.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from benchmarks.common import loop_track, median, say, spread
from posecheck.coach.engine import Coach
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import person_frames
from posecheck.track import Track


@dataclass
class CoachResult:
    """Microseconds per frame of Coach.update and of its three parts (medians over repeats)."""

    frames: int
    with_person: float  # share of frames with a tracked person
    update_us: list[float]  # wall
    update_cpu_us: list[float]  # CPU of the calling thread (less sensitive to other processes)
    prepare_us: list[float]
    measure_us: list[float]
    step_us: list[float]


def coach_alone(track: Track, rules: RuleSet, n_frames: int, repeats: int) -> CoachResult:
    """Feed a recorded track (looped to ``n_frames``) through ``Coach.update``, and its parts."""
    long = loop_track(track, n_frames)
    rows = [person_frames(long, i) for i in range(len(long))]
    times = [float(t) for t in long.t]
    result = CoachResult(
        len(rows), sum(r[0] is not None for r in rows) / max(1, len(rows)), [], [], [], [], []
    )
    clock = time.perf_counter
    for _ in range(repeats):
        coach = Coach(rules, long.width, long.height)
        a, cpu = clock(), time.thread_time()
        for t, (xy, z, vis, people) in zip(times, rows, strict=True):
            coach.update(t, xy, z, vis, people)
        result.update_us.append(1e6 * (clock() - a) / len(rows))
        result.update_cpu_us.append(1e6 * (time.thread_time() - cpu) / len(rows))
        # The same three calls Coach.update makes, timed one by one.
        coach = Coach(rules, long.width, long.height)
        # Looked up rather than called directly so the benchmark still runs on a coach without
        # a separate prepare step (then only the whole update is timed).
        prepare = getattr(coach, "_prepare", None)
        if prepare is None:
            continue
        tp = tm = ts = 0.0
        for t, (xy, z, vis, people) in zip(times, rows, strict=True):
            a = clock()
            frame = prepare(t, xy, z, vis, people)
            b = clock()
            metrics = coach.measure(frame)
            c = clock()
            coach.step(frame, metrics)
            d = clock()
            tp, tm, ts = tp + b - a, tm + c - b, ts + d - c
        result.prepare_us.append(1e6 * tp / len(rows))
        result.measure_us.append(1e6 * tm / len(rows))
        result.step_us.append(1e6 * ts / len(rows))
    return result


def print_coach(result: CoachResult, inference_ms: float) -> None:
    """Section 4."""
    upd = median(result.update_us)
    say(
        f"\n== 4. coach alone on a recorded track "
        f"({result.frames} frames, {result.with_person:.0%} with a person) =="
    )
    say(
        f"   Coach.update: {upd:.1f} us/frame wall ({spread(result.update_us)}), "
        f"{median(result.update_cpu_us):.1f} us/frame CPU"
    )
    if result.prepare_us:
        p, m, s = median(result.prepare_us), median(result.measure_us), median(result.step_us)
        say(
            f"   split: prepare {p:.1f} us (smoothing, sides, posture), metrics {m:.1f} us, "
            f"step (rules, reps, cues) {s:.1f} us"
        )
    if math.isfinite(inference_ms):
        say(f"   = {upd / 1000 / inference_ms:.2%} of inference ({inference_ms:.1f} ms/frame)")
