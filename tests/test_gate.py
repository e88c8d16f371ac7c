"""Far-side limbs in side views are kept on a plausible body, not on MediaPipe's visibility alone."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.coach.gate import MAX_BONE_RATIO, BoneMemory, visible_landmarks
from posecheck.landmarks import INDEX
from tests.synthetic import Pose2D, supine_landmarks

THRESHOLD = 0.5


def side_view_figure() -> tuple[np.ndarray, np.ndarray]:
    """A supine side-view figure, head on the image's left: the person's right side is near."""
    xy, _, vis = supine_landmarks(Pose2D(hip_flex_far=80, knee_flex_far=60), head_left=True, near="right")
    return xy, vis


def keep(xy: np.ndarray, vis: np.ndarray, *, side_view: bool = True) -> dict[str, bool]:
    mask = visible_landmarks(xy, vis, THRESHOLD, near_is_left=False, side_view=side_view)
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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_many_frames_at_once_equal_one_frame_at_a_time(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(200):
        pose = Pose2D(*rng.uniform([0, 0, 0, 0], [120, 120, 150, 150]))
        xy, _, _ = supine_landmarks(pose, head_left=bool(rng.integers(2)))
        frames.append(xy + rng.normal(0, 15, xy.shape))
    xy = np.array(frames)
    vis = rng.uniform(0, 1, (200, 33))
    near_left = rng.uniform(size=200) > 0.5
    side = rng.uniform(size=200) > 0.3
    batch = visible_landmarks(xy, vis, THRESHOLD, near_left, side)
    for i in range(200):
        assert (
            batch[i] == visible_landmarks(xy[i], vis[i], THRESHOLD, bool(near_left[i]), bool(side[i]))
        ).all()
    assert (batch & ~(vis >= THRESHOLD)).any()  # some landmarks were rescued: the comparison meant something


def test_an_under_rated_near_joint_is_kept_at_its_remembered_bone_length() -> None:
    memory = BoneMemory()
    xy, vis = side_view_figure()
    seen = vis >= THRESHOLD
    for i in range(60):  # two seconds well seen
        memory.rescue(i / 30, xy, seen, seen.copy(), False, True)
    vis[INDEX["right_ankle"]] = 0.3
    seen = vis >= THRESHOLD
    keep = seen.copy()
    memory.rescue(2.0, xy, seen, keep, False, True)
    assert keep[INDEX["right_ankle"]]
    # The same joint where the shin would be 1.5 times as long: not the limb that was followed.
    knee, ankle = xy[INDEX["right_knee"]], xy[INDEX["right_ankle"]]
    stretched = xy.copy()
    stretched[INDEX["right_ankle"]] = knee + 1.5 * (ankle - knee)
    keep = seen.copy()
    memory.rescue(2.1, stretched, seen, keep, False, True)
    assert not keep[INDEX["right_ankle"]]
    # Forgotten after a cut; and never rescued without a bone seen well before.
    memory.reset()
    keep = seen.copy()
    memory.rescue(2.2, xy, seen, keep, False, True)
    assert not keep[INDEX["right_ankle"]]
