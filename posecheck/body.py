"""Whole-body geometry from one person's landmarks: sides, view and posture.

Every function takes arrays shaped (..., 33, 2) of image pixels (y down) so the
same code serves one live frame and a whole recorded track at once. Missing
landmarks are NaN.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.landmarks import INDEX, MIRROR

POSTURES = ("standing", "quadruped", "supine", "prone", "half_kneeling", "kneeling", "sitting", "unknown")
VIEWS = ("side", "front", "unknown")

_L = {p: INDEX[f"left_{p}"] for p in ("shoulder", "hip", "knee", "ankle", "ear", "wrist", "elbow", "heel")}
_R = {p: INDEX[f"right_{p}"] for p in ("shoulder", "hip", "knee", "ankle", "ear", "wrist", "elbow", "heel")}
_SIDE_PARTS = ("shoulder", "hip", "knee", "ankle", "elbow", "wrist")
NOSE = INDEX["nose"]


Torso = tuple[np.ndarray, np.ndarray]  # what torso_axis returns: (unit head direction, length)


def mean_of_seen(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a + b) / 2; the one that is not NaN where the other is (NaN where both are)."""
    # fmax/fmin skip a NaN, so a missing b gives (a + a) / 2 = a exactly, and max + min = a + b
    # exactly: the same values as a masked mean in fewer numpy calls (this runs often per frame).
    return (np.fmax(a, b) + np.fmin(a, b)) * 0.5


def midpoint(xy: np.ndarray, part: str) -> np.ndarray:
    """Mean of the left and right ``part``; the one visible side when the other is missing."""
    return mean_of_seen(xy[..., _L[part], :], xy[..., _R[part], :])


def safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is zero or missing (no warnings: hot path)."""
    return num / positive_or_nan(den)


def positive_or_nan(den: np.ndarray) -> np.ndarray:
    """``den`` where it is above zero, else NaN: what :func:`safe_divide` divides by."""
    return np.where(den > 0, den, np.nan)


def clip_unit(v: np.ndarray) -> np.ndarray:
    """``np.clip(v, -1, 1)`` (NaN stays NaN) without np.clip's overhead on one frame's scalars."""
    return np.minimum(np.maximum(v, -1.0), 1.0)


def _norm(v: np.ndarray) -> np.ndarray:
    return np.hypot(v[..., 0], v[..., 1])


def torso_axis(xy: np.ndarray) -> Torso:
    """Unit vector from hip-mid to shoulder-mid (toward the head) and torso length in pixels."""
    return _axis(midpoint(xy, "shoulder"), midpoint(xy, "hip"))


def _axis(shoulder: np.ndarray, hip: np.ndarray) -> Torso:
    v = shoulder - hip
    length = _norm(v)
    return safe_divide(v, length[..., None]), length


def front_direction(xy: np.ndarray, *, torso: Torso | None = None) -> np.ndarray:
    """Unit vector (image coordinates) pointing out of the person's front, across the torso.

    Uses only midpoints and the nose, so it does not depend on MediaPipe's
    left/right labels: the face points forward (nose ahead of the ears) and
    bent hips put the knees in front of the torso. ``torso`` is ``torso_axis(xy)``
    when the caller already has it.
    """
    torso = torso_axis(xy) if torso is None else torso
    return _front(xy, torso, midpoint(xy, "hip"), midpoint(xy, "knee"), midpoint(xy, "ankle"))


def _front(xy: np.ndarray, torso: Torso, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    normal, score = _front_score(xy, torso, hip, knee, ankle)
    return normal * np.where(score >= 0, 1.0, -1.0)[..., None]


def _front_score(
    xy: np.ndarray, torso: Torso, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The torso's normal and how strongly the face and the legs say the front lies along it."""
    head, length = torso
    normal = np.stack([-head[..., 1], head[..., 0]], axis=-1)
    unit = positive_or_nan(length)  # the safe_divide denominator, shared by the three ratios
    nose = xy[..., NOSE, :] - midpoint(xy, "ear")
    face = _zero_nan(_dot(nose, normal) / unit)
    # Knees only bend one way: a bent knee sticks out in front of the hip-ankle line.
    knee_bend = _zero_nan(_dot(knee - (hip + ankle) * 0.5, normal) / unit)
    hip_flexion = _zero_nan(_dot(knee - hip, normal) / unit)
    # The face is a short lever (a few % of the torso): weight it up.
    return normal, 3.0 * face + 1.5 * knee_bend + hip_flexion


def _zero_nan(v: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(v), 0.0, v)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1]


def anatomical_right_is_near(xy: np.ndarray, *, torso: Torso | None = None) -> np.ndarray:
    """True where the person's own right side faces the camera (side views).

    right = front x head (right-handed, z toward the viewer), computed with y up.
    """
    torso = torso_axis(xy) if torso is None else torso
    head = torso[0]
    front = front_direction(xy, torso=torso)
    fx, fy = front[..., 0], -front[..., 1]
    hx, hy = head[..., 0], -head[..., 1]
    return (fx * hy - fy * hx) > 0


_SIDE_INDEX = [_L[p] for p in _SIDE_PARTS] + [_R[p] for p in _SIDE_PARTS]


def label_left_is_near(visibility: np.ndarray, z: np.ndarray) -> np.ndarray:
    """True where MediaPipe's 'left' landmarks look nearer (more visible, smaller depth)."""
    z = _zero_nan(z[..., _SIDE_INDEX])
    vis_left, vis_right = _side_means(visibility[..., _SIDE_INDEX])
    z_left, z_right = _side_means(z)
    scale = np.abs(z).sum(axis=-1) / len(_SIDE_INDEX) + 1e-6
    return (vis_left - vis_right + 0.5 * clip_unit((z_right - z_left) / scale)) > 0


def _side_means(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means of the left and the right half of (..., 12) values in _SIDE_INDEX order.

    sum / n is what np.mean computes, without its Python overhead on one frame; the two
    halves are summed alike, so equal sides give exactly equal means.
    """
    means = values.reshape(*values.shape[:-1], 2, len(_SIDE_PARTS)).sum(axis=-1) / len(_SIDE_PARTS)
    return means[..., 0], means[..., 1]


def shoulder_width_ratio(xy: np.ndarray, *, torso: Torso | None = None) -> np.ndarray:
    """Shoulder width over torso length: small side-on, large facing the camera."""
    _, length = torso_axis(xy) if torso is None else torso
    width = _norm(xy[..., _L["shoulder"], :] - xy[..., _R["shoulder"], :])
    return safe_divide(width, length)


_VIEW_NAMES = np.array(["side", "front", "unknown"])


def classify_view(xy: np.ndarray, side_max_ratio: float = 0.45, *, torso: Torso | None = None) -> np.ndarray:
    """'side' or 'front' per frame from the shoulder width ratio ('unknown' if unseen)."""
    ratio = shoulder_width_ratio(xy, torso=torso)
    code = np.where(np.isnan(ratio), 2, ratio > side_max_ratio)
    return _VIEW_NAMES[code, ...]  # the ellipsis keeps one frame's answer a 0-d array


def mirror_points(xy: np.ndarray) -> np.ndarray:
    """Swap every left landmark with its right twin in (..., 33, k) arrays."""
    return xy[..., list(MIRROR), :]


def mirror_values(values: np.ndarray) -> np.ndarray:
    """Swap every left landmark with its right twin in (..., 33) arrays."""
    return values[..., list(MIRROR)]


def _angle_at(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    u, v = a - b, c - b
    cos = safe_divide(_dot(u, v), _norm(u) * _norm(v))
    return np.degrees(np.arccos(clip_unit(cos)))


# Sitting up, not lying: the shoulder-hip line rises this far (degrees, shoulders above the hips) only
# once the upper back has left the floor. Lying on the back it stays lower: on the committed supine
# clips at most 26.5 deg (the figure-4 stretch, head and shoulders curled up to pull the thigh in;
# 95th percentile 21), 23 filmed from the feet, 17 on the stills; curling up lifts the shoulder
# blades, the lower back stays down. Reclined past it, the weight is on the buttocks: sitting
# leaning back on the hands or elbows (a seated towel stretch), or a V-sit.
RECLINED_DEG = 30.0
# Hips on the floor: no ankle more than this many torso lengths below the hip joints. Sitting on the
# floor the hip joints are ~0.2 torso lengths above it and the heels ~0.1 (a straight leg along the
# floor, or a foot flat by the bent knee); kneeling puts the hips a thigh length (0.6-0.95) above
# the knee and the feet: half-kneeling reads 0.67-0.75 on the committed clips (the hip flexor stretch
# and its stills), standing 1.2 and more.
HIPS_ON_FLOOR = 0.35
# Lying on the side filmed from the front or the back: the body's left-right axis stands up in the
# picture, so the shoulders and the hips are each stacked one above the other, the same side on
# top, by most of their width. At the widest MediaPipe puts the shoulders 0.70-0.72 and the hips
# 0.40-0.44 torso lengths apart (people facing the camera on the committed clips); three quarters
# of that (the axis within ~40 deg of vertical) reads as on the side. Lying on the back filmed
# from the side shows the same axis end-on, foreshortened: at most 0.50 and 0.27 on the committed
# supine clips (the camera a little above the floor), never both past the bounds at once. With the
# camera raised a further 20 deg (the eval's raised20 variant) it reaches 0.65 and 0.41, both at
# once in about one frame in ten of the leg-stretch and knee-hug clips: those frames read as no
# posture, which keeps the set going (an unclear reading never ends one); no count changes.
SIDE_SHOULDERS = 0.54
SIDE_HIPS = 0.32
# On all fours the shins rest on the floor: no ankle hangs more than this many torso lengths below
# its own knee (a 0.8 torso-length shin within ~40 deg of level). The committed all-fours clips
# (bird dogs, child's poses, cat, quadruped pelvic tilt) read at most 0.26, and 0.40 in single
# frames with the camera raised a further 20 deg; a straight leg standing under the hip hangs the
# ankle 0.6-0.8 below the knee (somebody sitting with a leg along the floor, seen through a camera
# on its side, looks like that).
SHIN_HANGS = 0.5
# Half-kneeling seen from a raised camera: the kneeling shin runs back along the floor, away from the
# camera, and a camera 20 deg above the floor tips it up in the picture (0.51-0.53 torso lengths of
# rise on the hip flexor clip's raised20 variant, past the 0.35 of a flat shin), so the shins alone
# no longer tell it. The thighs still do: one goes down from the hip to the floor, its knee a thigh
# length (0.6-0.95 torso lengths) below the hips and bent (the shin behind it), the other goes
# forward, its knee about level with the hips: lower in the picture by up to half a thigh length
# (0.6-0.95 torso lengths x sin 30 deg) when the camera looks down on it from 30 deg above the
# floor, and still a quarter of a torso length above the kneeling knee. Sitting on a chair has both
# knees level; standing on one leg with the other knee raised has the low knee straight.
KNEELING_THIGH_DROP = 0.6
FRONT_THIGH_DROP = 0.55
THIGHS_APART = 0.25
# Lying face down needs a clear front reading (the face and the legs agreeing): on the committed
# tracks planks and push-ups read 0.49-1.0 (10th percentile, any camera variant), while people on
# their back misread as face down (legs pulled in with one knee hidden, or a bridge, seen from a
# raised or turned camera) read 0.01-0.21. Nearer 0 is "unknown", which never ends a set.
PRONE_SURE = 0.35


def classify_posture(xy: np.ndarray, *, torso: Torso | None = None) -> np.ndarray:
    """Posture name per frame from torso inclination, face direction and limb geometry.

    Thresholds are broad on purpose: the posture gate only has to tell lying
    from kneeling from standing, the exercise rules judge the details. Lying on
    the side has no name of its own in the rule files: it reads "unknown".
    """
    hip, shoulder, knee = midpoint(xy, "hip"), midpoint(xy, "shoulder"), midpoint(xy, "knee")
    torso = _axis(shoulder, hip) if torso is None else torso
    head, length = torso
    # A zero torso length gives inf/NaN below; such a frame is "unknown" whatever they say.
    with np.errstate(divide="ignore", invalid="ignore"):
        incline = torso_incline(xy, torso=torso)  # 0 = horizontal
        normal, front_score = _front_score(xy, torso, hip, knee, midpoint(xy, "ankle"))
        front_up = -normal[..., 1] * np.where(front_score >= 0, 1.0, -1.0)  # > 0: front faces the ceiling
        knee_drop = (knee[..., 1] - hip[..., 1]) / length
        wrist_drop = (midpoint(xy, "wrist")[..., 1] - shoulder[..., 1]) / length
        knee_l = _angle_at(xy[..., _L["hip"], :], xy[..., _L["knee"], :], xy[..., _L["ankle"], :])
        knee_r = _angle_at(xy[..., _R["hip"], :], xy[..., _R["knee"], :], xy[..., _R["ankle"], :])
        straight_legs = np.fmin(knee_l, knee_r) > 150
        # Shin lying along the floor: knee about as low as its ankle.
        shin_flat_l = np.abs(xy[..., _L["knee"], 1] - xy[..., _L["ankle"], 1]) / length < 0.35
        shin_flat_r = np.abs(xy[..., _R["knee"], 1] - xy[..., _R["ankle"], 1]) / length < 0.35
        one_knee_down = shin_flat_l ^ shin_flat_r
        drop_l = (xy[..., _L["knee"], 1] - hip[..., 1]) / length
        drop_r = (xy[..., _R["knee"], 1] - hip[..., 1]) / length
        split_thighs = (np.abs(drop_l - drop_r) > THIGHS_APART) & (
            ((drop_l > KNEELING_THIGH_DROP) & (knee_l < 130) & (drop_r < FRONT_THIGH_DROP))
            | ((drop_r > KNEELING_THIGH_DROP) & (knee_r < 130) & (drop_l < FRONT_THIGH_DROP))
        )
        both_knees_down = shin_flat_l & shin_flat_r
        hip_drop = (np.fmax(xy[..., _L["ankle"], 1], xy[..., _R["ankle"], 1]) - hip[..., 1]) / length
        shoulder_stack = (xy[..., _L["shoulder"], 1] - xy[..., _R["shoulder"], 1]) / length
        hip_stack = (xy[..., _L["hip"], 1] - xy[..., _R["hip"], 1]) / length
        ankle_l_y, ankle_r_y = xy[..., _L["ankle"], 1], xy[..., _R["ankle"], 1]
        shin_hang = np.fmax(ankle_l_y - xy[..., _L["knee"], 1], ankle_r_y - xy[..., _R["knee"], 1]) / length

    # NaN compares False: a frame without a torso is neither lying nor upright, so "unknown".
    lying_or_all_fours = incline < 40
    # Upright means head above hips; an upside-down figure is nothing we coach.
    upright = (incline > 55) & (head[..., 1] < 0)
    # Kneeling on all fours (child's pose included): bent knees under a face-down torso, the shins
    # on the floor; a plank or a push-up has the same torso but straight legs.
    on_limbs = (
        (np.fmin(knee_l, knee_r) < 130)
        & (knee_drop > 0.1)
        & (wrist_drop > 0.2)
        & (front_up < 0)
        & ~(shin_hang > SHIN_HANGS)
    )
    # Lying on the side is none of the lying postures (it can look like all fours at an angle).
    on_side = (
        (np.abs(shoulder_stack) >= SIDE_SHOULDERS)
        & (np.abs(hip_stack) >= SIDE_HIPS)
        & (shoulder_stack * hip_stack > 0)
    )
    lying = lying_or_all_fours & ~on_limbs & ~on_side
    face_up = lying & (front_up > 0.3)
    reclined = (incline >= RECLINED_DEG) & (head[..., 1] < 0)
    bent_upright = upright & ~straight_legs
    hips_on_floor = hip_drop < HIPS_ON_FLOOR
    half_kneel = bent_upright & ~both_knees_down & ~hips_on_floor & (one_knee_down | split_thighs)
    readings = (  # in _POSTURE_CODES order; they exclude one another
        lying_or_all_fours & on_limbs & ~on_side,
        face_up & ~reclined,
        lying & (front_up < -0.3) & (np.abs(front_score) >= PRONE_SURE),
        upright & straight_legs & (hip_drop > 1.2),
        # One shin on the floor (or one thigh down to it, the other forward) and the hips a thigh
        # length above it: a seated person with one leg along the floor and the other knee up has
        # one flat shin too, but the hips on the floor.
        half_kneel,
        # Both shins on the floor: kneeling upright or sat back on the heels alike.
        bent_upright & both_knees_down,
        (bent_upright & ~both_knees_down & ~half_kneel)
        | (upright & straight_legs & hips_on_floor)  # long sitting, the legs along the floor
        | (face_up & reclined),
    )
    # At most one reading is true, so this sum is its code (0 = none, "unknown").
    code = sum(k * reading for k, reading in enumerate(readings, start=1))
    return _POSTURE_CODES[code, ...]  # the ellipsis keeps one frame's answer a 0-d array


# Limb points that hang below the torso when a body is held up on its limbs (and rest on the floor,
# level with the torso, when it lies on the floor).
_LIMB_ENDS = [
    INDEX[f"{side}_{part}"]
    for side in ("left", "right")
    for part in ("knee", "ankle", "heel", "foot_index", "wrist", "elbow")
]


def hips_resting(xy: np.ndarray) -> np.ndarray:
    """Whether the hips are the lowest part of the legs (no ankle ``HIPS_ON_FLOOR`` below them): a
    person sitting on the floor (False where the hips, ankles or torso are unseen)."""
    _, length = torso_axis(xy)
    ankle = np.fmax(xy[..., _L["ankle"], 1], xy[..., _R["ankle"], 1])
    with np.errstate(invalid="ignore"):
        return safe_divide(ankle - midpoint(xy, "hip")[..., 1], length) < HIPS_ON_FLOOR


def torso_incline(xy: np.ndarray, *, torso: Torso | None = None) -> np.ndarray:
    """Angle of the hip-to-shoulder line against the image horizontal, 0-90 degrees (NaN if unseen)."""
    head, _ = torso_axis(xy) if torso is None else torso
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arcsin(np.minimum(np.abs(head[..., 1]), 1.0)))


def limb_drop(xy: np.ndarray) -> np.ndarray:
    """How far the lowest knee, foot, hand or elbow sits below the torso, in torso lengths.

    Lying on the floor it is near 0 (measured 0.0-0.45 on the side-view supine clips: the
    feet and hands rest on the floor beside the torso); on all fours or in a plank the
    limbs hold the torso up (0.6-1.5); a kneeling person filmed by a phone on its side,
    who looks lying down, has a leg hanging 0.7-1.2 below the torso.
    """
    _, length = torso_axis(xy)
    torso_low = np.fmax(midpoint(xy, "hip")[..., 1], midpoint(xy, "shoulder")[..., 1])
    limbs = xy[..., _LIMB_ENDS, 1]
    lowest = np.max(np.where(np.isnan(limbs), -np.inf, limbs), axis=-1)
    return safe_divide(np.where(np.isfinite(lowest), lowest - torso_low, np.nan), length)


_POSTURE_CODES = np.array(
    ["unknown", "quadruped", "supine", "prone", "standing", "half_kneeling", "kneeling", "sitting"]
)


class FrameGeometry:
    """The view, side and posture functions above for one (33, 2) frame, in plain Python floats.

    numpy costs about a microsecond per call even on arrays this small, and the
    live coach needs these every frame. The answers are the vectorised functions'
    (tests/test_body_frame.py checks it): the arithmetic is done in the same order,
    and hypot, arcsin and arccos still come from numpy, whose SIMD versions can
    differ from the math module's in the last bit.
    """

    def __init__(self, xy: np.ndarray) -> None:
        self._p: list[list[float]] = np.asarray(xy, dtype=np.float64).tolist()
        (sx, sy), (hx, hy) = self.mid("shoulder"), self.mid("hip")
        vx, vy = sx - hx, sy - hy
        self.length = float(np.hypot(vx, vy))  # torso length, as torso_axis gives it
        self._unit = self.length if self.length > 0 else math.nan  # safe_divide's denominator
        self.head = (vx / self._unit, vy / self._unit)

    def mid(self, part: str) -> tuple[float, float]:
        """:func:`midpoint` of ``part``."""
        a, b = self._p[_L[part]], self._p[_R[part]]
        return _mean_of_seen(a[0], b[0]), _mean_of_seen(a[1], b[1])

    def view(self, side_max_ratio: float = 0.45) -> str:
        """:func:`classify_view`."""
        (lx, ly), (rx, ry) = self._p[_L["shoulder"]], self._p[_R["shoulder"]]
        ratio = float(np.hypot(lx - rx, ly - ry)) / self._unit
        if math.isnan(ratio):
            return "unknown"
        return "front" if ratio > side_max_ratio else "side"

    def front(self) -> tuple[float, float]:
        """:func:`front_direction`."""
        nx, ny, score = self.front_score()
        sign = 1.0 if score >= 0 else -1.0
        return nx * sign, ny * sign

    def front_score(self) -> tuple[float, float, float]:
        """The torso's normal and how strongly it is the front (``_front_score``)."""
        nx, ny = -self.head[1], self.head[0]
        (ex, ey), (hx, hy), (kx, ky), (ax, ay) = (self.mid(p) for p in ("ear", "hip", "knee", "ankle"))
        nose_x, nose_y = self._p[NOSE]
        face = _zero_nan_float(((nose_x - ex) * nx + (nose_y - ey) * ny) / self._unit)
        knee_bend = _zero_nan_float(((kx - (hx + ax) * 0.5) * nx + (ky - (hy + ay) * 0.5) * ny) / self._unit)
        hip_flexion = _zero_nan_float(((kx - hx) * nx + (ky - hy) * ny) / self._unit)
        return nx, ny, 3.0 * face + 1.5 * knee_bend + hip_flexion

    def right_is_near(self) -> bool:
        """:func:`anatomical_right_is_near`."""
        fx, fy = self.front()
        hx, hy = self.head
        fy_up, hy_up = -fy, -hy  # with y up, as there
        return fx * hy_up - fy_up * hx > 0

    def posture(self) -> str:
        """:func:`classify_posture` (see there for the reasoning behind each reading)."""
        length = self.length
        if not length > 0:
            return "unknown"
        incline = math.degrees(float(np.arcsin(min(abs(self.head[1]), 1.0))))
        lying_or_all_fours = incline < 40
        upright = incline > 55 and self.head[1] < 0
        if not (lying_or_all_fours or upright):
            return "unknown"
        p = self._p
        knee_l = _angle_at_float(p[_L["hip"]], p[_L["knee"]], p[_L["ankle"]])
        knee_r = _angle_at_float(p[_R["hip"]], p[_R["knee"]], p[_R["ankle"]])
        hip_y = self.mid("hip")[1]
        if lying_or_all_fours:
            _, ny, front_score = self.front_score()
            front_up = -ny * (1.0 if front_score >= 0 else -1.0)
            knee_drop = (self.mid("knee")[1] - hip_y) / length
            wrist_drop = (self.mid("wrist")[1] - self.mid("shoulder")[1]) / length
            if self._on_side():
                return "unknown"
            shin_hang = (
                _fmax(p[_L["ankle"]][1] - p[_L["knee"]][1], p[_R["ankle"]][1] - p[_R["knee"]][1]) / length
            )
            if (
                _fmin(knee_l, knee_r) < 130
                and knee_drop > 0.1
                and wrist_drop > 0.2
                and front_up < 0
                and not shin_hang > SHIN_HANGS
            ):
                return "quadruped"
            if front_up > 0.3:
                return "sitting" if incline >= RECLINED_DEG and self.head[1] < 0 else "supine"
            return "prone" if front_up < -0.3 and abs(front_score) >= PRONE_SURE else "unknown"
        ankle_l, ankle_r = p[_L["ankle"]][1], p[_R["ankle"]][1]
        hip_drop = (_fmax(ankle_l, ankle_r) - hip_y) / length
        hips_on_floor = hip_drop < HIPS_ON_FLOOR
        if _fmin(knee_l, knee_r) > 150:  # straight legs
            if hip_drop > 1.2:
                return "standing"
            return "sitting" if hips_on_floor else "unknown"
        shin_flat_l = abs(p[_L["knee"]][1] - ankle_l) / length < 0.35
        shin_flat_r = abs(p[_R["knee"]][1] - ankle_r) / length < 0.35
        if shin_flat_l and shin_flat_r:
            return "kneeling"  # upright on the knees, or sat back on the heels
        if not hips_on_floor and (shin_flat_l != shin_flat_r or self._split_thighs(knee_l, knee_r, hip_y)):
            return "half_kneeling"
        return "sitting"

    def _split_thighs(self, knee_l: float, knee_r: float, hip_y: float) -> bool:
        """One thigh down to the floor with the knee bent, the other forward (see KNEELING_THIGH_DROP)."""
        p, length = self._p, self.length
        drop_l = (p[_L["knee"]][1] - hip_y) / length
        drop_r = (p[_R["knee"]][1] - hip_y) / length
        if not abs(drop_l - drop_r) > THIGHS_APART:
            return False
        return (drop_l > KNEELING_THIGH_DROP and knee_l < 130 and drop_r < FRONT_THIGH_DROP) or (
            drop_r > KNEELING_THIGH_DROP and knee_r < 130 and drop_l < FRONT_THIGH_DROP
        )

    def _on_side(self) -> bool:
        """Shoulders and hips stacked in the picture, the same side on top (see SIDE_SHOULDERS)."""
        p, length = self._p, self.length
        shoulders = (p[_L["shoulder"]][1] - p[_R["shoulder"]][1]) / length
        hips = (p[_L["hip"]][1] - p[_R["hip"]][1]) / length
        return abs(shoulders) >= SIDE_SHOULDERS and abs(hips) >= SIDE_HIPS and shoulders * hips > 0


def _mean_of_seen(a: float, b: float) -> float:
    # Exactly mean_of_seen's arithmetic: a missing value takes the other's place.
    if math.isnan(a):
        a = b
    elif math.isnan(b):
        b = a
    return (a + b) * 0.5


def _zero_nan_float(v: float) -> float:
    return 0.0 if math.isnan(v) else v


def _fmin(a: float, b: float) -> float:
    """np.fmin: the smaller, ignoring a NaN."""
    if math.isnan(a):
        return b
    return a if math.isnan(b) else min(a, b)


def _fmax(a: float, b: float) -> float:
    """np.fmax: the larger, ignoring a NaN."""
    if math.isnan(a):
        return b
    return a if math.isnan(b) else max(a, b)


def _angle_at_float(a: list[float], b: list[float], c: list[float]) -> float:
    ux, uy, vx, vy = a[0] - b[0], a[1] - b[1], c[0] - b[0], c[1] - b[1]
    den = float(np.hypot(ux, uy)) * float(np.hypot(vx, vy))
    if not den > 0:
        return math.nan
    cos = min(max((ux * vx + uy * vy) / den, -1.0), 1.0)
    return math.degrees(float(np.arccos(cos)))
