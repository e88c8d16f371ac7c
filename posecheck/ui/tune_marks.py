"""Tune page: mark each rep on a session's timeline (drag a box over it) instead of typing counts.

The marks live in ``st.session_state`` (one browser session's), start from the stored label's rep
times when there are any, and are saved with "Save my counts" as the label's ``reps`` list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st

from posecheck.coach.schema import RuleSet
from posecheck.coach.session import PreparedTrack
from posecheck.metrics import compute_all
from posecheck.rep_marks import SIDES, RepMark, add_mark

MARK_COLOURS = {
    "left": "rgba(31,119,180,0.25)",
    "right": "rgba(214,39,40,0.25)",
    "both": "rgba(44,160,44,0.25)",
}


def key_series(prepared: PreparedTrack, rules: RuleSet) -> tuple[np.ndarray, np.ndarray]:
    """Times and the exercise's key metric of a prepared session (NaN where not measurable)."""
    t = np.array([f.t for f in prepared.frames])
    if not len(t):
        return t, t
    values = compute_all(rules.metric_defs(), *prepared.stacked())
    return t, np.asarray(values[rules.movement.metric], dtype=float)


def marks_figure(t: np.ndarray, values: np.ndarray, marks: Sequence[RepMark], metric: str) -> Any:
    """The key metric over time with each marked rep shaded; box selection picks a span."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Scattergl(x=t, y=values, mode="lines", name=metric, line={"width": 1.5}))
    for i, m in enumerate(sorted(marks, key=lambda m: m.start_s), 1):
        fig.add_vrect(x0=m.start_s, x1=m.end_s, fillcolor=MARK_COLOURS[m.side], line_width=0,
                      annotation_text=f"{i} {m.side if m.side != 'both' else ''}".strip(),
                      annotation_position="top left")  # fmt: skip
    fig.update_layout(
        dragmode="select",
        selectdirection="h",  # a rep is a span of time: the height of the box does not matter
        height=260,
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        xaxis_title="seconds",
        yaxis_title=metric.replace("_", " "),
        showlegend=False,
    )
    return fig


def selected_span(event: Any) -> tuple[float, float] | None:
    """The time span of the last box dragged on the chart (None when there is none)."""
    selection = (event or {}).get("selection") or {}
    boxes = selection.get("box") or []
    xs: list[float] = []
    if boxes:
        xs = [float(x) for x in boxes[-1].get("x") or []]
    if not xs:
        xs = [float(p["x"]) for p in selection.get("points") or [] if "x" in p]
    if len(xs) < 2 or max(xs) - min(xs) <= 0:
        return None
    return min(xs), max(xs)


def marks_editor(
    key: str, prepared: PreparedTrack, rules: RuleSet, stored: Sequence[RepMark]
) -> list[RepMark]:
    """Chart and buttons to mark reps on one session; returns the marks so far."""
    marks_key = f"{key}:marks"
    marks: list[RepMark] = st.session_state.setdefault(marks_key, list(stored))
    t, values = key_series(prepared, rules)
    st.caption(
        "Drag across one rep on the chart, choose its side and press 'Add this rep'. "
        "A span over an earlier mark replaces it."
    )
    event = st.plotly_chart(
        marks_figure(t, values, marks, rules.movement.metric),
        key=f"{key}:chart",
        on_select="rerun",
        selection_mode="box",
        width="stretch",
    )
    span = selected_span(event)
    cols = st.columns([2, 2, 1, 1])
    side = "both"
    if rules.has_sides:
        side = cols[0].radio("Side of this rep", SIDES[:2], horizontal=True, key=f"{key}:side")
    if span is not None:
        cols[1].write(f"Selected {span[0]:.1f}-{span[1]:.1f} s")
    if cols[1].button("Add this rep", key=f"{key}:add", disabled=span is None) and span is not None:
        marks = add_mark(marks, RepMark(span[0], span[1], side))
        st.session_state[marks_key] = marks
        st.rerun()
    if cols[2].button("Undo", key=f"{key}:undo", disabled=not marks):
        st.session_state[marks_key] = marks[:-1] if marks else []
        st.rerun()
    if cols[3].button("Clear", key=f"{key}:clear", disabled=not marks):
        st.session_state[marks_key] = []
        st.rerun()
    return marks
