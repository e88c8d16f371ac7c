"""Limbs in side views are kept on a plausible body, not on MediaPipe's visibility alone."""

from __future__ import annotations

import numpy as np

from posecheck.coach.gate import MAX_BONE_RATIO, LandmarkGate
from posecheck.landmarks import INDEX
from tests.synthetic import Pose2D, supine_landmarks

THRESHOLD = 0.5


def side_view_figure() -> tuple[np.ndarray, np.ndarray]:
    """A supine side-view figure, head on the image's left: the person's right side is near."""
    xy, _, vis = supine_landmarks(Pose2D(hip_flex_far=80, knee_flex_far=60), head_left=True, near="right")
    return xy, vis


def keep(xy: np.ndarray, vis: np.ndarray, *, side_view: bool = True) -> dict[str, bool]:
    """One frame through a fresh gate (nothing remembered yet)."""
    mask = LandmarkGate(THRESHOLD)(0.0, xy, vis, near_is_left=False, side_view=side_view)
    return {name: bool(mask[i]) for name, i in INDEX.items()}


def test_an_occluded_far_leg_on_a_plausible_body_is_kept() -> None:
    xy, vis = side_view_figure()
    vis[[INDEX["left_knee"], INDEX["left_ankle"], INDEX["left_elbow"]]] = 0.2
    kept = keep(xy, vis)
    assert kept["left_knee"] and kept["left_ankle"] and kept["left_elbow"]


def test_a_far_bone_longer_than_its_near_twin_is_hidden() -> None:
    xy, vis = side_view_figure()
    vis[[INDEX["left_knee"], INDEX["left_ankle"]]] = 0.2
    knee, ankle = xy[INDEX["left_knee"]], xy[INDEX["left_ankle"]]
    near_shin = np.linalg.norm(xy[INDEX["right_knee"]] - xy[INDEX["right_ankle"]])
    direction = (ankle - knee) / np.linalg.norm(ankle - knee)
    xy[INDEX["left_ankle"]] = knee + direction * near_shin * (MAX_BONE_RATIO + 0.3)
    kept = keep(xy, vis)
    assert kept["left_knee"] and not kept["left_ankle"]


def test_a_far_joint_hanging_from_a_hidden_joint_is_hidden() -> None:
    xy, vis = side_view_figure()
    vis[[INDEX["left_hip"], INDEX["left_knee"]]] = 0.2
    kept = keep(xy, vis)
    assert not kept["left_hip"] and not kept["left_knee"]


def test_near_side_and_front_views_keep_the_plain_threshold() -> None:
    xy, vis = side_view_figure()
    vis[[INDEX["right_knee"], INDEX["left_knee"]]] = 0.2
    kept = keep(xy, vis)
    # The near knee is not rescued, and without it the far thigh has no twin to be measured by.
    assert not kept["right_knee"] and not kept["left_knee"]
    xy, vis = side_view_figure()
    vis[INDEX["left_knee"]] = 0.2
    assert not keep(xy, vis, side_view=False)["left_knee"]


def test_an_under_rated_near_joint_is_kept_at_its_remembered_bone_length() -> None:
    gate = LandmarkGate(THRESHOLD)
    xy, vis = side_view_figure()
    ankle = INDEX["right_ankle"]
    for i in range(60):  # two seconds well seen
        assert gate(i / 30, xy, vis, False, True)[ankle]
    under_rated = vis.copy()
    under_rated[ankle] = 0.3
    assert gate(2.0, xy, under_rated, False, True)[ankle]
    # The same joint where the shin would be 1.5 times as long: not the limb that was followed.
    knee = xy[INDEX["right_knee"]]
    stretched = xy.copy()
    stretched[ankle] = knee + 1.5 * (xy[ankle] - knee)
    assert not gate(2.1, stretched, under_rated, False, True)[ankle]
    # Forgotten after a cut, and never kept without the bone seen well before.
    gate.reset()
    assert not gate(2.2, xy, under_rated, False, True)[ankle]
    assert not LandmarkGate(THRESHOLD)(0.0, xy, under_rated, False, True)[ankle]
