"""A looping animation is played twice and counted in its second play (one loop's worth)."""

from __future__ import annotations

import pytest

from posecheck.coach.feedback import HoldEvent, HoldPosition, RepEvent, SessionSummary, UncountedRep
from posecheck.coach.session import count_last_play, loop_seconds
from posecheck.track import Track


def _summary(reps: list[RepEvent], holds: list[HoldEvent]) -> SessionSummary:
    return SessionSummary(
        exercise="bird_dog",
        duration_s=6.0,
        reps_total=len(reps),
        reps_left=sum(r.side == "left" for r in reps),
        reps_right=sum(r.side == "right" for r in reps),
        rep_events=reps,
        holds=holds,
        cues=[],
        frames_total=60,
        frames_with_pose=60,
        warnings=["earlier warning"],
        notes=[],
    )


def test_counts_what_ends_in_the_second_play_and_caps_holds_at_one_loop() -> None:
    first = RepEvent("left", 0.2, 1.0)  # seen again in the second play: not counted twice
    seam = RepEvent("right", 2.0, 4.0)  # across the seam: only whole when looped
    second = RepEvent("left", 3.2, 4.0)
    held_through = HoldEvent(None, 0.5, 6.0, 5.5, True)  # a pose held through the seam
    early = HoldEvent("left", 0.2, 0.9, 0.7, False)
    s = count_last_play(_summary([first, seam, second], [early, held_through]), loop_s=3.0)
    assert s.rep_events == [seam, second]
    assert (s.reps_total, s.reps_left, s.reps_right) == (2, 1, 1)
    assert [h.seconds for h in s.holds] == [3.0]
    assert s.warnings[0] == "earlier warning" and "looping animation" in s.warnings[1]


def test_a_hold_through_the_seam_keeps_the_positions_of_one_loop() -> None:
    # Hands forward, then walked aside, in each play: each place once.
    places = (HoldPosition(0.5, 1.5, 1.0), HoldPosition(2.0, 2.9, 0.9))
    again = (HoldPosition(3.5, 4.5, 1.0), HoldPosition(5.0, 5.9, 0.9))
    held = HoldEvent(None, 0.5, 5.9, 5.4, True, places + again)
    (hold,) = count_last_play(_summary([], [held]), loop_s=3.0).holds
    assert hold.positions == again


def test_uncounted_reps_are_those_that_end_in_the_second_play() -> None:
    # A movement cut off by the first frame is whole in the second play; one the second play sees
    # go wrong is kept, once.
    cut = UncountedRep(
        None, 0.0, 0.8, "started_before_recording", "This one began before the recording started."
    )
    unseen_first = UncountedRep("left", 1.1, 2.0, "unseen", "I could not see your knees.")
    unseen = UncountedRep("left", 4.1, 5.0, "unseen", "I could not see your knees.")
    s = _summary([RepEvent("right", 3.2, 4.0)], [])
    s.uncounted = [cut, unseen_first, unseen]
    out = count_last_play(s, loop_s=3.0)
    assert out.uncounted == [unseen]
    assert out.reps_total == 1


def test_sideless_counts_stay_none() -> None:
    s = _summary([RepEvent(None, 2.0, 4.0)], [])
    s.reps_left = s.reps_right = None
    out = count_last_play(s, loop_s=3.0)
    assert out.reps_total == 1 and out.reps_left is None and out.reps_right is None


@pytest.mark.parametrize(("meta", "expected"), [({"loop_s": 3.12}, 3.12), ({}, None), ({"loop_s": 0}, None)])
def test_loop_seconds_comes_from_the_track(meta: dict[str, float], expected: float | None) -> None:
    assert loop_seconds(Track.empty(10, 10, 30.0, meta)) == expected
