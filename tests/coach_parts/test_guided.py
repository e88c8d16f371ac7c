"""GuidedTimer with the shipped deep abdominal rules: holds paced by a timer, dose 5-10 s, rest 10 s."""

import pytest

from posecheck.coach.feedback import HoldEvent
from posecheck.coach.guided import MIN_GUIDED_HOLD_S, GuidedTimer
from posecheck.coach.loader import load_exercise

DT = 0.125
# Lying still with the knees bent and the feet down: in position. Straight legs: out of it.
IN_POSITION = {
    "knee_bend": 80.0,
    "hip_angle": 130.0,
    "foot_height": 0.0,
    "hip_height": 0.05,
    "knee_height": 0.5,
}
OUT = {**IN_POSITION, "knee_bend": 150.0}
ARMED_AT = 1.375  # still and supine from 0.375 (posture steady) for calibrate_s


class Rig:
    """A GuidedTimer fed one frame every DT, lying on the back unless told otherwise."""

    def __init__(self, parts) -> None:
        self.parts = parts
        self.timer = GuidedTimer(parts.rules, parts.reader, parts.gate, parts.arming, parts.board)
        self.t = 0.0
        self.events: list[str] = []

    def play(self, metrics: dict[str, float], until: float, posture: str = "supine") -> None:
        while self.t <= until:
            self.parts.gate.update(self.t, posture)
            self.timer.update(self.t, metrics, True, self.events)
            self.t += DT


@pytest.fixture
def rig(make_parts) -> Rig:
    rules = load_exercise("deep_abdominal")
    assert (rules.dose.hold_s, rules.dose.rest_s) == ((5, 10), 10.0)
    return Rig(make_parts(rules))


def test_a_hold_starts_when_armed_in_position_and_counts_when_held_throughout(rig) -> None:
    rig.play(IN_POSITION, until=12.0)
    assert rig.events == ["armed", "hold_start", "rep"]
    assert rig.timer.holds == [HoldEvent(None, ARMED_AT, ARMED_AT + 10, 10.0, True)]
    [rep] = rig.timer.reps
    assert (rep.start_s, rep.end_s, rep.hold_s) == (ARMED_AT, ARMED_AT + 10, 10.0)
    assert rig.parts.said() == ["draw_in", "relax"]


def test_the_next_hold_waits_for_the_rest_and_the_position(rig) -> None:
    rig.play(IN_POSITION, until=12.0)
    rig.play(OUT, until=25.0)  # rested from 21.375, but out of position
    assert rig.timer.phase == "rest" and rig.events.count("hold_start") == 1
    rig.play(IN_POSITION, until=26.0)
    assert rig.timer.hold is not None and rig.timer.hold.start_s == 25.125


def test_in_position_after_the_rest_time_starts_the_next_hold_at_once(rig) -> None:
    rig.play(IN_POSITION, until=22.0)
    assert rig.timer.hold is not None and rig.timer.hold.start_s == ARMED_AT + 10 + 10


@pytest.mark.parametrize(("last_in", "counted"), [(6.25, True), (6.125, False)])
def test_a_hold_counts_only_if_held_for_the_dose_minimum(rig, last_in: float, counted: bool) -> None:
    rig.play(IN_POSITION, until=last_in)  # paused at the next frame: held 5.0 s or 4.875 s
    rig.play(OUT, until=12.0)
    assert len(rig.timer.reps) == len(rig.timer.holds) == int(counted)
    assert ("short_hold" in rig.parts.said()) is not counted


def test_a_short_hold_says_how_long_it_was(rig) -> None:
    rig.play(IN_POSITION, until=4.0)
    rig.play(OUT, until=12.0)
    [cue] = [c for c in rig.parts.board.log if c.id == "short_hold"]
    assert cue.text.startswith("You held the position for 3 s")
    assert rig.timer.reps == [] and rig.timer.holds == []


def test_passing_through_the_position_says_nothing_about_the_hold(rig) -> None:
    rig.play(IN_POSITION, until=ARMED_AT + MIN_GUIDED_HOLD_S - 2 * DT)
    rig.play(OUT, until=12.0)
    assert rig.events == ["armed", "hold_start"]
    assert "short_hold" not in rig.parts.said()
    assert rig.timer.reps == [] and rig.timer.holds == []


def test_open_hold_only_once_the_dose_minimum_is_held(rig) -> None:
    rig.play(IN_POSITION, until=8.0)
    assert rig.timer.hold_now(ARMED_AT + 4) == 4.0
    assert rig.timer.open_hold(ARMED_AT + 4) is None
    assert rig.timer.open_hold(8.0) == HoldEvent(None, ARMED_AT, 8.0, 8.0 - ARMED_AT, True)


def test_leaving_the_posture_ends_the_hold_without_relax(rig) -> None:
    rig.play(IN_POSITION, until=8.0)
    rig.play(OUT, until=10.0, posture="standing")  # standing steady from 8.5, leave_s = 1.5
    assert rig.timer.phase == "setup" and rig.timer.hold is None
    assert [h.seconds for h in rig.timer.holds] == [8.125 - ARMED_AT]
    assert "relax" not in rig.parts.said()
