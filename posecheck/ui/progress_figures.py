"""The Progress page's interactive charts (plotly, drawn by Streamlit's own bundled plotly.js).

Each figure is written as one plotly spec and validated once: building it with ``add_hrect``
and ``update_layout`` calls validated it at each call, 30 times slower (20 figures a page draw).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from posecheck.progress import ExerciseProgress, needed_units

DONE = "#2f7d4f"
BAND = "rgba(47,125,79,0.15)"
FAULT_COLORS = ("#c0392b", "#d35400", "#8e44ad", "#2c3e50", "#7f8c8d")
HEIGHT = 260
DAY_MS = 86_400_000
MARGIN = {"l": 40, "r": 10, "t": 40, "b": 30}


def _x_range(start: date, end: date) -> list[datetime]:
    # Half a day either side so the first and last bars are whole.
    return [datetime.combine(start, time()) - timedelta(hours=12), datetime.combine(end, time(12))]


def _figure(spec: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    return go.Figure(spec)


def done_figure(ex: ExerciseProgress, start: date, end: date) -> Any:
    """Reps per day (bars), or the seconds of every hold (dots), with the dose as a band."""
    holds = ex.plan is not None and ex.plan.counts_holds
    band: tuple[float, float] | None
    trace: dict[str, Any]
    if holds:
        xs = [d.day for d in ex.days for _ in d.hold_seconds]
        ys = [round(s, 1) for d in ex.days for s in d.hold_seconds]
        trace = {"type": "scatter", "x": xs, "y": ys, "mode": "markers", "name": "holds (s)"}
        trace |= {"marker": {"color": DONE}}
        title = "Seconds of each hold"
        band = ex.plan.hold_s if ex.plan is not None and ex.plan.hold_s[1] > 0 else None
    else:
        trace = {
            "type": "bar",
            "x": [d.day for d in ex.days],
            "y": [d.reps_total for d in ex.days],
            "width": [DAY_MS * 0.7] * len(ex.days),  # on a date axis a bar's width is in milliseconds
            "name": "reps",
            "marker": {"color": DONE},
        }
        title = "Reps per day"
        band = needed_units(ex.plan) if ex.plan is not None else None
    shapes, notes = [], []
    if band is not None:
        low, high = band
        shapes = [
            {"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "y0": low, "y1": max(high, low + 0.2),
             "fillcolor": BAND, "line": {"width": 0}, "layer": "below"},
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": low, "y1": low,
             "line": {"color": DONE, "dash": "dot"}},
        ]  # fmt: skip
        notes = [{"xref": "paper", "x": 1, "xanchor": "right", "y": low, "yanchor": "bottom",
                  "text": f"dose: {ex.dose}", "showarrow": False}]  # fmt: skip
    layout = {
        "title": {"text": title},
        "height": HEIGHT,
        "margin": MARGIN,
        "showlegend": False,
        "shapes": shapes,
        "annotations": notes,
        "xaxis": {"type": "date", "range": _x_range(start, end)},
        "yaxis": {"rangemode": "tozero"},
    }
    return _figure({"data": [trace], "layout": layout})


def faults_figure(ex: ExerciseProgress, start: date, end: date) -> Any:
    """Each fault's count per rep, per day (the most frequent five)."""
    days = [d for d in ex.days if d.rep_events]
    traces = [
        {
            "type": "scatter",
            "x": [d.day for d in days],
            "y": [round(d.faults.get(fault, 0) / d.rep_events, 2) for d in days],
            "mode": "lines+markers",
            "name": fault.replace("_", " "),
            "line": {"color": color},
        }
        for fault, color in zip(list(ex.faults)[:5], FAULT_COLORS)
    ]
    layout = {
        "title": {"text": "Form faults per rep" if ex.faults else "Form faults per rep: none"},
        "height": HEIGHT,
        "margin": MARGIN,
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"type": "date", "range": _x_range(start, end)},
        "yaxis": {"range": [0, 1.05], "title": {"text": "per rep"}},
    }
    return _figure({"data": traces, "layout": layout})
