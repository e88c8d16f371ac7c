"""One exercise, two forms: the pelvic tilt lying on the back (the handout's) and on all fours, each
counted by its own movement (``[forms.<posture>.movement]`` in the rule file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecheck.coach.loader import load_exercise
from posecheck.coach.session import score_track
from posecheck.track import Track
from tests.synthetic import hips_sliding_on_back

ROOT = Path(__file__).resolve().parents[1]
TRACKS = ROOT / "sample_videos" / "tracks" / "pelvic_tilt"
LABELS = json.loads((ROOT / "sample_videos" / "labels.json").read_text())
SUPINE = "HonzaCzSk-polybag__podsazeni_panve_pelvic_tilt"
ALL_FOURS = "BloomFit__pelvic_tilt_quadruped"
KNEE_ROLLS = ROOT / "sample_videos/tracks/spine_stretch/Hpy2GitHub-merged-exercise__lower-trunk-rotation.npz"


def labelled(stem: str) -> list[tuple[float, float]]:
    """The labelled reps' (start, end) times of a pelvic-tilt clip."""
    [entry] = [v for k, v in LABELS.items() if Path(k).stem == stem]
    return [(r["start_s"], r["end_s"]) for r in entry["reps"]]


def test_the_movement_is_the_forms_in_its_posture_and_the_files_otherwise() -> None:
    rules = load_exercise("pelvic_tilt")
    assert rules.in_form("supine") is rules
    assert rules.in_form("standing") is rules
    on_all_fours = rules.in_form("quadruped")
    assert on_all_fours.movement == rules.forms["quadruped"].movement != rules.movement
    assert on_all_fours.metrics == rules.metrics and on_all_fours.checks == rules.checks


@pytest.mark.parametrize(("stem", "key", "counted"), [(SUPINE, "hip_slide", 2), (ALL_FOURS, "tilt", 5)])
def test_each_form_is_counted_by_its_own_movement(stem: str, key: str, counted: int) -> None:
    # The all-fours clip's 6th tuck is still held when the clip ends (it never comes back): 5.
    scored = score_track(load_exercise("pelvic_tilt"), Track.load(TRACKS / f"{stem}.npz"), keep_feedback=True)
    assert scored.feedback is not None and scored.feedback[-1].key_metric == key
    reps = scored.summary.rep_events
    assert len(reps) == counted
    for rep, (start, end) in zip(reps, labelled(stem), strict=False):
        assert rep.start_s < end and start < rep.end_s  # each count overlaps its labelled tilt


def test_without_its_form_the_all_fours_clip_is_not_counted_by_the_lying_movement() -> None:
    # The hip slide of a supine tilt is 0.03-0.05 torso lengths with the angles still; on all fours
    # the angle swings 6-10 degrees as well: the lying movement is not the one for that posture.
    rules = load_exercise("pelvic_tilt")
    lying_only = rules.model_copy(update={"forms": {}})
    track = Track.load(TRACKS / f"{ALL_FOURS}.npz")
    assert score_track(lying_only, track).summary.reps_total == 0
    assert score_track(rules, track).summary.reps_total == 5


def test_knee_rolls_are_not_tilts_and_say_why() -> None:
    # Rolling the knees aside moves the hip and knee angles 38 and 60 degrees (`throughout`), and
    # the feet come down elsewhere: each roll is reported, none counted, and no hold is timed.
    track = Track.load(KNEE_ROLLS)
    summary = score_track(load_exercise("pelvic_tilt"), track).summary
    assert summary.reps_total == 0 and not summary.holds
    moved = [u for u in summary.uncounted if u.reason == "other_parts_moved"]
    assert len(moved) >= 2 and all("Other parts moved" in u.text for u in moved)


def test_without_throughout_a_knee_roll_is_counted_as_a_tilt() -> None:
    # What `throughout` guards against: the knees coming back with the hips slid reads as a tilt.
    rules = load_exercise("pelvic_tilt")
    loose = rules.model_copy(update={"movement": rules.movement.model_copy(update={"throughout": []})})
    track = Track.load(KNEE_ROLLS)
    summary = score_track(loose, track).summary
    assert summary.reps_total > 0 or summary.holds


def test_tilts_rocked_with_the_breath_are_each_counted() -> None:
    # The handout: "rock slowly with your breath, 8 to 12 times". Each tuck held 0.7 s, 1.5 s back
    # at the start between them: ten tilts, ten counts.
    plan = [(3.0, 0.0)] + [(0.7, 0.03), (1.5, 0.0)] * 10
    assert score_track(load_exercise("pelvic_tilt"), hips_sliding_on_back(plan)).summary.reps_total == 10
