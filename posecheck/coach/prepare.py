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
    anatomical_right_is_near,
    classify_posture,
    classify_view,
    label_left_is_near,
    mirror_points,
    mirror_values,
    torso_axis,
)
from posecheck.filters import OneEuroFilter, OneEuroSettings


@dataclass
class PreparedFrame:
    """One person's landmarks after side resolution, smoothing and gating."""

    t: float
    person_found: bool
    people: int
    xy: np.ndarray  # (33, 2) smoothed pixels, NaN where not trusted
    z: np.ndarray  # (33,)
    visibility: np.ndarray  # (33,)
    near_is_left: bool
    posture: str
    view: str


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
        self, t: float, xy: np.ndarray, z: np.ndarray, visibility: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """Return relabelled (xy, z, visibility) and whether the anatomical left is near."""
        label_left_near = bool(label_left_is_near(visibility, z))
        if classify_view(xy)[()] != "side":
            return xy, z, visibility, label_left_near
        right_near = anatomical_right_is_near(xy)[()]
        dt = 1 / 30 if self._t is None else max(t - self._t, 1e-3)
        self._t = t
        a = 1 - math.exp(-dt / self.time_constant_s)
        self._right_near_score += a * ((1.0 if right_near else -1.0) - self._right_near_score)
        anat_left_near = self._right_near_score < 0
        if anat_left_near != label_left_near:
            return mirror_points(xy), mirror_values(z), mirror_values(visibility), anat_left_near
        return xy, z, visibility, anat_left_near


class FramePreparer:
    """Stateful pipeline: side resolution -> One-Euro smoothing -> visibility gate."""

    def __init__(self, width: int, height: int, settings: OneEuroSettings, min_visibility: float) -> None:
        self._filter = OneEuroFilter(settings, scale=float(max(width, height)))
        self._sides = SideResolver()
        self.min_visibility = min_visibility
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
            self._last_raw = None
            empty = np.full((33, 2), np.nan)
            return PreparedFrame(t, False, people, empty, np.full(33, np.nan), np.zeros(33), True, "unknown", "unknown")
        xy = np.where(np.isfinite(xy), xy, np.nan)
        vis = np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        xy, z, vis, near_left = self._sides(t, xy, np.asarray(z, np.float64), vis)
        if self._jumped(xy):
            # A cut or a new person: old positions would smear into the new ones.
            self._filter.reset()
        smooth = self._filter(xy, t)
        smooth[vis < self.min_visibility] = np.nan
        posture = str(classify_posture(smooth)[()])
        view = str(classify_view(smooth)[()])
        return PreparedFrame(t, True, people, smooth, z, vis, near_left, posture, view)

    def _jumped(self, xy: np.ndarray) -> bool:
        last, self._last_raw = self._last_raw, xy
        if last is None:
            return False
        _, length = torso_axis(xy)
        with np.errstate(invalid="ignore"):
            moved = np.nanmedian(np.linalg.norm(xy - last, axis=-1))
        return bool(np.isfinite(moved) and np.isfinite(length) and moved > 0.5 * float(length))
