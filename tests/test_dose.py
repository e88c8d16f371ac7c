"""Dose logic: doses read as a person says them; done, left and sets from the counts so far."""

from __future__ import annotations

import pytest

from posecheck.coach.loader import load_all, load_exercise
from posecheck.dose import Counts, DosePlan, HoldDone, dose_text, left_text, plan_from_rules, status


@pytest.mark.parametrize(
    ("plan", "text"),
    [
        (DosePlan("reps", "none", (5, 5)), "5 reps"),
        (DosePlan("reps", "none", (1, 1)), "1 rep"),
        (DosePlan("reps", "none", (8, 12)), "8-12 reps"),
        (DosePlan("reps", "each", (2, 2)), "2 each side"),
        (DosePlan("reps", "alternate", (6, 8)), "6-8 reps, alternating sides"),
        (DosePlan("hold", "each", (2, 2), (20, 30)), "hold 20-30 s, 2 each side"),
        (DosePlan("hold", "none", (6, 8), (20, 30)), "hold 20-30 s, 6-8 times"),
        (DosePlan("hold", "none", (1, 1), (30, 30)), "hold 30 s, once"),
        (DosePlan("hold", "none", (2, 2), (30, 30)), "hold 30 s, twice"),
        (
            DosePlan("guided_hold", "none", (5, 5), (5, 10), rest_s=10),
            "hold 5-10 s, 5 times, 10 s rest between",
        ),
        (DosePlan("reps", "alternate", (8, 12), (5, 10)), "8-12 reps, alternating sides, hold 5-10 s each"),
        (
            DosePlan("reps", "none", (10, 10), sets=3, set_rest_s=60),
            "10 reps; 3 sets, 60 s rest between sets",
        ),
        (DosePlan("reps", "none", (10, 10), sets=2), "10 reps; 2 sets"),
    ],
)
def test_dose_text(plan: DosePlan, text: str) -> None:
    assert dose_text(plan) == text


def test_no_exercise_reads_like_a_range_of_one() -> None:
    # What `posecheck exercises` printed before: "5-5 reps", "2-2 reps each side".
    for ex, rules in load_all().items():
        text = dose_text(plan_from_rules(rules))
        low, high = rules.dose.reps
        assert f"{low}-{high}" not in text or low != high, (ex, text)
        assert "reps each side" not in text, (ex, text)


def test_reps_in_all() -> None:
    plan = DosePlan("reps", "none", (8, 12))
    st = status(plan, Counts(reps_total=5))
    assert (st.done, st.left, st.more_allowed, st.sets_done) == (False, 3, 4, 0)
    assert left_text(plan, st) == "3 reps to go"
    st = status(plan, Counts(reps_total=8))
    assert (st.done, st.left, st.more_allowed, st.sets_done) == (True, 0, 4, 1)
    assert left_text(plan, st) == "done (up to 4 more reps if it feels fine)"
    st = status(plan, Counts(reps_total=14))
    assert (st.done, st.left, st.more_allowed) == (True, 0, 0)
    assert left_text(plan, st) == "done"
    assert left_text(plan, status(plan, Counts(reps_total=7))) == "1 rep to go"


def test_each_side_counts_per_side() -> None:
    plan = DosePlan("reps", "each", (6, 8))
    st = status(plan, Counts(reps_total=9, reps_left=6, reps_right=3))
    assert not st.done and st.left == 3 and st.left_by_side == {"left": 0, "right": 3}
    assert left_text(plan, st) == "3 reps to go (right 3)"
    st = status(plan, Counts(reps_total=12, reps_left=6, reps_right=6))
    assert st.done and st.more_allowed == 4 and st.sets_done == 1


def test_a_rep_of_untold_side_goes_where_more_is_left() -> None:
    plan = DosePlan("reps", "each", (2, 2))
    st = status(plan, Counts(reps_total=3, reps_left=2, reps_right=0))
    assert st.left_by_side == {"left": 0, "right": 1}


def test_alternate_is_counted_in_all() -> None:
    plan = DosePlan("reps", "alternate", (6, 8))
    st = status(plan, Counts(reps_total=6, reps_left=4, reps_right=2))
    assert st.done and st.left_by_side is None


def test_short_holds_do_not_count() -> None:
    plan = DosePlan("hold", "each", (2, 2), (20, 30))
    holds = (HoldDone("left", 25), HoldDone("left", 12), HoldDone("right", 31), HoldDone("left", 20))
    st = status(plan, Counts(reps_total=4, reps_left=3, reps_right=1, holds=holds))
    assert st.counted == 3 and st.left_by_side == {"left": 0, "right": 1}
    assert left_text(plan, st) == "1 hold to go (right 1)"


def test_holds_without_sides() -> None:
    plan = DosePlan("guided_hold", "none", (5, 5), (5, 10))
    st = status(plan, Counts(reps_total=5, holds=tuple(HoldDone(None, 10) for _ in range(5))))
    assert st.done and st.more_allowed == 0


def test_sets() -> None:
    plan = DosePlan("reps", "none", (10, 10), sets=3)
    st = status(plan, Counts(reps_total=21))
    assert (st.done, st.left, st.sets_done) == (False, 9, 2)
    each = DosePlan("reps", "each", (2, 2), sets=2)
    st = status(each, Counts(reps_total=6, reps_left=4, reps_right=2))
    assert st.sets_done == 1 and st.left_by_side == {"left": 0, "right": 2}


def test_plan_from_a_coach_summary() -> None:
    from posecheck.coach.feedback import HoldEvent, SessionSummary

    rules = load_exercise("butt_stretch")
    summary = SessionSummary(
        "butt_stretch", 80.0, 2, 1, 1, [],
        [HoldEvent("left", 1, 26, 25, True), HoldEvent("right", 30, 52, 22, True)],
        [], 100, 100, [], [],
    )  # fmt: skip
    st = status(plan_from_rules(rules), Counts.from_summary(summary))
    assert st.left_by_side == {"left": 1, "right": 1} and st.counted == 2
