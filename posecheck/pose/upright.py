"""Pose on the picture turned upright when the camera is on its side (and no metadata says so).

MediaPipe reads a body filmed by a phone on its side much worse than the same body upright:
on a glute bridge filmed sideways it put the head where the feet were in most frames, and no
reasoning about the landmarks can undo that. So while the orientation is unknown, a frame now and
then is also shown to the model turned a quarter each way; the turn under which the exercise's
posture reads steadily (with the same safeguards as the landmark-level guess, see
:class:`posecheck.orientation.OrientationGuess`) is adopted, and from then on every frame is
turned before the model sees it. Landmarks are always given back in the picture's own pixels.
"""

from __future__ import annotations

import numpy as np

from posecheck.body import classify_posture, hips_resting, limb_drop, torso_incline
from posecheck.orientation import OrientationGuess, rotate_points
from posecheck.pose.estimator import PoseEstimator
from posecheck.track import PersonLandmarks

# How often a frame is also read turned while the orientation is unknown: two extra single-picture
# inferences each time, so about 8 more per second of video (~0.25 s of CPU) for the first seconds.
PROBE_EVERY_S = 0.25
# After this long without a decision the picture is taken as filmed: reading frames turned for a
# whole long video would cost a third more CPU.
PROBE_FOR_S = 60.0


def turn_image(rgb: np.ndarray, quarter_turns: int) -> np.ndarray:
    """The picture turned ``quarter_turns`` x 90 degrees counter-clockwise (as :func:`rotate_points`)."""
    return np.ascontiguousarray(np.rot90(rgb, quarter_turns)) if quarter_turns % 4 else rgb


def unturn(person: PersonLandmarks, quarter_turns: int, size: tuple[int, int]) -> PersonLandmarks:
    """Landmarks found on a picture turned ``quarter_turns`` back in the ``size`` (w, h) picture's pixels."""
    if quarter_turns % 4 == 0:
        return person
    width, height = size
    turned = (height, width) if quarter_turns % 2 else (width, height)
    xy = rotate_points(person.xy, -quarter_turns, *turned).astype(person.xy.dtype)
    return PersonLandmarks(xy=xy, z=person.z, visibility=person.visibility, world=person.world)


class UprightPose:
    """Pose estimation that turns the picture upright once it is clear the camera is on its side.

    ``decided`` is None while the orientation is unknown (or was never settled) and the
    quarter turns once settled; ``just_decided`` is True on the one frame it was settled.
    """

    def __init__(
        self, estimator: PoseEstimator, wanted: tuple[str, ...], size: tuple[int, int], probe: bool = True
    ) -> None:
        self.estimator = estimator
        self.size = size
        self.turns = 0
        self.decided: int | None = None
        self.just_decided = False
        self._guess = OrientationGuess(wanted, every_s=PROBE_EVERY_S)
        self._probing = probe and not self._guess.locked
        self._last_probe = -np.inf
        self._first_t: float | None = None

    def detect(self, rgb: np.ndarray, t: float) -> list[PersonLandmarks]:
        """People in this frame (tracked person first), in the picture's own pixels."""
        self.just_decided = False
        turned_size = self.size[::-1] if self.turns % 2 else self.size
        people = self.estimator.detect(turn_image(rgb, self.turns), t, (turned_size[0], turned_size[1]))
        people = [unturn(p, self.turns, self.size) for p in people]
        if self._probing:
            self._probe(rgb, t, people[0] if people else None)
        return people

    def _probe(self, rgb: np.ndarray, t: float, as_filmed: PersonLandmarks | None) -> None:
        self._first_t = t if self._first_t is None else self._first_t
        if t - self._first_t > PROBE_FOR_S:
            self._probing = False
            return
        if t - self._last_probe < PROBE_EVERY_S:
            return
        self._last_probe = t
        # Nobody found as filmed can still be somebody lying in a sideways picture.
        xy = as_filmed.xy.astype(np.float64) if as_filmed is not None else np.full((33, 2), np.nan)
        readings = [str(classify_posture(xy)[()])]
        incline = float(torso_incline(xy))
        for k in (1, 3):
            if readings[0] in self._guess.wanted:
                readings.append("unknown")  # upright wins when it shows the posture: no need to look
                continue
            person = self.estimator.detect_still(turn_image(rgb, k), (self.size[1], self.size[0]))
            posture = str(classify_posture(person.xy)[()]) if person is not None else "unknown"
            if person is not None and posture in self._guess.wanted:
                # The torso's slope as filmed, from the reading that makes sense of the body: the
                # model's landmarks on the sideways picture can be far off (head at the feet).
                incline = 90.0 - float(torso_incline(person.xy.astype(np.float64)))
            readings.append(posture)
        self._guess.decide(t, tuple(readings), incline, float(limb_drop(xy)), bool(hips_resting(xy)))
        if self._guess.locked:
            self._probing = False
            self.turns = self.decided = self._guess.quarter_turns
            self.just_decided = True
            if self.turns:
                self.estimator.restart_tracking()
