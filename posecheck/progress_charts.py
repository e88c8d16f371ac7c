"""The Progress charts as inline SVG (matplotlib): self-contained, printable, nothing fetched.

One small chart per exercise: what was done each day (reps, or seconds of each hold) with the
dose drawn in as a band, and form faults per rep on a second axis.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import date
from typing import Any

from posecheck.progress import ExerciseProgress, needed_units

DONE = "#2f7d4f"
FAULT = "#c0392b"
BAND = "#9ecfb0"
# rc_context changes matplotlib's process-wide settings: two tabs drawing at once (a report is made
# on a download's own thread) must not interleave them, or one would leave the other's behind.
_RC_LOCK = threading.Lock()


def _svg(fig: object) -> str:
    buf = io.StringIO()
    # No metadata block: it would carry a date (reports of the same data must be equal) and outside URLs.
    meta = {"Creator": None, "Date": None, "Format": None, "Type": None}
    fig.savefig(buf, format="svg", metadata=meta)  # type: ignore[attr-defined]
    text = buf.getvalue()
    # Inline in HTML: no XML declaration or DOCTYPE; the size scales with its box.
    text = text[text.index("<svg") :]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', text, count=1)


def exercise_svg(ex: ExerciseProgress, start: date, end: date, width_in: float = 3.6) -> str:
    """One exercise's chart over ``start``..``end`` as an ``<svg>`` element."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
    from matplotlib.figure import Figure

    rc: Any = {"svg.fonttype": "none", "svg.hashsalt": ex.exercise, "font.size": 7}
    with _RC_LOCK, matplotlib.rc_context(rc):
        fig = Figure(figsize=(width_in, 1.55))
        FigureCanvasSVG(fig)
        # Fixed margins: a constrained layout draws the figure twice (a third of the time per chart).
        ax = fig.add_axes((0.15, 0.17, 0.7, 0.78))
        days = [float(date2num(d.day)) for d in ex.days]
        holds = ex.plan is not None and ex.plan.counts_holds
        if holds:
            for d in ex.days:
                ax.scatter(
                    [float(date2num(d.day))] * len(d.hold_seconds), d.hold_seconds, s=9, color=DONE, zorder=3
                )
            ax.set_ylabel("hold (s)")
            if ex.plan is not None and ex.plan.hold_s[1] > 0:
                ax.axhspan(*ex.plan.hold_s, color=BAND, alpha=0.45, lw=0, label="dose")
        else:
            ax.bar(days, [d.reps_total for d in ex.days], width=0.7, color=DONE, zorder=3)
            ax.set_ylabel("reps")
            if ex.plan is not None:
                low, high = needed_units(ex.plan)
                ax.axhspan(low, max(high, low + 0.2), color=BAND, alpha=0.45, lw=0, label="dose")
        ax.set_ylim(bottom=0)
        ax.set_xlim(float(date2num(start)) - 0.6, float(date2num(end)) + 0.6)
        ax.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=6))
        ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
        ax.tick_params(axis="x", labelsize=6)
        ax.spines[["top"]].set_visible(False)
        with_reps = [d for d in ex.days if d.rep_events]
        if with_reps:  # a stretch timed as holds may have no reps: no fault axis then
            faults = ax.twinx()
            faults.plot(
                [float(date2num(d.day)) for d in with_reps],
                [d.faults_per_rep for d in with_reps],
                color=FAULT,
                marker="o",
                ms=2.5,
                lw=1,
            )
            top = max([d.faults_per_rep for d in with_reps] + [1.0])
            faults.set_ylim(0, top * 1.1)
            faults.set_ylabel("faults / rep", color=FAULT)
            faults.tick_params(axis="y", colors=FAULT)
            faults.spines[["top"]].set_visible(False)
        return _svg(fig)
