"""Reading a rule's metrics from one frame: the per-side pick and the person's own start values."""

from __future__ import annotations

import math

from posecheck.coach.schema import Condition, RuleSet


def pick(values: tuple[float, float], how: str) -> tuple[float, int]:
    """Extreme of (left, right) ignoring NaN, and its index (0 left, 1 right); (nan, -1) if none."""
    a, b = values
    if math.isnan(a) and math.isnan(b):
        return math.nan, -1
    if math.isnan(b):
        return a, 0
    if math.isnan(a):
        return b, 1
    if how == "min":
        return (a, 0) if a <= b else (b, 1)
    return (a, 0) if a >= b else (b, 1)


def side_value(name: str, metrics: dict[str, float], how: str) -> float:
    """A per-side metric's value as the coach reads it: the side ``how`` (min/max) picks."""
    value, _ = pick((metrics.get(f"{name}.left", math.nan), metrics.get(f"{name}.right", math.nan)), how)
    return value


class MetricReader:
    """Reads metrics as the rule file means them; ``baseline`` holds the start values of relative ones.

    The baseline is learned by :class:`posecheck.coach.arming.Arming` while the person is still in
    the start position; until then a relative condition reads NaN and is never met.
    """

    def __init__(self, rules: RuleSet) -> None:
        self.key = rules.movement.metric
        self._pick = rules.movement.pick
        # The per-side metrics' two names, made once: formatting them on every read was a hot spot.
        self._sides = {
            m.name: (f"{m.name}.left", f"{m.name}.right") for m in rules.metrics if m.side == "each"
        }
        self.baseline: dict[str, float] = {}

    def is_per_side(self, name: str) -> bool:
        """Whether ``name`` is measured on each side (``side = "each"`` in the rule file)."""
        return name in self._sides

    def value(self, name: str, metrics: dict[str, float], relative: bool = False) -> float:
        """The metric's value (the picked side for per-side metrics), minus its start value if relative."""
        sides = self._sides.get(name)
        if sides is None:
            value = metrics.get(name, math.nan)
        else:
            value = pick((metrics.get(sides[0], math.nan), metrics.get(sides[1], math.nan)), self._pick)[0]
        if relative:
            value -= self.baseline.get(name, math.nan)
        return value

    def key_value(self, metrics: dict[str, float]) -> float:
        """The movement's key metric, absolute."""
        return self.value(self.key, metrics, relative=False)

    def holds(self, conditions: list[Condition], metrics: dict[str, float]) -> bool:
        """Whether every condition is met on these metrics."""
        # A loop, not all() over a generator: this runs several times a frame, and is faster.
        # A plain metric is read here directly: value() costs a call per condition.
        sides = self._sides
        for c in conditions:
            name = c.metric
            plain = not c.relative and name not in sides
            if not c.met_by(metrics.get(name, math.nan) if plain else self.value(name, metrics, c.relative)):
                return False
        return True
