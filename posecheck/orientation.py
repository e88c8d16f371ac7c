"""Which way up the camera is: a phone on its side (no rotation metadata) found from the landmarks.

Below both the pose stage (which turns the picture for the model) and the coach (which turns the
landmarks): the two share :class:`OrientationGuess` and :func:`rotate_points`.
"""

from __future__ import annotations

import numpy as np

from posecheck.body import FrameGeometry, hips_resting, limb_drop, torso_incline


def rotate_points(xy: np.ndarray, quarter_turns: int, width: int, height: int) -> np.ndarray:
    """Pixel coordinates after turning the picture ``quarter_turns`` x 90 degrees counter-clockwise."""
    k = quarter_turns % 4
    x, y = xy[..., 0], xy[..., 1]
    if k == 0:
        return xy
    if k == 1:
        out = np.stack([y, width - x], axis=-1)
    elif k == 2:
        out = np.stack([width - x, height - y], axis=-1)
    else:
        out = np.stack([height - y, x], axis=-1)
    return out


# Readings of the picture as it is that are too clear to explain away by a turned camera.
# (Kneeling and sitting are not here: a lying person filmed sideways often reads as those.)
_CONFIDENT_AS_IS = ("standing", "half_kneeling", "supine", "prone", "quadruped")
# Lying on the back or front is clear only with the torso on the floor: an upright person filmed
# by a phone on its side also reads as lying, but with a leg hanging far below the torso.
_ON_THE_FLOOR = ("supine", "prone")
MAX_LIMB_DROP = 0.6  # torso lengths (see body.limb_drop for the measured ranges)
# A turn is adopted only when the torso as filmed is clearly at odds with the wanted posture: on a
# phone on its side a lying torso (level within ~20 deg) looks 70-90 deg steep, an upright one
# 0-20 deg; a torso filmed at 30-60 deg is a tilted or foreshortened view, not a turned camera.
DECISIVE_INCLINE = 30.0
_LYING_POSTURES = ("supine", "prone", "quadruped")


class OrientationGuess:
    """Notices a camera turned on its side (no rotation metadata) from the posture the exercise needs.

    A person lying on the floor filmed by a phone on its side looks upright. While
    the upright reading never shows the posture the exercise needs, but a quarter
    turn shows it steadily for ``settle_s``, that turn is adopted and kept. The
    upright reading always wins when it shows the posture, so a person walking
    around before lying down does not fool it. A turn is only considered when the
    torso as filmed is steep (or level) enough to be the wanted posture turned, and
    a clear posture as filmed blocks it (lying postures only with the torso on the floor).
    """

    def __init__(
        self,
        wanted: tuple[str, ...],
        settle_s: float = 1.0,
        every_s: float = 0.2,
        fixed_turns: int | None = None,
    ) -> None:
        self.wanted = set(wanted)
        self.settle_s = settle_s
        self.every_s = every_s
        self.quarter_turns = fixed_turns or 0
        self.locked = not wanted or fixed_turns is not None
        self._candidate: tuple[int, float] | None = None
        self._last_check = -np.inf
        self._lying = any(p in _LYING_POSTURES for p in self.wanted)

    def __call__(self, t: float, xy: np.ndarray, width: int, height: int) -> int:
        """The quarter turns to apply to this frame's landmarks."""
        if self.locked or t - self._last_check < self.every_s:
            return self.quarter_turns
        self._last_check = t
        # Three readings: upright, a quarter turn each way (phones on their side).
        turned = (FrameGeometry(rotate_points(xy, k, width, height)) for k in (0, 1, 3))
        postures = tuple(g.posture() for g in turned)
        seated = bool(hips_resting(xy))
        return self.decide(t, postures, float(torso_incline(xy)), float(limb_drop(xy)), seated)

    def decide(
        self, t: float, postures: tuple[str, ...], incline: float, drop: float, seated: bool = False
    ) -> int:
        """Update the decision from the posture read upright, turned once and turned back.

        ``incline`` (degrees, 0 = level) and ``drop`` (torso lengths, see
        :func:`posecheck.body.limb_drop`) describe the body as filmed; ``seated``: the hips are
        the lowest part of the legs as filmed (:func:`posecheck.body.hips_resting`).
        """
        turns = (0, 1, 3)
        matching = [k for k, p in zip(turns, postures) if p in self.wanted]
        as_filmed = postures[0]
        clear = as_filmed in _CONFIDENT_AS_IS and (as_filmed not in _ON_THE_FLOOR or drop <= MAX_LIMB_DROP)
        # Sitting on the floor, the hips rest lowest; a person lying on the back filmed by a phone on
        # its side who reads as sitting has a foot-down leg 0.5-0.9 torso lengths below the hips.
        # Turned, a seated person with straight legs reads as lying on the back with both legs
        # raised: a seated look-alike of the lying exercises. (Not for the all-fours ones: a child's
        # pose filmed sideways reads as sitting with the hips on the heels, and must be turned.)
        clear = clear or (as_filmed == "sitting" and seated and "supine" in self.wanted)
        if clear and as_filmed not in self.wanted:
            # A clear posture as filmed is far likelier than a phone on its side.
            self._candidate = None
            return self.quarter_turns
        if 0 in matching:
            if (
                self._candidate is not None
                and self._candidate[0] == 0
                and t - self._candidate[1] >= self.settle_s
            ):
                self.quarter_turns, self.locked = 0, True
            elif self._candidate is None or self._candidate[0] != 0:
                self._candidate = (0, t)
            self.quarter_turns = 0
            return 0
        if len(matching) != 1 or not self._steep_enough_to_turn(incline):
            self._candidate = None
            return self.quarter_turns
        k = matching[0]
        if self._candidate is None or self._candidate[0] != k:
            self._candidate = (k, t)
        elif t - self._candidate[1] >= self.settle_s:
            self.quarter_turns, self.locked = k, True
        return self.quarter_turns

    def _steep_enough_to_turn(self, incline: float) -> bool:
        """Whether the torso as filmed is what a turned camera makes of the wanted posture."""
        if self._lying:
            return incline >= 90.0 - DECISIVE_INCLINE
        return incline <= DECISIVE_INCLINE
