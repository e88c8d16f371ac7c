"""Arming: the set starts once the person is in the start posture, and relative rules know the start.

Rules whose thresholds are relative to the person's own start position (``relative = true``)
need that start measured first: the person must be still for ``movement.calibrate_s`` (or half
of it, when the first movement comes early), and the median of that stretch is the baseline.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.coach.posture import PostureGate
from posecheck.coach.reading import MetricReader
from posecheck.coach.rep import target_is_high
from posecheck.coach.schema import RuleSet

# Share of movement.calibrate_s a still start must last when the first movement comes early.
MIN_STILL_SHARE = 0.5
# The shortest still moment that can show the start position when a recording begins just before
# the first rep (the eval's "trimmed" clips begin 0.3 s before it): a few frames at any frame rate.
MIN_START_GLIMPSE_S = 0.2


def stillness_tolerance(rules: RuleSet) -> dict[str, float]:
    """Per relative metric: how much it may wobble while the start position is learned.

    Half the smallest relative threshold of that metric: a wobble that size can
    never reach the rest or target band on its own.
    """
    out: dict[str, float] = {}
    mv = rules.movement
    for c in [*mv.rest, *mv.target]:
        if not c.relative:
            continue
        bounds = [abs(b) for b in (c.above, c.below) if b is not None and b != 0]
        limit = min(bounds) if bounds else math.inf
        out[c.metric] = min(out.get(c.metric, math.inf), limit)
    return out


def _target_reach(rules: RuleSet) -> float | None:
    """How far from the start the key metric must move to be in the target (relative rules)."""
    key, high = rules.movement.metric, target_is_high(rules)
    for c in rules.movement.target:
        bound = c.above if high else c.below
        if c.metric == key and c.relative and bound is not None:
            return abs(bound)
    return None


class Arming:
    """Decides when the set starts; learns the start values of relative metrics into the reader.

    ``first_move_rest_t``: set when the set was armed by the first movement (the person was at
    rest until then), so the first rep starts there.
    """

    def __init__(self, rules: RuleSet, gate: PostureGate, reader: MetricReader) -> None:
        self._rules = rules
        self._gate = gate
        self._reader = reader
        self.tolerance = stillness_tolerance(rules)  # empty for rules without relative thresholds
        self._samples: list[dict[str, float]] = []  # recent (t, values) while still
        self._sample_metrics: dict[str, float] = {}  # all metrics of the newest sample
        self.first_move_rest_t: float | None = None

    def status(self) -> str:
        """What setup is waiting for, in words."""
        if not self._gate.ok:
            return f"setup: waiting for the start posture ({self._rules.posture.required.replace('_', ' ')})"
        if self.tolerance:
            return "setup: learning your start position (keep still)"
        return "setup: getting ready"

    def earlier_start(self, seen: list[tuple[float, dict[str, float]]]) -> bool:
        """Re-learn the start from the posture's first still moment, when it lies further from the
        target than the still stretch that armed the set.

        A recording that begins just before the first rep shows the start position only for a
        moment; the still stretch that then arms a relative rule may be a held rep (knees rolled to
        one side and held). ``seen`` are this posture's frames since it began, oldest first; their
        first still moment (``MIN_START_GLIMPSE_S``, every relative metric within half its
        tolerance) is taken as the start if, measured from it, the stretch that armed the set was in
        the target: then that stretch was a rep, not the start. Only the first still moment, and
        only then: movements that go both ways round the start (pelvic tilts on all fours) have
        still moments on the far side of it too, but never a full rep's distance away.
        """
        tolerance, key = self.tolerance, self._rules.movement.metric
        reach = _target_reach(self._rules)
        if key not in tolerance or key not in self._reader.baseline or reach is None:
            return False
        start = 0
        for end in range(len(seen)):
            # The shortest window of at least MIN_START_GLIMPSE_S ending at this frame.
            while start + 1 < end and seen[end][0] - seen[start + 1][0] >= MIN_START_GLIMPSE_S:
                start += 1
            if seen[end][0] - seen[start][0] < MIN_START_GLIMPSE_S:
                continue
            columns = {n: [self._reader.value(n, m) for _, m in seen[start : end + 1]] for n in tolerance}
            if any(math.isnan(v) for c in columns.values() for v in c):
                continue
            if any(np.ptp(c) > tolerance[n] / 2 for n, c in columns.items()):
                continue  # moving: not a still moment
            first = {n: float(np.median(c)) for n, c in columns.items()}
            toward_target = 1.0 if target_is_high(self._rules) else -1.0
            if (self._reader.baseline[key] - first[key]) * toward_target < reach:
                return False
            self._reader.baseline = first
            return True
        return False

    def arm(self, t: float, metrics: dict[str, float], someone_in_view: bool) -> bool:
        """Feed one frame in setup; True when the set starts on this frame."""
        p = self._rules.posture
        gate = self._gate
        if not gate.settled_in_setup(t, someone_in_view):
            self._samples.clear()
            return False
        assert gate.ok_since is not None
        tolerance = self.tolerance
        if not tolerance:
            return t - gate.ok_since >= p.arm_s
        # Learn the start position only while the person is still: a baseline taken
        # mid-movement would shift every relative threshold.
        values = {n: self._reader.value(n, metrics) for n in tolerance}
        if all(not math.isnan(v) for v in values.values()):
            if self._armed_by_first_move(t, values):
                return True
            self._samples.append({"t": t, **values})
            self._sample_metrics = metrics
        window = self._rules.movement.calibrate_s
        while self._samples and t - self._samples[0]["t"] > window:
            self._samples.pop(0)
        if t - gate.ok_since < max(p.arm_s, window) or len(self._samples) < 5:
            return False
        if t - self._samples[0]["t"] < 0.8 * window:
            return False
        spans = {n: np.ptp([c[n] for c in self._samples]) for n in tolerance}
        if any(spans[n] > tolerance[n] for n in tolerance):
            return False
        self._reader.baseline = {n: float(np.median([c[n] for c in self._samples])) for n in tolerance}
        self._samples.clear()
        return True

    def _armed_by_first_move(self, t: float, values: dict[str, float]) -> bool:
        """Arm on the first movement after a still start shorter than the calibration window.

        People often start the first rep about a second after lying down; a still
        stretch of half the window is plenty to learn where they started (the jitter
        at rest is a fraction of the tolerance), as long as they were at rest in it.
        """
        cal, tolerance = self._samples, self.tolerance
        ok_since = self._gate.ok_since
        if len(cal) < 5 or ok_since is None or t - ok_since < self._rules.posture.arm_s:
            return False
        if cal[-1]["t"] - cal[0]["t"] < MIN_STILL_SHARE * self._rules.movement.calibrate_s:
            return False
        columns = {n: [c[n] for c in cal] for n in tolerance}
        if any(np.ptp(columns[n]) > tolerance[n] for n in tolerance):
            return False  # not still before this frame either: keep waiting for a still stretch
        key = self._rules.movement.metric
        if key not in values or np.ptp(columns[key] + [values[key]]) <= tolerance[key]:
            return False  # the key measurement has not moved (a blip elsewhere is not a start)
        reader = self._reader
        previous, reader.baseline = reader.baseline, {n: float(np.median(columns[n])) for n in tolerance}
        if not reader.holds(self._rules.movement.rest, self._sample_metrics):
            reader.baseline = previous  # still, but not in the start position: not a start
            return False
        self.first_move_rest_t = cal[-1]["t"]
        self._samples.clear()
        return True
