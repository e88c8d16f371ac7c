"""Where a rep's side is measured from: the side metric at the rep's own start position.

Why (camera geometry): a camera raised by an angle a above floor level shows a point that lies a
depth d further away d * sin(a) higher in the picture. Two knees held together a width w apart
across the body therefore read, at rest, with the far knee w * sin(a) above the near one. Rolled
by an angle r toward the far side, the far knee sits w * sin(r) lower in the room but shows
w * sin(r - a) lower in the picture: for rolls shallower than the camera is high it still reads
above the near knee, and "the knee underneath is the side rolled toward" names the wrong side
(the model also guesses the hidden far knee's place: on the side-on knee-roll clip it reads only
0.03-0.08 torso lengths below the near one, rolled away from the camera at floor level).
Measured from the rest position, the change is -w * (sin(r - a) + sin(a)) rolled away and
+w * (sin(r + a) - sin(a)) rolled toward the camera: the first is negative for any roll
(it equals -2w * sin(r / 2) * cos(r / 2 - a)), the second positive for rolls up to 180 - 2a deg,
so the sign names the side for any camera up to 45 deg above the floor, from either side of the
person, mirrored or not (a mirror swaps the picture's left and right, not up and down).

The start of a rep is the frame, among those at rest since the last rep began, where the key
metric lay furthest toward rest (the knees standing most upright between two rolls): people
swing from one side to the other through the middle without stopping, so a still moment may
never come, but the middle is passed every time. Rules opt in with ``movement.side_from_rest``.
"""

from __future__ import annotations

import math

from posecheck.coach.schema import RuleSet

SideStartValues = tuple[float, float]  # the side metric's (left, right) at the rep's start


class SideStart:
    """Tracks the rest frame nearest the start position; a new rep takes its side-metric values."""

    def __init__(self, rules: RuleSet, target_is_high: bool) -> None:
        mv = rules.movement
        self._name = mv.side_metric or mv.metric
        self._on = mv.side_from_rest
        self._target_is_high = target_is_high
        self._best: tuple[float, SideStartValues] | None = None  # (key, (left, right))

    def see(self, at_rest: bool, key: float, metrics: dict[str, float]) -> None:
        """One frame: keep it if it is at rest, both sides read, and it lies furthest toward rest."""
        if not (self._on and at_rest) or math.isnan(key):
            return
        left = metrics.get(f"{self._name}.left", math.nan)
        right = metrics.get(f"{self._name}.right", math.nan)
        if math.isnan(left) or math.isnan(right):
            return
        best = self._best
        further = best is None or (key < best[0] if self._target_is_high else key > best[0])
        if further:
            self._best = (key, (left, right))

    def take(self) -> SideStartValues | None:
        """The start values for the rep that begins now (None: side read as it stands); starts afresh."""
        best, self._best = self._best, None
        return None if best is None else best[1]
