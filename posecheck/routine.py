"""The routine: a programme done exercise by exercise, as plain state over numbers (no UI, no coach).

The page (``posecheck/ui/pages_routine.py``) owns the camera and the coach; it asks this module
what to show (which exercise, resting or not, how long the rest has left), tells it when the
person presses Next or Skip, and checks the counts against the dose. A conductor above the one
coach (DESIGN.md, "Growing past one exercise"): it never counts anything itself.

Phases: ``exercise`` (coaching entry ``index``), ``rest`` (a countdown before entry ``index``,
whose camera placement is already shown), ``finished``. An exercise ends as *done* (the dose's
minimum reached), *partial* (something counted, not enough) or *skipped* (nothing counted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from posecheck.dose import Counts, DosePlan, status

Phase = Literal["exercise", "rest", "finished"]
Outcome = Literal["done", "partial", "skipped"]


@dataclass(frozen=True)
class ExerciseResult:
    """How one exercise of the routine went."""

    exercise: str
    outcome: Outcome
    counted: int  # reps or full holds that count toward the dose
    needed: int  # the dose's minimum, both sides together
    faults: Mapping[str, int] = field(default_factory=dict)  # check id -> reps it fired in


@dataclass(frozen=True)
class RoutineSummary:
    """The end of the routine: each exercise's outcome and the faults that came up most."""

    results: tuple[ExerciseResult, ...]
    top_faults: tuple[tuple[str, int], ...]

    def of(self, outcome: Outcome) -> list[str]:
        """Exercises that ended with ``outcome``, in routine order."""
        return [r.exercise for r in self.results if r.outcome == outcome]


def needed(plan: DosePlan) -> int:
    """Reps or holds the dose asks for at least (both sides together)."""
    return status(plan, Counts()).left


def dose_done(plan: DosePlan, counts: Counts) -> bool:
    """Whether ``counts`` reach the dose's minimum (per side where the dose is per side)."""
    return status(plan, counts).done


class Routine:
    """Where the person is in a programme: ``steps`` are (exercise id, dose) in order."""

    def __init__(self, steps: Sequence[tuple[str, DosePlan]], rest_s: float) -> None:
        """Start at the first exercise (no rest before it: the person starts the camera when ready)."""
        if not steps:
            raise ValueError("a routine needs at least one exercise")
        self.steps = tuple(steps)
        self.rest_s = float(rest_s)
        self.phase: Phase = "exercise"
        self.index = 0
        self.rest_until = 0.0
        self.results: list[ExerciseResult] = []

    @property
    def exercise(self) -> str | None:
        """The exercise being done, or coming after the rest (None when finished)."""
        return self.steps[self.index][0] if self.phase != "finished" else None

    @property
    def plan(self) -> DosePlan | None:
        """Its dose (None when finished)."""
        return self.steps[self.index][1] if self.phase != "finished" else None

    @property
    def upcoming(self) -> str | None:
        """The exercise after the current one (None at the last)."""
        return self.steps[self.index + 1][0] if self.index + 1 < len(self.steps) else None

    def rest_left(self, now: float) -> float:
        """Seconds of rest left (0 outside a rest)."""
        return max(0.0, self.rest_until - now) if self.phase == "rest" else 0.0

    def end_exercise(self, now: float, counts: Counts, faults: Mapping[str, int] | None = None) -> None:
        """The current exercise ends (dose done, Next or Skip): record it, then rest or finish."""
        if self.phase != "exercise":
            return
        name, plan = self.steps[self.index]
        st = status(plan, counts)
        outcome: Outcome = "done" if st.done else ("partial" if st.counted else "skipped")
        self.results.append(ExerciseResult(name, outcome, st.counted, needed(plan), dict(faults or {})))
        self._after(now)

    def skip_upcoming(self, now: float) -> None:
        """During a rest: leave out the exercise that was coming (its rest starts for the one after)."""
        if self.phase != "rest":
            return
        name, plan = self.steps[self.index]
        self.results.append(ExerciseResult(name, "skipped", 0, needed(plan)))
        self._after(now)

    def start_now(self) -> None:
        """During a rest: start the coming exercise without waiting for the countdown."""
        if self.phase == "rest":
            self.phase = "exercise"

    def tick(self, now: float) -> bool:
        """Move from a rest to its exercise when the countdown is over; True when it just did."""
        if self.phase == "rest" and now >= self.rest_until:
            self.phase = "exercise"
            return True
        return False

    def _after(self, now: float) -> None:
        if self.index + 1 >= len(self.steps):
            self.phase = "finished"
            return
        self.index += 1
        self.phase = "rest"
        self.rest_until = now + self.rest_s

    def summary(self) -> RoutineSummary:
        """Outcomes so far and the faults most often seen, most frequent first."""
        total: Counter[str] = Counter()
        for r in self.results:
            total.update(r.faults)
        return RoutineSummary(tuple(self.results), tuple(total.most_common(3)))
