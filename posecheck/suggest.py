"""Suggest thresholds that agree better with a physiotherapist's counts, with an honest out-of-sample figure.

A coordinate search over the key numbers a rule file declares in ``[tuning]``, each inside its
declared range: every number in turn tries a grid of values across its range with the others
held, keeping a change only when agreement improves (exact agreement first, then mean absolute
error, sides, hold time); passes repeat until nothing improves. Ties keep the value nearest the
file's, so a number only moves when that helps. Deterministic: same sessions, same suggestion.

Left-one-session-out: for each session, the search runs on the others and the session is scored
with what that search found. A suggestion that only fits the sessions it saw scores well in
sample and no better (or worse) left-one-out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from posecheck.agreement import (
    Agreement,
    Counted,
    SessionAgreement,
    compare_session,
    counted_from_summary,
    overall,
)
from posecheck.coach.engine import wanted_postures
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import PreparedTrack, prepare_for, score_prepared
from posecheck.errors import InputError, PosecheckError
from posecheck.track import Track
from posecheck.ui.tuning import apply_values, tunable_fields

GRID_STEPS = 8  # a range is tried at 9 evenly spaced values (ends included) and at the file's value
MAX_PASSES = 3

Values = tuple[tuple[str, float], ...]  # sorted (key, value) pairs: hashable, for the cache


@dataclass
class Session:
    """A recorded session with what the physiotherapist counted in it."""

    name: str
    track: Track
    physio: Counted


@dataclass
class Scorer:
    """Scores rule values on sessions, preparing each track once per smoothing setting and
    remembering every (values, session) result, so searches on overlapping sessions share work."""

    base: RuleSet
    sessions: Sequence[Session]
    _rules: dict[Values, RuleSet | None] = field(default_factory=dict)
    _prepared: dict[tuple[int, object, tuple[str, ...]], PreparedTrack] = field(default_factory=dict)
    _counted: dict[tuple[Values, int], Counted] = field(default_factory=dict)
    evaluations: int = 0  # sessions actually scored (cache misses), for reports and benchmarks

    def rules(self, values: Values) -> RuleSet | None:
        """The rule set with ``values``; None when they do not make a valid file (e.g. overlapping bands)."""
        if values not in self._rules:
            try:
                self._rules[values] = apply_values(self.base, dict(values)) if values else self.base
            except PosecheckError:
                self._rules[values] = None
        return self._rules[values]

    def counted(self, values: Values, i: int) -> Counted | None:
        """What posecheck counts on session ``i`` with ``values`` (None: invalid values)."""
        rules = self.rules(values)
        if rules is None:
            return None
        if (values, i) not in self._counted:
            key = (i, rules.filter, wanted_postures(rules))
            if key not in self._prepared:
                self._prepared[key] = prepare_for(self.sessions[i].track, rules)
            self.evaluations += 1
            self._counted[(values, i)] = counted_from_summary(
                score_prepared(rules, self._prepared[key]).summary
            )
        return self._counted[(values, i)]

    def agreement(self, values: Values, indices: Sequence[int]) -> list[SessionAgreement] | None:
        """Per-session agreement on ``indices`` (None: invalid values)."""
        out = []
        for i in indices:
            got = self.counted(values, i)
            if got is None:
                return None
            out.append(compare_session(self.sessions[i].name, self.sessions[i].physio, got))
        return out


def _grid(low: float, high: float, current: float, step: float) -> list[float]:
    """Evenly spaced values across [low, high] on the tuning page's step, and the current value."""
    values = {current}
    for k in range(GRID_STEPS + 1):
        v = round((low + (high - low) * k / GRID_STEPS) / step) * step
        values.add(round(min(max(v, low), high), 6))
    return sorted(values)


def search(
    scorer: Scorer, indices: Sequence[int], progress: Callable[[str], None] | None = None
) -> dict[str, float]:
    """The values (only those that differ from the file) that agree best on sessions ``indices``."""
    base = scorer.base
    fields = {f.key: f for f in tunable_fields(base)}
    ranges = base.tuning
    current: dict[str, float] = {}

    def pack(values: dict[str, float]) -> Values:
        return tuple(sorted((k, v) for k, v in values.items() if v != fields[k].value))

    def distance(values: dict[str, float]) -> float:
        # How far from the file, in shares of each range: the tie-break that keeps the file's values.
        return sum(
            abs(v - fields[k].value) / ((ranges[k][1] - ranges[k][0]) or 1.0) for k, v in values.items()
        )

    def score(values: dict[str, float]) -> tuple[tuple[int, int, int, float], float] | None:
        found = scorer.agreement(pack(values), indices)
        return None if found is None else (overall(found).key(), -distance(values))

    best = score(current)
    if best is None:
        raise InputError("the rule file's own values do not score; check the rule file")
    for n in range(MAX_PASSES):
        improved = False
        for key, (low, high) in ranges.items():
            now = current.get(key, fields[key].value)
            for v in _grid(low, high, now, fields[key].step):
                trial = {**current, key: v}
                got = score(trial)
                if got is not None and got > best:
                    best, current, improved = got, trial, True
        if progress:
            progress(f"pass {n + 1}: {best[0]}")
        if not improved:
            break
    return dict(pack(current))


@dataclass
class Suggestion:
    """A suggestion with agreement before and after, in sample and left-one-session-out."""

    base: RuleSet  # the file's rule set ("before" was scored with it)
    values: dict[str, float]
    rules: RuleSet
    before: list[SessionAgreement]
    after: list[SessionAgreement]  # in sample: the suggestion scored on the sessions it was fitted on
    left_out: list[SessionAgreement]  # each session scored by a search that did not see it
    left_out_values: list[dict[str, float]]
    scorings: int = 0  # (values, session) pairs actually scored, for benchmarks

    @property
    def summary(self) -> dict[str, Agreement]:
        """before, after (in sample) and left_one_out agreement across the sessions."""
        return {
            "before": overall(self.before),
            "after": overall(self.after),
            "left_one_out": overall(self.left_out),
        }


def suggest(
    base: RuleSet, sessions: Sequence[Session], progress: Callable[[str], None] | None = None
) -> Suggestion:
    """Search the declared ranges on all sessions, and once per session left out."""
    if not base.tuning:
        raise InputError(
            f"the {base.exercise} rule file declares no [tuning] ranges; add some (rules/README.md, '[tuning]')"
        )
    if not sessions:
        raise InputError("no sessions with counts to tune on; enter or label at least one session")
    scorer = Scorer(base, sessions)
    everyone = list(range(len(sessions)))
    values = search(scorer, everyone, progress)
    before = scorer.agreement((), everyone) or []
    after = scorer.agreement(tuple(sorted(values.items())), everyone) or []
    left_out: list[SessionAgreement] = []
    left_values: list[dict[str, float]] = []
    for i in everyone:
        if progress:
            progress(f"left out: {sessions[i].name}")
        others = [j for j in everyone if j != i]
        fold = search(scorer, others) if others else {}
        left_values.append(fold)
        left_out += scorer.agreement(tuple(sorted(fold.items())), [i]) or []
    tuned = scorer.rules(tuple(sorted(values.items()))) or base
    return Suggestion(base, values, tuned, before, after, left_out, left_values, scorer.evaluations)
