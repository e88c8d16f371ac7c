import numpy as np
import pytest

from posecheck.body import (
    FrameGeometry,
    anatomical_right_is_near,
    classify_posture,
    classify_view,
    mirror_points,
)
from posecheck.coach.prepare import SideResolver
from tests.synthetic import Pose2D, supine_landmarks


@pytest.mark.parametrize("head_left", [True, False])
def test_supine_side_from_geometry(head_left: bool) -> None:
    # Supine with the head on the image left: the person's right side faces the camera.
    xy, _, _ = supine_landmarks(Pose2D(), head_left=head_left)
    assert bool(anatomical_right_is_near(xy)) is head_left


@pytest.mark.parametrize("head_left", [True, False])
def test_geometry_ignores_mediapipe_labels(head_left: bool) -> None:
    xy, _, _ = supine_landmarks(Pose2D(), head_left=head_left)
    assert bool(anatomical_right_is_near(mirror_points(xy))) is head_left


def test_mirrored_picture_flips_the_near_side() -> None:
    xy, _, _ = supine_landmarks(Pose2D(), head_left=True)
    flipped = xy.copy()
    flipped[:, 0] = 1280 - flipped[:, 0]
    assert bool(anatomical_right_is_near(flipped)) is False


def test_side_resolver_relabels_swapped_landmarks() -> None:
    xy, z, vis = supine_landmarks(Pose2D(), head_left=True, near="right")
    # MediaPipe labelled the near (right) side as left: the resolver swaps it back.
    swapped = (mirror_points(xy), z[list(range(33))], vis)
    resolver = SideResolver()
    from posecheck.body import mirror_values

    out_xy, _, _, near_left = resolver(0.0, swapped[0], mirror_values(z), mirror_values(vis))
    assert near_left is False
    np.testing.assert_allclose(out_xy, xy)


@pytest.mark.parametrize(
    ("pose", "expected"),
    [
        (Pose2D(), "supine"),
        (Pose2D(hip_flex_near=0, hip_flex_far=0, knee_flex_near=0, knee_flex_far=0), "supine"),
    ],
)
def test_posture_supine(pose: Pose2D, expected: str) -> None:
    xy, _, _ = supine_landmarks(pose)
    assert classify_posture(xy)[()] == expected


def test_posture_upright_when_turned_on_end() -> None:
    # The same straight figure stood on its feet reads as standing, never as lying.
    xy, _, _ = supine_landmarks(Pose2D(hip_flex_near=0, hip_flex_far=0, knee_flex_near=0, knee_flex_far=0))
    turned = np.stack([xy[:, 1], 1280 - xy[:, 0]], axis=-1)
    assert classify_posture(turned)[()] != "supine"


def test_view_side_vs_front() -> None:
    xy, _, _ = supine_landmarks(Pose2D())
    assert classify_view(xy)[()] == "side"
    wide = xy.copy()
    from posecheck.landmarks import INDEX

    wide[INDEX["left_shoulder"], 1] += 250
    assert classify_view(wide)[()] == "front"


def test_missing_person_is_unknown() -> None:
    nan = np.full((33, 2), np.nan)
    assert classify_posture(nan)[()] == "unknown"
    assert classify_view(nan)[()] == "unknown"


@pytest.mark.parametrize("torso_tilt", [80.0, 85.0])
def test_sitting_back_on_the_heels_is_kneeling(torso_tilt: float) -> None:
    # Torso upright, thighs forward, shins folded back flat under them: both shins on the floor
    # with the hips down on the heels (the way many people start a child's pose). The hips are
    # less than half a torso above the ankles, which used to read "unknown".
    fold = {"hip_flex_near": 90, "hip_flex_far": 90, "knee_flex_near": 170, "knee_flex_far": 170}
    pose = Pose2D(torso_tilt=torso_tilt, **fold)
    xy, _, _ = supine_landmarks(pose)
    assert classify_posture(xy)[()] == "kneeling"
    assert FrameGeometry(xy).posture() == "kneeling"
