"""angles.png: the metric plot as a PNG, drawn cheaply enough to redraw on every re-score.

matplotlib's object API on an Agg canvas (no pyplot: no display, no global figure state), fixed
margins instead of constrained layout (which measured ~40% of a figure's cost, laying out every
tick label twice), each line thinned to the axes' pixel columns keeping every column's first,
lowest, highest and last sample (so no peak disappears), and the spans of reps and holds as one
collection per panel rather than one patch each.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posecheck.coach.feedback import HoldEvent, RepEvent

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Series = Mapping[str, tuple[np.ndarray, np.ndarray]]
Threshold = tuple[str, float, str]

HOLD_DONE_COLOR = "#2ca02c"
HOLD_SHORT_COLOR = "#ff7f0e"
REP_COLOR = "#7f7f7f"
REP_FAULT_COLOR = "#d62728"
LINE_COLOR = "#1f77b4"
# Figure geometry in inches: fixed margins that fit the labels (tick labels up to 4-5 characters,
# a rotated metric name); the figure grows by one panel per metric, as before.
DPI = 80
WIDTH_IN = 10.0
PANEL_IN = 2.2
GAP_IN = 0.15
TOP_IN, BOTTOM_IN, LEFT_IN, RIGHT_IN = 0.45, 0.55, 0.85, 0.2
# zlib level 1: measured on a 9-panel figure, 34 ms and 202 kB against PIL's default 6, 48 ms and 180 kB.
PNG_COMPRESS_LEVEL = 1
# The PNG text chunk holding plot_digest; bump PLOT_VERSION whenever the drawing changes.
DIGEST_KEY = "posecheck-plot"
PLOT_VERSION = 2


def envelope(
    t: np.ndarray, v: np.ndarray, t0: float, t1: float, columns: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(t, v)`` thinned to ``columns`` pixel columns over ``[t0, t1]``: per column and unbroken stretch
    the first, lowest, highest and last sample, in time order; NaN gaps stay gaps.

    A line drawn through these looks the same at that width as the full series (every column
    keeps its extremes, and the segments joining the columns keep their ends). Unsorted times or
    series shorter than four samples a column come back unchanged.
    """
    n = t.size
    if n <= 4 * columns or columns < 1 or not t1 > t0 or np.any(np.diff(t) < 0):
        return t, v
    finite = np.isfinite(v) & np.isfinite(t)
    idx = np.flatnonzero(finite)
    if idx.size == 0:
        return t, v
    # A stretch is a run of finite samples: it changes after every gap.
    stretch = np.cumsum(~finite)[idx]
    column = np.clip(((t[idx] - t0) / (t1 - t0) * columns).astype(np.int64), 0, columns - 1)
    key = stretch * (columns + 1) + column  # non-decreasing, because t is sorted
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], idx.size] - 1
    vals = v[idx]
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, idx.size]))
    lo = np.minimum.reduceat(vals, starts)
    hi = np.maximum.reduceat(vals, starts)
    # First sample of each group that equals its minimum (maximum).
    at_lo = np.flatnonzero(vals == lo[group])
    at_hi = np.flatnonzero(vals == hi[group])
    first_lo = at_lo[np.r_[True, group[at_lo][1:] != group[at_lo][:-1]]]
    first_hi = at_hi[np.r_[True, group[at_hi][1:] != group[at_hi][:-1]]]
    keep = np.unique(np.concatenate([starts, ends, first_lo, first_hi]))
    kept = idx[keep]
    # A NaN after each stretch that is followed by a gap keeps the line broken there.
    breaks = kept[np.flatnonzero(np.diff(stretch[keep]) != 0)]
    out_t = np.insert(t[kept], np.searchsorted(kept, breaks, side="right"), np.nan)
    out_v = np.insert(v[kept], np.searchsorted(kept, breaks, side="right"), np.nan)
    return out_t, out_v


def clean_series(name: str, times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One metric's times and values as flat float arrays; ValueError when their lengths differ."""
    t = np.asarray(times, dtype=float).ravel()
    v = np.asarray(values, dtype=float).ravel()
    if t.shape != v.shape:
        raise ValueError(f"metric {name!r}: {t.size} times but {v.size} values")
    return t, v


def rep_label(number: int, rep: RepEvent) -> str:
    """A rep's label on the plots: L or R, or its number when the exercise has no sides."""
    return {"left": "L", "right": "R"}.get(rep.side or "", "") or str(number)


def _spans(ax: Axes, rep_events: Sequence[RepEvent], holds: Sequence[HoldEvent]) -> None:
    """Holds and reps as full-height bands (one collection) and a line at each rep's end."""
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.colors import to_rgba

    spans: list[tuple[float, float, tuple[float, ...]]] = [
        (h.start_s, h.end_s, to_rgba(HOLD_DONE_COLOR if h.reached_target else HOLD_SHORT_COLOR, 0.15))
        for h in holds
    ]
    ends: list[tuple[float, tuple[float, ...]]] = []
    for rep in rep_events:
        color = REP_FAULT_COLOR if rep.faults else REP_COLOR
        spans.append((rep.start_s, rep.end_s, to_rgba(color, 0.08)))
        ends.append((rep.end_s, to_rgba(color, 0.6)))
    # x in data, y in axes fraction (as axvspan and axvline): bands never change the y range.
    blended = ax.get_xaxis_transform()
    if spans:
        verts = [[(a, 0.0), (a, 1.0), (b, 1.0), (b, 0.0)] for a, b, _ in spans]
        bands = PolyCollection(verts, facecolors=[c for *_, c in spans], linewidths=0, transform=blended)
        ax.add_collection(bands, autolim=False)
        ax.update_datalim([(a, 0.0) for a, _, _ in spans] + [(b, 0.0) for _, b, _ in spans], updatey=False)
    if ends:
        segments = [[(x, 0.0), (x, 1.0)] for x, _ in ends]
        lines = LineCollection(segments, colors=[c for _, c in ends], linewidths=0.8, transform=blended)
        ax.add_collection(lines, autolim=False)


def _labels(ax: Axes, rep_events: Sequence[RepEvent]) -> None:
    blended = ax.get_xaxis_transform()
    for number, rep in enumerate(rep_events, start=1):
        color = REP_FAULT_COLOR if rep.faults else REP_COLOR
        ax.text(
            (rep.start_s + rep.end_s) / 2, 0.985, rep_label(number, rep), transform=blended,
            ha="center", va="top", fontsize=8, color=color,
        )  # fmt: skip


def _thresholds(ax: Axes, name: str, thresholds: Sequence[Threshold]) -> None:
    blended = ax.get_yaxis_transform()
    for metric, value, label in thresholds:
        if metric == name and math.isfinite(value):
            ax.axhline(value, linestyle="--", color="black", linewidth=0.9, alpha=0.7)
            ax.text(0.995, value, label, transform=blended, ha="right", va="bottom", fontsize=8)


def _span(series: Series, rep_events: Sequence[RepEvent], holds: Sequence[HoldEvent]) -> tuple[float, float]:
    """The time range every panel shows (what autoscaling would reach), to thin the lines to."""
    lows: list[float] = []
    highs: list[float] = []
    for t, _ in series.values():
        finite = np.asarray(t, dtype=float)
        finite = finite[np.isfinite(finite)]
        if finite.size:
            lows.append(float(finite.min()))
            highs.append(float(finite.max()))
    for start, end in [(e.start_s, e.end_s) for e in rep_events] + [(h.start_s, h.end_s) for h in holds]:
        lows.append(start)
        highs.append(end)
    return (min(lows), max(highs)) if lows else (0.0, 1.0)


def plot_digest(
    series: Series,
    thresholds: Sequence[Threshold],
    rep_events: Sequence[RepEvent],
    holds: Sequence[HoldEvent],
    title: str,
) -> str:
    """SHA-256 of everything a plot shows and of how it is drawn: equal digests, equal PNGs."""
    import matplotlib

    h = hashlib.sha256()
    geometry = (DPI, WIDTH_IN, PANEL_IN, GAP_IN, TOP_IN, BOTTOM_IN, LEFT_IN, RIGHT_IN, PNG_COMPRESS_LEVEL)
    h.update(repr((PLOT_VERSION, matplotlib.__version__, geometry, title, list(thresholds))).encode())
    h.update(repr([(e.side, e.start_s, e.end_s, bool(e.faults)) for e in rep_events]).encode())
    h.update(repr([(e.start_s, e.end_s, e.reached_target) for e in holds]).encode())
    for name, (t, v) in series.items():
        h.update(name.encode() + b"\0")
        for a in clean_series(name, t, v):
            h.update(np.ascontiguousarray(a).tobytes() + b"\0")
    return h.hexdigest()


def _stored_digest(path: Path) -> str | None:
    """The plot digest written into a PNG's text chunk by :func:`plot_metrics` (None if none/unreadable)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            value = getattr(image, "text", {}).get(DIGEST_KEY)
    except (OSError, ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def plot_metrics(
    path: str | Path,
    series: Series,
    thresholds: Sequence[Threshold],
    rep_events: Sequence[RepEvent],
    holds: Sequence[HoldEvent],
    title: str,
    reuse: str | Path | None = None,
) -> None:
    """Save a PNG with one panel per metric over time, thresholds, holds and reps.

    Holds are shaded (green: target reached, orange: not), reps are grey spans
    (red when the rep had faults) labelled L/R, or with their number when the
    exercise has no sides. NaN values show as gaps; empty input gives a figure
    that says so. ``reuse``: an earlier plot whose inputs may be the same (a re-score's old
    angles.png); when its stored digest matches, its bytes are copied instead of drawing again.
    """
    from posecheck.report import _atomic_write

    digest = plot_digest(series, thresholds, rep_events, holds, title)
    if reuse is not None and Path(reuse).is_file() and _stored_digest(Path(reuse)) == digest:
        _atomic_write(path, Path(reuse).read_bytes())
        return
    _atomic_write(path, _draw(series, thresholds, rep_events, holds, title, digest))


def _draw(
    series: Series,
    thresholds: Sequence[Threshold],
    rep_events: Sequence[RepEvent],
    holds: Sequence[HoldEvent],
    title: str,
    digest: str,
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = list(series) or [""]
    clean = {name: clean_series(name, *series[name]) for name in names if name}
    n = len(names)
    height = TOP_IN + BOTTOM_IN + n * PANEL_IN + (n - 1) * GAP_IN
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(
        left=LEFT_IN / WIDTH_IN, right=1 - RIGHT_IN / WIDTH_IN, top=1 - TOP_IN / height,
        bottom=BOTTOM_IN / height, hspace=GAP_IN / PANEL_IN,
    )  # fmt: skip
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    fig.suptitle(title, y=1 - 0.12 / height, va="top")
    t0, t1 = _span(clean, rep_events, holds)
    columns = max(1, round((WIDTH_IN - LEFT_IN - RIGHT_IN) * DPI))
    for ax, name in zip(axes, names, strict=True):
        if name:
            t, v = clean[name]
            if np.isfinite(v).any():
                ax.plot(*envelope(t, v, t0, t1, columns), color=LINE_COLOR, linewidth=1.2)
            else:
                ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="grey")
        else:
            ax.text(
                0.5, 0.5, "no metric data", transform=ax.transAxes, ha="center", va="center", color="grey"
            )
        ax.set_ylabel(name.replace("_", " "))
        ax.grid(True, alpha=0.3)
        _thresholds(ax, name, thresholds)
        _spans(ax, rep_events, holds)
        _labels(ax, rep_events)
    axes[-1].set_xlabel("time (s)")
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}}
    fig.savefig(buf, format="png", metadata={DIGEST_KEY: digest}, **kwargs)
    return buf.getvalue()
