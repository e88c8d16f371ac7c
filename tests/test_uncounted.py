"""Nothing is dropped in silence: movements the gates or the camera keep from counting are reported.

All on committed tracks of real clips.
"""

from __future__ import annotations

from pathlib import Path

from posecheck.coach.loader import load_exercise
from posecheck.coach.session import score_track
from posecheck.track import Track

TRACKS = Path(__file__).resolve().parents[1] / "sample_videos" / "tracks"


def test_a_movement_done_in_another_posture_is_reported_with_the_posture_seen() -> None:
    # Knee hugs lying on the back look like the child's pose's hip fold, which is done kneeling.
    track = Track.load(TRACKS / "lower_tummy/ndnam0109-fitness-content__lay_back_knee_hugs.npz")
    summary = score_track(load_exercise("lower_back_stretch"), track).summary
    assert summary.reps_total == 0 and not summary.holds
    assert summary.uncounted and {u.reason for u in summary.uncounted} == {"posture"}
    assert all("lying on your back" in u.text for u in summary.uncounted)


def test_a_movement_too_small_to_reach_the_target_is_reported_where_it_happened() -> None:
    # Supine pelvic tilts move the pelvis a few pixels: the first labelled tilt (4.0-9.0 s) goes a
    # good part of the way to the target and back, and is reported instead of a bare 0.
    track = Track.load(TRACKS / "pelvic_tilt/HonzaCzSk-polybag__podsazeni_panve_pelvic_tilt.npz")
    summary = score_track(load_exercise("pelvic_tilt"), track).summary
    assert summary.reps_total == 0
    [near_miss] = summary.uncounted
    assert near_miss.reason == "not_far_enough" and "too small for the camera" in near_miss.text
    assert near_miss.start_s + 1.0 >= 4.0 and near_miss.end_s <= 9.0 + 1.0


def test_the_labelled_clips_of_an_exercise_report_no_near_misses_of_their_own() -> None:
    # A near miss needs a deliberate movement: the real reps of a clean clip are counted, none reported.
    track = Track.load(TRACKS / "bridge/ndnam0109-fitness-content__glute_bridges.npz")
    summary = score_track(load_exercise("bridge"), track).summary
    assert summary.reps_total == 3 and not summary.uncounted
