"""One picture: the position it shows and the form cues that apply to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.coach.feedback import Feedback
from posecheck.coach.session import score_track
from posecheck.coach.still import NO_PERSON_NOTE, read_picture, read_still
from posecheck.evaluate import evaluate
from posecheck.track import Track
from tests.synthetic import rules

REPO = Path(__file__).resolve().parents[1]
TRACKS = REPO / "sample_videos" / "tracks"


def test_bridge_pictures_read_start_target_and_between() -> None:
    bridge = rules("bridge")
    down = read_still(bridge, {"hip_line": 130.0, "hip_height": 0.05, "hip_lift": 0.0}, "supine")
    assert down.position == "start" and "start position of the bridge" in down.note and down.cues == ()
    top = read_still(bridge, {"hip_line": 172.0, "hip_height": 0.35, "hip_lift": 0.0}, "supine")
    assert top.position == "target" and top.cues == ()
    half = read_still(bridge, {"hip_line": 155.0, "hip_height": 0.2, "hip_lift": 0.0}, "supine")
    assert half.position == "between"


def test_the_target_position_gets_the_form_cues_that_apply_to_it() -> None:
    # At the top, but arched: the hips are well above the shoulder-knee line.
    arched = read_still(rules("bridge"), {"hip_line": 170.0, "hip_height": 0.4, "hip_lift": 0.15}, "supine")
    assert arched.position == "target"
    assert arched.cues == ("Don't arch: stop when your shoulders, hips and knees are in a line.",)
    # "Lift your hips" is judged at a rep's peak: a picture at the top still below 165 gets it.
    low_top = read_still(rules("bridge"), {"hip_line": 162.0, "hip_height": 0.3, "hip_lift": 0.0}, "supine")
    assert low_top.position == "target" and any("Lift your hips" in c for c in low_top.cues)


def test_a_picture_in_another_posture_gets_the_posture_cue() -> None:
    bridge = rules("bridge")
    reading = read_still(bridge, {"hip_line": 175.0, "hip_height": 0.9}, "standing")
    assert reading.position == "other_posture"
    assert "someone standing" in reading.note and bridge.posture.cue in reading.note


def test_relative_thresholds_cannot_be_judged_from_one_picture() -> None:
    # The hip flexor stretch measures the front hip against the person's own start: say so.
    metrics = {"front_hip.left": 160.0, "front_hip.right": 95.0, "back_hip_ext.left": 10.0}
    metrics |= {"back_hip_ext.right": 80.0, "knee_above_ankle.left": -0.2, "knee_above_ankle.right": 0.9}
    reading = read_still(rules("hip_stretch"), metrics, "half_kneeling")
    assert reading.position == "unknown" and "one picture cannot tell" in reading.note.lower()


def test_unmeasurable_metrics_are_not_a_position() -> None:
    reading = read_still(rules("bridge"), {"hip_line": float("nan"), "hip_height": 0.05}, "supine")
    assert reading.position == "unknown"
    assert "does not show all the body parts" in reading.note and "Side-on" in reading.note


def test_nobody_in_the_picture_says_so() -> None:
    fb = Feedback(
        t=0.0, person_found=False, posture="unknown", view="unknown", phase="setup", reps_total=0,
        reps_left=0, reps_right=0, hold_s=0.0, hold_target_s=None, side=None, cue=None,
        new_cues=[], events=[], key_metric="hip_line", key_value=float("nan"), metrics={},
    )  # fmt: skip
    posture, reading = read_picture(rules("bridge"), fb)
    assert posture == "unknown" and reading.position == "unknown" and reading.note == NO_PERSON_NOTE


@pytest.mark.parametrize(
    ("name", "position"),
    [
        ("yuhonas-free-exercise-db__Butt_Lift_Bridge_0", "start"),
        ("yuhonas-free-exercise-db__Butt_Lift_Bridge_1", "target"),
    ],
)
def test_labelled_bridge_pictures_from_their_tracks(name: str, position: str) -> None:
    # Labelled start (lying, knees bent) and end (hips up in a line) in ../shared/videos/labels.json.
    track = Track.load(TRACKS / "bridge" / f"{name}.npz")
    feedback = score_track(rules("bridge"), track, keep_feedback=True).feedback
    posture, reading = read_picture(rules("bridge"), feedback[-1])
    assert posture == "supine" and reading.position == position


def test_eval_reads_every_labelled_picture_and_never_the_opposite_position() -> None:
    labels = REPO / "sample_videos" / "labels.json"
    report = evaluate(labels, TRACKS, variants=("original",))
    stills = report["stills"]
    assert len(stills) == report["summary"]["stills"]["pictures"] == 20
    opposite = {"start": "target", "end": "start"}
    for r in stills:
        assert r["read"] != opposite.get(r["labelled"]), r
    assert sum(r["right"] is True for r in stills) == report["summary"]["stills"]["right"]
