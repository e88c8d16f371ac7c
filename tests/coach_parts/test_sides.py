"""SideVotes: which side a rep worked."""

import math

from posecheck.coach.sides import SideVotes

NAN = math.nan


def test_no_votes_no_side() -> None:
    votes = SideVotes()
    votes.add(NAN, NAN, "max")
    assert not votes.any()
    assert votes.side() is None


def test_the_side_with_more_votes_wins() -> None:
    votes = SideVotes()
    for left, right in [(0.5, 0.1), (0.1, 0.5), (0.1, 0.6)]:
        votes.add(left, right, "max")
    assert votes.side() == "right"


def test_min_picks_the_lower_side() -> None:
    votes = SideVotes()
    votes.add(0.5, 0.1, "min")
    assert votes.side() == "right"


def test_a_tie_goes_to_the_left() -> None:
    votes = SideVotes()
    votes.add(0.5, 0.1, "max")
    votes.add(0.1, 0.5, "max")
    assert votes.side() == "left"


def test_frames_seeing_both_sides_outrank_one_sided_frames() -> None:
    votes = SideVotes()
    for _ in range(5):
        votes.add(NAN, 0.3, "max")  # only the right seen: a guess
    votes.add(0.5, 0.1, "max")  # both seen: the left is higher
    assert votes.side() == "left"
    assert votes.votes() == [1, 0]


def test_one_sided_frames_decide_when_no_frame_saw_both() -> None:
    votes = SideVotes()
    votes.add(NAN, 0.3, "max")
    votes.add(NAN, 0.2, "max")
    votes.add(0.4, NAN, "max")
    assert votes.any()
    assert votes.side() == "right"
