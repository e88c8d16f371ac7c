"""The Progress page's interactive charts (plotly, drawn by Streamlit's own bundled plotly.js)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from posecheck.progress import ExerciseProgress, needed_units

DONE = "#2f7d4f"
BAND = "rgba(47,125,79,0.15)"
FAULT_COLORS = ("#c0392b", "#d35400", "#8e44ad", "#2c3e50", "#7f8c8d")
HEIGHT = 260
DAY_MS = 86_400_000


def _range(start: date, end: date) -> list[datetime]:
    # Half a day either side so the first and last bars are whole.
    return [datetime.combine(start, time()) - timedelta(hours=12), datetime.combine(end, time(12))]


def done_figure(ex: ExerciseProgress, start: date, end: date) -> Any:
    """Reps per day (bars), or the seconds of every hold (dots), with the dose as a band."""
    import plotly.graph_objects as go

    fig = go.Figure()
    holds = ex.plan is not None and ex.plan.counts_holds
    if holds:
        xs = [d.day for d in ex.days for _ in d.hold_seconds]
        ys = [round(s, 1) for d in ex.days for s in d.hold_seconds]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name="holds (s)", marker={"color": DONE}))
        title = "Seconds of each hold"
        band = ex.plan.hold_s if ex.plan is not None and ex.plan.hold_s[1] > 0 else None
    else:
        fig.add_trace(
            go.Bar(
                x=[d.day for d in ex.days],
                y=[d.reps_total for d in ex.days],
                width=[DAY_MS * 0.7] * len(ex.days),  # on a date axis a bar's width is in milliseconds
                name="reps",
                marker_color=DONE,
            )
        )
        title = "Reps per day"
        band = needed_units(ex.plan) if ex.plan is not None else None
    if band is not None:
        low, high = band
        fig.add_hrect(y0=low, y1=max(high, low + 0.2), fillcolor=BAND, line_width=0, layer="below")
        fig.add_hline(y=low, line_dash="dot", line_color=DONE, annotation_text=f"dose: {ex.dose}")
    fig.update_layout(
        title=title, height=HEIGHT, margin={"l": 40, "r": 10, "t": 40, "b": 30}, showlegend=False, bargap=0.3
    )
    fig.update_xaxes(range=_range(start, end), type="date")
    fig.update_yaxes(rangemode="tozero")
    return fig


def faults_figure(ex: ExerciseProgress, start: date, end: date) -> Any:
    """Each fault's count per rep, per day (the most frequent five)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    days = [d for d in ex.days if d.rep_events]
    for fault, color in zip(list(ex.faults)[:5], FAULT_COLORS):
        fig.add_trace(
            go.Scatter(
                x=[d.day for d in days],
                y=[round(d.faults.get(fault, 0) / d.rep_events, 2) for d in days],
                mode="lines+markers",
                name=fault.replace("_", " "),
                line={"color": color},
            )
        )
    fig.update_layout(
        title="Form faults per rep" if ex.faults else "Form faults per rep: none",
        height=HEIGHT,
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_xaxes(range=_range(start, end), type="date")
    fig.update_yaxes(range=[0, 1.05], title="per rep")
    return fig
