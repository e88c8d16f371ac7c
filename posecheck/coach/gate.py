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
Near-side landmarks, and every landmark outside side views, keep the plain threshold.
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
