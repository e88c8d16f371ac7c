"""HoldClock and BounceDetector: timing a hold, and telling a held stretch from a bounced one."""

import math

import pytest

from posecheck.coach.holds import BounceDetector, HoldClock
from posecheck.coach.schema import Timing

TIMING = Timing(bounce_turns=3, bounce_window_s=2.0, bounce_min_deg=5.0)


def bounce_flags(values: list[float], dt: float) -> list[bool]:
    detector = BounceDetector(TIMING)
    return [detector.update(i * dt, v) for i, v in enumerate(values)]


def test_a_new_clock_has_held_nothing() -> None:
    clock = HoldClock()
    assert not clock.running and not clock.touched()
    assert clock.elapsed(5.0) == 0.0


def test_the_clock_pauses_and_resumes_without_resetting() -> None:
    clock = HoldClock()
    clock.start(1.0)
    clock.start(2.0)  # already counting: keeps the first start
    assert clock.elapsed(3.0) == 2.0
    clock.pause(3.0)
    clock.pause(4.0)  # already paused: nothing changes
    assert not clock.running and clock.touched()
    assert clock.elapsed(10.0) == 2.0
    clock.start(5.0)
    assert clock.elapsed(6.5) == 3.5
    clock.pause(7.0)
    assert clock.held_s == 4.0


def test_a_clock_can_start_running() -> None:
    clock = HoldClock(running_since=2.0)
    assert clock.running and clock.touched()
    assert clock.elapsed(3.5) == 1.5


def test_bouncing_after_bounce_turns_direction_changes_within_the_window() -> None:
    flags = bounce_flags([100, 110, 100, 110, 100], dt=0.2)
    assert flags == [False, False, False, False, True]  # turns at the 3rd, 4th and 5th value


def test_gradual_swings_count_once_they_are_big_enough() -> None:
    swing = [100, 102.5, 105, 107.5, 110, 107.5, 105, 102.5, 100]
    flags = bounce_flags(swing + swing[1:] + swing[1:], dt=0.1)
    # Turns at 105 on the way down (index 6), 105 on the way up (10), 105 down again (14).
    assert flags.index(True) == 14


def test_the_detector_starts_over_after_reporting() -> None:
    flags = bounce_flags([100, 110, 100, 110, 100, 110, 100], dt=0.2)
    assert flags == [False, False, False, False, True, False, False]


@pytest.mark.parametrize(
    "values",
    [
        [100 + i for i in range(30)],  # slow drift deeper into the stretch
        [100, 103, 100, 103, 100, 103, 100, 103],  # wobbles smaller than bounce_min_deg
        [100, 110, 100, math.nan, 100, math.nan, 100],  # unseen frames are no movement
    ],
)
def test_drift_and_small_wobbles_are_not_bouncing(values) -> None:
    assert not any(bounce_flags(values, dt=0.2))


def test_turns_spread_wider_than_the_window_are_not_bouncing() -> None:
    values = [100, 110, 100, 110, 100, 110]
    assert not any(bounce_flags(values, dt=1.5))  # turns 1.5 s apart: two at most within 2 s
