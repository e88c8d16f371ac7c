"""Threshold suggestions on synthetic bridges where the right threshold is known."""

import math
from functools import cache

import pytest

from posecheck.agreement import Counted
from posecheck.coach.loader import load_exercise
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import score_track
from posecheck.errors import InputError
from posecheck.suggest import Session, suggest
from posecheck.track import Track
from posecheck.ui.tuning import apply_values
from tests.synthetic import Pose2D, make_track, supine_landmarks

HIP_LINE_TARGET = "movement.target[0].above"


@cache
def bridges(amplitudes: tuple[float, ...], fps: float = 15.0) -> Track:
    """Bridges lifted to ``amplitude`` of a full one each (1 = shoulders, hips and knees in line)."""
    rest = Pose2D(hip_flex_near=45, hip_flex_far=45, knee_flex_near=110, knee_flex_far=110)
    poses = [rest] * int(2 * fps)
    for amp in amplitudes:
        steps = int(2.0 * fps)
        for i in range(steps):
            a = amp * math.sin(math.pi * i / (steps - 1))
            poses.append(Pose2D(hip_flex_near=45 * (1 - a), hip_flex_far=45 * (1 - a), knee_flex_near=110 - 20 * a,
                                knee_flex_far=110 - 20 * a, lift=0.45 * a, torso_tilt=-math.degrees(math.asin(0.45 * a))))  # fmt: skip
        poses += [rest] * int(2 * fps)
    return make_track([supine_landmarks(p) for p in poses], fps=fps)


def peak(rules: RuleSet, amplitude: float) -> float:
    """The hip line posecheck measures at the top of one bridge of ``amplitude``."""
    scored = score_track(rules, bridges((amplitude,)))
    return float(max(v for v in scored.series["hip_line"] if not math.isnan(v)))


def only(rules: RuleSet, ranges: dict[str, tuple[float, float]]) -> RuleSet:
    return rules.model_copy(update={"tuning": ranges})


@pytest.fixture(scope="module")
def bridge() -> RuleSet:
    return load_exercise("bridge")


def test_raises_the_target_above_half_lifts_the_physio_does_not_count(bridge: RuleSet) -> None:
    # Half lifts (0.7 of a bridge) clear the file's target of 160; this physiotherapist counts full ones only.
    shallow, full = peak(bridge, 0.7), peak(bridge, 1.0)
    assert bridge.movement.target[0].above is not None and bridge.movement.target[0].above < shallow < full
    sessions = [
        Session("mixed", bridges((1.0, 0.7, 1.0, 0.7)), Counted(2)),
        Session("full", bridges((1.0, 1.0, 1.0)), Counted(3)),
        Session("half", bridges((0.7, 0.7)), Counted(0)),
    ]
    s = suggest(only(bridge, {HIP_LINE_TARGET: (150.0, 180.0)}), sessions)
    assert [a.posecheck.reps for a in s.before] == [4, 3, 2], "the file's values count the half lifts"
    assert shallow < s.values[HIP_LINE_TARGET] <= full, "the known right threshold lies between the two peaks"
    assert s.summary["after"].exact == 3 and s.summary["after"].mae == 0
    # Every session alone says the same thing, so leaving one out changes nothing: an honest 3/3.
    assert s.summary["left_one_out"].exact == 3
    assert all(shallow < v[HIP_LINE_TARGET] <= full for v in s.left_out_values)


def test_lowers_the_target_when_the_physio_counts_lower_lifts(bridge: RuleSet) -> None:
    # A strict file (target 172) misses lifts of 0.8 of a bridge; this physiotherapist accepts them.
    strict = apply_values(bridge, {HIP_LINE_TARGET: 172.0})
    lower = peak(strict, 0.8)
    assert lower < 172.0
    sessions = [Session(f"s{i}", bridges((0.8, 1.0) * (i + 1)), Counted(2 * (i + 1))) for i in range(2)]
    s = suggest(strict, sessions)
    assert s.summary["before"].exact == 0 and s.summary["after"].exact == 2
    assert s.values[HIP_LINE_TARGET] <= lower
    assert s.rules.movement.target[0].above == s.values[HIP_LINE_TARGET], "the suggestion is a rule set"
    assert s.summary["left_one_out"].exact == 2


def test_a_suggestion_that_only_fits_its_own_sessions_shows_left_one_out(bridge: RuleSet) -> None:
    # 0.8 lifts counted in one session, 0.7 lifts not counted in another: a target between the two
    # fits both in sample. Left out, the 0.7 session is scored by a search that saw only the other,
    # which had no reason to move the file's 160, so its lifts count: the figure drops to 1 of 2.
    sessions = [
        Session("counts 0.8", bridges((0.8, 0.8)), Counted(2)),
        Session("skips 0.7", bridges((0.7, 0.7)), Counted(0)),
    ]
    s = suggest(only(bridge, {HIP_LINE_TARGET: (150.0, 180.0)}), sessions)
    assert peak(bridge, 0.7) < s.values[HIP_LINE_TARGET] <= peak(bridge, 0.8)
    assert s.summary["after"].exact == 2
    assert s.summary["left_one_out"].exact == 1
    assert s.left_out_values[1] == {} and [a.posecheck.reps for a in s.left_out] == [2, 2]


def test_nothing_to_gain_keeps_the_files_values(bridge: RuleSet) -> None:
    sessions = [Session("full", bridges((1.0, 1.0)), Counted(2))]
    s = suggest(bridge, sessions)
    assert s.values == {} and s.rules == bridge
    assert s.left_out_values == [{}], "one session left out leaves nothing to search on"


def test_same_sessions_same_suggestion(bridge: RuleSet) -> None:
    sessions = [Session("mixed", bridges((1.0, 0.7)), Counted(1))]
    assert suggest(bridge, sessions).values == suggest(bridge, sessions).values


def test_no_ranges_or_no_sessions_are_clear_errors(bridge: RuleSet) -> None:
    with pytest.raises(InputError, match=r"declares no \[tuning\] ranges"):
        suggest(only(bridge, {}), [Session("a", bridges((1.0,)), Counted(1))])
    with pytest.raises(InputError, match="no sessions with counts"):
        suggest(bridge, [])
