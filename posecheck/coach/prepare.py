"""Per-frame preparation of one person's landmarks before any rule is applied.

Order matters: left/right labels are made anatomical first (MediaPipe swaps
them in side views), then positions are smoothed, then untrusted landmarks
are hidden. Everything here depends only on the filter settings, so a track
prepared once can be re-scored with other thresholds for free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecheck.body import (
    FrameGeometry,
    anatomical_right_is_near,
    classify_posture,
    classify_view,
    hips_resting,
    label_left_is_near,
    limb_drop,
    mirror_points,
    mirror_values,
    torso_axis,
    torso_incline,
)
from posecheck.coach.gate import LandmarkGate
from posecheck.filters import OneEuroFilter, OneEuroSettings
from posecheck.orientation import OrientationGuess, rotate_points


@dataclass
class PreparedFrame:
    """One person's landmarks after side resolution, smoothing and gating."""

    t: float
    person_found: bool
    people: int
    xy: np.ndarray  # (33, 2) smoothed pixels in the upright frame, NaN where not trusted
    z: np.ndarray  # (33,)
    visibility: np.ndarray  # (33,)
    near_is_left: bool
    posture: str
    view: str
    image_xy: np.ndarray | None = None  # the same landmarks in the image's own pixels (for drawing)
    quarter_turns: int = 0  # how the camera was turned (0 = upright)


# The live coach keeps this much of the session to replay once it decides the camera is turned
# (the first reps would otherwise be lost while it makes up its mind); later turns are not replayed.
REPLAY_MAX_S = 120.0


CARRY_SIDE_S = 2.0  # seconds the body orientation from side views is trusted in other views


class SideResolver:
    """Keeps MediaPipe's left/right labels anatomical in side views.

    The body's orientation (which anatomical side faces the camera) changes
    slowly, so it is smoothed; MediaPipe's labelling can flip on any frame, so
    it is compared frame by frame.
    """

    def __init__(self, time_constant_s: float = 0.5) -> None:
        self.time_constant_s = time_constant_s
        self._right_near_score = 0.0
        self._t: float | None = None

    def __call__(
        self,
        t: float,
        xy: np.ndarray,
        z: np.ndarray,
        visibility: np.ndarray,
        geometry: FrameGeometry | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """Return relabelled (xy, z, visibility) and whether the anatomical left is near.

        ``geometry`` is ``FrameGeometry(xy)`` when the caller already has it.
        """
        label_left_near = bool(label_left_is_near(visibility, z))
        geometry = FrameGeometry(xy) if geometry is None else geometry
        if geometry.view() != "side":
            # A moment of "front" view (a turn, a wobbly shoulder) keeps the recent body
            # orientation; only a longer one hands the labels back to MediaPipe.
            if self._t is None or not math.isfinite(t) or t - self._t > CARRY_SIDE_S:
                return xy, z, visibility, label_left_near
            anat_left_near = self._right_near_score < 0
            if anat_left_near != label_left_near:
                return mirror_points(xy), mirror_values(z), mirror_values(visibility), anat_left_near
            return xy, z, visibility, anat_left_near
        right_near = geometry.right_is_near()
        dt = 1 / 30 if self._t is None or not math.isfinite(t) else max(t - self._t, 1e-3)
        if math.isfinite(t):
            self._t = t
        a = 1 - math.exp(-dt / self.time_constant_s)
        self._right_near_score += a * ((1.0 if right_near else -1.0) - self._right_near_score)
        anat_left_near = self._right_near_score < 0
        if anat_left_near != label_left_near:
            return mirror_points(xy), mirror_values(z), mirror_values(visibility), anat_left_near
        return xy, z, visibility, anat_left_near


class FramePreparer:
    """Stateful pipeline: side resolution -> One-Euro smoothing -> visibility gate."""

    def __init__(
        self,
        width: int,
        height: int,
        settings: OneEuroSettings,
        min_visibility: float,
        wanted_postures: tuple[str, ...] = (),
        fixed_turns: int | None = None,
    ) -> None:
        self.width, self.height = width, height
        self._filter = OneEuroFilter(settings, scale=float(max(width, height)))
        self._sides = SideResolver()
        # fixed_turns: the camera's orientation is known (quarter turns), nothing to guess.
        self._orientation = OrientationGuess(wanted_postures, fixed_turns=fixed_turns)
        self.min_visibility = min_visibility
        self._gate = LandmarkGate(min_visibility)
        self._last_raw: np.ndarray | None = None

    def __call__(
        self,
        t: float,
        xy: np.ndarray | None,
        z: np.ndarray | None,
        visibility: np.ndarray | None,
        people: int,
    ) -> PreparedFrame:
        """Prepare one frame; ``xy`` None means nobody was found."""
        if xy is None or z is None or visibility is None or not np.isfinite(xy).any():
            self._filter.reset()
            self._gate.reset()
            self._last_raw = None
            empty = np.full((33, 2), np.nan)
            return PreparedFrame(
                t, False, people, empty, np.full(33, np.nan), np.zeros(33), True, "unknown", "unknown"
            )
        xy = np.where(np.isfinite(xy), xy, np.nan)
        vis = np.asarray(visibility, np.float64)
        vis = np.where(np.isfinite(vis), vis, 0.0)  # what np.nan_to_num(..., 0) gives, in one call
        turns = self._orientation(t, xy, self.width, self.height)
        if turns:
            xy = rotate_points(xy, turns, self.width, self.height)
        # Plain-float geometry: numpy calls on one frame cost more than their arithmetic.
        # Relabelling left/right leaves midpoints, so the torso length fits the relabelled frame too.
        raw = FrameGeometry(xy)
        xy, z, vis, near_left = self._sides(t, xy, np.asarray(z, np.float64), vis, raw)
        if self._jumped(xy, raw.length):
            # A cut or a new person: old positions would smear into the new ones.
            self._filter.reset()
            self._gate.reset()
        smooth = self._filter(xy, t)
        smooth[~self._gate(t, smooth, vis, near_left, raw.view() == "side")] = np.nan
        seen = FrameGeometry(smooth)
        posture, view = seen.posture(), seen.view()
        image_xy = rotate_points(smooth, -turns, *self._turned_size(turns)) if turns else smooth
        return PreparedFrame(t, True, people, smooth, z, vis, near_left, posture, view, image_xy, turns)

    @property
    def orientation_decided(self) -> bool:
        """Whether the camera's orientation is settled (it never changes after that)."""
        return self._orientation.locked

    def _turned_size(self, turns: int) -> tuple[int, int]:
        return (self.height, self.width) if turns % 2 else (self.width, self.height)

    def _jumped(self, xy: np.ndarray, length: float) -> bool:
        last, self._last_raw = self._last_raw, xy
        return last is not None and _jump(xy, last, length)


def _jump(xy: np.ndarray, last: np.ndarray, length: float) -> bool:
    """Whether the landmarks seen in both frames moved by more than half a torso (median)."""
    moved = np.hypot(*(xy - last).T)
    moved = np.sort(moved[~np.isnan(moved)])
    if not (len(moved) and math.isfinite(length)):
        return False
    # The median, as np.nanmedian gives it (which is much slower on 33 values).
    median = (moved[(len(moved) - 1) // 2] + moved[len(moved) // 2]) * 0.5
    return bool(median > 0.5 * length)


def prepare_arrays(
    t: np.ndarray,
    xy: np.ndarray,
    z: np.ndarray,
    visibility: np.ndarray,
    people: np.ndarray,
    width: int,
    height: int,
    settings: OneEuroSettings,
    min_visibility: float,
    wanted_postures: tuple[str, ...] = (),
    fixed_turns: int | None = None,
) -> list[PreparedFrame]:
    """What :class:`FramePreparer` gives frame by frame, for a whole recording at once.

    ``fixed_turns``: the camera's orientation is known (found from the picture when the
    track was made), applied to every frame; None = guess it from the landmarks.

    The geometry is computed for all frames in a few numpy calls; only the
    parts that carry state from frame to frame (orientation decision, side
    smoothing, One-Euro) loop, over scalars or one small array. Tuning re-uses
    the result, so a long session prepares in well under a second.
    """
    n = len(t)
    xy = np.where(np.isfinite(xy), xy, np.nan).astype(np.float64)
    found = np.isfinite(xy).any(axis=(1, 2))
    vis = np.nan_to_num(visibility.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    z = z.astype(np.float64)
    idx = np.flatnonzero(found)

    # 1. Camera orientation: the streaming guesser's state machine, fed precomputed postures.
    guess = OrientationGuess(wanted_postures, fixed_turns=fixed_turns)
    turns = np.full(n, guess.quarter_turns, dtype=int)
    if not guess.locked and len(idx):
        checks, last = [], -np.inf
        for i in idx:
            if t[i] - last >= guess.every_s:
                checks.append(i)
                last = t[i]
        sample = xy[checks]
        postures = {k: classify_posture(rotate_points(sample, k, width, height)) for k in (0, 1, 3)}
        incline, drop, seated = torso_incline(sample), limb_drop(sample), hips_resting(sample)
        at_check = {
            i: (tuple(postures[k][j] for k in (0, 1, 3)), float(incline[j]), float(drop[j]), bool(seated[j]))
            for j, i in enumerate(checks)
        }
        locked_at = None
        for i in idx:
            if not guess.locked and i in at_check:
                guess.decide(float(t[i]), *at_check[i])
                locked_at = float(t[i]) if guess.locked else None
            turns[i] = guess.quarter_turns
        if guess.quarter_turns and locked_at is not None and locked_at - float(t[0]) <= REPLAY_MAX_S:
            # What the live coach does when it decides: it replays the session so far, turned.
            turns[found] = guess.quarter_turns
    upright = xy.copy()
    for k in (1, 2, 3):
        sel = turns == k
        if sel.any():
            upright[sel] = rotate_points(xy[sel], k, width, height)

    # 2. Anatomical sides: per-frame geometry, smoothed orientation over side-view frames.
    label_left = label_left_is_near(vis, z)
    # Relabelling left/right below leaves midpoints, so this torso serves before and after it.
    torso = torso_axis(upright)
    side_view = classify_view(upright, torso=torso) == "side"
    right_near = anatomical_right_is_near(upright, torso=torso)
    near_left = label_left.copy()
    score, last_t, tau = 0.0, None, SideResolver().time_constant_s
    resolved = np.zeros(n, dtype=bool)
    for i in idx:
        if not side_view[i]:
            if last_t is not None and float(t[i]) - last_t <= CARRY_SIDE_S:
                near_left[i] = score < 0
                resolved[i] = True
            continue
        dt = 1 / 30 if last_t is None else max(float(t[i]) - last_t, 1e-3)
        last_t = float(t[i])
        score += (1 - math.exp(-dt / tau)) * ((1.0 if right_near[i] else -1.0) - score)
        near_left[i] = score < 0
        resolved[i] = True
    swap = found & resolved & (near_left != label_left)
    upright[swap] = mirror_points(upright[swap])
    z = np.where(swap[:, None], mirror_values(z), z)
    vis = np.where(swap[:, None], mirror_values(vis), vis)

    # 3. Smoothing, restarted after a gap or a jump (a cut, another person).
    length = torso[1]
    filt = OneEuroFilter(settings, scale=float(max(width, height)))
    smooth = np.full_like(upright, np.nan)
    restarted = np.zeros(n, dtype=bool)
    previous = None
    for i in range(n):
        if not found[i]:
            filt.reset()
            previous = None
            continue
        if previous is None or _jump(upright[i], upright[previous], float(length[i])):
            filt.reset()
            restarted[i] = True
        smooth[i] = filt(upright[i], float(t[i]))
        previous = i
    gate = LandmarkGate(min_visibility)
    for i in idx:  # frame by frame, as the live path: the gate learns the near limbs' lengths
        if restarted[i]:
            gate.reset()
        smooth[i, ~gate(float(t[i]), smooth[i], vis[i], bool(near_left[i]), bool(side_view[i]))] = np.nan

    # 4. Posture and view of what the rules will see.
    smooth_torso = torso_axis(smooth)
    posture = classify_posture(smooth, torso=smooth_torso)
    view = classify_view(smooth, torso=smooth_torso)
    frames = []
    for i in range(n):
        if not found[i]:
            empty = np.full((33, 2), np.nan)
            frames.append(
                PreparedFrame(
                    float(t[i]),
                    False,
                    int(people[i]),
                    empty,
                    np.full(33, np.nan),
                    np.zeros(33),
                    True,
                    "unknown",
                    "unknown",
                )
            )
            continue
        k = int(turns[i])
        size = (height, width) if k % 2 else (width, height)
        image_xy = rotate_points(smooth[i], -k, *size) if k else smooth[i]
        frames.append(
            PreparedFrame(
                float(t[i]),
                True,
                int(people[i]),
                smooth[i],
                z[i],
                vis[i],
                bool(near_left[i]),
                str(posture[i]),
                str(view[i]),
                image_xy,
                k,
            )
        )
    return frames
