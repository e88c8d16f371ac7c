"""MetricReader, pick and side_value: metrics as the rule file means them."""

import math

import pytest

from posecheck.coach.reading import MetricReader, pick, side_value
from posecheck.coach.schema import Condition

NAN = math.nan


@pytest.mark.parametrize(
    ("values", "how", "expected"),
    [
        ((3.0, 7.0), "max", (7.0, 1)),
        ((3.0, 7.0), "min", (3.0, 0)),
        ((5.0, 5.0), "max", (5.0, 0)),  # a tie goes to the left
        ((5.0, 5.0), "min", (5.0, 0)),
        ((NAN, 7.0), "min", (7.0, 1)),  # an unseen side does not win
        ((3.0, NAN), "max", (3.0, 0)),
    ],
)
def test_pick_takes_the_extreme_side(values, how, expected) -> None:
    assert pick(values, how) == expected


def test_pick_of_two_unseen_sides_is_nan() -> None:
    value, index = pick((NAN, NAN), "max")
    assert math.isnan(value) and index == -1


def test_side_value_reads_name_dot_side_and_treats_missing_as_unseen() -> None:
    assert side_value("leg", {"leg.left": 0.1, "leg.right": 0.4}, "max") == 0.4
    assert side_value("leg", {"leg.right": 0.4}, "min") == 0.4
    assert math.isnan(side_value("leg", {}, "min"))


def test_per_side_metrics_are_picked_as_the_movement_says(make_rules) -> None:
    metrics = {"leg.left": 0.1, "leg.right": 0.4, "lift": 12.0}
    assert MetricReader(make_rules(movement={"pick": "max"})).value("leg", metrics) == 0.4
    reader = MetricReader(make_rules(movement={"pick": "min"}))
    assert reader.value("leg", metrics) == 0.1
    assert reader.value("lift", metrics) == 12.0
    assert reader.is_per_side("leg") and not reader.is_per_side("lift")


def test_a_missing_metric_reads_nan_and_meets_no_condition(make_rules) -> None:
    reader = MetricReader(make_rules())
    assert math.isnan(reader.value("lift", {}))
    assert not reader.holds([Condition(metric="lift", below=10)], {})


def test_relative_values_subtract_the_baseline(make_rules) -> None:
    reader = MetricReader(make_rules())
    reader.baseline = {"lift": 40.0}
    assert reader.value("lift", {"lift": 52.0}, relative=True) == 12.0
    assert reader.key_value({"lift": 52.0}) == 52.0  # the key metric is always absolute
    above = Condition(metric="lift", above=10, relative=True)
    assert reader.holds([above], {"lift": 52.0})
    assert not reader.holds([above], {"lift": 45.0})


def test_relative_values_are_nan_until_the_baseline_is_known(make_rules) -> None:
    reader = MetricReader(make_rules())
    assert math.isnan(reader.value("lift", {"lift": 52.0}, relative=True))
    assert not reader.holds([Condition(metric="lift", above=-100, relative=True)], {"lift": 52.0})


def test_holds_needs_every_condition(make_rules) -> None:
    reader = MetricReader(make_rules())
    both = [Condition(metric="lift", above=20), Condition(metric="bend", below=90)]
    assert reader.holds(both, {"lift": 25.0, "bend": 80.0})
    assert not reader.holds(both, {"lift": 25.0, "bend": 95.0})
