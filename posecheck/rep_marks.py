"""Reps a physiotherapist marked on a session's timeline: counts from marks, and marks in labels.

A mark is a span of time with a side, as ``sample_videos/labels.json`` stores a rep
(``reps: [{start_s, end_s, side}]``), so marks saved from the tune page read back in
``posecheck tune`` and in the eval like any other label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posecheck.agreement import Counted

SIDES = ("left", "right", "both")


@dataclass(frozen=True)
class RepMark:
    """One rep as the physiotherapist marked it: from ``start_s`` to ``end_s``, on ``side``."""

    start_s: float
    end_s: float
    side: str = "both"

    @property
    def mid_s(self) -> float:
        """The middle of the span (where the rep is drawn and sorted)."""
        return (self.start_s + self.end_s) / 2


def add_mark(marks: Sequence[RepMark], new: RepMark) -> list[RepMark]:
    """``marks`` with ``new`` added last (so undo takes it back); a mark it overlaps is replaced.

    Two reps of one person cannot overlap in time, so an overlapping span is a correction of the
    earlier mark, not a second rep.
    """
    kept = [m for m in marks if m.end_s <= new.start_s or m.start_s >= new.end_s]
    return [*kept, new]


def counted_from_marks(marks: Sequence[RepMark], has_sides: bool, holds_s: Sequence[float] = ()) -> Counted:
    """The physiotherapist's counts from their marks (per side when the exercise has sides)."""
    if not has_sides:
        return Counted(len(marks), None, None, tuple(holds_s))
    left = sum(m.side == "left" for m in marks)
    right = sum(m.side == "right" for m in marks)
    return Counted(len(marks), left, right, tuple(holds_s))


def marks_from_label(lab: Mapping[str, Any] | None) -> list[RepMark]:
    """The marked reps of a ``labels.json`` entry (entries without rep times give none)."""
    out = []
    for rep in (lab or {}).get("reps") or []:
        try:
            start, end = float(rep["start_s"]), float(rep["end_s"])
        except (KeyError, TypeError, ValueError):
            continue  # a rep without times was counted, not marked: the counts carry it
        side = rep.get("side") if rep.get("side") in SIDES else "both"
        out.append(RepMark(min(start, end), max(start, end), side))
    return sorted(out, key=lambda m: m.start_s)


def label_reps(marks: Sequence[RepMark]) -> list[dict[str, Any]]:
    """Marks as a ``labels.json`` entry's ``reps`` list."""
    ordered = sorted(marks, key=lambda m: m.start_s)
    return [{"start_s": round(m.start_s, 2), "end_s": round(m.end_s, 2), "side": m.side} for m in ordered]
