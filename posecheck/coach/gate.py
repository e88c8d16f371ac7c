"""Which landmarks the rules may use: MediaPipe's visibility, and for the far limbs a body check.

In a side view the far arm and leg are behind the body, and MediaPipe's ``visibility`` is a
prediction of exactly that: "occluded", not "wrong". Its positions for those limbs are
inferences from the rest of the body and often right: measured on a side-view bird dog, the
lifted far leg read visibility 0.13-0.48 while it lay level with the hip where it was, and the
same leg hidden under the body at rest read 0.6-0.8. So for the far limbs a low visibility
alone does not hide a landmark; what hides it is a position the body cannot have. A bone's
length in the picture is its real length or less (projection only shortens), and the far
bone's real length is the near one's (left and right limbs are the same length), so a far
elbow, wrist, knee or ankle below the visibility threshold is kept when it hangs from a kept
joint at no more than ``MAX_BONE_RATIO`` times the near twin's length in the same frame.
A near limb has no visible twin (its twin is the occluded one), and MediaPipe sometimes under-rates
it too: on the mirrored figure-4 it read the near ankle at visibility 0.3-0.57 through a whole hold
in which the shin kept its length. So a near elbow, wrist, knee or ankle below the threshold is
kept when its bone has the length it had while both ends were well seen in the last seconds.
Outside side views every landmark keeps the plain threshold.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from posecheck.landmarks import INDEX

# Measured on the committed tracks' side-view frames where both twins were well seen (vis >= 0.5):
# far/near length median 0.90-0.97, 95th percentile 1.05 (thigh), 1.06 (shin), 1.15 (upper arm),
# 1.57 (forearm: a near forearm pointing at the camera is short). 1.25 is above what a real far
# thigh or shin reads nearly always, and turns away a far limb the model has stretched.
MAX_BONE_RATIO = 1.25

# A near joint's bone may differ by this share from its remembered length, learnt with this time
# constant: a limb the model places at the length it had is a limb it has followed, not guessed.
NEAR_TOLERANCE = 0.25
NEAR_MEMORY_S = 2.0

# (parent, middle, end) joints of each limb, from the trunk outward.
_CHAINS = (("shoulder", "elbow", "wrist"), ("hip", "knee", "ankle"))
# For each side facing the camera: (near parent, near child, far parent, far child) per bone.
_BONES = {
    near_left: [
        (INDEX[f"{near}_{a}"], INDEX[f"{near}_{b}"], INDEX[f"{far}_{a}"], INDEX[f"{far}_{b}"])
        for chain in _CHAINS
        for a, b in itertools.pairwise(chain)
    ]
    for near_left, near, far in ((True, "left", "right"), (False, "right", "left"))
}


class LandmarkGate:
    """Which landmarks of each frame the rules may use. Feed it every frame with a person, in order.

    It remembers the near limbs' bone lengths, so, like the smoothing, it is reset where the
    smoothing is (a cut, the person lost). The live and the whole-track preparers both call it
    frame by frame, so they cannot disagree.
    """

    def __init__(self, min_visibility: float) -> None:
        self.min_visibility = min_visibility
        self._length = np.full(33, np.nan)  # by child joint: the near bone ending there, in pixels
        self._t: float | None = None

    def reset(self) -> None:
        """Forget the remembered lengths (a cut, or the person lost)."""
        self._length[:] = np.nan
        self._t = None

    def __call__(
        self, t: float, xy: np.ndarray, visibility: np.ndarray, near_is_left: bool, side_view: bool
    ) -> np.ndarray:
        """Boolean mask (33,) of the landmarks to use; ``xy`` (33, 2) anatomically labelled."""
        well_seen = np.asarray(visibility) >= self.min_visibility
        keep = well_seen.copy()
        dt = 0.0 if self._t is None else max(t - self._t, 0.0)
        self._t = t
        if not side_view:
            return keep
        # Plain floats: numpy calls on one frame cost more than their arithmetic.
        p, length = xy.tolist(), self._length
        bones = _BONES[near_is_left]
        for near_a, near_b, far_a, far_b in bones:  # far limbs: the near twin's length, this frame
            if keep[far_b] or not (keep[far_a] and keep[near_a] and keep[near_b]):
                continue
            if math.dist(p[far_a], p[far_b]) <= MAX_BONE_RATIO * math.dist(p[near_a], p[near_b]):
                keep[far_b] = True
        for a, b, _, _ in bones:  # near limbs: the length the bone had while well seen
            remembered = length[b]  # NaN until the bone was well seen: every comparison is False
            if (
                not keep[b]
                and keep[a]
                and abs(math.dist(p[a], p[b]) - remembered) <= NEAR_TOLERANCE * remembered
            ):
                keep[b] = True
        learn = 1.0 - math.exp(-dt / NEAR_MEMORY_S)
        for a, b, _, _ in bones:
            if well_seen[a] and well_seen[b]:
                now = math.dist(p[a], p[b])
                length[b] = now if length[b] != length[b] else length[b] + learn * (now - length[b])
        return keep
