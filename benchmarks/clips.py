"""Sections 1-3 on every clip: one loop, so their repeats can be interleaved.

Each repeat runs raw, analyze, the stage breakdown and the threading variants in turn before the
next repeat starts, so a change in the machine's load hits every variant alike; that is why these
three sections are run (and chosen with ``--only``) together.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from benchmarks.common import Config, Timing, clip_info, least_busy_cpu, pinned, prepare_clip, say
from benchmarks.speed import ClipSpeed, analyze_end_to_end, raw_mediapipe
from benchmarks.stages import STAGES, StageResult, stage_breakdown
from benchmarks.variants import analyze_pipelines, analyze_variant, own_encoder_thread, threads_off
from posecheck.coach.schema import RuleSet
from posecheck.pose.estimator import PoseOptions
from posecheck.pose.model import default_model_path


def warm_up() -> None:
    """Load the model bundle and matplotlib once, so the first timed run does not pay for them."""
    say("\nwarming up (model bundle, imports) ...")
    default_model_path()
    import matplotlib.pyplot  # noqa: F401  (analyze plots; keep the first import out of the timings)


def timing_dict(t: Timing) -> dict[str, float]:
    """One timed run as plain data."""
    return {
        "frames": t.frames,
        "wall_s": t.wall_s,
        "fps": t.fps,
        "cores_used": t.cores_used,
        "others_cores": t.others_cores,
    }


def bench_clips(config: Config, rules: RuleSet, workdir: Path) -> tuple[list[ClipSpeed], list[StageResult]]:
    """Section 1-3 for every clip: repeats interleaved so load changes hit every variant alike."""
    speeds: list[ClipSpeed] = []
    stages: list[StageResult] = []
    no_census = PoseOptions(people_check_interval_s=0)
    for spec in config.clips:
        path = prepare_clip(spec, workdir)
        info = clip_info(spec.label, path)
        speed = ClipSpeed(info)
        say(
            f"\n-- {info.label}: {info.width}x{info.height} {info.codec} {info.fps:.2f} fps, "
            f"{info.frames} frames, {info.duration_s:.1f} s"
        )
        cpu = least_busy_cpu() if config.single_core else None
        speed.pinned_cpu = cpu
        clip_stages: list[StageResult] = []
        for r in range(config.repeats):
            if cpu is not None:
                with pinned({cpu}):
                    speed.raw_1cpu.append(raw_mediapipe(path))
                    speed.e2e_1cpu.append(analyze_end_to_end(path, rules, workdir))
                    speed.no_video_1cpu.append(analyze_end_to_end(path, rules, workdir, annotate=False))
            speed.raw_all.append(raw_mediapipe(path))
            speed.e2e_all.append(analyze_end_to_end(path, rules, workdir))
            if config.census:
                speed.e2e_no_census.append(analyze_end_to_end(path, rules, workdir, no_census))
            clip_stages.append(stage_breakdown(path, rules, workdir))
            if config.variants:
                speed.pipelined = analyze_pipelines()
                reps = [clip_stages[-1].reps]
                if speed.pipelined:
                    timing, n = analyze_variant(path, rules, workdir, threads_off)
                    speed.threads_off.append(timing)
                    reps.append(n)
                extra = functools.partial(own_encoder_thread, prefetch=not speed.pipelined)
                timing, n = analyze_variant(path, rules, workdir, extra)
                speed.own_encoder.append(timing)
                reps.append(n)
                if r == 0:
                    speed.variants_same_result = len(set(reps)) == 1
            say(
                f"   repeat {r + 1}/{config.repeats}: raw {speed.raw_all[-1].fps:.1f} fps, "
                f"analyze {speed.e2e_all[-1].fps:.1f} fps (others used "
                f"{speed.e2e_all[-1].others_cores:.2f} cores meanwhile)"
            )
        speeds.append(speed)
        # The repeat with the median loop time represents the clip.
        clip_stages.sort(key=lambda s: s.loop_wall_s)
        stages.append(clip_stages[len(clip_stages) // 2])
    return speeds, stages


def clip_figures(speeds: list[ClipSpeed], stages: list[StageResult]) -> list[dict[str, Any]]:
    """Sections 1-3 per clip as plain data (the ``clips`` entry of ``--json``)."""
    return [
        {
            "label": s.clip.label,
            "size": [s.clip.width, s.clip.height],
            "fps": s.clip.fps,
            "frames": s.clip.frames,
            "raw_1cpu": [timing_dict(t) for t in s.raw_1cpu],
            "analyze_1cpu": [timing_dict(t) for t in s.e2e_1cpu],
            "raw_all": [timing_dict(t) for t in s.raw_all],
            "analyze_all": [timing_dict(t) for t in s.e2e_all],
            "analyze_no_census": [timing_dict(t) for t in s.e2e_no_census],
            "analyze_pipelined": s.pipelined,
            "analyze_threads_off": [timing_dict(t) for t in s.threads_off],
            "analyze_own_encoder": [timing_dict(t) for t in s.own_encoder],
            "variants_same_result": s.variants_same_result,
            "stages_ms_per_frame": {k: st.ms_per_frame(k) for k in STAGES},
            "stages_cpu_ms_per_frame": {k: st.cpu_ms_per_frame(k) for k in STAGES},
            "stage_threads": st.threads,
            "main_untimed_ms_per_frame": st.main_other_ms,
            "census_ms_per_frame": st.census_ms_per_frame,
            "setup_s": st.setup_s,
            "finalize_s": st.finalize_s,
            "thread_cpu_ms_per_frame": {k: 1000 * v / st.frames for k, v in st.thread_cpu_s.items()},
        }
        for s, st in zip(speeds, stages, strict=True)
    ]
