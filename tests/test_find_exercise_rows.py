"""The Find-the-exercise table: a look-alike and movements seen but too small to count are shown."""

from __future__ import annotations

from posecheck.ui.find_exercise import segment_rows

TITLES = {"pelvic_tilt": "Pelvic tilt", "deep_abdominal": "Deep abdominal"}


def test_rows_name_the_look_alike_and_the_tilts_seen() -> None:
    report = {
        "segments": [
            {"exercise": "none", "start_s": 0.0, "end_s": 3.0, "confidence": 0.9, "reps": 0, "holds": 0},
            {"exercise": "pelvic_tilt", "start_s": 3.0, "end_s": 20.0, "confidence": 0.5, "reps": 0,
             "holds": 0, "alternatives": ["deep_abdominal"], "seen_s": [[4.5, 8.4], [12.2, 18.2]]},
        ]
    }  # fmt: skip
    none, tilt = segment_rows(report, TITLES)
    assert none["exercise"].startswith("none") and none["or perhaps"] == "" and none["reps"] == ""
    assert tilt["exercise"] == "Pelvic tilt" and tilt["or perhaps"] == "Deep abdominal"
    assert tilt["seen, too small to count"] == "4.5-8.4 s, 12.2-18.2 s"
    assert tilt["confidence"] == 0.5


def test_reports_from_before_the_look_alikes_still_read() -> None:
    old = {
        "segments": [
            {"exercise": "bridge", "start_s": 1, "end_s": 9, "confidence": 0.8, "reps": 3, "holds": 0}
        ]
    }
    (row,) = segment_rows(old, {"bridge": "Bridge"})
    assert row["reps"] == 3 and row["or perhaps"] == "" and row["seen, too small to count"] == ""
