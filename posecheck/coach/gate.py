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
A near elbow, wrist, knee or ankle below the threshold is kept when its bone has the length it had
while well seen in the last seconds (:class:`BoneMemory`). Outside side views every landmark keeps
the plain threshold.
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


def visible_landmarks(
    xy: np.ndarray,
    visibility: np.ndarray,
    min_visibility: float,
    near_is_left: np.ndarray | bool,
    side_view: np.ndarray | bool,
) -> np.ndarray:
    """Boolean mask (..., 33) of landmarks the rules may use.

    ``xy`` (..., 33, 2) are anatomically labelled positions, one frame (33, 2) or many;
    ``near_is_left`` and ``side_view`` have the leading shape of ``xy`` (one bool for one frame).
    """
    keep = np.asarray(visibility) >= min_visibility
    if xy.ndim == 2:
        if side_view:
            _rescue_frame(xy, keep, bool(near_is_left))
        return keep
    near_is_left, side_view = np.asarray(near_is_left, bool), np.asarray(side_view, bool)
    for near_left in (True, False):
        rows = side_view & (near_is_left == near_left)
        if rows.any():
            keep[rows] = _rescue_rows(xy[rows], keep[rows], near_left)
    return keep


def _rescue_frame(xy: np.ndarray, keep: np.ndarray, near_left: bool) -> None:
    """One frame, in plain floats (numpy calls on one frame cost more than their arithmetic)."""
    p = xy.tolist()
    for near_a, near_b, far_a, far_b in _BONES[near_left]:
        if keep[far_b] or not (keep[far_a] and keep[near_a] and keep[near_b]):
            continue
        near_len = math.dist(p[near_a], p[near_b])
        far_len = math.dist(p[far_a], p[far_b])
        if far_len <= MAX_BONE_RATIO * near_len:
            keep[far_b] = True


def _rescue_rows(xy: np.ndarray, keep: np.ndarray, near_left: bool) -> np.ndarray:
    """What :func:`_rescue_frame` does, for many frames with the same side facing the camera."""
    keep = keep.copy()
    for near_a, near_b, far_a, far_b in _BONES[near_left]:
        near_len = np.hypot(*(xy[:, near_a] - xy[:, near_b]).T)
        far_len = np.hypot(*(xy[:, far_a] - xy[:, far_b]).T)
        with np.errstate(invalid="ignore"):
            plausible = far_len <= MAX_BONE_RATIO * near_len
        keep[:, far_b] |= keep[:, far_a] & keep[:, near_a] & keep[:, near_b] & plausible
    return keep


# A near joint below the threshold is kept when its bone from a kept joint has, within this share,
# the length the bone had in the last seconds it was well seen (time constant below). A limb the
# model places where it was, at the length it had, is a limb it has followed, not guessed.
NEAR_TOLERANCE = 0.25
NEAR_MEMORY_S = 2.0
# (near parent, near child) per bone, for each side facing the camera.
_NEAR_BONES = {near_left: [(a, b) for a, b, _, _ in bones] for near_left, bones in _BONES.items()}


class BoneMemory:
    """The near limbs' bone lengths in the picture, learnt from frames where both ends were well seen.

    In a side view the near limb has no visible twin to be measured by (its twin is the occluded
    one), and MediaPipe sometimes under-rates it: on the mirrored figure-4 it read the near ankle
    at visibility 0.3-0.57 through a whole hold in which the shin kept its length. Its reference is
    then its own recent length. Stateful, like the smoothing: reset it where that is reset (a cut,
    the person lost), and feed it every frame in order.
    """

    def __init__(self) -> None:
        self._length = np.full(33, np.nan)  # by child joint: the length of the bone ending there
        self._t: float | None = None

    def reset(self) -> None:
        """Forget the lengths (a cut, or the person lost)."""
        self._length[:] = np.nan
        self._t = None

    def rescue(
        self,
        t: float,
        xy: np.ndarray,
        well_seen: np.ndarray,
        keep: np.ndarray,
        near_left: bool,
        side_view: bool,
    ) -> None:
        """Add to ``keep`` (33,) the near joints whose bone has its remembered length; then learn.

        ``well_seen`` (33,) is the plain visibility threshold's answer, the only one learnt from.
        """
        dt = 0.0 if self._t is None else max(t - self._t, 0.0)
        self._t = t
        if not side_view:
            return
        p, length = xy.tolist(), self._length
        bones = _NEAR_BONES[near_left]
        for a, b in bones:
            remembered = length[b]  # NaN until the bone was well seen: every comparison is False
            if (
                not keep[b]
                and keep[a]
                and abs(math.dist(p[a], p[b]) - remembered) <= NEAR_TOLERANCE * remembered
            ):
                keep[b] = True
        learn = 1.0 - math.exp(-dt / NEAR_MEMORY_S)
        for a, b in bones:
            if well_seen[a] and well_seen[b]:
                now = math.dist(p[a], p[b])
                length[b] = now if length[b] != length[b] else length[b] + learn * (now - length[b])
