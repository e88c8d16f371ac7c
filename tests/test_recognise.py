"""Recognition: which exercise a recording shows, and where (posecheck/recognise.py and its CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posecheck.cli import main
from posecheck.coach.loader import load_all
from posecheck.evaluate import load_labels
from posecheck.recognise import NONE, best_path, recognise
from posecheck.routine_eval import activity, join_tracks, routine_eval
from posecheck.track import Track
from tests.conftest import REPO, ffmpeg
from tests.test_cli import one_line_error

LABELS = REPO / "sample_videos" / "labels.json"
SQUATS = "other/trajnovd-workout-app__goblet_squats"
BRIDGE = "bridge/ndnam0109-fitness-content__glute_bridges"
HIP = "hip_stretch/Hpy2GitHub-merged-exercise__kneeling-hip-flexor-stretch"
HUGS = "leg_stretch/ndnam0109-fitness-content__straight_leg_hugs"


@pytest.fixture(scope="module")
def rules() -> dict:
    return load_all()


def _load(tracks_dir: Path, clip: str) -> Track:
    return Track.load(tracks_dir / f"{clip}.npz")


def _label(clip: str) -> dict:
    labels = load_labels(LABELS)
    return next(v for k, v in labels.items() if k.rsplit(".", 1)[0] == clip)


def test_best_path_keeps_the_minimum_length_and_pays_for_switches() -> None:
    # State 0 wins one lone window in the middle of state 1: a segment of state 0 must be two windows
    # long, and those gain 0.5 over state 1, less than the two switches cost.
    scores = np.array([[0.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.5, 0.5, 0.5]])
    assert best_path(scores, min_windows=2, penalty=0.5) == [(1, 0, 6)]
    # With cheap switches the two windows are worth it; with one window allowed, only the one.
    assert best_path(scores, min_windows=2, penalty=0.1) == [(1, 0, 2), (0, 2, 4), (1, 4, 6)]
    assert best_path(scores, min_windows=1, penalty=0.1) == [(1, 0, 2), (0, 2, 3), (1, 3, 6)]
    # Long enough and clearly better: two segments, split where the evidence changes.
    scores = np.array([[1.0, 1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]])
    assert best_path(scores, min_windows=2, penalty=0.5) == [(0, 0, 3), (1, 3, 6)]
    # A switch that gains less than its penalty is not made.
    assert best_path(scores * 0.1, min_windows=2, penalty=1.0) in ([(0, 0, 6)], [(1, 0, 6)])


def test_a_joined_track_of_two_exercises_is_split_and_counted(tracks_dir: Path, rules: dict) -> None:
    pieces = [_load(tracks_dir, c) for c in (SQUATS, BRIDGE, SQUATS, HIP)]
    joined = join_tracks(pieces)
    starts = np.cumsum([0.0] + [float(p.t[-1] - p.t[0]) + 1 / p.fps for p in pieces])
    segments = recognise(joined, rules)
    found = [s for s in segments if s.exercise != NONE]
    assert [s.exercise for s in found] == ["bridge", "hip_stretch"], segments
    for seg, clip, start in zip(found, (BRIDGE, HIP), (starts[1], starts[3])):
        lab = _label(clip)
        first, last = activity(lab) or (0.0, 0.0)
        assert abs(seg.start_s - (start + first)) <= 2.0, (seg, start + first)
        assert abs(seg.end_s - (start + last)) <= 2.0, (seg, start + last)
        assert seg.reps == lab["rep_count"]
        assert 0.0 < seg.confidence <= 1.0
    # The squats between are nobody's exercise.
    assert segments[0].exercise == NONE and segments[0].start_s == pytest.approx(0.0)


@pytest.mark.parametrize(
    "clip",
    [
        "other/HonzaCzSk-polybag__kocici_hrbet_cat_back",  # on all fours like the bird dog
        "other/SiMikey-Gym-WebApp__videoplayback_1_dead_bug",  # on the back like four exercises
        "other/trajnovd-workout-app__plank",
    ],
)
def test_other_footage_alone_is_none(tracks_dir: Path, rules: dict, clip: str) -> None:
    segments = recognise(_load(tracks_dir, clip), rules)
    assert segments and {s.exercise for s in segments} == {NONE}, segments


def test_a_picture_is_none(tracks_dir: Path, rules: dict) -> None:
    segments = recognise(_load(tracks_dir, "bridge/yuhonas-free-exercise-db__Butt_Lift_Bridge_0"), rules)
    assert [s.exercise for s in segments] == [NONE]


def test_analyze_auto_on_a_track_writes_the_segments(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path
) -> None:
    joined = tmp_path / "routine.npz"
    join_tracks([_load(tracks_dir, c) for c in (SQUATS, HUGS)]).save(joined)
    out = tmp_path / "out"
    assert main(["analyze", str(joined), "--exercise", "auto", "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    printed = capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    found = [s for s in report["segments"] if s["exercise"] != NONE]
    assert [s["exercise"] for s in found] == ["leg_stretch"]
    assert found[0]["reps"] == _label(HUGS)["rep_count"]
    assert set(found[0]) >= {"exercise", "start_s", "end_s", "confidence", "reps", "holds"}
    assert "Leg stretch" in printed and f"{found[0]['reps']} reps" in printed
    assert (out / "track.npz").is_file() and not (out / "annotated.mp4").exists()


def test_a_wrong_exercise_value_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path
) -> None:
    track = str(tracks_dir / f"{BRIDGE}.npz")
    assert main(["analyze", track, "--exercise", "atuo", "--out", str(tmp_path / "o")]) == 2
    assert one_line_error(capsys.readouterr().err).startswith("unknown exercise 'atuo'")


def test_auto_on_a_picture_and_with_save_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import cv2

    picture = tmp_path / "p.png"
    cv2.imwrite(str(picture), np.zeros((64, 64, 3), np.uint8))
    assert main(["analyze", str(picture), "-e", "auto", "-o", str(tmp_path / "o")]) == 2
    assert "a single picture has no movement" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()
    assert main(["analyze", str(picture), "-e", "auto", "-o", str(tmp_path / "o"), "--save"]) == 2
    assert one_line_error(capsys.readouterr().err).startswith("--save keeps one exercise's session")


def test_routine_eval_needs_tracks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--variants", "routine", "--labels", str(LABELS)]) == 2
    assert (
        one_line_error(capsys.readouterr().err) == "--variants routine joins the saved tracks: add --tracks"
    )


def test_routine_eval_measures_what_it_found(tracks_dir: Path, rules: dict) -> None:
    report = routine_eval(LABELS, tracks_dir, rules, routines=2, seed=3)
    s = report["summary"]
    assert s["segments"] == len(report["segments"]) >= 6  # 3-5 clips per routine
    for r in report["segments"]:
        assert r["found"] in (*rules, NONE)
    right = [r for r in report["segments"] if r["found"] == r["exercise"]]
    assert s["exercise_right_share"] == pytest.approx(len(right) / s["segments"])
    assert s["others"] == 8 and 0.0 <= s["others_none_share"] <= 1.0


@pytest.mark.footage
@pytest.mark.slow
def test_a_real_video_of_two_exercises_is_split_and_counted(footage: Path, tmp_path: Path) -> None:
    # Squats, then glute bridges, then straight-leg hugs: one portrait video, as one phone filmed it.
    clips = [footage / f"{c}.mp4" for c in (SQUATS, BRIDGE, HUGS)]
    video = tmp_path / "routine.mp4"
    inputs = [a for c in clips for a in ("-i", str(c))]
    scale = ";".join(f"[{i}:v]scale=540:960,setsar=1,fps=30[v{i}]" for i in range(3))
    ffmpeg(*inputs, "-filter_complex", f"{scale};[v0][v1][v2]concat=n=3:v=1:a=0[v]", "-map", "[v]",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(video))  # fmt: skip
    out = tmp_path / "out"
    assert main(["analyze", str(video), "--exercise", "auto", "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    found = [s for s in report["segments"] if s["exercise"] != NONE]
    assert [(s["exercise"], s["reps"]) for s in found] == [
        ("bridge", _label(BRIDGE)["rep_count"]),
        ("leg_stretch", _label(HUGS)["rep_count"]),
    ], report["segments"]
