"""RepCounter: rest -> target -> rest is one rep, with its side, hold and faults."""

import pytest

from posecheck.coach.feedback import HoldEvent
from posecheck.coach.reps import RepCounter

DT = 0.125
REST, MID, TARGET = {"lift": 0.0}, {"lift": 15.0}, {"lift": 30.0}  # rest below 10, target above 20
HOLD = {"kind": "hold", "dose": {"reps": [1, 3], "hold_s": [1.0, 10.0]}}


class Rig:
    """A RepCounter fed one frame every DT, lying on the back unless told otherwise."""

    def __init__(self, parts, make_frame) -> None:
        self.parts = parts
        self.counter = RepCounter(
            parts.rules, parts.reader, parts.gate, parts.arming, parts.checks, parts.board
        )
        self.frame = make_frame()
        self.t = 0.0
        self.events: list[str] = []

    def play(self, metrics: dict[str, float], until: float, posture: str = "supine") -> None:
        """Frames from the next one up to ``until`` inclusive."""
        while self.t <= until:
            self.parts.gate.update(self.t, posture)
            self.counter.update(self.t, self.frame, metrics, True, self.events)
            self.t += DT


@pytest.fixture
def rig(make_parts, make_rules, make_frame):
    def build(**changes) -> Rig:
        return Rig(make_parts(make_rules(**changes)), make_frame)

    return build


def test_rest_target_rest_is_one_rep(rig) -> None:
    r = rig()
    r.play(REST, until=2.0)  # armed at 0.875
    assert r.counter.phase == "rest"
    r.play(TARGET, until=4.0)
    assert r.counter.phase == "target"
    r.play(REST, until=5.0)  # back at rest from 4.125; complete after min_rest_s
    [rep] = r.counter.reps
    assert (rep.side, rep.start_s, rep.end_s, rep.faults, rep.peak) == (None, 2.0, 4.125, (), 30.0)
    assert rep.hold_s == pytest.approx(1.875, abs=DT)
    assert r.events == ["armed", "target", "rep"]
    assert r.counter.holds == []  # a reps exercise without a hold dose times no holds
    assert r.counter.phase == "rest"


def test_out_and_back_without_the_target_is_no_rep(rig) -> None:
    r = rig()
    r.play(REST, until=2.0)
    r.play(MID, until=3.0)
    assert r.counter.phase == "moving"
    r.play(REST, until=4.0)
    assert r.counter.reps == []
    assert r.counter.phase == "rest" and r.counter.rep is None


def test_a_touch_of_the_target_shorter_than_min_target_s_is_no_rep(rig) -> None:
    r = rig(movement={"min_target_s": 0.5})
    r.play(REST, until=2.0)
    r.play(TARGET, until=2.5)  # in the target from 2.25 (the first frame out of rest starts the rep)
    r.play(REST, until=4.0)
    assert r.counter.reps == []


def test_a_rep_faster_than_min_rep_s_is_too_fast(rig) -> None:
    r = rig()
    r.play(REST, until=2.0)
    r.play(TARGET, until=2.5)
    r.play(REST, until=3.5)
    [rep] = r.counter.reps
    assert rep.end_s - rep.start_s < 1.5
    assert rep.faults == ("too_fast",)
    assert "too_fast" in r.parts.said()


def test_alternating_sides_two_reps_on_the_same_side_get_same_side(rig) -> None:
    r = rig(
        sides="alternate",
        movement={
            "metric": "leg",
            "rest": [{"metric": "leg", "below": 0.1}],
            "target": [{"metric": "leg", "above": 0.3}],
        },
    )
    down = {"leg.left": 0.0, "leg.right": 0.0}
    left_up, right_up = {**down, "leg.left": 0.5}, {**down, "leg.right": 0.5}
    r.play(down, until=2.0)
    for up in (left_up, left_up, right_up):
        r.play(up, until=r.t + 2.0)
        r.play(down, until=r.t + 1.0)
    assert [(rep.side, rep.faults) for rep in r.counter.reps] == [
        ("left", ()),
        ("left", ("same_side",)),
        ("right", ()),
    ]
    assert r.parts.said() == ["same_side"]


def test_a_hold_found_already_in_the_stretch_is_timed_but_no_rep(rig) -> None:
    r = rig(**HOLD)
    r.play(TARGET, until=3.0)  # armed at 0.875, already in the stretch: timed from there
    assert r.events[:3] == ["armed", "target", "hold_start"]
    r.play(REST, until=4.0)
    assert r.counter.reps == []
    assert r.counter.holds == [HoldEvent(None, 0.875, 3.0, 2.125, True)]


def test_a_reps_exercise_found_in_the_target_waits_for_the_rest_position(rig) -> None:
    r = rig()
    r.play(TARGET, until=3.0)
    assert r.counter.phase == "setup" and r.events == []
    r.play(REST, until=4.0)
    assert r.events == ["armed"]


def test_the_hold_clock_pauses_on_a_short_loss_and_resumes(rig) -> None:
    r = rig(**HOLD)
    r.play(REST, until=2.0)
    r.play(TARGET, until=4.0)  # target from 2.25 to 4.0: 1.75 s
    r.play(MID, until=4.5)  # lost for less than max_gap_s
    assert r.counter.phase == "target"
    assert r.counter.hold_now(4.5) == 1.75  # paused
    r.play(TARGET, until=6.0)  # again from 4.625: 1.375 s
    r.play(REST, until=7.0)
    [rep] = r.counter.reps
    [hold] = r.counter.holds
    assert rep.hold_s == hold.seconds == 1.75 + 1.375
    assert (hold.start_s, hold.reached_target) == (2.25, True)


def test_a_loss_longer_than_max_gap_s_is_moving_again(rig) -> None:
    r = rig(**HOLD)
    r.play(REST, until=2.0)
    r.play(TARGET, until=4.0)
    r.play(MID, until=4.875)
    assert r.counter.phase == "target"
    r.play(MID, until=5.125)  # 1.125 s since the target was last seen
    assert r.counter.phase == "moving"


def test_a_short_hold_is_a_fault(rig) -> None:
    r = rig(**{**HOLD, "dose": {"reps": [1, 3], "hold_s": [3.0, 10.0]}})
    r.play(REST, until=2.0)
    r.play(TARGET, until=4.0)
    r.play(REST, until=5.0)
    [rep] = r.counter.reps
    assert rep.faults == ("short_hold",)
    assert r.counter.holds[0].reached_target is False
    assert "short_hold" in r.parts.said()


def test_bouncing_in_the_hold_is_a_fault(rig) -> None:
    r = rig(**HOLD)
    r.play(REST, until=2.0)
    for _ in range(4):
        r.play({"lift": 40.0}, until=r.t + 0.25)
        r.play({"lift": 25.0}, until=r.t + 0.25)
    r.play(REST, until=r.t + 1.0)
    assert "bouncing" in r.counter.reps[0].faults
    assert "bouncing" in r.parts.said()


def test_leaving_the_posture_ends_the_set_and_keeps_the_hold(rig) -> None:
    r = rig(**HOLD)
    r.play(REST, until=2.0)
    r.play(TARGET, until=4.0)
    r.play(MID, until=5.375, posture="standing")  # standing steady from 4.5; leave_s = 1.0
    assert r.counter.phase != "setup"
    r.play(MID, until=5.5, posture="standing")
    assert r.counter.phase == "setup"
    assert r.counter.rep is None and r.parts.gate.ok_since is None
    assert r.counter.reps == []
    assert r.counter.holds == [HoldEvent(None, 2.25, 4.0, 1.75, True)]
    r.play(REST, until=7.0, posture="standing")
    assert r.counter.phase == "setup"


def test_each_rep_starts_at_the_last_rest_frame_before_it(rig) -> None:
    r = rig()
    r.play(REST, until=2.0)
    for rest_end in (2.0, 5.0, 8.0):
        r.play(TARGET, until=rest_end + 2.0)
        r.play(REST, until=rest_end + 3.0)
    assert r.events.count("rep") == 3
    assert [(rep.start_s, rep.end_s) for rep in r.counter.reps] == [(2.0, 4.125), (5.0, 7.125), (8.0, 10.125)]
