"""A camera on its side, found from the picture: the model is shown the frame turned upright.

The stand-in model below reads a body only on an upright picture; on a sideways one it gives the
body upside down (head where the feet are), which is what MediaPipe did on a glute bridge filmed
by a phone on its side. No reasoning about those landmarks can recover the body, so the turn must
come from showing the model the picture turned.
"""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.coach.engine import Coach, wanted_postures
from posecheck.coach.session import camera_turns, score_track
from posecheck.orientation import rotate_points
from posecheck.pose.upright import PROBE_FOR_S, UprightPose, turn_image, unturn
from posecheck.track import PersonLandmarks, Track, TrackBuilder
from tests.synthetic import Pose2D, bridge_session, rules, supine_landmarks

W, H = 1280, 720  # the upright picture
FPS = 30.0


def marked_picture(width: int, height: int) -> np.ndarray:
    """A picture whose orientation can be told from its pixels: a red block in its top-left corner."""
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 8, : width // 8, 0] = 255
    return image


UPRIGHT = marked_picture(W, H)
TURNED = [turn_image(UPRIGHT, k) for k in range(4)]


def upright_turns(rgb: np.ndarray) -> int:
    """Quarter turns (counter-clockwise) that were applied to the upright picture to make ``rgb``."""
    for k, picture in enumerate(TURNED):
        if picture.shape == rgb.shape and np.array_equal(picture, rgb):
            return k
    raise AssertionError("not a turned copy of the upright picture")


class SidewaysBlindModel:
    """Finds the body right on an upright picture, upside down (head <-> feet) on any other."""

    def __init__(self, body: PersonLandmarks) -> None:
        self.body = body  # in upright-picture pixels
        self.still_calls = 0
        self.restarts = 0

    def restart_tracking(self) -> None:
        self.restarts += 1

    def _read(self, rgb: np.ndarray, size: tuple[int, int]) -> PersonLandmarks:
        k = upright_turns(rgb)
        xy = self.body.xy.astype(np.float64)
        if k:
            # Head where the feet are, as the model did: the body mirrored end to end about its hip.
            hip_x = xy[[23, 24], 0].mean()
            xy = np.stack([2 * hip_x - xy[:, 0], xy[:, 1]], axis=-1)
        xy = rotate_points(xy, k, W, H)
        assert (rgb.shape[1], rgb.shape[0]) == size  # frames here are not shrunk
        return PersonLandmarks(xy.astype(np.float32), self.body.z, self.body.visibility, self.body.world)

    def detect(
        self, rgb: np.ndarray, t: float, frame_size: tuple[int, int] | None = None
    ) -> list[PersonLandmarks]:
        return [self._read(rgb, frame_size or (rgb.shape[1], rgb.shape[0]))]

    def detect_still(self, rgb: np.ndarray, frame_size: tuple[int, int] | None = None) -> PersonLandmarks:
        self.still_calls += 1
        return self._read(rgb, frame_size or (rgb.shape[1], rgb.shape[0]))


def lying_body() -> PersonLandmarks:
    xy, z, vis = supine_landmarks(Pose2D())
    return PersonLandmarks(
        xy.astype(np.float32), z.astype(np.float32), vis.astype(np.float32), np.zeros((33, 3))
    )


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_turn_image_moves_pixels_where_rotate_points_moves_points(k: int) -> None:
    image = np.zeros((H, W, 3), np.uint8)
    x, y = 100, 40
    image[y, x] = 255
    turned = turn_image(image, k)
    ty, tx = np.argwhere(turned[..., 0] == 255)[0]
    # Pixel centres: (x + 0.5, y + 0.5).
    assert np.allclose(rotate_points(np.array([x + 0.5, y + 0.5]), k, W, H), [tx + 0.5, ty + 0.5])
    person = lying_body()
    size = (W, H)
    turned_person = PersonLandmarks(
        rotate_points(person.xy, k, W, H), person.z, person.visibility, person.world
    )
    back = unturn(turned_person, k, size)
    np.testing.assert_allclose(back.xy, person.xy, atol=1e-3)


@pytest.mark.parametrize("filmed_turns", [1, 3], ids=["phone_turned_left", "phone_turned_right"])
def test_a_sideways_picture_is_turned_upright_and_landmarks_come_back_as_filmed(filmed_turns: int) -> None:
    body = lying_body()
    model = SidewaysBlindModel(body)
    filmed = turn_image(UPRIGHT, filmed_turns)
    size = (filmed.shape[1], filmed.shape[0])
    pose = UprightPose(model, wanted_postures(rules("bridge")), size)  # type: ignore[arg-type]
    decided_at = None
    for i in range(int(3 * FPS)):
        people = pose.detect(filmed, i / FPS)
        if pose.just_decided:
            decided_at = i / FPS
    assert pose.decided == (4 - filmed_turns) % 4 and pose.turns == pose.decided
    assert model.restarts == 1  # the tracker's crop of the sideways picture is forgotten
    assert decided_at is not None and decided_at <= 1.5
    # Now the model sees the upright picture; landmarks are in the filmed picture's pixels.
    expected = rotate_points(body.xy.astype(np.float64), filmed_turns, W, H)
    np.testing.assert_allclose(people[0].xy, expected, atol=1e-3)
    calls = model.still_calls
    pose.detect(filmed, 10.0)
    assert model.still_calls == calls  # decided: no more looking at turned copies


class SidewaysMissingModel(SidewaysBlindModel):
    """Finds nobody at all on a picture that is not upright."""

    def detect(
        self, rgb: np.ndarray, t: float, frame_size: tuple[int, int] | None = None
    ) -> list[PersonLandmarks]:
        return super().detect(rgb, t, frame_size) if upright_turns(rgb) == 0 else []

    def detect_still(
        self, rgb: np.ndarray, frame_size: tuple[int, int] | None = None
    ) -> PersonLandmarks | None:
        self.still_calls += 1
        return (
            self._read(rgb, frame_size or (rgb.shape[1], rgb.shape[0])) if upright_turns(rgb) == 0 else None
        )


def test_a_sideways_picture_where_nobody_is_found_as_filmed_is_turned_too() -> None:
    model = SidewaysMissingModel(lying_body())
    filmed = TURNED[3]
    pose = UprightPose(model, wanted_postures(rules("bridge")), (filmed.shape[1], filmed.shape[0]))  # type: ignore[arg-type]
    found = [len(pose.detect(filmed, i / FPS)) for i in range(int(3 * FPS))]
    assert pose.decided == 1
    assert found[0] == 0 and found[-1] == 1


def test_an_upright_picture_is_settled_as_filmed_and_stops_looking() -> None:
    model = SidewaysBlindModel(lying_body())
    pose = UprightPose(model, wanted_postures(rules("bridge")), (W, H))  # type: ignore[arg-type]
    for i in range(int(2 * FPS)):
        pose.detect(UPRIGHT, i / FPS)
    assert pose.decided == 0 and pose.turns == 0 and model.restarts == 0
    assert model.still_calls == 0  # the upright reading showed the posture: nothing turned was needed


def test_a_standing_person_is_not_turned_for_a_lying_exercise() -> None:
    # Upright, standing: turned a quarter, a standing body reads as lying. The clear upright
    # reading must win, however long it lasts.
    xy, z, vis = supine_landmarks(Pose2D(hip_flex_near=0, hip_flex_far=0, knee_flex_near=0, knee_flex_far=0))
    standing = rotate_points(xy.astype(np.float64), 3, W, H)  # the lying figure stood up
    body = PersonLandmarks(standing.astype(np.float32), z, vis, np.zeros((33, 3)))
    # As filmed (upright picture) the model reads the standing person correctly.
    model = SidewaysBlindModel(body)
    pose = UprightPose(model, wanted_postures(rules("bridge")), (W, H))  # type: ignore[arg-type]
    for i in range(int(5 * FPS)):
        pose.detect(UPRIGHT, i / FPS)
    assert pose.turns == 0 and pose.decided is None


def test_looking_turned_stops_after_a_while_without_a_decision() -> None:
    model = SidewaysBlindModel(lying_body())
    pose = UprightPose(model, ("quadruped",), (W, H))  # type: ignore[arg-type]
    for i in range(int((PROBE_FOR_S + 2) * 4)):
        pose.detect(UPRIGHT, i / 4)
    calls = model.still_calls
    pose.detect(UPRIGHT, PROBE_FOR_S + 5)
    assert pose.decided is None and model.still_calls == calls


def _bridge_frames(turns: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    frames = []
    for p in bridge_session(3, FPS):
        xy, z, vis = supine_landmarks(p)
        frames.append((rotate_points(xy, turns, W, H), z, vis))
    return frames


def test_coach_replays_the_set_turned_when_the_picture_says_so_and_a_rescore_agrees() -> None:
    bridge = rules("bridge")
    size = (H, W)  # filmed by a phone on its side: the picture is portrait
    frames = _bridge_frames(3)
    coach = Coach(bridge, *size, orientation_from_picture=True)
    decide_at = int(3.0 * FPS)  # during the first bridge: it must be replayed to count
    for i, (xy, z, vis) in enumerate(frames):
        if i == decide_at:
            coach.fix_orientation(1)
        coach.update(i / FPS, xy, z, vis, 1)
    live = coach.summary()
    assert live.reps_total == 3
    # The same session as a track that remembers the turn re-scores the same.
    builder = TrackBuilder(size[0], size[1], FPS, {"camera_turns": 1})
    for i, (xy, z, vis) in enumerate(frames):
        builder.append(i / FPS, [PersonLandmarks(xy.astype(np.float32), z, vis, np.zeros((33, 3)))])
    track = builder.build()
    assert camera_turns(track) == 1
    batch = score_track(bridge, track).summary
    assert [(r.start_s, r.end_s) for r in batch.rep_events] == [(r.start_s, r.end_s) for r in live.rep_events]


def test_coach_waiting_for_the_picture_takes_frames_as_filmed() -> None:
    # Told the picture is upright (0), nothing is replayed or turned: the sideways set counts nothing.
    coach = Coach(rules("bridge"), H, W, orientation_from_picture=True)
    for i, (xy, z, vis) in enumerate(_bridge_frames(3)):
        if i == 30:
            coach.fix_orientation(0)
        coach.update(i / FPS, xy, z, vis, 1)
    assert coach.summary().reps_total == 0


def test_camera_turns_of_a_track_without_it_is_none() -> None:
    assert camera_turns(Track.empty(10, 10, 30.0)) is None
