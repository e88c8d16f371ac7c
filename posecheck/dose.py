"""How much of an exercise to do, how much is done, and how a person would say it.

Pure functions over small frozen dataclasses: no coach, no files. A :class:`DosePlan` comes
from a rule file's ``[dose]`` (:func:`plan_from_rules`) or from a programme entry
(:mod:`posecheck.programme`); :class:`Counts` are what a coach or the history store counted.

What counts toward the dose:

- ``reps`` exercises: every rep (a bird dog's short hold is a form cue, not a missing rep);
- ``hold`` and ``guided_hold`` exercises: holds that lasted at least the shortest hold time of
  the dose (a shorter one was already told "hold a little longer" and is done again);
- ``sides = "each"``: the minimum is per side; a rep or hold whose side the camera could not
  tell goes to the side with more left, since the person did it on one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from posecheck.coach.feedback import HoldEvent, SessionSummary
    from posecheck.coach.schema import RuleSet

Kind = Literal["reps", "hold", "guided_hold"]
Sides = Literal["none", "alternate", "each"]


@dataclass(frozen=True)
class DosePlan:
    """One exercise's dose.

    ``reps`` is (min, max): per side when ``sides == "each"``, in all otherwise; ``hold_s`` is
    (min, max) seconds per hold, (0, 0) for none; ``rest_s`` the rest between guided holds;
    ``sets`` of that, with ``set_rest_s`` between them.
    """

    kind: Kind
    sides: Sides
    reps: tuple[int, int]
    hold_s: tuple[float, float] = (0.0, 0.0)
    sets: int = 1
    rest_s: float = 0.0
    set_rest_s: float = 0.0

    @property
    def counts_holds(self) -> bool:
        """Whether the dose is counted in holds (stretches, guided holds) rather than reps."""
        return self.kind != "reps"


@dataclass(frozen=True)
class HoldDone:
    """A hold as the dose sees it: its side (None: not told) and the seconds held."""

    side: str | None
    seconds: float


@dataclass(frozen=True)
class Counts:
    """What was done so far: reps (per side where told) and holds."""

    reps_total: int = 0
    reps_left: int | None = None
    reps_right: int | None = None
    holds: tuple[HoldDone, ...] = ()

    @classmethod
    def from_summary(cls, summary: SessionSummary) -> Counts:
        """The counts of a coach's session summary."""
        return cls(summary.reps_total, summary.reps_left, summary.reps_right, holds_done(summary.holds))


@dataclass(frozen=True)
class DoseStatus:
    """Progress against a plan: ``left`` to reach the minimum (``left_by_side`` for "each")."""

    done: bool
    counted: int  # reps or full holds that count toward the dose
    left: int
    left_by_side: dict[str, int] | None
    more_allowed: int  # beyond the minimum, up to the dose's maximum
    sets_done: int


def holds_done(holds: Iterable[HoldEvent]) -> tuple[HoldDone, ...]:
    """The coach's hold events as :class:`HoldDone`."""
    return tuple(HoldDone(h.side, h.seconds) for h in holds)


def plan_from_rules(rules: RuleSet) -> DosePlan:
    """The handout's dose as the rule file's ``[dose]`` gives it (one set)."""
    d = rules.dose
    return DosePlan(rules.kind, rules.sides, d.reps, d.hold_s, rest_s=d.rest_s)


def _range(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def _times(low: int, high: int) -> str:
    if low == high:
        return {1: "once", 2: "twice"}.get(low, f"{low} times")
    return f"{low}-{high} times"


def _reps(low: int, high: int) -> str:
    return f"{_range(low, high)} rep{'' if low == high == 1 else 's'}"


def dose_text(plan: DosePlan) -> str:
    """The dose as a person says it: "8-12 reps", "2 each side", "hold 20-30 s, 2 each side"."""
    low, high = plan.reps
    hold = f"hold {_range(*plan.hold_s)} s" if plan.hold_s[1] > 0 else ""
    if plan.counts_holds:
        if plan.sides == "each":
            count = f"{_range(low, high)} each side"
        elif plan.sides == "alternate":
            count = f"{_times(low, high)}, alternating sides"
        else:
            count = _times(low, high)
        parts = [hold, count] if hold else [count]
    else:
        if plan.sides == "each":
            count = f"{_range(low, high)} each side"
        elif plan.sides == "alternate":
            count = f"{_reps(low, high)}, alternating sides"
        else:
            count = _reps(low, high)
        parts = [count, f"{hold} each"] if hold else [count]
    if plan.kind == "guided_hold" and plan.rest_s > 0:
        parts.append(f"{plan.rest_s:g} s rest between")
    text = ", ".join(parts)
    if plan.sets > 1:
        between = f", {plan.set_rest_s:g} s rest between sets" if plan.set_rest_s > 0 else ""
        text += f"; {plan.sets} sets{between}"
    return text


def _counted(plan: DosePlan, counts: Counts) -> tuple[int, int, int]:
    """(left-side, right-side, side-not-told) units that count toward the dose."""
    if plan.counts_holds:
        full = [h for h in counts.holds if h.seconds >= plan.hold_s[0]]
        left = sum(h.side == "left" for h in full)
        right = sum(h.side == "right" for h in full)
        return left, right, len(full) - left - right
    left, right = counts.reps_left or 0, counts.reps_right or 0
    return left, right, max(0, counts.reps_total - left - right)


def status(plan: DosePlan, counts: Counts) -> DoseStatus:
    """How far ``counts`` are through ``plan``: done, how many left (per side), sets done."""
    low, high = plan.reps
    per_set = max(1, low)
    left_n, right_n, unknown = _counted(plan, counts)
    total = left_n + right_n + unknown
    if plan.sides == "each":
        need, most = plan.sets * low, plan.sets * high
        # A side the camera did not tell is given to the side with more to do.
        for _ in range(unknown):
            if need - left_n >= need - right_n:
                left_n += 1
            else:
                right_n += 1
        by_side = {"left": max(0, need - left_n), "right": max(0, need - right_n)}
        left = by_side["left"] + by_side["right"]
        more = max(0, most - left_n) + max(0, most - right_n) - left
        sets_done = min(left_n, right_n) // per_set
        return DoseStatus(left == 0, total, left, by_side, max(0, more), min(plan.sets, sets_done))
    need, most = plan.sets * low, plan.sets * high
    left = max(0, need - total)
    more = max(0, most - total) - left
    return DoseStatus(left == 0, total, left, None, max(0, more), min(plan.sets, total // per_set))


def left_text(plan: DosePlan, st: DoseStatus) -> str:
    """What is left, as a person says it: "3 reps to go", "2 to go (left 1, right 1)", "done"."""
    unit = "hold" if plan.counts_holds else "rep"
    if st.done:
        if st.more_allowed:
            return f"done (up to {st.more_allowed} more {unit}s if it feels fine)"
        return "done"
    plural = "" if st.left == 1 else "s"
    if st.left_by_side is not None:
        sides = ", ".join(f"{side} {n}" for side, n in st.left_by_side.items() if n)
        return f"{st.left} {unit}{plural} to go ({sides})"
    return f"{st.left} {unit}{plural} to go"
