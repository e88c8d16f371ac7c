"""The history shaped for the Progress page and the physiotherapist's report (plain data, no UI).

Days are local calendar days (a session belongs to the day it started on, in this computer's
time zone). Each exercise's dose comes from the chosen programme (``programmes/*.toml``); an
exercise outside the programme is measured against its rule file's ``[dose]``. What counts toward
a dose is :mod:`posecheck.dose`'s rule (full holds only, per side where the dose is per side).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from posecheck.coach.loader import EXERCISES, load_rules, rules_dir
from posecheck.dose import Counts, DosePlan, HoldDone, dose_text, plan_from_rules, status
from posecheck.errors import PosecheckError
from posecheck.history.records import SessionRecord
from posecheck.programme import Programme

DEFAULT_DAYS = 28  # four weeks: what a physiotherapist reviews between appointments


@dataclass(frozen=True)
class ExerciseDay:
    """One exercise on one day: what was done, against the dose."""

    day: date
    sessions: int
    reps_total: int
    reps_left: int | None
    reps_right: int | None
    hold_seconds: tuple[float, ...]
    counted: int  # reps or full holds that count toward the dose
    needed: int  # the dose's minimum, in the same units (both sides together)
    most: int  # the dose's maximum, in the same units
    partial: bool  # some set of the day broke off (app closed, camera lost)
    rep_events: int  # reps stored one by one (faults are per rep)
    faults: dict[str, int]  # reps with each fault

    @property
    def share(self) -> float:
        """Share of the dose's minimum done, 0 to 1."""
        return 1.0 if self.needed <= 0 else min(1.0, self.counted / self.needed)

    @property
    def faults_per_rep(self) -> float:
        """Faults per stored rep (a rep with two faults counts two); 0 without reps."""
        return sum(self.faults.values()) / self.rep_events if self.rep_events else 0.0


@dataclass(frozen=True)
class ExerciseProgress:
    """One exercise over the chosen days."""

    exercise: str
    title: str
    plan: DosePlan | None  # None: neither the programme nor a shipped rule file gives a dose
    in_programme: bool
    days: tuple[ExerciseDay, ...]

    @property
    def dose(self) -> str:
        """The dose as a person says it ("8-12 reps"), or "-" without one."""
        return dose_text(self.plan) if self.plan is not None else "-"

    @property
    def faults(self) -> dict[str, int]:
        """Reps with each fault over all the days, most frequent first."""
        total: Counter[str] = Counter()
        for d in self.days:
            total.update(d.faults)
        return dict(total.most_common())


@dataclass(frozen=True)
class DayAdherence:
    """One calendar day: whether anything was done and what share of the programme."""

    day: date
    sessions: int
    exercises: tuple[str, ...]
    share: float  # mean over the programme's exercises of each one's share of its dose
    entries_done: int  # the programme's exercises whose dose was fully done that day


@dataclass(frozen=True)
class ProgressView:
    """Everything the Progress page and the report show."""

    programme_id: str
    programme_title: str
    programme_size: int
    profile: str | None
    start: date
    end: date
    sessions: int
    days: tuple[DayAdherence, ...]  # every day from start to end, empty ones included
    exercises: tuple[ExerciseProgress, ...]  # programme order, then the others

    @property
    def days_exercised(self) -> int:
        """Days with at least one saved set."""
        return sum(d.sessions > 0 for d in self.days)

    @property
    def mean_share(self) -> float:
        """Mean share of the programme done over the days exercised (0 without any)."""
        done = [d.share for d in self.days if d.sessions > 0]
        return sum(done) / len(done) if done else 0.0


def local_day(moment: datetime) -> date:
    """The local calendar day of an aware datetime."""
    return moment.astimezone().date()


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last :data:`DEFAULT_DAYS` days up to today."""
    end = today or date.today()
    return end - timedelta(days=DEFAULT_DAYS - 1), end


def select(
    records: Iterable[SessionRecord], profile: str | None, start: date | None, end: date | None
) -> list[SessionRecord]:
    """The sessions of ``profile`` (None: everyone) started from ``start`` to ``end`` (local days)."""
    out = []
    for r in records:
        day = local_day(r.started_at)
        if profile is not None and r.profile != profile:
            continue
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        out.append(r)
    return out


def profiles(records: Iterable[SessionRecord]) -> list[str]:
    """The profile names found in the sessions, sorted."""
    return sorted({r.profile for r in records if r.profile})


def needed_units(plan: DosePlan) -> tuple[int, int]:
    """The dose's minimum and maximum in counted units, both sides together."""
    factor = plan.sets * (2 if plan.sides == "each" else 1)
    return plan.reps[0] * factor, plan.reps[1] * factor


def _plan_for(exercise: str, programme: Programme | None) -> tuple[DosePlan | None, str, bool]:
    """(dose, title, in the programme) of an exercise."""
    if programme is not None:
        for entry in programme.entries:
            if entry.exercise == exercise:
                return entry.dose, entry.rules.title, True
    try:
        rules = load_rules(rules_dir() / f"{exercise}.toml")
    except PosecheckError:  # an exercise this posecheck no longer ships: shown without a dose
        return None, exercise.replace("_", " ").capitalize(), False
    return plan_from_rules(rules), rules.title, False


def _sum_side(values: Sequence[int | None]) -> int | None:
    told = [v for v in values if v is not None]
    return sum(told) if told else None


def broken_off(record: SessionRecord) -> bool:
    """A set marked partial, or never finished (the app was closed or killed mid-set)."""
    return record.partial or record.finished_at is None


def set_counts(record: SessionRecord) -> Counts:
    """A set's counts; a set never finished has only its reps written one by one, so they are counted."""
    holds = tuple(HoldDone(h.side, h.seconds) for h in record.holds)
    if record.finished_at is not None:
        return Counts(record.reps_total, record.reps_left, record.reps_right, holds)
    sides = [rep.side for rep in record.reps]
    told = any(side is not None for side in sides)
    left = sides.count("left") if told else None
    right = sides.count("right") if told else None
    return Counts(len(record.reps), left, right, holds)


def exercise_day(day: date, records: Sequence[SessionRecord], plan: DosePlan | None) -> ExerciseDay:
    """One exercise's sets of one day, added up and measured against ``plan``."""
    each = [set_counts(r) for r in records]
    counts = Counts(
        reps_total=sum(c.reps_total for c in each),
        reps_left=_sum_side([c.reps_left for c in each]),
        reps_right=_sum_side([c.reps_right for c in each]),
        holds=tuple(h for c in each for h in c.holds),
    )
    faults: Counter[str] = Counter(f for r in records for rep in r.reps for f in rep.faults)
    if plan is not None:
        st = status(plan, counts)
        low, high = needed_units(plan)
        counted = low - st.left if st.left else max(low, st.counted)
    else:
        counted, low, high = counts.reps_total, 0, 0
    return ExerciseDay(
        day=day,
        sessions=len(records),
        reps_total=counts.reps_total,
        reps_left=counts.reps_left,
        reps_right=counts.reps_right,
        hold_seconds=tuple(h.seconds for h in counts.holds),
        counted=counted,
        needed=low,
        most=high,
        partial=any(broken_off(r) for r in records),
        rep_events=sum(len(r.reps) for r in records),
        faults=dict(faults.most_common()),
    )


def _order(exercise: str, programme: Programme | None) -> tuple[int, int, str]:
    ids = [e.exercise for e in programme.entries] if programme is not None else []
    if exercise in ids:
        return (0, ids.index(exercise), exercise)
    return (1, EXERCISES.index(exercise) if exercise in EXERCISES else len(EXERCISES), exercise)


def build_view(
    records: Sequence[SessionRecord],
    programme: Programme | None,
    start: date,
    end: date,
    profile: str | None = None,
) -> ProgressView:
    """Shape the chosen sessions (already filtered with :func:`select`) for the page and the report."""
    by_exercise: dict[str, dict[date, list[SessionRecord]]] = {}
    for r in records:
        by_exercise.setdefault(r.exercise, {}).setdefault(local_day(r.started_at), []).append(r)
    exercises = []
    for exercise in sorted(by_exercise, key=lambda ex: _order(ex, programme)):
        plan, title, in_programme = _plan_for(exercise, programme)
        days = tuple(exercise_day(d, rs, plan) for d, rs in sorted(by_exercise[exercise].items()))
        exercises.append(ExerciseProgress(exercise, title, plan, in_programme, days))
    size = len(programme.entries) if programme is not None else 0
    on_day: dict[date, list[tuple[ExerciseProgress, ExerciseDay]]] = {}
    for e in exercises:
        for d in e.days:
            on_day.setdefault(d.day, []).append((e, d))
    calendar = []
    day = start
    while day <= end:
        todays = on_day.get(day, [])
        in_prog = {e.exercise: d for e, d in todays if e.in_programme}
        # An exercise the programme lists twice counts once per listing toward the share.
        share = (
            sum(in_prog[x.exercise].share for x in programme.entries if x.exercise in in_prog) / size
            if programme is not None and size
            else 0.0
        )
        done = (
            sum(1 for x in programme.entries if x.exercise in in_prog and in_prog[x.exercise].share >= 1)
            if programme is not None
            else 0
        )
        calendar.append(
            DayAdherence(
                day, sum(d.sessions for _, d in todays), tuple(e.exercise for e, _ in todays), share, done
            )
        )
        day += timedelta(days=1)
    return ProgressView(
        programme_id=programme.id if programme is not None else "",
        programme_title=programme.title if programme is not None else "no programme",
        programme_size=size,
        profile=profile,
        start=start,
        end=end,
        sessions=len(records),
        days=tuple(calendar),
        exercises=tuple(exercises),
    )
