"""Section 6: peak memory (RSS) of ``analyze_media`` on a 1-minute and a 10-minute input.

Each input is analysed in a fresh Python process (``run.py --memory-child``), so neither the
other sections nor the first input leave memory behind that would count towards its peak.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from benchmarks.common import Config, make_clip, say, video_length
from posecheck.analyze import analyze_media
from posecheck.coach.loader import load_exercise

RUN_SCRIPT = Path(__file__).resolve().with_name("run.py")


class RssSampler(threading.Thread):
    """Samples this process's RSS every ``interval_s`` seconds until stopped."""

    def __init__(self, interval_s: float = 0.05) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.interval_s = interval_s
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()
        self._proc = psutil.Process()

    def run(self) -> None:
        """Sample until :meth:`stop`."""
        while not self._stop_event.is_set():
            self.samples.append((time.perf_counter(), self._proc.memory_info().rss))
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        """Stop sampling (takes one last sample)."""
        self._stop_event.set()
        self.join()
        self.samples.append((time.perf_counter(), self._proc.memory_info().rss))

    def peak(self, start: float = -math.inf, end: float = math.inf) -> int:
        """Largest sample taken between ``start`` and ``end`` (perf_counter seconds)."""
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)


def _vm_hwm_mb() -> float:
    """This process's peak RSS from /proc (VmHWM; 0 when unavailable).

    Unlike ``ru_maxrss`` it belongs to the current address space, so a child started
    from a big parent does not report the parent's size.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def memory_child(path: Path, exercise: str) -> dict[str, Any]:
    """Analyse ``path`` in this process and report its memory (run in a fresh process)."""
    rules = load_exercise(exercise)
    proc = psutil.Process()
    mb = 2.0**20
    marks: dict[str, Any] = {"rss_by_frame": []}
    progress_times: list[float] = []

    def progress(done: int, _total: int) -> None:
        now = time.perf_counter()
        if not progress_times:
            progress_times.append(now)
            marks["rss_first_frame_mb"] = proc.memory_info().rss / mb
        if len(progress_times) == 1:
            progress_times.append(now)
        progress_times[1] = now
        if done % 300 == 0:
            marks["rss_by_frame"].append((done, proc.memory_info().rss / mb))

    out = Path(tempfile.mkdtemp(prefix="mem-"))
    sampler = RssSampler()
    rss_start = proc.memory_info().rss / mb
    sampler.start()
    t0 = time.perf_counter()
    try:
        result = analyze_media(path, rules, out, force=True, progress=progress)
    finally:
        t1 = time.perf_counter()
        sampler.stop()
        shutil.rmtree(out, ignore_errors=True)
    loop_start = progress_times[0] if progress_times else t0
    loop_end = progress_times[-1] if progress_times else t1
    by_frame = marks["rss_by_frame"]
    return {
        "frames": int(result.summary.frames_total),
        "video_s": float(result.summary.duration_s),
        "wall_s": t1 - t0,
        "rss_start_mb": rss_start,
        "rss_first_frame_mb": marks.get("rss_first_frame_mb", math.nan),
        "rss_by_frame": by_frame,
        "peak_setup_mb": sampler.peak(t0, loop_start) / mb,
        "peak_loop_mb": sampler.peak(loop_start, loop_end) / mb,
        "peak_finalize_mb": sampler.peak(loop_end, t1 + 1) / mb,
        "peak_sampled_mb": sampler.peak() / mb,
        "peak_mb": _vm_hwm_mb() or sampler.peak() / mb,
    }


def measure_memory(path: Path, exercise: str) -> dict[str, Any]:
    """Run :func:`memory_child` on ``path`` in a fresh Python process and return its figures."""
    cmd = [sys.executable, str(RUN_SCRIPT), "--memory-child", str(path), "--exercise", exercise]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"memory run on {path} failed (exit {done.returncode}): {tail}")
    return dict(json.loads(lines[-1]))


def memory_runs(config: Config, workdir: Path) -> list[dict[str, Any]]:
    """Loop ``config.memory_source`` to each of ``config.memory_seconds`` and measure each input."""
    memory: list[dict[str, Any]] = []
    if config.memory_source is None:
        return memory
    for seconds in config.memory_seconds:
        looped = make_clip(
            config.memory_source,
            workdir / f"loop_{seconds:g}s{config.memory_source.suffix}",
            seconds,
            loop=True,
        )
        say(f"\nmemory: analysing a {seconds:g} s loop of {config.memory_source.name} ...")
        memory.append(measure_memory(looped, config.exercise))
        looped.unlink(missing_ok=True)
    return memory


def print_memory(memory: list[dict[str, Any]]) -> None:
    """Section 6."""
    say("\n== 6. peak memory (RSS) of analyze_media, fresh process per input ==")
    for m in memory:
        say(
            f"   {video_length(m['video_s']):>8} ({m['frames']} frames, {m['wall_s']:.0f} s wall, "
            f"{m['frames'] / m['wall_s']:.1f} fps): peak {m['peak_mb']:.0f} MB "
            f"(setup {m['peak_setup_mb']:.0f}, frame loop {m['peak_loop_mb']:.0f}, "
            f"finalize {m['peak_finalize_mb']:.0f}); RSS at first frame {m['rss_first_frame_mb']:.0f} MB"
        )
        by_frame = m["rss_by_frame"]
        if len(by_frame) >= 2:
            (f0, r0), (f1, r1) = by_frame[0], by_frame[-1]
            per_min = (r1 - r0) / max(1, f1 - f0) * 1800
            say(f"      RSS frame {f0} -> {f1}: {r0:.0f} -> {r1:.0f} MB ({per_min:+.1f} MB per video minute)")
