"""Section 2: time per stage, ms/frame, of the real ``analyze_media``.

Its per-frame calls are wrapped by timers in this process while it runs (posecheck's files are
not edited, the wrappers are removed afterwards), recording which thread ran each call: wrapping
the real function rather than copying its loop keeps the breakdown right while analyze changes.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from benchmarks.common import patched, say, thread_cpu_by_group
from benchmarks.speed import ClipSpeed
from posecheck.analyze import analyze_media
from posecheck.coach.engine import Coach
from posecheck.coach.schema import RuleSet
from posecheck.pose.estimator import PoseEstimator, PoseOptions
from posecheck.track import TrackBuilder
from posecheck.video import Frame, VideoReader

STAGES = ("decode", "inference", "prepare+coach", "track", "resize for drawing", "draw", "encode")


class StageClock:
    """Collects per-call times while :func:`instrumented` is active (thread-safe)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.threads: dict[str, set[str]] = {s: set() for s in STAGES}
        self.busy: defaultdict[str, float] = defaultdict(float)  # thread name -> seconds inside timed calls
        self.finalize: dict[str, float] = {}
        self.frames = 0
        self.census_times: list[float] = []
        self.tracking_times: list[float] = []
        self.first_start = math.inf
        self.last_end = -math.inf
        self.cpu_at_start = math.nan
        self.cpu_at_end = math.nan
        self.threads0: defaultdict[str, float] = defaultdict(float)
        self.threads1: defaultdict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def add(self, stage: str, start: float, end: float, cpu_s: float) -> None:
        """Account one call of ``stage`` that ran from ``start`` to ``end`` in the current thread."""
        thread = threading.current_thread().name
        with self._lock:
            if math.isinf(self.first_start):
                ct = psutil.Process().cpu_times()
                self.cpu_at_start = ct.user + ct.system
                self.threads0 = thread_cpu_by_group()
            self.first_start = min(self.first_start, start)
            self.last_end = max(self.last_end, end)
            self.wall[stage] = self.wall.get(stage, 0.0) + end - start
            self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu_s
            self.threads.setdefault(stage, set()).add(thread)
            self.busy[thread] += end - start

    def loop_over(self) -> None:
        """The frame loop is over (called before the writer is closed): take the CPU snapshots."""
        with self._lock:
            if math.isnan(self.cpu_at_end) and not math.isinf(self.first_start):
                ct = psutil.Process().cpu_times()
                self.cpu_at_end = ct.user + ct.system
                self.threads1 = thread_cpu_by_group()


@contextlib.contextmanager
def instrumented(clock: StageClock) -> Iterator[None]:
    """Time the calls ``analyze_media`` makes per frame, in place (posecheck is not edited).

    Wraps VideoReader iteration (decode), PoseEstimator.detect (inference, census frames
    told apart), Coach.update, TrackBuilder.append, analyze's ``_for_drawing`` (resize),
    draw_feedback and VideoWriter.write/close, recording which thread ran each call.
    """
    import posecheck.analyze as analyze_module
    import posecheck.draw as draw_module
    from posecheck.writer import VideoWriter

    clock_wall, clock_cpu = time.perf_counter, time.thread_time

    def timed_call(stage: str) -> Callable[[Any], Any]:
        def make(original: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                w, c = clock_wall(), clock_cpu()
                try:
                    return original(*args, **kwargs)
                finally:
                    clock.add(stage, w, clock_wall(), clock_cpu() - c)

            return wrapper

        return make

    def timed_detect(original: Any) -> Any:
        def detect(self: PoseEstimator, *args: Any, **kwargs: Any) -> Any:
            before = getattr(self, "_last_census_t", None)
            w, c = clock_wall(), clock_cpu()
            try:
                return original(self, *args, **kwargs)
            finally:
                end = clock_wall()
                clock.add("inference", w, end, clock_cpu() - c)
                census = before is not None and getattr(self, "_last_census_t", None) != before
                (clock.census_times if census else clock.tracking_times).append(end - w)

        return detect

    def timed_iter(original: Any) -> Any:
        def frames(self: VideoReader) -> Iterator[Frame]:
            source = original(self)
            while True:
                w, c = clock_wall(), clock_cpu()
                try:
                    frame = next(source)
                except StopIteration:
                    clock.add("decode", w, clock_wall(), clock_cpu() - c)
                    return
                clock.add("decode", w, clock_wall(), clock_cpu() - c)
                clock.frames += 1
                yield frame

        return frames

    def timed_close(original: Any) -> Any:
        def close(self: Any, *args: Any, **kwargs: Any) -> Any:
            clock.loop_over()
            w = clock_wall()
            try:
                return original(self, *args, **kwargs)
            finally:
                key = "encoder flush+close"
                clock.finalize[key] = clock.finalize.get(key, 0.0) + clock_wall() - w

        return close

    with contextlib.ExitStack() as stack:
        stack.enter_context(patched(VideoReader, "__iter__", timed_iter))
        stack.enter_context(patched(PoseEstimator, "detect", timed_detect))
        stack.enter_context(patched(Coach, "update", timed_call("prepare+coach")))
        stack.enter_context(patched(TrackBuilder, "append", timed_call("track")))
        stack.enter_context(patched(analyze_module, "_for_drawing", timed_call("resize for drawing")))
        stack.enter_context(patched(draw_module, "draw_feedback", timed_call("draw")))
        if "draw_feedback" in vars(analyze_module):
            stack.enter_context(patched(analyze_module, "draw_feedback", timed_call("draw")))
        stack.enter_context(patched(VideoWriter, "write", timed_call("encode")))
        stack.enter_context(patched(VideoWriter, "close", timed_close))
        yield


@dataclass
class StageResult:
    """Per-stage totals of one instrumented analyze_media run."""

    frames: int
    wall_s: dict[str, float]  # stage -> seconds inside its calls (in the thread that made them)
    cpu_s: dict[str, float]  # stage -> CPU seconds of the calling thread inside its calls
    threads: dict[str, list[str]]  # stage -> Python threads that ran it
    busy_s: dict[str, float]  # Python thread -> seconds inside timed calls
    setup_s: float
    finalize_s: dict[str, float]
    total_s: float
    loop_wall_s: float
    loop_cpu_s: float  # whole process during the frame loop
    census_calls: int
    census_frame_ms: float  # mean detect() time on frames where the census ran
    tracking_frame_ms: float  # mean detect() time on the other frames
    thread_cpu_s: dict[str, float]  # CPU during the loop by thread group (live threads)
    reps: int

    def ms_per_frame(self, stage: str) -> float:
        """Wall milliseconds per frame spent in ``stage``'s calls."""
        return 1000.0 * self.wall_s.get(stage, 0.0) / self.frames if self.frames else math.nan

    def cpu_ms_per_frame(self, stage: str) -> float:
        """CPU milliseconds per frame of the thread running ``stage`` (its helper threads excluded)."""
        return 1000.0 * self.cpu_s.get(stage, 0.0) / self.frames if self.frames else math.nan

    @property
    def main_other_ms(self) -> float:
        """Main-thread loop time outside the timed calls, ms/frame (waiting, bookkeeping, Python)."""
        if not self.frames:
            return math.nan
        return 1000.0 * max(0.0, self.loop_wall_s - self.busy_s.get("MainThread", 0.0)) / self.frames

    @property
    def census_ms_per_frame(self) -> float:
        """Census cost amortised over every frame (already inside 'inference')."""
        if not self.frames or not self.census_calls:
            return 0.0
        return max(0.0, self.census_frame_ms - self.tracking_frame_ms) * self.census_calls / self.frames


def stage_breakdown(
    path: Path, rules: RuleSet, workdir: Path, options: PoseOptions | None = None
) -> StageResult:
    """Run ``analyze_media`` once with every per-frame call timed (see :func:`instrumented`)."""
    clock = StageClock()
    out = Path(tempfile.mkdtemp(prefix="stages-", dir=workdir))
    try:
        with instrumented(clock):
            t0 = time.perf_counter()
            result = analyze_media(path, rules, out, force=True, pose_options=options)
            t1 = time.perf_counter()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    clock.loop_over()
    loop_wall = clock.last_end - clock.first_start
    finalize = dict(clock.finalize)
    finalize["track, reports, plot"] = max(0.0, (t1 - clock.last_end) - sum(finalize.values()))
    threads = {k: clock.threads1.get(k, 0.0) - clock.threads0.get(k, 0.0) for k in clock.threads1}
    return StageResult(
        frames=clock.frames,
        wall_s=clock.wall,
        cpu_s=clock.cpu,
        threads={k: sorted(v) for k, v in clock.threads.items()},
        busy_s=dict(clock.busy),
        setup_s=clock.first_start - t0,
        finalize_s=finalize,
        total_s=t1 - t0,
        loop_wall_s=loop_wall,
        loop_cpu_s=clock.cpu_at_end - clock.cpu_at_start,
        census_calls=len(clock.census_times),
        census_frame_ms=1000.0 * float(np.mean(clock.census_times)) if clock.census_times else math.nan,
        tracking_frame_ms=1000.0 * float(np.mean(clock.tracking_times)) if clock.tracking_times else math.nan,
        thread_cpu_s={k: v for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if v > 0.005},
        reps=int(result.summary.reps_total),
    )


def print_stages(speeds: list[ClipSpeed], stages: list[StageResult]) -> None:
    """Section 2 table."""
    say("\n== 2. time per stage, ms/frame (the real analyze_media, its calls timed in place; all cores) ==")
    say("   wall = time inside the stage's calls, in the thread that made them; cpu = that thread's")
    say("   own CPU in them (helper threads of MediaPipe, FFmpeg, x264 not included)")
    for s, st in zip(speeds, stages, strict=True):
        say(
            f"\n   {s.clip.label}: {st.frames} frames, loop {st.frames / st.loop_wall_s:.1f} fps, "
            f"whole call {st.frames / st.total_s:.1f} fps (median repeat)"
        )
        for stage in STAGES:
            note = ""
            if stage == "inference":
                note = (
                    f"  (tracking frames {st.tracking_frame_ms:.1f} ms; {st.census_calls} census frames "
                    f"{st.census_frame_ms:.1f} ms -> census {st.census_ms_per_frame:.2f} ms/frame amortised)"
                )
            threads = ",".join(st.threads.get(stage, [])) or "-"
            say(
                f"   {stage:<19} {st.ms_per_frame(stage):7.2f} wall {st.cpu_ms_per_frame(stage):6.2f} cpu"
                f"  [{threads}]{note}"
            )
        say(
            f"   {'main, untimed':<19} {st.main_other_ms:7.2f} wall  (waiting for queues, bookkeeping, Python)"
        )
        busy = ", ".join(
            f"{name} {v / st.loop_wall_s:.0%}" for name, v in sorted(st.busy_s.items(), key=lambda kv: -kv[1])
        )
        say(f"   share of the loop each Python thread spent in the calls above: {busy}")
        fin = ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in st.finalize_s.items())
        say(f"   once per video: setup (open, probe, landmarkers) {1000 * st.setup_s:.0f} ms; {fin}")
        say(
            f"   CPU during the loop: {st.loop_cpu_s / st.loop_wall_s:.2f} cores busy on average; by live thread: "
            + ", ".join(f"{k} {1000 * v / st.frames:.1f}" for k, v in st.thread_cpu_s.items())
            + " ms/frame"
        )
