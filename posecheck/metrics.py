"""Named body measurements defined by rule files, computed on (..., 33, 2) pixel arrays.

A metric is data (kind, points, side), never code: rule files name body parts
("hip", "knee", "other:knee", "mid:shoulder", "nose") and the kind of
measurement. Angles are in degrees on aspect-correct pixels; lengths are
divided by a body length so they do not depend on distance to the camera.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from posecheck.body import midpoint, safe_divide
from posecheck.landmarks import CENTRE_PARTS, PAIRED_PARTS, side_index

MetricKind = Literal["angle", "inclination", "between", "distance", "height", "offset", "depth"]
MetricSide = Literal["near", "far", "left", "right", "mid", "each"]

KIND_POINTS: dict[str, int] = {
    "angle": 3,  # angle at the middle point, 0..180
    "inclination": 2,  # segment a->b against the horizontal, 0..90 (90 = vertical)
    "between": 4,  # angle between segments a->b and c->d, 0..180
    "distance": 2,  # |a - b| / normaliser
    "height": 2,  # how far a is above b in the image / normaliser (negative: below)
    "offset": 3,  # signed distance of a from line b-c / |b - c|, positive = image-up side
    "depth": 2,  # MediaPipe depth of b minus depth of a / normaliser (positive: a nearer)
}
KIND_UNITS: dict[str, str] = {
    "angle": "deg",
    "inclination": "deg",
    "between": "deg",
    "distance": "ratio",
    "height": "ratio",
    "offset": "ratio",
    "depth": "ratio",
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


def _point(xy: np.ndarray, point: str, side: str) -> np.ndarray:
    prefix, _, part = point.rpartition(":")
    if prefix == "mid":
        return midpoint(xy, part)
    if prefix == "other":
        side = "right" if side == "left" else "left"
    return xy[..., side_index(part, side), :]


def _norm(v: np.ndarray) -> np.ndarray:
    return np.hypot(v[..., 0], v[..., 1])


def _length(xy: np.ndarray, pair: tuple[str, str], side: str) -> np.ndarray:
    a, b = (_point(xy, p, side) for p in pair)
    return _norm(a - b)


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    cos = safe_divide(u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1], _norm(u) * _norm(v))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _z_index(point: str, side: str) -> int:
    part = point.rpartition(":")[2]
    if point.startswith("other:"):
        side = "right" if side == "left" else "left"
    return side_index(part, side)


def compute_one_side(metric: MetricDef, xy: np.ndarray, side: str, z: np.ndarray | None = None) -> np.ndarray:
    """Value of ``metric`` for the person's ``side`` ('left'/'right'); NaN where unseen."""
    p = [_point(xy, name, side) for name in metric.points]
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
    elif kind == "depth":
        if z is None:
            return np.full(xy.shape[:-2], np.nan)
        za, zb = (z[..., _z_index(n, side)] for n in metric.points)
        value = zb - za
    else:  # pragma: no cover - the schema only admits the kinds above
        raise ValueError(kind)
    if metric.normalize is not None and kind in ("distance", "height", "depth"):
        value = safe_divide(value, _length(xy, metric.normalize, side))
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
    if metric.side == "each":
        return {
            f"{metric.name}.left": compute_one_side(metric, xy, "left", z),
            f"{metric.name}.right": compute_one_side(metric, xy, "right", z),
        }
    if metric.side in ("left", "right"):
        return {metric.name: compute_one_side(metric, xy, metric.side, z)}
    left = compute_one_side(metric, xy, "left", z)
    right = compute_one_side(metric, xy, "right", z)
    if metric.side == "mid":
        both = np.where(np.isnan(left), right, np.where(np.isnan(right), left, (left + right) / 2))
        return {metric.name: both}
    near_left = np.asarray(near_is_left)
    if metric.side == "far":
        near_left = ~near_left
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
    for metric in metrics:
        out.update(compute_metric(metric, xy, near_is_left, z))
    return out
