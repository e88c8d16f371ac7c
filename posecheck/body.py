"""Whole-body geometry from one person's landmarks: sides, view and posture.

Every function takes arrays shaped (..., 33, 2) of image pixels (y down) so the
same code serves one live frame and a whole recorded track at once. Missing
landmarks are NaN.
"""

from __future__ import annotations

import numpy as np

from posecheck.landmarks import INDEX, MIRROR

POSTURES = ("standing", "quadruped", "supine", "prone", "half_kneeling", "kneeling", "sitting", "unknown")
VIEWS = ("side", "front", "unknown")

_L = {p: INDEX[f"left_{p}"] for p in ("shoulder", "hip", "knee", "ankle", "ear", "wrist", "elbow", "heel")}
_R = {p: INDEX[f"right_{p}"] for p in ("shoulder", "hip", "knee", "ankle", "ear", "wrist", "elbow", "heel")}
_SIDE_PARTS = ("shoulder", "hip", "knee", "ankle", "elbow", "wrist")
NOSE = INDEX["nose"]


def midpoint(xy: np.ndarray, part: str) -> np.ndarray:
    """Mean of the left and right ``part``; the one visible side when the other is missing."""
    a, b = xy[..., _L[part], :], xy[..., _R[part], :]
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, (a + b) * 0.5))


def safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is zero or missing (no warnings: hot path)."""
    return num / np.where(den > 0, den, np.nan)


def _norm(v: np.ndarray) -> np.ndarray:
    return np.hypot(v[..., 0], v[..., 1])


def torso_axis(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vector from hip-mid to shoulder-mid (toward the head) and torso length in pixels."""
    v = midpoint(xy, "shoulder") - midpoint(xy, "hip")
    length = _norm(v)
    return safe_divide(v, length[..., None]), length


def front_direction(xy: np.ndarray) -> np.ndarray:
    """Unit vector (image coordinates) pointing out of the person's front, across the torso.

    Uses only midpoints and the nose, so it does not depend on MediaPipe's
    left/right labels: the face points forward (nose ahead of the ears) and
    bent hips put the knees in front of the torso.
    """
    head, length = torso_axis(xy)
    normal = np.stack([-head[..., 1], head[..., 0]], axis=-1)
    nose = xy[..., NOSE, :] - midpoint(xy, "ear")
    hip, knee, ankle = midpoint(xy, "hip"), midpoint(xy, "knee"), midpoint(xy, "ankle")
    face = _zero_nan(safe_divide(_dot(nose, normal), length))
    # Knees only bend one way: a bent knee sticks out in front of the hip-ankle line.
    knee_bend = _zero_nan(safe_divide(_dot(knee - (hip + ankle) * 0.5, normal), length))
    hip_flexion = _zero_nan(safe_divide(_dot(knee - hip, normal), length))
    # The face is a short lever (a few % of the torso): weight it up.
    score = 3.0 * face + 1.5 * knee_bend + hip_flexion
    sign = np.where(score >= 0, 1.0, -1.0)
    return normal * sign[..., None]


def _zero_nan(v: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(v), 0.0, v)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1]


def anatomical_right_is_near(xy: np.ndarray) -> np.ndarray:
    """True where the person's own right side faces the camera (side views).

    right = front x head (right-handed, z toward the viewer), computed with y up.
    """
    head, _ = torso_axis(xy)
    front = front_direction(xy)
    fx, fy = front[..., 0], -front[..., 1]
    hx, hy = head[..., 0], -head[..., 1]
    return (fx * hy - fy * hx) > 0


def label_left_is_near(visibility: np.ndarray, z: np.ndarray) -> np.ndarray:
    """True where MediaPipe's 'left' landmarks look nearer (more visible, smaller depth)."""
    left = [_L[p] for p in _SIDE_PARTS]
    right = [_R[p] for p in _SIDE_PARTS]
    z = _zero_nan(z)
    vis = np.mean(visibility[..., left], axis=-1) - np.mean(visibility[..., right], axis=-1)
    depth = np.mean(z[..., right], axis=-1) - np.mean(z[..., left], axis=-1)
    scale = np.mean(np.abs(z[..., left + right]), axis=-1) + 1e-6
    return (vis + 0.5 * np.clip(depth / scale, -1, 1)) > 0


def shoulder_width_ratio(xy: np.ndarray) -> np.ndarray:
    """Shoulder width over torso length: small side-on, large facing the camera."""
    _, length = torso_axis(xy)
    width = _norm(xy[..., _L["shoulder"], :] - xy[..., _R["shoulder"], :])
    return safe_divide(width, length)


def classify_view(xy: np.ndarray, side_max_ratio: float = 0.45) -> np.ndarray:
    """'side' or 'front' per frame from the shoulder width ratio ('unknown' if unseen)."""
    ratio = shoulder_width_ratio(xy)
    return np.where(np.isnan(ratio), "unknown", np.where(ratio <= side_max_ratio, "side", "front"))


def mirror_points(xy: np.ndarray) -> np.ndarray:
    """Swap every left landmark with its right twin in (..., 33, k) arrays."""
    return xy[..., list(MIRROR), :]


def mirror_values(values: np.ndarray) -> np.ndarray:
    """Swap every left landmark with its right twin in (..., 33) arrays."""
    return values[..., list(MIRROR)]


def _angle_at(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    u, v = a - b, c - b
    cos = safe_divide(_dot(u, v), _norm(u) * _norm(v))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def classify_posture(xy: np.ndarray) -> np.ndarray:
    """Posture name per frame from torso inclination, face direction and limb geometry.

    Thresholds are broad on purpose: the posture gate only has to tell lying
    from kneeling from standing, the exercise rules judge the details.
    """
    head, length = torso_axis(xy)
    with np.errstate(invalid="ignore"):
        incline = np.degrees(np.arcsin(np.clip(np.abs(head[..., 1]), 0, 1)))  # 0 = horizontal
        front_up = -front_direction(xy)[..., 1]  # > 0: front faces the ceiling
        hip = midpoint(xy, "hip")
        shoulder = midpoint(xy, "shoulder")
        knee_drop = (midpoint(xy, "knee")[..., 1] - hip[..., 1]) / length
        wrist_drop = (midpoint(xy, "wrist")[..., 1] - shoulder[..., 1]) / length
        knee_l = _angle_at(xy[..., _L["hip"], :], xy[..., _L["knee"], :], xy[..., _L["ankle"], :])
        knee_r = _angle_at(xy[..., _R["hip"], :], xy[..., _R["knee"], :], xy[..., _R["ankle"], :])
        straight_legs = np.fmin(knee_l, knee_r) > 150
        # Shin lying along the floor: knee about as low as its ankle.
        shin_flat_l = np.abs(xy[..., _L["knee"], 1] - xy[..., _L["ankle"], 1]) / length < 0.35
        shin_flat_r = np.abs(xy[..., _R["knee"], 1] - xy[..., _R["ankle"], 1]) / length < 0.35
        one_knee_down = shin_flat_l ^ shin_flat_r
        both_knees_down = shin_flat_l & shin_flat_r
        hip_drop = (np.fmax(xy[..., _L["ankle"], 1], xy[..., _R["ankle"], 1]) - hip[..., 1]) / length

    out = np.full(incline.shape, "unknown", dtype=object)
    lying_or_all_fours = incline < 40
    # Upright means head above hips; an upside-down figure is nothing we coach.
    upright = (incline > 55) & (head[..., 1] < 0)
    # Kneeling on all fours (child's pose included): bent knees under a face-down torso;
    # a plank or a push-up has the same torso but straight legs.
    on_limbs = (np.fmin(knee_l, knee_r) < 130) & (knee_drop > 0.1) & (wrist_drop > 0.2) & (front_up < 0)
    out[lying_or_all_fours & on_limbs] = "quadruped"
    out[lying_or_all_fours & ~on_limbs & (front_up > 0.3)] = "supine"
    out[lying_or_all_fours & ~on_limbs & (front_up < -0.3)] = "prone"
    out[upright & straight_legs & (hip_drop > 1.2)] = "standing"
    out[upright & ~straight_legs & one_knee_down] = "half_kneeling"
    out[upright & ~straight_legs & both_knees_down & (hip_drop > 0.5)] = "kneeling"
    out[upright & ~straight_legs & ~one_knee_down & ~both_knees_down] = "sitting"
    missing = np.isnan(incline)
    out[missing] = "unknown"
    return out.astype(str)
