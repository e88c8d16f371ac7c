"""Arming: when the set starts, and the start values that relative rules are measured from."""

import pytest

from posecheck.coach.arming import stillness_tolerance

RELATIVE = {
    "rest": [{"metric": "lift", "below": 5, "relative": True}],
    "target": [{"metric": "lift", "above": 15, "relative": True}],
}


def drive(parts, frames: list[tuple[float, float]]) -> float | None:
    """Feed (t, lift) frames lying on the back; the time the set was armed, None if never."""
    for t, lift in frames:
        parts.gate.update(t, "supine")
        if parts.arming.arm(t, {"lift": lift}, someone_in_view=True):
            return t
    return None


@pytest.fixture
def relative(make_parts, make_rules):
    return make_parts(make_rules(movement=RELATIVE))


def test_absolute_rules_arm_after_arm_s_in_the_posture(make_parts, make_rules, ticks) -> None:
    parts = make_parts(make_rules())
    armed_at = drive(parts, [(t, 40.0) for t in ticks(0.0, 3.0)])
    assert parts.gate.ok_since == 0.375  # the posture was steady from there
    assert armed_at == 0.375 + 0.5
    assert parts.reader.baseline == {}


def test_no_arming_outside_the_posture(make_parts, make_rules, ticks) -> None:
    parts = make_parts(make_rules())
    for t in ticks(0.0, 3.0):
        parts.gate.update(t, "standing")
        assert not parts.arming.arm(t, {"lift": 0.0}, someone_in_view=True)


def test_the_baseline_is_the_median_of_a_still_stretch(relative, ticks) -> None:
    # Still at 40 with an occasional 43 (within the tolerance of 5): the median ignores the blips.
    frames = [(t, 43.0 if i % 4 == 0 else 40.0) for i, t in enumerate(ticks(0.0, 3.0))]
    armed_at = drive(relative, frames)
    assert armed_at == 0.375 + 1.0  # the posture's start plus calibrate_s
    assert relative.reader.baseline == {"lift": 40.0}
    assert relative.arming.first_move_rest_t is None


def test_no_arming_while_the_metric_wobbles_more_than_the_tolerance(relative, ticks) -> None:
    wobble = [(t, 40.0 if i % 2 else 47.0) for i, t in enumerate(ticks(0.0, 3.0))]
    assert drive(relative, wobble) is None
    assert relative.reader.baseline == {}
    armed_at = drive(relative, [(t, 40.0) for t in ticks(3.125, 6.0)])
    assert armed_at is not None and armed_at > 3.125 + 0.8
    assert relative.reader.baseline == {"lift": 40.0}


def test_the_first_movement_after_half_calibrate_s_of_stillness_arms(relative, ticks) -> None:
    still = [(t, 40.0) for t in ticks(0.0, 0.875)]  # still from 0.375 (posture steady) to 0.875
    assert drive(relative, still) is None
    assert drive(relative, [(1.0, 50.0)]) == 1.0
    assert relative.arming.first_move_rest_t == 0.875
    assert relative.reader.baseline == {"lift": 40.0}


def test_a_still_stretch_shorter_than_half_calibrate_s_does_not_arm_on_a_movement(
    make_parts, make_rules, ticks
) -> None:
    parts = make_parts(make_rules(movement={**RELATIVE, "calibrate_s": 2.0}))
    assert drive(parts, [(t, 40.0) for t in ticks(0.0, 1.125)]) is None  # 0.75 s still: under 1.0
    assert drive(parts, [(1.25, 50.0)]) is None
    assert parts.arming.first_move_rest_t is None


def test_stillness_tolerance_is_the_smallest_relative_bound_per_metric(make_rules) -> None:
    rules = make_rules(
        movement={
            "rest": [{"metric": "lift", "below": 5, "relative": True}, {"metric": "bend", "below": 1}],
            "target": [
                {"metric": "lift", "above": 15, "relative": True},
                {"metric": "leg", "above": -3, "below": 4, "relative": True},
            ],
        }
    )
    assert stillness_tolerance(rules) == {"lift": 5.0, "leg": 3.0}  # bend is absolute: no tolerance
    assert stillness_tolerance(make_rules()) == {}
