"""Session results as files: report.json, reps.csv and metric plots (PNG and plotly).

Every file is written atomically (temporary file in the same folder, then
``os.replace``), so a reader never sees half a report.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posecheck.coach.confidence import doubt_text
from posecheck.coach.feedback import HoldEvent, RepEvent, SessionSummary, UncountedRep
from posecheck.plot_png import (
    HOLD_DONE_COLOR,
    HOLD_SHORT_COLOR,
    REP_COLOR,
    REP_FAULT_COLOR,
    clean_series,
    rep_label,
)
from posecheck.plot_png import plot_metrics as plot_metrics  # angles.png is drawn there; re-exported

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from posecheck.coach.schema import RuleSet

# metric name -> (times in s, values); threshold = (metric name, value, label)
Series = Mapping[str, tuple[np.ndarray, np.ndarray]]
Threshold = tuple[str, float, str]

# "counted" and "note" came last so older readers of the first eight columns keep working.
CSV_COLUMNS = (
    "rep", "side", "start_s", "end_s", "duration_s", "hold_s", "peak", "faults", "counted", "confidence", "note",
)  # fmt: skip
DECIMALS = 3


def posecheck_version() -> str:
    """Installed version of posecheck, or '0+unknown' when run from an uninstalled tree."""
    try:
        return metadata.version("posecheck")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def json_safe(value: Any) -> Any:
    """``value`` with floats rounded, NaN/inf as None, numpy types and tuples as plain JSON types."""
    if isinstance(value, bool | None | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return round(f, DECIMALS) if math.isfinite(f) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} into report.json")


def _side_letter(side: str | None) -> str:
    return {"left": "L", "right": "R"}.get(side or "", "")


def summary_to_dict(
    summary: SessionSummary, *, partial: bool, stop_reason: str, extra: Mapping[str, Any]
) -> dict[str, Any]:
    """The report.json structure for ``summary``; keys of ``extra`` are added last (and win)."""
    data: dict[str, Any] = {
        "posecheck_version": posecheck_version(),
        "exercise": summary.exercise,
        "duration_s": summary.duration_s,
        "reps": {"total": summary.reps_total, "left": summary.reps_left, "right": summary.reps_right},
        "holds": [
            {
                "side": h.side,
                "start_s": h.start_s,
                "end_s": h.end_s,
                "seconds": h.seconds,
                "reached_target": h.reached_target,
                "positions": [
                    {"start_s": p.start_s, "end_s": p.end_s, "seconds": p.seconds} for p in h.positions
                ],
            }
            for h in summary.holds
        ],
        "rep_events": [
            {
                "side": r.side,
                "start_s": r.start_s,
                "end_s": r.end_s,
                "faults": list(r.faults),
                "peak": r.peak,
                "hold_s": r.hold_s,
                "confidence": r.confidence,
                "doubts": list(r.doubts),
            }
            for r in summary.rep_events
        ],
        "uncounted": [
            {"side": u.side, "start_s": u.start_s, "end_s": u.end_s, "reason": u.reason, "text": u.text}
            for u in summary.uncounted
        ],
        "cues": [{"t_s": c.t, "id": c.id, "text": c.text, "severity": c.severity} for c in summary.cues],
        "frames": {"total": summary.frames_total, "with_pose": summary.frames_with_pose},
        "partial": partial,
        "stop_reason": stop_reason,
        "warnings": list(summary.warnings),
        "notes": list(summary.notes),
    }
    result: dict[str, Any] = json_safe(data | dict(extra))
    return result


def hold_lines(holds: Sequence[HoldEvent]) -> list[str]:
    """One line per hold: time held, start, whether it reached the handout's time, its positions."""
    lines = []
    for number, hold in enumerate(holds, start=1):
        short = "" if hold.reached_target else " (shorter than the handout's hold)"
        line = f"hold {number}: {hold.seconds:.1f} s from {hold.start_s:.1f} s{short}"
        if len(hold.positions) > 1:
            times = ", ".join(f"{p.seconds:.1f} s" for p in hold.positions)
            line += f"; {len(hold.positions)} positions: {times}"
        lines.append(line)
    return lines


def _seconds(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) and math.isfinite(value) else "?"


def uncounted_lines(uncounted: Sequence[UncountedRep | Mapping[str, Any]]) -> list[str]:
    """One line per movement seen but not counted: when, which side, and why in the coach's words.

    Takes the summary's :class:`UncountedRep` items or report.json's ``uncounted`` entries; the
    reason id stands in for the text only when a report has no text.
    """
    lines = []
    for item in uncounted:
        entry = dataclasses.asdict(item) if isinstance(item, UncountedRep) else item
        side = entry.get("side")
        which = f" ({side})" if side else ""
        why = entry.get("text") or entry.get("reason") or "no reason given"
        when = f"{_seconds(entry.get('start_s'))}-{_seconds(entry.get('end_s'))} s"
        lines.append(f"1 rep not counted: {when}{which}: {why}")
    return lines


def doubt_lines(reps: Sequence[RepEvent | Mapping[str, Any]]) -> list[str]:
    """One line per counted rep that soft evidence speaks against: its number, confidence and why.

    Takes the summary's :class:`RepEvent` items or report.json's ``rep_events`` entries.
    """
    lines = []
    for number, rep in enumerate(reps, start=1):
        entry = dataclasses.asdict(rep) if isinstance(rep, RepEvent) else rep
        doubts = entry.get("doubts") or ()
        if doubts:
            confidence = float(entry.get("confidence", 1.0))
            lines.append(
                f"rep {number} counted with doubts (confidence {confidence:.2f}): {doubt_text(doubts)}"
            )
    return lines


def _atomic_write(path: str | Path, payload: bytes) -> None:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private; reports are meant to be read like any other output.
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented UTF-8 JSON (NaN becomes null), atomically."""
    text = json.dumps(json_safe(data), indent=2, ensure_ascii=False, allow_nan=False)
    _atomic_write(path, (text + "\n").encode("utf-8"))


def _csv_number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.{DECIMALS}f}"


def write_reps_csv(path: str | Path, summary: SessionSummary) -> None:
    """One row per completed rep (numbered from 1), faults joined by ';', atomically.

    After the counted reps, one row per movement seen but not counted: no rep number,
    ``counted`` "no" and the reason, in words, in ``note``.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for number, rep in enumerate(summary.rep_events, start=1):
        writer.writerow(
            [
                number,
                rep.side or "",
                _csv_number(rep.start_s),
                _csv_number(rep.end_s),
                _csv_number(rep.end_s - rep.start_s),
                _csv_number(rep.hold_s),
                _csv_number(rep.peak),
                ";".join(rep.faults),
                "yes",
                f"{rep.confidence:.2f}",
                doubt_text(rep.doubts),
            ]
        )
    for item in summary.uncounted:
        writer.writerow(
            [
                "",
                item.side or "",
                _csv_number(item.start_s),
                _csv_number(item.end_s),
                _csv_number(item.end_s - item.start_s),
                "",
                "",
                "",
                "no",
                "",
                item.text or item.reason,
            ]
        )
    _atomic_write(path, buf.getvalue().encode("utf-8"))


def metrics_figure(
    series: Series,
    thresholds: Sequence[Threshold],
    rep_events: Sequence[RepEvent],
    holds: Sequence[HoldEvent],
    title: str,
) -> go.Figure:
    """The plot of :func:`posecheck.plot_png.plot_metrics` as an interactive plotly figure."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(series) or [""]
    rows = len(names)
    fig = make_subplots(
        rows=rows, cols=1, shared_xaxes=True, vertical_spacing=min(0.08, 0.3 / rows), subplot_titles=None
    )
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for row, name in enumerate(names, start=1):
        suffix = "" if row == 1 else str(row)
        xref, yref = f"x{suffix}", f"y{suffix}"
        if name:
            t, v = clean_series(name, *series[name])
            # None breaks the line like NaN does in matplotlib, and survives JSON.
            y = [float(x) if math.isfinite(x) else None for x in v]
            fig.add_trace(
                go.Scatter(x=t, y=y, mode="lines", name=name.replace("_", " "), connectgaps=False),
                row=row,
                col=1,
            )
            fig.update_yaxes(title_text=name.replace("_", " "), row=row, col=1)
            if not np.isfinite(v).any():
                annotations.append(_centre_note("no data", xref, yref))
        else:
            annotations.append(_centre_note("no metric data", xref, yref))
        for metric, value, label in thresholds:
            if metric == name and math.isfinite(value):
                shapes.append(
                    {
                        "type": "line",
                        "xref": f"{xref} domain",
                        "x0": 0,
                        "x1": 1,
                        "yref": yref,
                        "y0": value,
                        "y1": value,
                        "line": {"dash": "dash", "width": 1, "color": "black"},
                    }
                )
                annotations.append(
                    {
                        "xref": f"{xref} domain",
                        "x": 1,
                        "yref": yref,
                        "y": value,
                        "text": label,
                        "showarrow": False,
                        "xanchor": "right",
                        "yanchor": "bottom",
                        "font": {"size": 10},
                    }
                )
        for hold in holds:
            color = HOLD_DONE_COLOR if hold.reached_target else HOLD_SHORT_COLOR
            shapes.append(_vspan(xref, yref, hold.start_s, hold.end_s, color, 0.15))
        for number, rep in enumerate(rep_events, start=1):
            color = REP_FAULT_COLOR if rep.faults else REP_COLOR
            shapes.append(_vspan(xref, yref, rep.start_s, rep.end_s, color, 0.08))
            annotations.append(
                {
                    "xref": xref,
                    "x": (rep.start_s + rep.end_s) / 2,
                    "yref": f"{yref} domain",
                    "y": 1,
                    "text": rep_label(number, rep),
                    "showarrow": False,
                    "yanchor": "top",
                    "font": {"size": 10, "color": color},
                }
            )
    fig.update_xaxes(title_text="time (s)", row=rows, col=1)
    fig.update_layout(
        title=title,
        height=120 + 220 * rows,
        showlegend=False,
        shapes=shapes,
        annotations=annotations,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
    )
    return fig


def _vspan(xref: str, yref: str, x0: float, x1: float, color: str, opacity: float) -> dict[str, Any]:
    return {
        "type": "rect",
        "xref": xref,
        "x0": x0,
        "x1": x1,
        "yref": f"{yref} domain",
        "y0": 0,
        "y1": 1,
        "fillcolor": color,
        "opacity": opacity,
        "line": {"width": 0},
        "layer": "below",
    }


def _centre_note(text: str, xref: str, yref: str) -> dict[str, Any]:
    return {
        "xref": f"{xref} domain",
        "x": 0.5,
        "yref": f"{yref} domain",
        "y": 0.5,
        "text": text,
        "showarrow": False,
        "font": {"color": "grey"},
    }


# ----- what to plot for a rule set (analysis, app pages) ------------------------------------
def plot_thresholds(rules: RuleSet) -> list[tuple[str, float, str]]:
    """(metric, value, label) of the rest and target bounds (relative bounds are per person: left out)."""
    out = []
    for label, conditions in (("rest", rules.movement.rest), ("target", rules.movement.target)):
        for c in conditions:
            if c.relative:
                continue
            for bound in (c.above, c.below):
                if bound is not None:
                    out.append((c.metric, float(bound), label))
    return out


def plot_series(
    rules: RuleSet, t: np.ndarray, values: Mapping[str, np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The metric series a plot should show: those the repetition uses."""
    used = {rules.movement.metric} | {c.metric for c in [*rules.movement.rest, *rules.movement.target]}
    return {name: (t, np.asarray(v)) for name, v in values.items() if name.split(".")[0] in used}
