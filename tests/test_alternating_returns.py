"""Alternating reps with a short or partial return: each extension is its own rep with its own side.

From the committed bird-dog track (8 alternating reps), with the rule's rest bound moved so far down
(leg_lift below -0.6 instead of -0.4) that the returns between sides no longer reach it: as if the
person went back through all fours with the limbs not quite down. Counted before as 4 reps and one
11 s "rep" flagged same_side.
"""

from __future__ import annotations

from pathlib import Path

from posecheck.coach.loader import load_exercise
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import score_track
from posecheck.track import Track

TRACK = (
    Path(__file__).resolve().parents[1]
    / "sample_videos/tracks/bird_dog/Hpy2GitHub-merged-exercise__bird-dog.npz"
)


def rest_lowered_to(bound: float) -> RuleSet:
    rules = load_exercise("bird_dog")
    rest = [c.model_copy(update={"below": bound}) for c in rules.movement.rest]
    return rules.model_copy(update={"movement": rules.movement.model_copy(update={"rest": rest})})


def test_each_extension_is_a_rep_even_when_the_return_between_sides_is_partial() -> None:
    summary = score_track(rest_lowered_to(-0.6), Track.load(TRACK)).summary
    assert summary.reps_total == 8
    assert [r.side for r in summary.rep_events] == ["left", "right"] * 4
    assert not any("same_side" in r.faults for r in summary.rep_events)
    assert all(r.end_s - r.start_s < 4.0 for r in summary.rep_events)  # no merged 11 s "rep"


def test_without_sides_to_tell_a_partial_return_does_not_split_a_rep() -> None:
    # The same rules without sides: nothing tells the next rep from this one, so nothing splits.
    rules = rest_lowered_to(-0.6)
    rules = rules.model_copy(update={"sides": "none"})
    summary = score_track(rules, Track.load(TRACK)).summary
    assert summary.reps_total < 8


LEG_HUGS = TRACK.parents[1] / "leg_stretch/ndnam0109-fitness-content__straight_leg_hugs.npz"


def test_legs_switched_in_one_movement_are_two_reps_with_their_sides() -> None:
    # A faster person switches legs without resting them: the raised leg's target is lost for less
    # than max_gap_s and never rests long enough to end the rep (min_rest_s raised to 0.6 s makes
    # the committed clip's passes through the rest band that brief). The other side up is the next rep.
    rules = load_exercise("leg_stretch")
    switched = rules.model_copy(update={"movement": rules.movement.model_copy(update={"min_rest_s": 0.6})})
    summary = score_track(switched, Track.load(LEG_HUGS)).summary
    assert [r.side for r in summary.rep_events] == ["right", "left"] * 3
    assert not any("same_side" in r.faults for r in summary.rep_events)
