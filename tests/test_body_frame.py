"""The plain-float FrameGeometry (live path) must answer exactly as the vectorised body functions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from posecheck.body import (
    POSTURES,
    FrameGeometry,
    anatomical_right_is_near,
    classify_posture,
    classify_view,
    front_direction,
    midpoint,
    torso_axis,
)
from posecheck.orientation import rotate_points
from posecheck.track import Track
from tests.synthetic import Pose2D, supine_landmarks

TRACKS = Path(__file__).resolve().parents[1] / "sample_videos" / "tracks"
PARTS = ("shoulder", "hip", "knee", "ankle", "ear", "wrist")


def assert_same(xy: np.ndarray) -> str:
    """Compare every FrameGeometry answer with the vectorised one on one (33, 2) frame."""
    g = FrameGeometry(xy)
    head, length = torso_axis(xy)
    np.testing.assert_array_equal(g.head, head)
    np.testing.assert_array_equal(g.length, length)
    for part in PARTS:
        np.testing.assert_array_equal(g.mid(part), midpoint(xy, part))
    np.testing.assert_array_equal(g.front(), front_direction(xy))
    assert g.right_is_near() == bool(anatomical_right_is_near(xy))
    assert g.view() == classify_view(xy)[()]
    posture = g.posture()
    assert posture == classify_posture(xy)[()]
    return posture


def assert_same_batch(frames: np.ndarray) -> Counter[str]:
    """The batch answers (as prepare_arrays computes them) equal FrameGeometry's frame by frame."""
    postures, views = classify_posture(frames), classify_view(frames)
    right_near, length = anatomical_right_is_near(frames), torso_axis(frames)[1]
    for i, xy in enumerate(frames):
        g = FrameGeometry(xy)
        assert (g.posture(), g.view(), g.right_is_near()) == (postures[i], views[i], right_near[i]), i
        np.testing.assert_array_equal(g.length, length[i])
    return Counter(str(p) for p in postures)


def test_every_recorded_frame_upright_and_turned() -> None:
    seen: Counter[str] = Counter()
    for path in sorted(TRACKS.rglob("*.npz")):
        track = Track.load(path)
        frames = track.xy[:, 0].astype(np.float64)
        frames = frames[np.isfinite(frames).any(axis=(1, 2))]
        for k in (0, 1, 3):  # turned pictures give the upright postures too
            seen += assert_same_batch(rotate_points(frames, k, track.width, track.height))
    # The comparison is only worth something if it went through most readings.
    assert set(seen) == set(POSTURES)


coordinate = st.one_of(st.floats(-500, 2500), st.floats(-1e6, 1e6), st.just(0.0))
bodies = hnp.arrays(np.float64, (33, 2), elements=coordinate, fill=coordinate)


@settings(max_examples=300, deadline=None)
@given(bodies, st.lists(st.integers(0, 32), max_size=12))
def test_random_bodies_with_holes(xy: np.ndarray, missing: list[int]) -> None:
    xy[missing] = np.nan
    assert_same(xy)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0, 120),
    st.floats(0, 120),
    st.floats(0, 160),
    st.floats(0, 160),
    st.floats(-90, 90),
    st.floats(0, 180),
    st.integers(0, 3),
    st.booleans(),
    st.lists(st.integers(0, 32), max_size=6),
    st.integers(0, 2**32 - 1),
)
def test_figures_in_any_posture(
    hip_near: float,
    hip_far: float,
    knee_near: float,
    knee_far: float,
    tilt: float,
    arm: float,
    turns: int,
    head_left: bool,
    missing: list[int],
    seed: int,
) -> None:
    pose = Pose2D(hip_near, hip_far, knee_near, knee_far, tilt, shoulder_flex_near=arm, shoulder_flex_far=arm)
    xy, _, _ = supine_landmarks(pose, head_left=head_left)
    xy = rotate_points(xy, turns, 1280, 1280) + np.random.default_rng(seed).normal(0, 5, (33, 2))
    xy[missing] = np.nan
    assert_same(xy)


def test_missing_person() -> None:
    assert assert_same(np.full((33, 2), np.nan)) == "unknown"
