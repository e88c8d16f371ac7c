"""Agreement with a physiotherapist's own counts: per session and across sessions (pure functions).

What the physiotherapist counted (reps, reps per side, hold seconds) comes in the format of
``sample_videos/labels.json``; what posecheck counted comes from a session summary. Exact
agreement is on the total count; mean absolute error is in reps; side agreement is the share of
the physiotherapist's one-sided reps that posecheck gave the same side, from the per-side counts
(no times needed, so counts typed in by hand work).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posecheck.coach.feedback import SessionSummary
from posecheck.errors import InputError


@dataclass(frozen=True)
class Counted:
    """One session's counts: reps in all, per side when counted per side, and each hold's seconds."""

    reps: int
    left: int | None = None
    right: int | None = None
    holds_s: tuple[float, ...] = ()


@dataclass(frozen=True)
class SessionAgreement:
    """posecheck against the physiotherapist on one session."""

    name: str
    physio: Counted
    posecheck: Counted
    sided: int  # the physiotherapist's one-sided reps (0 when not counted per side)
    sided_same: int  # of those, how many posecheck gave the same side (from the per-side counts)
    hold_errors_s: tuple[float, ...]  # |posecheck - physio| per labelled hold, longest paired first

    @property
    def error(self) -> int:
        """posecheck's count minus the physiotherapist's (negative: posecheck missed reps)."""
        return self.posecheck.reps - self.physio.reps

    @property
    def exact(self) -> bool:
        """Whether the total counts agree."""
        return self.error == 0


@dataclass(frozen=True)
class Agreement:
    """Across sessions: exact-agreement rate, mean absolute error, side agreement, hold error."""

    sessions: int
    exact: int
    abs_error: int  # sum of |error| (the mean is this over sessions)
    sided: int
    sided_same: int
    holds: int
    hold_error_s: float  # sum over labelled holds

    @property
    def exact_rate(self) -> float | None:
        """Share of sessions whose count agrees exactly (None without sessions)."""
        return self.exact / self.sessions if self.sessions else None

    @property
    def mae(self) -> float | None:
        """Mean absolute count error in reps (None without sessions)."""
        return self.abs_error / self.sessions if self.sessions else None

    @property
    def side_rate(self) -> float | None:
        """Share of one-sided reps given the same side (None when nobody counted sides)."""
        return self.sided_same / self.sided if self.sided else None

    @property
    def hold_mae_s(self) -> float | None:
        """Mean absolute hold-time error in seconds (None without labelled holds)."""
        return self.hold_error_s / self.holds if self.holds else None

    def key(self) -> tuple[int, int, int, float]:
        """Sort key, larger is better: exact first, then count error, side, hold time (for search).

        Hold time counts in quarter seconds of mean error: a smaller gain is no reason to move a
        threshold (it is within what a physiotherapist's stopwatch and the frame rate can tell).
        """
        hold = round(self.hold_error_s / self.holds * 4) / 4 if self.holds else 0.0
        return (self.exact, -self.abs_error, self.sided_same, -hold)

    def text(self) -> str:
        """``exact 2/3 (67%), MAE 0.33, sides 90% of 10, holds 1.2 s`` for people."""
        if not self.sessions:
            return "no sessions"
        out = f"exact {self.exact}/{self.sessions} ({self.exact_rate:.0%}), MAE {self.mae:.2f}"
        if self.side_rate is not None:
            out += f", sides {self.side_rate:.0%} of {self.sided}"
        if self.hold_mae_s is not None:
            out += f", hold error {self.hold_mae_s:.1f} s"
        return out


def hold_errors(physio: Sequence[float], measured: Sequence[float]) -> tuple[float, ...]:
    """|measured - physio| per physio hold, longest paired with longest; a missed hold counts whole.

    Pairing by length rather than time lets counts typed in without times be compared; an extra
    hold posecheck saw already shows in the count.
    """
    got = sorted(measured, reverse=True)
    return tuple(
        abs((got[i] if i < len(got) else 0.0) - want) for i, want in enumerate(sorted(physio, reverse=True))
    )


def compare_session(name: str, physio: Counted, measured: Counted) -> SessionAgreement:
    """posecheck's counts against the physiotherapist's for one session."""
    sided = same = 0
    if physio.left is not None and physio.right is not None:
        sided = physio.left + physio.right
        same = min(measured.left or 0, physio.left) + min(measured.right or 0, physio.right)
    return SessionAgreement(
        name, physio, measured, sided, same, hold_errors(physio.holds_s, measured.holds_s)
    )


def overall(items: Sequence[SessionAgreement]) -> Agreement:
    """Totals across sessions (each session weighs the same)."""
    errors = [e for s in items for e in s.hold_errors_s]
    return Agreement(
        sessions=len(items),
        exact=sum(s.exact for s in items),
        abs_error=sum(abs(s.error) for s in items),
        sided=sum(s.sided for s in items),
        sided_same=sum(s.sided_same for s in items),
        holds=len(errors),
        hold_error_s=sum(errors),
    )


def counted_from_summary(summary: SessionSummary) -> Counted:
    """What posecheck counted in a scored session.

    Hold times as :func:`posecheck.evaluate.compare` measures them: a hold told apart into static
    positions gives one time per position; exercises without hold events give each rep's hold.
    """
    holds = [p.seconds for h in summary.holds for p in (h.positions or (h,))]
    if not holds:
        holds = [r.hold_s for r in summary.rep_events if r.hold_s > 0]
    return Counted(summary.reps_total, summary.reps_left, summary.reps_right, tuple(holds))


def _count(value: Any, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{where}: {what} must be a whole number of 0 or more (got {value!r})")
    return value


def counted_from_label(lab: Mapping[str, Any], where: str = "label") -> Counted:
    """The physiotherapist's counts from one ``labels.json`` entry (rep_count, rep_count_by_side, holds)."""
    reps = _count(lab.get("rep_count"), "rep_count", where)
    by_side = lab.get("rep_count_by_side") or {}
    left = right = None
    if "left" in by_side or "right" in by_side:
        left = _count(by_side.get("left", 0), "rep_count_by_side.left", where)
        right = _count(by_side.get("right", 0), "rep_count_by_side.right", where)
    holds = []
    for hold in lab.get("holds") or []:
        try:
            holds.append(
                float(hold["seconds"]) if "seconds" in hold else float(hold["end_s"]) - float(hold["start_s"])
            )
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{where}: each hold needs start_s and end_s (or seconds)") from None
    return Counted(reps, left, right, tuple(holds))


def label_from_counted(exercise: str, counted: Counted, source: str) -> dict[str, Any]:
    """A ``labels.json`` entry for counts typed in (hold times without start and end: ``seconds``)."""
    lab: dict[str, Any] = {"exercise": exercise, "rep_count": counted.reps, "labelled_by": source}
    if counted.left is not None or counted.right is not None:
        lab["rep_count_by_side"] = {"both": 0, "left": counted.left or 0, "right": counted.right or 0}
    if counted.holds_s:
        lab["holds"] = [{"seconds": s} for s in counted.holds_s]
    return lab
