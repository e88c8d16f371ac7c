"""Reps marked on a timeline: counts, replacing a re-marked rep, and the labels.json round trip."""

from __future__ import annotations

from posecheck.agreement import Counted, counted_from_label
from posecheck.rep_marks import RepMark, add_mark, counted_from_marks, label_reps, marks_from_label
from posecheck.ui.tune_marks import selected_span


def test_counts_per_side_from_marks() -> None:
    marks = [RepMark(1, 2, "left"), RepMark(3, 4, "right"), RepMark(5, 6, "left")]
    assert counted_from_marks(marks, has_sides=True, holds_s=(10.0,)) == Counted(3, 2, 1, (10.0,))
    assert counted_from_marks(marks, has_sides=False) == Counted(3, None, None, ())


def test_a_span_over_an_earlier_mark_replaces_it_and_undo_takes_the_last_added() -> None:
    marks = add_mark([], RepMark(5.0, 7.0, "left"))
    marks = add_mark(marks, RepMark(1.0, 3.0, "left"))
    assert [m.start_s for m in marks] == [5.0, 1.0], "kept in the order marked, so undo removes the newest"
    marks = add_mark(marks, RepMark(2.5, 4.0, "right"))  # overlaps the 1-3 s mark: a correction
    assert marks == [RepMark(5.0, 7.0, "left"), RepMark(2.5, 4.0, "right")]
    marks = add_mark(marks, RepMark(7.0, 8.0, "left"))  # touching is not overlapping
    assert len(marks) == 3


def test_marks_round_trip_through_a_label_in_time_order() -> None:
    marks = [RepMark(5.0, 7.0, "left"), RepMark(1.0, 3.256, "right")]
    lab = {"exercise": "bird_dog", "rep_count": 2, "reps": label_reps(marks)}
    assert [r["start_s"] for r in lab["reps"]] == [1.0, 5.0]
    assert marks_from_label(lab) == [RepMark(1.0, 3.26, "right"), RepMark(5.0, 7.0, "left")]
    assert counted_from_label(lab).reps == 2


def test_label_reps_without_times_or_with_odd_sides_are_read_safely() -> None:
    lab = {"reps": [{"side": "left"}, {"start_s": 4, "end_s": 2, "side": "up"}, {"start_s": "x", "end_s": 1}]}
    assert marks_from_label(lab) == [RepMark(2.0, 4.0, "both")]
    assert marks_from_label(None) == []


def test_selected_span_reads_the_box_or_else_the_points() -> None:
    box = {"selection": {"box": [{"x": [4.2, 1.5], "y": [0, 1]}], "points": []}}
    assert selected_span(box) == (1.5, 4.2)
    points = {"selection": {"box": [], "points": [{"x": 2.0}, {"x": 3.5}, {"x": 2.5}]}}
    assert selected_span(points) == (2.0, 3.5)
    assert selected_span({"selection": {"box": [], "points": [{"x": 2.0}]}}) is None
    assert selected_span(None) is None
