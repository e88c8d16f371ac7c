"""Named body measurements defined by rule files, computed on (..., 33, 2) pixel arrays.

A metric is data (kind, points, side), never code: rule files name body parts
("hip", "knee", "other:knee", "mid:shoulder", "nose") and the kind of
measurement. Angles are in degrees on aspect-correct pixels; lengths are
divided by a body length so they do not depend on distance to the camera.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from posecheck.body import clip_unit, mean_of_seen, midpoint, positive_or_nan, safe_divide
from posecheck.landmarks import CENTRE_PARTS, PAIRED_PARTS, side_index

MetricKind = Literal["angle", "inclination", "between", "distance", "height", "offset", "depth", "along"]
MetricSide = Literal["near", "far", "left", "right", "mid", "each"]

KIND_POINTS: dict[str, int] = {
    "angle": 3,  # angle at the middle point, 0..180
    "inclination": 2,  # segment a->b against the horizontal, 0..90 (90 = vertical)
    "between": 4,  # angle between segments a->b and c->d, 0..180
    "distance": 2,  # |a - b| / normaliser
    "height": 2,  # how far a is above b in the image / normaliser (negative: below)
    "offset": 3,  # signed distance of a from line b-c / |b - c|, positive = image-up side
    "depth": 2,  # MediaPipe depth of b minus depth of a / normaliser (positive: a nearer)
    "along": 4,  # how far b lies from a in the direction c->d / normaliser (negative: against it)
}
KIND_UNITS: dict[str, str] = {
    "angle": "deg",
    "inclination": "deg",
    "between": "deg",
    "distance": "ratio",
    "height": "ratio",
    "offset": "ratio",
    "depth": "ratio",
    "along": "ratio",
}


def known_point(point: str) -> bool:
    """Whether a rule-file point name is valid ('knee', 'other:knee', 'mid:hip', 'nose')."""
    prefix, _, part = point.rpartition(":")
    if prefix not in ("", "other", "mid"):
        return False
    if part in CENTRE_PARTS:
        return prefix == ""
    return part in PAIRED_PARTS


@dataclass(frozen=True)
class MetricDef:
    """How to compute one metric (validated by the rule schema)."""

    name: str
    kind: MetricKind
    points: tuple[str, ...]
    side: MetricSide = "near"
    normalize: tuple[str, str] | None = None  # two points whose distance is the unit length


@functools.cache
def _landmark(point: str, side: str) -> int | str:
    """Landmark index of a rule-file point on ``side``, or the part name of a 'mid:' point."""
    prefix, _, part = point.rpartition(":")
    if prefix == "mid":
        return part
    if prefix == "other":
        side = "right" if side == "left" else "left"
    return side_index(part, side)


class _Points:
    """Points and lengths of one ``xy`` array, the shared ones computed once for all metrics."""

    def __init__(self, xy: np.ndarray, z: np.ndarray | None) -> None:
        self.xy, self.z = xy, z
        self._mids: dict[str, np.ndarray] = {}
        self._units: dict[tuple[tuple[str, str], str], np.ndarray] = {}

    def point(self, point: str, side: str) -> np.ndarray:
        where = _landmark(point, side)
        if isinstance(where, int):
            return self.xy[..., where, :]
        if where not in self._mids:
            self._mids[where] = midpoint(self.xy, where)
        return self._mids[where]

    def unit(self, pair: tuple[str, str], side: str) -> np.ndarray:
        """Length between the ``pair`` of points as safe_divide divides by it (NaN if not > 0)."""
        key = (pair, side)
        if key not in self._units:
            a, b = (self.point(p, side) for p in pair)
            self._units[key] = positive_or_nan(_norm(a - b))
        return self._units[key]


def _norm(v: np.ndarray) -> np.ndarray:
    return np.hypot(v[..., 0], v[..., 1])


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    cos = safe_divide(u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1], _norm(u) * _norm(v))
    return np.degrees(np.arccos(clip_unit(cos)))


def _z_index(point: str, side: str) -> int:
    part = point.rpartition(":")[2]
    if point.startswith("other:"):
        side = "right" if side == "left" else "left"
    return side_index(part, side)


def compute_one_side(metric: MetricDef, xy: np.ndarray, side: str, z: np.ndarray | None = None) -> np.ndarray:
    """Value of ``metric`` for the person's ``side`` ('left'/'right'); NaN where unseen."""
    return _one_side(metric, _Points(xy, z), side)


def _one_side(metric: MetricDef, points: _Points, side: str) -> np.ndarray:
    p = [points.point(name, side) for name in metric.points]
    kind = metric.kind
    if kind == "angle":
        value = _angle(p[0] - p[1], p[2] - p[1])
    elif kind == "inclination":
        d = p[1] - p[0]
        value = np.degrees(np.arctan2(np.abs(d[..., 1]), np.abs(d[..., 0])))
    elif kind == "between":
        value = _angle(p[1] - p[0], p[3] - p[2])
    elif kind == "distance":
        value = _norm(p[0] - p[1])
    elif kind == "height":
        value = p[1][..., 1] - p[0][..., 1]
    elif kind == "offset":
        a, b, c = p
        line = c - b
        cross = line[..., 0] * (a - b)[..., 1] - line[..., 1] * (a - b)[..., 0]
        # Make "positive" mean toward the top of the image whatever the line's direction.
        normal_up = np.where(line[..., 0] >= 0, -1.0, 1.0)
        value = safe_divide(cross * normal_up, _norm(line) ** 2)
    elif kind == "along":
        # Measured along the body's own axis, so a slide along the body reads the same whatever
        # way the person lies in the picture (head left or right, portrait or landscape).
        axis = p[3] - p[2]
        ab = p[1] - p[0]
        value = safe_divide(ab[..., 0] * axis[..., 0] + ab[..., 1] * axis[..., 1], _norm(axis))
    elif kind == "depth":
        if points.z is None:
            return np.full(points.xy.shape[:-2], np.nan)
        za, zb = (points.z[..., _z_index(n, side)] for n in metric.points)
        value = zb - za
    else:  # pragma: no cover - the schema only admits the kinds above
        raise ValueError(kind)
    if metric.normalize is not None and kind in ("distance", "height", "depth", "along"):
        value = value / points.unit(metric.normalize, side)  # = safe_divide(value, length)
    return np.asarray(value, dtype=np.float64)


def compute_metric(
    metric: MetricDef,
    xy: np.ndarray,
    near_is_left: np.ndarray | bool,
    z: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Named values of one metric: ``{name: value}`` or ``{name.left, name.right}`` for 'each'.

    'near' falls back to the far side where the near side is not visible (both
    sides move together in symmetric exercises); 'mid' uses midpoints.
    """
    return _metric(metric, _Points(xy, z), near_is_left)


def _metric(metric: MetricDef, points: _Points, near_is_left: np.ndarray | bool) -> dict[str, np.ndarray]:
    if metric.side == "each":
        return {
            f"{metric.name}.left": _one_side(metric, points, "left"),
            f"{metric.name}.right": _one_side(metric, points, "right"),
        }
    if metric.side in ("left", "right"):
        return {metric.name: _one_side(metric, points, metric.side)}
    if metric.side == "mid":
        return {
            metric.name: mean_of_seen(_one_side(metric, points, "left"), _one_side(metric, points, "right"))
        }
    near_left = np.asarray(near_is_left)
    if metric.side == "far":
        near_left = ~near_left
    if near_left.ndim == 0 and points.xy.ndim == 2:
        # One frame (the live path): the other side is only needed when this one is unseen.
        first, second = ("left", "right") if near_left else ("right", "left")
        value = _one_side(metric, points, first)
        return {metric.name: _one_side(metric, points, second) if np.isnan(value) else value}
    left, right = _one_side(metric, points, "left"), _one_side(metric, points, "right")
    near = np.where(near_left, left, right)
    far = np.where(near_left, right, left)
    return {metric.name: np.where(np.isnan(near), far, near)}


def compute_all(
    metrics: Sequence[MetricDef],
    xy: np.ndarray,
    near_is_left: np.ndarray | bool,
    z: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """All metrics of a rule set, flattened to ``{name or name.side: values}``."""
    out: dict[str, np.ndarray] = {}
    points = _Points(xy, z)
    for metric in metrics:
        out.update(_metric(metric, points, near_is_left))
    return out
