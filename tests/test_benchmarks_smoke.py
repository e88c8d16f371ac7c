"""Smoke test of benchmarks/run.py and its section modules: every section runs on a tiny input.

Each section gives sane figures; no timing thresholds here (the machine may be busy): the
figures only have to exist, be positive and finite. Uses a half-second cut of a real clip when the footage is present,
else a synthetic clip (nobody in it), and the committed bridge track.
"""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks import run as bench
from benchmarks.common import PHONE_CLIP, PHONE_TRACK, ClipSpec, Config, loop_track, make_clip_reencoded
from benchmarks.rescore import changed_rules
from benchmarks.stages import STAGES

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"

pytestmark = pytest.mark.slow


def _positive(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def _synthetic_clip(path: Path, frames: int = 15) -> Path:
    from posecheck.writer import VideoWriter

    with VideoWriter(path, max_long_side=None) as writer:
        for i in range(frames):
            image = np.full((240, 320, 3), 60, np.uint8)
            image[80:140, 10 + 10 * i : 50 + 10 * i] = 220
            writer.write(image, i / 30.0)
    return path


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench-clip")
    if PHONE_CLIP.is_file():
        # Re-encoded at 640 px so the seven passes over it stay quick.
        return make_clip_reencoded(PHONE_CLIP, folder / "tiny.mp4", 0.5, loop=False)
    return _synthetic_clip(folder / "tiny.mp4")


@pytest.fixture(scope="module")
def figures(tiny_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not PHONE_TRACK.is_file():
        pytest.skip(f"the committed track {PHONE_TRACK} is missing")
    config = Config(
        clips=(ClipSpec("tiny", tiny_clip),),
        repeats=1,
        coach_frames=200,
        rescore_frames=300,
        memory_source=tiny_clip,
        memory_seconds=(0.3, 0.6),
        batch_inputs=(("bridge", tiny_clip), ("bridge", tiny_clip)),  # two cut copies
        batch_seconds=0.4,
        batch_ray=False,  # the Ray path is tested in test_batch.py
        progress_days=3,
    )
    return dict(bench.run_all(config, tmp_path_factory.mktemp("bench-work")))


def test_machine_state_is_reported(figures: dict[str, Any]) -> None:
    for key in ("machine_start", "machine_end"):
        state = figures[key]
        assert state["nproc"] >= 1
        assert len(state["loadavg"]) == 3 and all(math.isfinite(x) and x >= 0 for x in state["loadavg"])
        assert state["cpu_model"]


def test_speed_figures_are_positive(figures: dict[str, Any]) -> None:
    (clip,) = figures["clips"]
    variants = (
        "raw_1cpu",
        "analyze_1cpu",
        "raw_all",
        "analyze_all",
        "analyze_no_census",
        "analyze_own_encoder",
    )
    for variant in variants:
        (run,) = clip[variant]
        assert run["frames"] > 0, variant
        assert _positive(run["fps"]), variant
        assert _positive(run["wall_s"]), variant
    if clip["analyze_pipelined"]:
        (run,) = clip["analyze_threads_off"]
        assert run["frames"] > 0 and _positive(run["fps"])
    assert clip["raw_all"][0]["frames"] == clip["analyze_all"][0]["frames"]
    assert clip["variants_same_result"] is True


def test_stage_figures_are_sane(figures: dict[str, Any]) -> None:
    (clip,) = figures["clips"]
    stages = clip["stages_ms_per_frame"]
    assert set(stages) == set(STAGES)
    assert all(math.isfinite(v) and v >= 0 for v in stages.values())
    for stage in ("decode", "inference", "prepare+coach", "draw", "encode"):
        assert _positive(stages[stage]), stage
        assert clip["stage_threads"][stage], stage
    assert math.isfinite(clip["main_untimed_ms_per_frame"]) and clip["main_untimed_ms_per_frame"] >= 0
    assert math.isfinite(clip["census_ms_per_frame"]) and clip["census_ms_per_frame"] >= 0
    assert _positive(clip["setup_s"])
    assert all(math.isfinite(v) and v >= 0 for v in clip["finalize_s"].values())


def test_coach_and_rescore_figures(figures: dict[str, Any]) -> None:
    coach = figures["coach"]
    assert coach["frames"] == 200
    for key in ("update_us", "update_cpu_us", "prepare_us", "measure_us", "step_us"):
        assert coach[key] and all(_positive(v) for v in coach[key]), key
    rescore = figures["rescore"]
    assert rescore["frames"] == 300
    assert _positive(rescore["prepare_s"]) and all(_positive(v) for v in rescore["score_s"])
    assert rescore["reps_original"] >= 0 and rescore["reps_changed"] >= 0


def test_memory_figures(figures: dict[str, Any]) -> None:
    short, long = figures["memory"]
    for m in (short, long):
        assert m["frames"] > 0
        assert _positive(m["peak_mb"]) and _positive(m["peak_loop_mb"])
        assert m["peak_mb"] >= m["rss_first_frame_mb"] > 0
    assert long["frames"] > short["frames"]


def test_targets_are_judged(figures: dict[str, Any]) -> None:
    rows = figures["targets"]
    assert len(rows) >= 5
    assert all(isinstance(row["ok"], bool) and row["measured"] for row in rows)


def test_batch_figures(figures: dict[str, Any]) -> None:
    batch = figures["batch"]
    runs = {r["label"]: r for r in batch["runs"]}
    assert set(runs) == {"pool, 1 worker", "pool, 2 workers"}
    for run in [*runs.values(), batch["rescore_pool"]]:
        assert _positive(run["wall_s"]) and run["frames"] > 0 and run["ok"] == 2
    rescores = {r["label"].split(":")[0]: r for r in batch["rescore"]}
    assert set(rescores) == {"comment only (plots unchanged)", "tuned"}
    for r in rescores.values():
        assert _positive(r["wall_s"]) and r["videos"], "each re-score times every video"
        assert all(v["total_ms"] >= v["scoring_ms"] + v["plot_ms"] > 0 for v in r["videos"])
    assert batch["rescore_tuned"], "the tuned file says what it moved"
    assert any("2 pool workers" in t["target"] for t in figures["targets"])


def test_loop_track_keeps_time_increasing() -> None:
    from posecheck.track import Track

    track = Track.load(PHONE_TRACK) if PHONE_TRACK.is_file() else None
    if track is None:
        pytest.skip("no committed track")
    long = loop_track(track, 3 * len(track) + 7)
    assert len(long) == 3 * len(track) + 7
    assert np.all(np.diff(long.t) > 0)
    np.testing.assert_array_equal(long.xy[len(track)], track.xy[0])


def test_changed_rules_moves_a_target_bound() -> None:
    from posecheck.coach.loader import load_exercise

    rules = load_exercise("bridge")
    changed, what = changed_rules(rules)
    assert changed.movement.target != rules.movement.target
    assert "->" in what


def run_only(sections: str) -> str:
    """``benchmarks/run.py --only SECTIONS --quick`` in a fresh process: its output (it must succeed)."""
    done = subprocess.run(
        [sys.executable, str(RUN), "--only", sections, "--quick"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_only_coach_runs_section_4_alone() -> None:
    # The documented quick check (README): the script alone, section 4 only, no footage needed.
    if not PHONE_TRACK.is_file():
        pytest.skip(f"the committed track {PHONE_TRACK} is missing")
    out = run_only("coach")
    assert "== 4. coach alone on a recorded track (2000 frames," in out
    assert not re.search(r"^== [12356]\. ", out, re.MULTILINE), out
    wall = re.search(r"Coach\.update: ([0-9.]+) us/frame wall", out)
    assert wall and _positive(float(wall.group(1))), out
    assert re.search(r"(PASS|MISS)  coach alone < ", out), out
    assert "re-scoring" not in out


def test_only_rejects_unknown_sections() -> None:
    assert bench.parse_sections("4") == ("coach",)
    assert bench.parse_sections("memory, coach,2") == ("clips", "coach", "memory")
    with pytest.raises(ValueError):
        bench.parse_sections("coach,nope")


def test_progress_figures(figures: dict[str, Any]) -> None:
    progress = figures["progress"]
    assert progress["days"] == 3 and progress["sessions"] == 30 and progress["reps"] == 300
    for key in ("load_all_s", "page_s", "report_s"):
        assert progress[key] and all(_positive(x) for x in progress[key])
    assert progress["report_bytes"] > 10_000 and _positive(progress["report_all_s"])
    assert any(t["target"].startswith("Progress page draw") for t in figures["targets"])


def test_only_progress_runs_section_9_alone() -> None:
    out = run_only("9")
    assert "== 9. Progress page and report: a history of 28 days ==" in out
    assert not re.search(r"^== [1-7]\. ", out, re.MULTILINE), out
    assert "history: 280 sets, 2800 reps over 28 days" in out
    assert re.search(r"(PASS|MISS)  Progress page draw < 1 s", out), out


def test_history_section_measures_the_frame_thread_and_the_writer() -> None:
    from benchmarks.history import LOCK_S, bench_history

    r = bench_history(1, frames=200)
    assert all(_positive(v) for v in dataclasses.astuple(r)), r
    assert r.locked_writes_waited_s >= LOCK_S * 0.9, "the writes really waited for the other program's lock"
    assert bench.parse_sections("10") == ("history",)
