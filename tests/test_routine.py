"""The routine's state machine with plain numbers: which exercise, dose done, rests, Next/Skip, summary."""

from __future__ import annotations

import pytest

from posecheck.dose import Counts, DosePlan, HoldDone
from posecheck.routine import Routine, dose_done, needed

BRIDGE = DosePlan("reps", "none", (3, 5))
STRETCH = DosePlan("hold", "each", (1, 1), (20.0, 30.0))  # one 20 s hold on each side
TILT = DosePlan("reps", "none", (2, 2))


def routine(rest_s: float = 10.0) -> Routine:
    return Routine([("bridge", BRIDGE), ("hip_stretch", STRETCH), ("pelvic_tilt", TILT)], rest_s)


def test_dose_done_counts_reps_and_full_holds_per_side() -> None:
    assert not dose_done(BRIDGE, Counts(2)) and dose_done(BRIDGE, Counts(3))
    assert needed(BRIDGE) == 3 and needed(STRETCH) == 2
    short = Counts(holds=(HoldDone("left", 25.0), HoldDone("right", 12.0)))
    assert not dose_done(STRETCH, short), "a 12 s hold is not a full 20 s hold"
    assert dose_done(STRETCH, Counts(holds=(HoldDone("left", 25.0), HoldDone("right", 21.0))))
    assert not dose_done(STRETCH, Counts(holds=(HoldDone("left", 25.0), HoldDone("left", 21.0)))), (
        "both sides"
    )


def test_it_leads_exercise_by_exercise_with_rests_between() -> None:
    r = routine(rest_s=10)
    assert (r.phase, r.exercise, r.upcoming) == ("exercise", "bridge", "hip_stretch")
    r.end_exercise(100.0, Counts(3), {"hips_low": 2})
    assert (r.phase, r.exercise) == ("rest", "hip_stretch"), "the rest shows the coming exercise"
    assert r.rest_left(104.0) == pytest.approx(6.0)
    assert not r.tick(109.9) and r.phase == "rest"
    assert r.tick(110.0) and (r.phase, r.exercise) == ("exercise", "hip_stretch")
    assert not r.tick(111.0), "only the moment it ends"
    r.end_exercise(200.0, Counts(holds=(HoldDone("left", 22.0),)))  # Next before the right side
    r.start_now()
    assert r.phase == "exercise" and r.exercise == "pelvic_tilt" and r.upcoming is None
    r.end_exercise(300.0, Counts(), {})
    assert r.phase == "finished" and r.exercise is None and r.plan is None
    s = r.summary()
    assert [(x.exercise, x.outcome, x.counted, x.needed) for x in s.results] == [
        ("bridge", "done", 3, 3),
        ("hip_stretch", "partial", 1, 2),
        ("pelvic_tilt", "skipped", 0, 2),
    ]
    assert s.of("done") == ["bridge"] and s.of("skipped") == ["pelvic_tilt"]


def test_skip_during_a_rest_leaves_the_coming_exercise_out() -> None:
    r = routine(rest_s=5)
    r.end_exercise(0.0, Counts(1))
    r.skip_upcoming(2.0)
    assert (r.phase, r.exercise, r.rest_left(2.0)) == ("rest", "pelvic_tilt", 5.0), "a new rest for the next"
    r.skip_upcoming(3.0)
    assert r.phase == "finished"
    assert [x.outcome for x in r.results] == ["partial", "skipped", "skipped"]
    r.end_exercise(4.0, Counts(9))  # nothing left to end
    assert len(r.results) == 3


def test_most_common_faults_over_the_routine() -> None:
    r = Routine([("bridge", BRIDGE), ("pelvic_tilt", TILT)], 0)
    r.end_exercise(0.0, Counts(3), {"hips_low": 2, "knees_out": 1})
    assert r.tick(0.0), "no rest: the next starts at once"
    r.end_exercise(1.0, Counts(2), {"hips_low": 1, "back_arch": 2})
    assert r.summary().top_faults == (("hips_low", 3), ("back_arch", 2), ("knees_out", 1))


def test_a_routine_needs_exercises() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Routine([], 10)
