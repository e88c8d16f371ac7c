"""Section 7: ``posecheck batch`` on eight real clips: 1 vs 2 pool workers, a local Ray, re-scoring.

The clips (one per exercise, each cut to its first seconds by stream copy) are analysed with
``--no-video`` by the batch's own code (``batch_run.plan`` + ``run_pool`` / ``run_ray``), each run
into a fresh output folder: the pool with 1 and with 2 workers, then a local Ray with 2 CPUs (its
start-up timed apart: a cluster is started once and serves many batches). Then the 2-worker
results are re-scored with a changed rule file (other bytes, so another SHA-256): in this process
(``run_one`` in a loop, imports warm: the cost of re-scoring itself) and as the command runs it (a
1-worker pool: with process start-up and imports).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from benchmarks.batch_rescore import RescoreRun, print_rescore_runs
from benchmarks.common import Config, make_clip, say

POOL_SPEEDUP_MIN = 1.7  # 2 workers vs 1 on a 2-core machine
RAY_WITHIN = 0.10  # Ray's wall time at most this much above the 2-worker pool's
RESCORE_MAX_S = 1.0
CHANGED = "\n# benchmark: a changed rule file (another SHA-256)\n"
# For the projection: recordings, and the lengths (seconds) one might have.
PROJECTED_RECORDINGS = 10_000
PROJECTED_LENGTHS_S = (10.0, 60.0)
PROJECTED_NODES = (1, 10, 100)


@dataclass
class BatchTiming:
    """One timed batch run: wall time, frames and video seconds analysed, machine CPU meanwhile."""

    label: str
    wall_s: float
    frames: int
    video_s: float
    ok: int
    actions: list[str]
    machine_cores: float  # cores the whole machine kept busy (ours and everyone else's)
    # CPU seconds of this process and of the worker processes it started and reaped (a pool's;
    # not Ray's workers, which belong to Ray's raylet): barely depends on other processes' load.
    cpu_s: float = float("nan")

    @property
    def fps(self) -> float:
        """Frames per second of wall time."""
        return self.frames / self.wall_s if self.wall_s > 0 else float("nan")

    @property
    def cpu_ms_per_frame(self) -> float:
        """CPU milliseconds per frame (all our processes)."""
        return 1000 * self.cpu_s / self.frames if self.frames else float("nan")


@dataclass
class BatchResult:
    """Section 7's figures."""

    clips: int
    clip_s: float | None
    runs: list[BatchTiming] = field(default_factory=list)
    ray_start_s: float | None = None
    ray_note: str = ""
    rescore: list[RescoreRun] = field(default_factory=list)  # in process: comment only, then tuned
    rescore_tuned: str = ""  # what the tuned file moved
    rescore_pool: BatchTiming | None = None

    def run(self, label: str) -> BatchTiming | None:
        """The run called ``label`` (None when it was not made)."""
        return next((r for r in self.runs if r.label == label), None)


def _busy_cpu_s() -> float:
    ct = psutil.cpu_times()
    return float(sum(ct)) - ct.idle - getattr(ct, "iowait", 0.0)


def _own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(label: str, out: Path, go: Callable[[], list[dict[str, Any]]], ray: bool = False) -> BatchTiming:
    m0, c0, w0 = _busy_cpu_s(), _own_cpu_s(), time.perf_counter()
    rows = go()
    wall, machine, cpu = time.perf_counter() - w0, _busy_cpu_s() - m0, _own_cpu_s() - c0
    frames = 0
    for row in rows:
        report = out / str(row["result"]) / "report.json"
        if report.is_file():
            frames += int(json.loads(report.read_text())["frames"]["total"])
    return BatchTiming(
        label, wall, frames, sum(float(r["video_s"] or 0) for r in rows),
        sum(r["status"] == "ok" for r in rows), [str(r["action"]) for r in rows], machine / wall,
        float("nan") if ray else cpu,
    )  # fmt: skip


def _inputs(config: Config, workdir: Path) -> list[Any]:
    from posecheck.batch_inputs import BatchItem

    folder = workdir / "batch-clips"
    items = []
    for i, (exercise, clip) in enumerate(config.batch_inputs):
        path = clip if config.batch_seconds is None else make_clip(
            clip, folder / f"{i}_{clip.stem[:30]}{clip.suffix}", config.batch_seconds
        )  # fmt: skip
        items.append(BatchItem(path.absolute(), exercise))
    return items


def _ray_runs(tasks: Sequence[Any], out: Path, result: BatchResult) -> None:
    from posecheck.batch_run import import_ray, run_ray, start_local_ray
    from posecheck.errors import InputError

    try:
        import_ray(local=True)
    except InputError:
        result.ray_note = "ray is not installed (pip install 'posecheck[cluster]'): not timed"
        return
    a = time.perf_counter()
    ray = start_local_ray()
    result.ray_start_s = time.perf_counter() - a
    try:
        result.runs.append(
            _timed("ray, 2 CPUs", out, lambda: run_ray(tasks, None, lambda _row: None), ray=True)
        )
    finally:
        ray.shutdown()


def bench_batch(config: Config, workdir: Path) -> BatchResult:
    """Time the batch of ``config.batch_inputs``: pool 1 and 2 workers, Ray, re-scoring."""
    from benchmarks.batch_rescore import rescore_runs, tracks_setup
    from posecheck.batch_run import plan, run_pool

    result = BatchResult(len(config.batch_inputs), config.batch_seconds)
    out2 = workdir / "batch-pool2"
    if config.batch_from_tracks:
        # No model: the committed tracks (cut like the clips) stand in for the 2-worker run's folders.
        from posecheck.batch_inputs import BatchItem

        originals = [BatchItem(clip.absolute(), exercise) for exercise, clip in config.batch_inputs]
        base = tracks_setup(originals, out2, config.batch_seconds)
    else:
        items = _inputs(config, workdir)
        for workers in (1, 2):
            out = workdir / f"batch-pool{workers}"
            tasks = plan(items, out, None, annotate=False)
            label = f"pool, {workers} worker{'s' * (workers > 1)}"
            result.runs.append(_timed(label, out, lambda t=tasks, n=workers: run_pool(t, n, _no_op)))
        if config.batch_ray:
            out = workdir / "batch-ray"
            _ray_runs(plan(items, out, None, annotate=False), out, result)
        base = plan(items, out2, None, annotate=False)
    # rescore_runs re-scores a copy first, untimed: imports and matplotlib's fonts are warm.
    result.rescore, result.rescore_tuned = rescore_runs(base, workdir)
    # As the command runs it: a 1-worker pool (process start-up and imports included), the key
    # bound moved one step further, so every plot is drawn again (none can be copied).
    again = [dataclasses.replace(t, rules_text=_tuned_twice(t.rules_text, t.rules_source)) for t in base]
    result.rescore_pool = _timed("re-score, 1-worker pool", out2, lambda: run_pool(again, 1, _no_op))
    return result


def _tuned_twice(text: str, source: str) -> str:
    from benchmarks.batch_rescore import tuned_text

    return tuned_text(tuned_text(text, source)[0], source)[0]


def _no_op(_row: dict[str, Any]) -> None:
    pass


def batch_targets(result: BatchResult) -> list[dict[str, Any]]:
    """PASS/MISS rows for section 7 (in the format of report.targets)."""
    rows: list[dict[str, Any]] = []
    one, two, ray = result.run("pool, 1 worker"), result.run("pool, 2 workers"), result.run("ray, 2 CPUs")
    if one and two:
        ratio = one.wall_s / two.wall_s
        rows.append({
            "target": f"batch: 2 pool workers >= {POOL_SPEEDUP_MIN}x 1 worker",
            "measured": f"{ratio:.2f}x ({two.fps:.1f} vs {one.fps:.1f} fps)",
            "ok": ratio >= POOL_SPEEDUP_MIN,
        })  # fmt: skip
    if two and ray:
        over = ray.wall_s / two.wall_s - 1
        rows.append({
            "target": f"batch: local Ray within {RAY_WITHIN:.0%} of the 2-worker pool (start-up apart)",
            "measured": f"{ray.wall_s:.1f} vs {two.wall_s:.1f} s ({over:+.1%}); Ray start {result.ray_start_s:.1f} s",
            "ok": over <= RAY_WITHIN,
        })  # fmt: skip
    if result.rescore:
        pool, runs = result.rescore_pool, {r.label.split(":")[0]: r for r in result.rescore}
        tuned, same = runs.get("tuned"), runs.get("comment only (plots unchanged)")
        if tuned is not None:
            plot_s = sum(v.plot_ms for v in tuned.videos) / 1000
            rows.append({
                "target": f"batch: re-scoring the {result.clips} tracks with a tuned rule file < {RESCORE_MAX_S:g} s",
                "measured": f"{tuned.wall_s:.2f} s in process (plots {plot_s:.2f} s of it, all drawn)"
                + (f"; {same.wall_s:.2f} s when the plots are unchanged (copied)" if same else "")
                + (f"; {pool.wall_s:.2f} s as the command (1-worker pool, start-up included)" if pool else ""),
                "ok": tuned.wall_s < RESCORE_MAX_S,
            })  # fmt: skip
    return rows


def print_batch(result: BatchResult) -> None:
    """Section 7, with the 10,000-recording projection."""
    cut = f"first {result.clip_s:g} s of each" if result.clip_s else "whole"
    say(f"\n== 7. posecheck batch: {result.clips} clips ({cut}), --no-video ==")
    for r in [*result.runs, result.rescore_pool]:
        if r is None:
            continue
        say(
            f"   {r.label:<26} {r.wall_s:6.2f} s wall  {r.frames:5d} frames  {r.fps:6.1f} fps  "
            f"{r.video_s:6.1f} s of video  ok {r.ok}/{len(r.actions)}  CPU {r.cpu_ms_per_frame:5.1f} ms/frame  "
            f"machine busy {r.machine_cores:.2f} cores"
            f"  [{', '.join(sorted(set(r.actions)))}]"
        )
    print_rescore_runs(result.rescore, result.rescore_tuned)
    if result.ray_start_s is not None:
        say(
            f"   local Ray start-up (ray.init, 2 CPUs, 127.0.0.1): {result.ray_start_s:.1f} s, not in the figure above"
        )
    if result.ray_note:
        say(f"   Ray: {result.ray_note}")
    two = result.run("pool, 2 workers")
    if two is None or two.video_s <= 0:
        return
    # Wall seconds per second of video on one 2-core node; nodes scale it down while they do not
    # wait on the shared folder (each video is read once, a few MB; results are small).
    per_video_s = two.wall_s / two.video_s
    say(
        f"   per 2-core node: {per_video_s:.2f} s of wall time per second of video ({1 / per_video_s:.2f}x real time)"
    )
    for length in PROJECTED_LENGTHS_S:
        total_h = PROJECTED_RECORDINGS * length * per_video_s / 3600
        spread = ", ".join(f"{n} node{'s' * (n > 1)} {total_h / n:.1f} h" for n in PROJECTED_NODES)
        say(f"   {PROJECTED_RECORDINGS:,} recordings of {length:g} s: {spread}")
    if math.isfinite(two.cpu_s):
        # On an idle node the two workers' CPU is the floor: its two cores busy all the time.
        cpu_per_video_s = two.cpu_s / two.video_s
        say(
            f"   by CPU ({cpu_per_video_s:.2f} CPU s per second of video; an idle 2-core node at best half that "
            f"in wall time): 10 s recordings {PROJECTED_RECORDINGS * 10 * cpu_per_video_s / 2 / 3600:.1f} h, "
            f"60 s recordings {PROJECTED_RECORDINGS * 60 * cpu_per_video_s / 2 / 3600:.1f} h on one node"
        )
