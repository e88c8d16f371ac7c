"""Agreement with a physiotherapist's counts: the maths on hand-made cases."""

import pytest

from posecheck.agreement import (
    Counted,
    compare_session,
    counted_from_label,
    hold_errors,
    label_from_counted,
    overall,
)
from posecheck.errors import InputError


def test_one_session_error_exact_and_sides() -> None:
    s = compare_session("a", Counted(6, left=3, right=3), Counted(5, left=1, right=4))
    assert s.error == -1 and not s.exact
    # 3 left counted, posecheck saw 1 left: 1 agrees; 3 right, posecheck saw 4: 3 agree.
    assert (s.sided, s.sided_same) == (6, 4)


def test_sides_not_counted_by_the_physio_are_not_judged() -> None:
    s = compare_session("a", Counted(4), Counted(4, left=4, right=0))
    assert s.exact and (s.sided, s.sided_same) == (0, 0)
    assert overall([s]).side_rate is None


def test_across_sessions_rates_and_mean_error() -> None:
    items = [
        compare_session("a", Counted(10), Counted(10)),
        compare_session("b", Counted(8), Counted(11)),
        compare_session("c", Counted(4, 2, 2), Counted(3, 1, 2)),
        compare_session("d", Counted(5), Counted(5)),
    ]
    a = overall(items)
    assert (a.sessions, a.exact, a.abs_error) == (4, 2, 4)
    assert a.exact_rate == 0.5 and a.mae == 1.0
    assert a.side_rate == 3 / 4
    assert a.text().startswith("exact 2/4 (50%), MAE 1.00, sides 75% of 4")


def test_no_sessions_gives_no_rates() -> None:
    a = overall([])
    assert a.exact_rate is None and a.mae is None and a.text() == "no sessions"


def test_holds_pair_longest_with_longest_and_a_missed_hold_counts_whole() -> None:
    assert hold_errors([20.0, 25.0], [24.0, 18.5]) == (1.0, 1.5)
    assert hold_errors([20.0, 25.0], [26.0]) == (1.0, 20.0)
    assert hold_errors([], [5.0]) == ()


def test_exact_beats_a_smaller_error_elsewhere_in_the_key() -> None:
    # Two exact sessions and one far off beat one exact and two off by one: exact is what counts first.
    two_exact = overall(
        [compare_session(n, Counted(5), Counted(g)) for n, g in (("a", 5), ("b", 5), ("c", 9))]
    )
    one_exact = overall(
        [compare_session(n, Counted(5), Counted(g)) for n, g in (("a", 5), ("b", 6), ("c", 4))]
    )
    assert two_exact.key() > one_exact.key()
    assert one_exact.mae is not None and two_exact.mae is not None and one_exact.mae < two_exact.mae


def test_label_round_trip_and_labels_json_entries() -> None:
    counted = Counted(6, 3, 3, (20.0, 22.5))
    lab = label_from_counted("leg_stretch", counted, "physio")
    assert counted_from_label(lab) == counted
    timed = {"rep_count": 2, "rep_count_by_side": {"both": 0, "left": 1, "right": 1},
             "holds": [{"start_s": 2.0, "end_s": 4.75, "side": "right"}]}  # fmt: skip
    assert counted_from_label(timed) == Counted(2, 1, 1, (2.75,))


@pytest.mark.parametrize(
    "lab, says",
    [
        ({"rep_count": -1}, "rep_count must be a whole number"),
        ({"rep_count": "six"}, "rep_count must be a whole number"),
        ({"rep_count": 2, "rep_count_by_side": {"left": 1.5}}, "rep_count_by_side.left"),
        ({"rep_count": 2, "holds": [{"start_s": 1}]}, "each hold needs start_s and end_s"),
    ],
)
def test_bad_labels_give_one_line_errors(lab: dict, says: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError, match=says) as exc:
        counted_from_label(lab, "labels.json: x.mp4")
    assert "\n" not in str(exc.value) and str(exc.value).startswith("labels.json: x.mp4: ")
