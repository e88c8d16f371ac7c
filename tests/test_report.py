from __future__ import annotations

import csv
import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from posecheck import report
from posecheck.coach.feedback import Cue, HoldEvent, HoldPosition, RepEvent, SessionSummary, UncountedRep

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

REPS = [
    RepEvent("left", 1.0, 3.25, ("hips_drop", "arm_low"), 171.23456, 1.5),
    RepEvent("right", 4.0, 6.5, (), float("nan"), 2.0),
    RepEvent(None, 7.0, 9.1234, (), None, 0.0),
]
HOLDS = [
    HoldEvent("left", 1.2, 3.0, 1.7777, True),
    HoldEvent(
        None, 10.0, 14.0, 3.0, False, (HoldPosition(10.0, 11.0, 1.0), HoldPosition(12.0, 14.0, 1.9999))
    ),
]

UNCOUNTED = [
    UncountedRep(
        None, 0.0, 0.81234, "started_before_recording", "This one began before the recording started."
    ),
    UncountedRep("left", 12.3456, 15.0, "unseen", "I could not see your knees."),
]


def summary(**kw: Any) -> SessionSummary:
    base: dict[str, Any] = {
        "exercise": "bird_dog",
        "duration_s": 20.123456,
        "reps_total": 3,
        "reps_left": 1,
        "reps_right": 1,
        "rep_events": list(REPS),
        "holds": list(HOLDS),
        "cues": [Cue("hips_level", "Keep your hips level", "warn", 2.0004), Cue("good", "Nice", "info", 5.5)],
        "frames_total": 600,
        "frames_with_pose": 580,
        "warnings": ["low light"],
        "notes": ["breathing is not checked"],
    }
    base.update(kw)
    return SessionSummary(**base)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def series() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    t = np.linspace(0.0, 20.0, 400)
    hip = 150 + 20 * np.sin(t)
    hip[50:90] = np.nan  # a gap where the pose was lost
    knee = 0.5 + 0.2 * np.cos(t)
    return {"hip_line": (t, hip), "knee_height": (t, knee)}


THRESHOLDS = [("hip_line", 160.0, "level"), ("hip_line", 140.0, "sag"), ("knee_height", 0.6, "high")]


# --- report.json ------------------------------------------------------------------------------------


def test_summary_to_dict_structure() -> None:
    data = report.summary_to_dict(summary(), partial=False, stop_reason="", extra={})
    assert list(data) == [
        "posecheck_version",
        "exercise",
        "duration_s",
        "reps",
        "holds",
        "rep_events",
        "uncounted",
        "cues",
        "frames",
        "partial",
        "stop_reason",
        "warnings",
        "notes",
    ]
    assert data["posecheck_version"]
    assert data["exercise"] == "bird_dog"
    assert data["duration_s"] == 20.123
    assert data["reps"] == {"total": 3, "left": 1, "right": 1}
    assert data["holds"][0] == {
        "side": "left",
        "start_s": 1.2,
        "end_s": 3.0,
        "seconds": 1.778,
        "reached_target": True,
        "positions": [],
    }
    assert data["holds"][1]["positions"] == [
        {"start_s": 10.0, "end_s": 11.0, "seconds": 1.0},
        {"start_s": 12.0, "end_s": 14.0, "seconds": 2.0},
    ]
    assert data["rep_events"][0] == {
        "side": "left",
        "start_s": 1.0,
        "end_s": 3.25,
        "faults": ["hips_drop", "arm_low"],
        "peak": 171.235,
        "hold_s": 1.5,
        "confidence": 1.0,
        "doubts": [],
    }
    assert data["rep_events"][1]["peak"] is None  # NaN
    assert data["rep_events"][2]["side"] is None
    assert data["uncounted"] == []  # always there, empty when every movement was counted
    assert data["cues"][0] == {
        "t_s": 2.0,
        "id": "hips_level",
        "text": "Keep your hips level",
        "severity": "warn",
    }
    assert data["frames"] == {"total": 600, "with_pose": 580}
    assert data["warnings"] == ["low light"]
    assert data["notes"] == ["breathing is not checked"]


def test_summary_without_sides_has_null_counts() -> None:
    data = report.summary_to_dict(
        summary(reps_left=None, reps_right=None), partial=True, stop_reason="decoding stopped", extra={}
    )
    assert data["reps"] == {"total": 3, "left": None, "right": None}
    assert data["partial"] is True
    assert data["stop_reason"] == "decoding stopped"


def test_extra_is_merged_last_and_made_json_safe() -> None:
    extra = {"source": {"fps": np.float64(29.97003), "frames": np.int64(600)}, "exercise": "override"}
    data = report.summary_to_dict(summary(), partial=False, stop_reason="", extra=extra)
    assert data["source"] == {"fps": 29.97, "frames": 600}
    assert type(data["source"]["frames"]) is int
    assert data["exercise"] == "override"


def test_uncounted_reps_are_in_the_report_rounded_like_reps() -> None:
    data = report.summary_to_dict(summary(uncounted=list(UNCOUNTED)), partial=False, stop_reason="", extra={})
    assert data["uncounted"] == [
        {
            "side": None,
            "start_s": 0.0,
            "end_s": 0.812,
            "reason": "started_before_recording",
            "text": "This one began before the recording started.",
        },
        {
            "side": "left",
            "start_s": 12.346,
            "end_s": 15.0,
            "reason": "unseen",
            "text": "I could not see your knees.",
        },
    ]
    assert data["reps"]["total"] == 3  # not counted means not counted


def test_uncounted_reps_survive_a_json_round_trip(tmp_path: Path) -> None:
    data = report.summary_to_dict(summary(uncounted=list(UNCOUNTED)), partial=False, stop_reason="", extra={})
    path = tmp_path / "report.json"
    report.write_json(path, data)
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert loaded["uncounted"] == data["uncounted"]
    # Lines made from the file read as lines made from the summary.
    assert report.uncounted_lines(loaded["uncounted"]) == report.uncounted_lines(UNCOUNTED)


def test_uncounted_lines_say_when_which_side_and_why() -> None:
    assert report.uncounted_lines(UNCOUNTED) == [
        "1 rep not counted: 0.0-0.8 s: This one began before the recording started.",
        "1 rep not counted: 12.3-15.0 s (left): I could not see your knees.",
    ]
    assert report.uncounted_lines([]) == []
    # A report entry without text (or with times lost to NaN) still makes a line.
    entry = {"side": "right", "start_s": None, "end_s": 4.0, "reason": "posture", "text": ""}
    assert report.uncounted_lines([entry]) == ["1 rep not counted: ?-4.0 s (right): posture"]


def test_json_round_trip(tmp_path: Path) -> None:
    data = report.summary_to_dict(
        summary(duration_s=float("nan")), partial=False, stop_reason="", extra={"score": float("inf")}
    )
    path = tmp_path / "report.json"
    report.write_json(path, data)
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    loaded = json.loads(text)
    assert loaded == data
    assert loaded["duration_s"] is None
    assert loaded["score"] is None
    assert loaded["rep_events"][1]["peak"] is None
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.23456, 1.235),
        (float("nan"), None),
        (float("-inf"), None),
        (np.float32(0.5), 0.5),
        (np.float64(np.nan), None),
        (np.int64(7), 7),
        (np.bool_(True), True),
        (True, True),
        (None, None),
        ("text", "text"),
        ((1.0001, "a"), [1.0, "a"]),
        (np.array([1.0, np.nan]), [1.0, None]),
        ({"a": {"b": [float("nan")]}}, {"a": {"b": [None]}}),
        ({1: 2}, {"1": 2}),
        (Path("x/y"), "x/y"),
    ],
)
def test_json_safe(value: Any, expected: Any) -> None:
    got = report.json_safe(value)
    assert got == expected
    assert type(got) is type(expected)
    json.dumps(got, allow_nan=False)


def test_json_safe_rejects_unknown_objects() -> None:
    with pytest.raises(TypeError, match="object"):
        report.json_safe(object())


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    report.write_json(path, {"a": 1})
    with pytest.raises(TypeError):
        report.write_json(path, {"a": object()})
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_version_falls_back_when_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(_name: str) -> str:
        raise report.metadata.PackageNotFoundError("posecheck")

    monkeypatch.setattr(report.metadata, "version", missing)
    assert report.posecheck_version() == "0+unknown"


# --- reps.csv ---------------------------------------------------------------------------------------


def test_reps_csv(tmp_path: Path) -> None:
    path = tmp_path / "reps.csv"
    report.write_reps_csv(path, summary())
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "rep", "side", "start_s", "end_s", "duration_s", "hold_s", "peak", "faults", "counted", "confidence",
        "note",
    ]  # fmt: skip
    assert len(rows) == 1 + len(REPS)
    assert rows[1] == [
        "1", "left", "1.000", "3.250", "2.250", "1.500", "171.235", "hips_drop;arm_low", "yes", "1.00", ""
    ]  # fmt: skip
    assert rows[2][6] == ""  # NaN peak
    assert rows[3][1] == "" and rows[3][6] == "" and rows[3][7] == ""
    assert math.isclose(float(rows[3][4]), 2.123, abs_tol=1e-9)
    assert [p.name for p in tmp_path.iterdir()] == ["reps.csv"]


def test_reps_csv_lists_uncounted_reps_after_the_counted_ones(tmp_path: Path) -> None:
    path = tmp_path / "reps.csv"
    report.write_reps_csv(path, summary(uncounted=list(UNCOUNTED)))
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["counted"] for r in rows] == ["yes"] * len(REPS) + ["no", "no"]
    assert [r["rep"] for r in rows] == ["1", "2", "3", "", ""]  # only counted reps are numbered
    assert rows[-2] == {
        "rep": "", "side": "", "start_s": "0.000", "end_s": "0.812", "duration_s": "0.812", "hold_s": "",
        "peak": "", "faults": "", "counted": "no", "confidence": "",
        "note": "This one began before the recording started.",
    }  # fmt: skip
    assert rows[-1]["side"] == "left" and rows[-1]["note"] == "I could not see your knees."
    assert all(r["note"] == "" for r in rows[: len(REPS)])


def test_reps_csv_without_reps_has_only_the_header(tmp_path: Path) -> None:
    path = tmp_path / "reps.csv"
    report.write_reps_csv(path, summary(rep_events=[], reps_total=0))
    assert path.read_text(encoding="utf-8").splitlines() == [",".join(report.CSV_COLUMNS)]


# --- plots ------------------------------------------------------------------------------------------


def test_plot_metrics_writes_a_png(tmp_path: Path) -> None:
    path = tmp_path / "metrics.png"
    report.plot_metrics(path, series(), THRESHOLDS, REPS, HOLDS, "Bird dog")
    width, height = png_size(path)
    assert width >= 600 and height >= 300
    assert path.stat().st_size > 20_000  # lines, spans and labels, not a blank canvas
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.png"]


def test_plot_height_grows_with_the_number_of_metrics(tmp_path: Path) -> None:
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    s = series()
    report.plot_metrics(one, {"hip_line": s["hip_line"]}, THRESHOLDS, REPS, HOLDS, "one")
    report.plot_metrics(two, s, THRESHOLDS, REPS, HOLDS, "two")
    assert png_size(two)[1] > png_size(one)[1]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"hip_line": (np.array([]), np.array([]))},
        {"hip_line": (np.arange(5.0), np.full(5, np.nan))},
        {"hip_line": (np.array([1.0]), np.array([150.0]))},
    ],
    ids=["no-series", "empty-arrays", "all-nan", "single-point"],
)
def test_plots_survive_degenerate_input(
    tmp_path: Path, data: dict[str, tuple[np.ndarray, np.ndarray]]
) -> None:
    path = tmp_path / "metrics.png"
    report.plot_metrics(path, data, THRESHOLDS, [], [], "empty")
    assert png_size(path)[0] > 0
    fig = report.metrics_figure(data, THRESHOLDS, [], [], "empty")
    json.loads(fig.to_json())


def test_plots_with_events_but_no_series(tmp_path: Path) -> None:
    path = tmp_path / "metrics.png"
    report.plot_metrics(path, {}, [], REPS, HOLDS, "events only")
    assert png_size(path)[0] > 0


def test_mismatched_series_is_an_error(tmp_path: Path) -> None:
    bad = {"hip_line": (np.arange(3.0), np.arange(4.0))}
    with pytest.raises(ValueError, match="hip_line"):
        report.plot_metrics(tmp_path / "x.png", bad, [], [], [], "bad")
    assert list(tmp_path.iterdir()) == []


def test_metrics_figure_content() -> None:
    fig = report.metrics_figure(series(), THRESHOLDS, REPS, HOLDS, "Bird dog")
    assert isinstance(fig, go.Figure)
    assert [tr.name for tr in fig.data] == ["hip line", "knee height"]
    hip_y = list(fig.data[0].y)
    assert hip_y[60] is None  # NaN gap kept as a gap
    assert all(v is not None for v in fig.data[1].y)
    rows = 2
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert sorted(s.y0 for s in lines) == [0.6, 140.0, 160.0]
    assert len(rects) == rows * (len(REPS) + len(HOLDS))
    texts = [a.text for a in fig.layout.annotations]
    assert texts.count("L") == rows and texts.count("R") == rows
    assert texts.count("3") == rows  # a rep without a side is labelled by its number
    assert {"level", "sag", "high"} <= set(texts)
    assert fig.layout.title.text == "Bird dog"
    json.loads(fig.to_json())


def test_metrics_figure_without_series_says_so() -> None:
    fig = report.metrics_figure({}, [], [], [], "nothing")
    assert len(fig.data) == 0
    assert [a.text for a in fig.layout.annotations] == ["no metric data"]


def test_a_rep_with_doubts_keeps_its_count_and_says_why_in_the_csv_json_and_lines(tmp_path: Path) -> None:
    doubted = RepEvent("right", 4.0, 6.5, (), 150.0, 2.0, 0.48, ("key_unseen", "barely_reached"))
    s = summary(rep_events=[REPS[0], doubted], reps_total=2)
    path = tmp_path / "reps.csv"
    report.write_reps_csv(path, s)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["counted"] for r in rows] == ["yes", "yes"]
    assert rows[1]["confidence"] == "0.48"
    assert (
        rows[1]["note"]
        == "the camera lost the measured joints for much of this rep; the target was only just reached"
    )
    data = report.summary_to_dict(s, partial=False, stop_reason="", extra={})
    assert data["rep_events"][1]["confidence"] == 0.48 and data["rep_events"][1]["doubts"] == [
        "key_unseen",
        "barely_reached",
    ]
    expected = ["rep 2 counted with doubts (confidence 0.48): " + rows[1]["note"]]
    assert report.doubt_lines(s.rep_events) == expected
    assert report.doubt_lines(data["rep_events"]) == expected  # the same from report.json
