"""The analyse page's tables, from a report.json."""

from __future__ import annotations

from posecheck.ui.pages_analyze import hold_rows, not_counted_lines


def test_hold_rows_list_the_positions_of_a_hold_made_of_several() -> None:
    holds = [
        {"start_s": 2.53, "end_s": 29.8, "seconds": 27.3, "reached_target": True, "positions": [
            {"start_s": 3.0, "end_s": 8.4, "seconds": 5.4},
            {"start_s": 9.9, "end_s": 15.7, "seconds": 5.87},
        ]},
        {"start_s": 40.0, "end_s": 44.0, "seconds": 4.0, "reached_target": False, "positions": [
            {"start_s": 40.2, "end_s": 44.0, "seconds": 3.8},
        ]},
        {"start_s": 50.0, "end_s": 52.0, "seconds": 2.0, "reached_target": False},  # an older report
    ]  # fmt: skip
    rows = hold_rows(holds)
    assert rows[0] == {
        "hold": 1,
        "start (s)": 2.5,
        "held (s)": 27.3,
        "long enough": "yes",
        "positions (s)": "5.4, 5.9",
    }
    assert rows[1]["positions (s)"] == "" and rows[1]["long enough"] == "no"
    assert rows[2]["positions (s)"] == "" and rows[2]["hold"] == 3
    assert hold_rows([]) == []


def test_not_counted_lines_come_from_the_report() -> None:
    report = {
        "rep_events": [],
        "uncounted": [
            {"side": None, "start_s": 0.0, "end_s": 2.1, "reason": "started_before_recording",
             "text": "This one began before the recording started."},
            {"side": "left", "start_s": 12.31, "end_s": 15.0, "reason": "unseen",
             "text": "I could not see your knees."},
        ],
    }  # fmt: skip
    assert not_counted_lines(report) == [
        "1 rep not counted: 0.0-2.1 s: This one began before the recording started.",
        "1 rep not counted: 12.3-15.0 s (left): I could not see your knees.",
    ]
    assert not_counted_lines({"rep_events": []}) == []  # a report from before 'uncounted'
