"""Section 7 of the report: the machine's state at start and end, and PASS/MISS against the targets.

The targets are reported, never enforced: a run on a busy machine says MISS and still succeeds.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from pathlib import Path
from typing import Any

import psutil

from benchmarks.coach import CoachResult
from benchmarks.common import median, say, verdict, video_length
from benchmarks.rescore import RescoreResult
from benchmarks.speed import ClipSpeed

COACH_MAX_MS = 0.3
COACH_MAX_SHARE = 0.02
E2E_MIN_RATIO = 0.9
RESCORE_MAX_S = 1.0
MEMORY_FLAT_TOLERANCE = 0.10  # 10-minute peak at most this much above the 1-minute peak


def machine_state(sample_s: float = 1.0) -> dict[str, Any]:
    """nproc, CPU model, load average, memory, per-CPU use and the busiest other processes."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    me = os.getpid()
    procs = []
    for p in psutil.process_iter(["pid", "name"]):
        with contextlib.suppress(psutil.Error):
            p.cpu_percent(None)
            procs.append(p)
    per_cpu = psutil.cpu_percent(interval=sample_s, percpu=True)
    busiest = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            pct = p.cpu_percent(None)
            if p.pid != me and pct >= 5.0:
                busiest.append((pct, p.info["name"] or "?"))
    busiest.sort(reverse=True)
    vm = psutil.virtual_memory()
    return {
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": model or "unknown",
        "loadavg": list(os.getloadavg()),
        "cpu_percent": per_cpu,
        "mem_total_mb": vm.total / 2**20,
        "mem_available_mb": vm.available / 2**20,
        "busiest_processes": [f"{name} {pct:.0f}%" for pct, name in busiest[:6]],
    }


def format_machine(state: dict[str, Any]) -> str:
    """One paragraph describing the machine state."""
    load = " ".join(f"{x:.2f}" for x in state["loadavg"])
    cpus = " ".join(f"{x:.0f}%" for x in state["cpu_percent"])
    others = ", ".join(state["busiest_processes"]) or "none above 5%"
    return (
        f"  {state['time']}  nproc {state['nproc']} (usable {state['usable_cpus']})  "
        f"CPU {state['cpu_model']}\n"
        f"  load average {load}  per-CPU busy now {cpus}  "
        f"memory available {state['mem_available_mb']:.0f} / {state['mem_total_mb']:.0f} MB\n"
        f"  busiest processes (1 s): {others}"
    )


def targets(
    speeds: list[ClipSpeed],
    coach: CoachResult | None,
    inference_ms: float,
    rescored: RescoreResult | None,
    memory: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Each target: what it asks, the measured figure and whether it was met (None = not measured).

    Sections left out with ``--only`` have no row (``coach``/``rescored`` None, no clips, no memory).
    """
    out: list[dict[str, Any]] = []
    if coach is not None:
        upd_ms = median(coach.update_us) / 1000
        share = upd_ms / inference_ms if math.isfinite(inference_ms) and inference_ms > 0 else math.nan
        # Without sections 1-3 there is no inference time to compare with: say so rather than nan%.
        of_inference = f" = {share:.2%} of inference" if math.isfinite(share) else " (inference not measured)"
        out.append({
            "target": f"coach alone < {COACH_MAX_MS} ms/frame (< {COACH_MAX_SHARE:.0%} of inference)",
            "measured": f"{upd_ms:.3f} ms/frame{of_inference}",
            "ok": upd_ms < COACH_MAX_MS and (not math.isfinite(share) or share < COACH_MAX_SHARE),
        })  # fmt: skip
    phone = speeds[0] if speeds else None
    if phone is not None and phone.raw_1cpu:
        ratio = phone.ratio(phone.e2e_1cpu, phone.raw_1cpu)
        e2e_fps, raw_fps = ClipSpeed.fps(phone.e2e_1cpu), ClipSpeed.fps(phone.raw_1cpu)
        out.append({
            "target": f"analyze >= {E2E_MIN_RATIO}x raw MediaPipe frames/s on one core ({phone.clip.label})",
            "measured": (
                f"{ratio:.2f}x ({e2e_fps:.1f} vs {raw_fps:.1f} fps); by CPU/frame {phone.cpu_ratio():.2f}x"
            ),
            "ok": ratio >= E2E_MIN_RATIO,
        })  # fmt: skip
    if phone is not None and phone.raw_all:
        # The other reading of "on one thread": one inference thread (no second model), with
        # decoding and drawing + encoding beside it, against the same bare loop.
        ratio = phone.ratio(phone.e2e_all, phone.raw_all)
        out.append({
            "target": f"analyze (one inference thread, decode/encode beside it) >= {E2E_MIN_RATIO}x raw",
            "measured": f"{ratio:.2f}x ({ClipSpeed.fps(phone.e2e_all):.1f} vs {ClipSpeed.fps(phone.raw_all):.1f} fps)",
            "ok": ratio >= E2E_MIN_RATIO,
        })  # fmt: skip
    if phone is not None:
        fps = ClipSpeed.fps(phone.e2e_all)
        out.append({
            "target": f"analyze faster than real time on all cores ({phone.clip.fps:.0f} fps clip)",
            "measured": f"{fps:.1f} fps = {fps / phone.clip.fps:.2f}x real time",
            "ok": fps >= phone.clip.fps,
        })  # fmt: skip
        variants = (("its threads off", phone.threads_off), ("+ own encoder thread", phone.own_encoder))
        for label, runs in variants:
            if runs:
                pfps = ClipSpeed.fps(runs)
                out.append({
                    "target": f"  (same, analyze {label})",
                    "measured": f"{pfps:.1f} fps = {pfps / phone.clip.fps:.2f}x real time",
                    "ok": pfps >= phone.clip.fps,
                })  # fmt: skip
    if rescored is not None:
        score = median(rescored.score_s)
        out.append({
            "target": f"re-scoring {rescored.frames} frames < {RESCORE_MAX_S:g} s",
            "measured": f"{score:.3f} s (prepare_track once before: {rescored.prepare_s:.2f} s)",
            "ok": score < RESCORE_MAX_S,
        })  # fmt: skip
    if len(memory) >= 2:
        short, long = memory[0], memory[-1]
        growth = long["peak_mb"] / short["peak_mb"] - 1
        out.append({
            "target": f"memory flat in video length (peak grows < {MEMORY_FLAT_TOLERANCE:.0%})",
            "measured": (
                f"{video_length(short['video_s'])}: {short['peak_mb']:.0f} MB, "
                f"{video_length(long['video_s'])}: {long['peak_mb']:.0f} MB ({growth:+.1%})"
            ),
            "ok": growth < MEMORY_FLAT_TOLERANCE,
        })  # fmt: skip
    return out


def print_targets(rows: list[dict[str, Any]]) -> None:
    """PASS/MISS table."""
    say("\n== targets (reported, never enforced) ==")
    for row in rows:
        say(f"   {verdict(row['ok'])}  {row['target']}: {row['measured']}")
