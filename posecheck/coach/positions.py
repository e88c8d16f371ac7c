"""Static positions within one hold, told apart by where the planted body parts rest.

Child's pose with side reaches is one stretch held for 25 s in three or four places: hands forward,
walked to one side, to the other, back to the centre. The coach times the stretch as one hold (the
handout's dose is for the whole stretch) and, inside it, each position: from when the planted parts
(the rule file's ``[positions] planted``) came to rest in a new place until they left it. A place is
new when the parts moved more than ``moved`` torso lengths from where they rested and then stayed
within half that for ``settle_s``. The resting place is the mean of where the parts were seen
while in that position, so landmark jitter averages out and a hand walked in small steps still
reads as moved (a place that followed recent frames would follow the steps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from posecheck.body import FrameGeometry
from posecheck.coach.feedback import HoldPosition

Point = tuple[float, float] | None  # a planted part's pixels, None when not seen


class PositionTracker:
    """Splits one hold into static positions; fed only the frames in which the target is held.

    Plain floats, not numpy: it runs on every frame of a hold, and numpy's per-call overhead on a
    handful of numbers costs more than the arithmetic.
    """

    def __init__(self, indices: Sequence[int], moved: float, settle_s: float, start_t: float) -> None:
        """``indices``: landmarks of the planted parts; ``start_t``: when the hold started (a position
        starts later, once the planted parts are at rest)."""
        self._indices = list(indices)
        self._moved = moved
        self._settle_s = settle_s
        self._torso = math.nan
        # Where the planted parts rest: the mean of where each was seen in this position.
        self._home_sum = [(0.0, 0.0)] * len(self._indices)
        self._home_count = [0] * len(self._indices)
        self._home_t = start_t  # last time the parts were at home
        self._home_held = 0.0  # held seconds at that time
        self._start_t = start_t  # the current position's start
        self._start_held = 0.0
        self._candidate: list[Point] | None = None  # a new resting place, not yet settled
        self._candidate_t = start_t
        self._candidate_held = 0.0
        self._done: list[HoldPosition] = []

    def update(self, t: float, xy: np.ndarray, held_s: float) -> None:
        """One frame in the target; ``held_s``: the hold's seconds so far (pauses excluded)."""
        points = [_point(xy, i) for i in self._indices]
        torso = FrameGeometry(xy).length  # the unit of moves
        if torso > 0:  # NaN compares false: the last length is kept
            self._torso = torso
        if any(self._home_count):
            away = self._distance(points, self._home())
            if math.isnan(away):
                return  # the planted parts are not seen, or not both times: no evidence either way
            if away <= self._moved:
                self._add_to_home(points)
                self._mark_home(t, held_s)
                self._candidate = None
                return
        # Away from the resting place, or none yet (the parts are still being put down).
        if self._candidate is None or not self._distance(points, self._candidate) <= self._moved / 2:
            self._candidate = points
            self._candidate_t, self._candidate_held = t, held_s
            return
        if t - self._candidate_t >= self._settle_s:
            if any(self._home_count):
                self._done.append(self._position(self._home_t, self._home_held))
            self._start_t, self._start_held = self._candidate_t, self._candidate_held
            self._home_sum = [(0.0, 0.0)] * len(self._indices)
            self._home_count = [0] * len(self._indices)
            self._add_to_home(points)
            self._candidate = None
            self._mark_home(t, held_s)

    def close(self, t: float, held_s: float) -> tuple[HoldPosition, ...]:
        """All positions of the hold, which ended at ``t`` after ``held_s`` seconds; empty when the
        planted parts never came to rest. No state changes: a live summary closes an open hold."""
        if not any(self._home_count):
            return ()
        if self._candidate is None:  # still in place when the hold ended
            return (*self._done, self._position(max(t, self._home_t), max(held_s, self._home_held)))
        return (*self._done, self._position(self._home_t, self._home_held))

    def _mark_home(self, t: float, held_s: float) -> None:
        self._home_t, self._home_held = t, held_s

    def _home(self) -> list[Point]:
        return [
            (sx / n, sy / n) if n else None
            for (sx, sy), n in zip(self._home_sum, self._home_count, strict=True)
        ]

    def _add_to_home(self, points: list[Point]) -> None:
        for k, p in enumerate(points):
            if p is not None:
                sx, sy = self._home_sum[k]
                self._home_sum[k] = (sx + p[0], sy + p[1])
                self._home_count[k] += 1

    def _position(self, end_t: float, end_held: float) -> HoldPosition:
        return HoldPosition(self._start_t, max(end_t, self._start_t), max(0.0, end_held - self._start_held))

    def _distance(self, points: list[Point], place: list[Point]) -> float:
        """Largest move of a part seen in both, in torso lengths; NaN when none is."""
        moves = [
            math.hypot(p[0] - q[0], p[1] - q[1])
            for p, q in zip(points, place, strict=True)
            if p is not None and q is not None
        ]
        if not moves or not math.isfinite(self._torso):
            return math.nan
        return max(moves) / self._torso


def _point(xy: np.ndarray, index: int) -> Point:
    x, y = float(xy[index, 0]), float(xy[index, 1])
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None
