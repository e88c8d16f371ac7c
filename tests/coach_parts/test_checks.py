"""FormChecks: frame checks held for min_s in their phase, and checks on a rep's peak."""

import pytest

from posecheck.coach.cues import CUE_SHOW_S

CHECKS = [
    {"id": "arch", "phase": "target", "when": [{"metric": "bend", "above": 100}], "min_s": 0.5,
     "cue": "Don't arch.", "severity": "fault"},
    {"id": "feet", "phase": "any", "when": [{"metric": "bend", "below": 20}], "min_s": 0.3,
     "cue": "Keep your feet down.", "severity": "warn"},
    {"id": "low", "at": "rep_peak", "when": [{"metric": "lift", "below": 40}],
     "cue": "Lift higher.", "severity": "fault"},
]  # fmt: skip
ARCHED, FEET_UP, FINE = {"bend": 120.0}, {"bend": 10.0}, {"bend": 60.0}


@pytest.fixture
def parts(make_parts, make_rules):
    return make_parts(make_rules(checks=CHECKS))


def run(parts, metrics: dict[str, float], phase: str, times: list[float]) -> list[list[str]]:
    """The fault ids returned on each frame."""
    return [parts.checks.update(t, metrics, phase) for t in times]


def test_a_frame_check_fires_only_after_min_s_in_its_phase(parts, ticks) -> None:
    assert run(parts, ARCHED, "rest", ticks(0.0, 3.0)) == [[]] * 25
    assert parts.said() == []
    faults = run(parts, ARCHED, "target", ticks(3.125, 4.0))
    assert faults == [[]] * 4 + [["arch"]] * 4  # from 3.625, 0.5 s after the check began
    assert parts.said() == ["arch"]  # said once, raised on every frame


def test_an_interrupted_condition_starts_its_min_s_again(parts, ticks) -> None:
    run(parts, ARCHED, "target", ticks(0.0, 0.375))
    run(parts, FINE, "target", [0.5])
    assert run(parts, ARCHED, "target", ticks(0.625, 1.0)) == [[]] * 4
    assert parts.said() == []


def test_any_phase_means_every_phase_but_setup(parts, ticks) -> None:
    run(parts, FEET_UP, "setup", ticks(0.0, 2.0))
    assert parts.said() == []
    run(parts, FEET_UP, "moving", ticks(2.125, 2.5))
    assert parts.said() == ["feet"]


def test_only_fault_checks_return_their_id(parts, ticks) -> None:
    faults = run(parts, FEET_UP, "rest", ticks(0.0, 1.0))
    assert faults == [[]] * 9
    assert parts.said() == ["feet"]
    assert parts.board.current(1.0).severity == "warn"


def test_the_cue_is_taken_off_a_moment_after_the_condition_ends(parts, ticks) -> None:
    run(parts, ARCHED, "target", ticks(0.0, 4.0))
    run(parts, FINE, "target", ticks(4.125, 4.0 + CUE_SHOW_S))
    assert parts.board.shown_since("arch") == 4.0  # the last frame it was raised on
    run(parts, FINE, "target", [4.125 + CUE_SHOW_S])
    assert parts.board.shown_since("arch") is None


def test_rep_peak_checks_run_on_the_peak_only(parts, ticks) -> None:
    low_peak = {"lift": 30.0, **FINE}
    assert run(parts, low_peak, "target", ticks(0.0, 2.0)) == [[]] * 17  # not a frame check
    assert parts.checks.at_peak({"lift": 50.0}, 2.0) == []
    assert parts.checks.at_peak(low_peak, 2.5) == ["low"]
    [cue] = parts.board.log
    assert (cue.id, cue.t, cue.severity) == ("low", 2.5, "fault")


def test_relative_checks_read_from_the_learned_start(make_parts, make_rules, ticks) -> None:
    drift = {"id": "drift", "when": [{"metric": "lift", "above": 5, "relative": True}], "min_s": 0.0,
             "cue": "Stay where you started.", "severity": "fault"}  # fmt: skip
    parts = make_parts(make_rules(checks=[drift]))
    assert run(parts, {"lift": 50.0}, "rest", [0.0]) == [[]]  # no start learned yet
    parts.reader.baseline = {"lift": 40.0}
    assert run(parts, {"lift": 44.0}, "rest", [0.125]) == [[]]
    assert run(parts, {"lift": 46.0}, "rest", [0.25]) == [["drift"]]
