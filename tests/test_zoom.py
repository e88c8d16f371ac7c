"""A person small in the picture is searched for in tiles and followed in a region around them.

The stand-in for MediaPipe's graphs below finds a person (a white block in a black picture) only
when the block fills at least a fifth of the long side of the image it is given, which is how
the real detector failed on a small person (0 of 11 frames whole, 11 of 11 in 60% tiles).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

import cv2
import numpy as np
import pytest

from posecheck.pose import estimator as estimator_module
from posecheck.pose.estimator import PoseEstimator, PoseOptions
from posecheck.pose.zoom import (
    LET_GO_S,
    MIN_SHARE,
    SEARCH_AFTER_S,
    SEARCH_EVERY_S,
    PersonZoom,
    inside,
    region_around,
    search_tiles,
)

W, H = 1920, 1080
FIND_SHARE = 0.2  # the stand-in finds a block at least this share of the image's long side


def picture(x0: int, y0: int, size: int, width: int = W, height: int = H) -> np.ndarray:
    image = np.zeros((height, width, 3), np.uint8)
    image[y0 : y0 + size // 2, x0 : x0 + size] = 255  # a person lying down: twice as wide as tall
    return image


def body_in(box: tuple[float, float, float, float]) -> np.ndarray:
    """33 landmarks spread over ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    u = np.linspace(0, 1, 33)
    return np.stack([x0 + u * (x1 - x0), y0 + (1 - u) * (y1 - y0)], axis=-1)


class BlockGraph:
    """Stands in for a MediaPipe PoseLandmarker graph (VIDEO or IMAGE mode): each white block big
    enough is a person, the widest first, up to ``num_poses``."""

    calls: ClassVar[list[tuple[int, int]]] = []  # (width, height) of every image the model was given

    def __init__(self, num_poses: int = 1) -> None:
        self.num_poses = num_poses

    def _result(self, image: Any) -> Any:
        pixels = image.numpy_view()
        h, w = pixels.shape[:2]
        BlockGraph.calls.append((w, h))
        count, _, stats, _ = cv2.connectedComponentsWithStats((pixels[:, :, 0] > 0).astype(np.uint8))
        blocks = sorted(stats[1:count].tolist(), key=lambda b: -b[2])  # x, y, width, height, area
        found = [b for b in blocks if b[2] >= FIND_SHARE * max(w, h)][: self.num_poses]
        landmarks, world = [], []
        for x, y, bw, bh, _area in found:
            box = (x / w, y / h, (x + bw) / w, (y + bh) / h)
            landmarks.append([SimpleNamespace(x=px, y=py, z=0.0, visibility=0.9) for px, py in body_in(box)])
            world.append([SimpleNamespace(x=0.0, y=0.0, z=0.0)] * 33)
        return SimpleNamespace(pose_landmarks=landmarks, pose_world_landmarks=world)

    def detect_for_video(self, image: Any, ms: int) -> Any:
        return self._result(image)

    def detect(self, image: Any) -> Any:
        return self._result(image)

    def close(self) -> None:
        pass


def stand_in(monkeypatch: pytest.MonkeyPatch, people_check_interval_s: float = 0) -> PoseEstimator:
    """A PoseEstimator whose MediaPipe graphs are BlockGraphs."""
    monkeypatch.setattr(estimator_module, "resolve_model", lambda _model: "stand-in.task")
    monkeypatch.setattr(PoseEstimator, "_create", lambda self, num_poses, video: BlockGraph(num_poses))
    BlockGraph.calls = []
    # inference_long_side: the stand-in needs no shrinking, and the tiles' pixels stay exact.
    return PoseEstimator(
        PoseOptions(inference_long_side=4000, people_check_interval_s=people_check_interval_s)
    )


@pytest.fixture
def estimator(monkeypatch: pytest.MonkeyPatch) -> PoseEstimator:
    return stand_in(monkeypatch)


def test_a_small_person_is_found_in_tiles_then_followed_in_a_region(estimator: PoseEstimator) -> None:
    size = 300  # 16% of the width: not found in the whole picture
    frame = picture(1400, 700, size)
    people = estimator.detect(frame, 0.0)
    # Searched at once (nobody was ever found): found in a tile, given back in the picture's pixels.
    assert len(people) == 1
    xy = people[0].xy
    assert xy[:, 0].min() == pytest.approx(1400, abs=1) and xy[:, 0].max() == pytest.approx(1700, abs=1)
    assert xy[:, 1].min() == pytest.approx(700, abs=1) and xy[:, 1].max() == pytest.approx(850, abs=1)
    BlockGraph.calls = []
    later = estimator.detect(frame, 1 / 30)
    # The tracker now sees a region around the person, of the picture's shape, and finds them there.
    (w, h) = BlockGraph.calls[0]
    assert w / h == pytest.approx(W / H, rel=0.01) and w < W
    assert np.allclose(later[0].xy, xy, atol=1.0)


def test_a_person_found_in_the_whole_picture_is_never_zoomed(estimator: PoseEstimator) -> None:
    frame = picture(400, 300, 900)
    for i in range(60):
        assert len(estimator.detect(frame, i / 30)) == 1
    assert set(BlockGraph.calls) == {(W, H)}  # one whole-picture inference per frame, no search


def test_shrunken_frames_give_landmarks_in_the_full_frames_pixels(estimator: PoseEstimator) -> None:
    # Desktop and browser pass a copy shrunk to half size with the full frame's size.
    small = picture(700, 350, 150, W // 2, H // 2)
    people = estimator.detect(small, 0.0, (W, H))
    assert people[0].xy[:, 0].min() == pytest.approx(1400, abs=2)
    again = estimator.detect(small, 1 / 30, (W, H))
    assert again[0].xy[:, 0].max() == pytest.approx(1700, abs=2)


def test_nobody_in_view_costs_one_search_a_second(estimator: PoseEstimator) -> None:
    empty = np.zeros((H, W, 3), np.uint8)
    for i in range(90):  # 3 s at 30 fps
        assert estimator.detect(empty, i / 30) == []
    searches = sum(1 for size in BlockGraph.calls if size != (W, H)) // len(search_tiles(W, H))
    assert searches == 3


def test_tiles_cover_the_picture() -> None:
    tiles = search_tiles(W, H)
    covered = np.zeros((H, W), bool)
    for x0, y0, x1, y1 in tiles:
        covered[y0:y1, x0:x1] = True
    assert covered.all() and len(tiles) == 4


def test_region_has_room_around_the_person_and_stays_in_the_picture() -> None:
    xy = body_in((1700, 900, 1900, 1000))  # near the bottom-right corner
    box = region_around(xy, W, H)
    assert box is not None
    x0, y0, x1, y1 = box
    assert x0 >= 0 and y0 >= 0 and x1 <= W and y1 <= H
    assert (x1 - x0) / (y1 - y0) == pytest.approx(W / H, rel=0.01)
    assert (x1 - x0) >= MIN_SHARE * W
    assert inside(xy, box, border=0.0)
    assert region_around(body_in((100, 100, 1700, 900)), W, H) is None  # big: the whole picture


def test_the_region_follows_and_lets_go() -> None:
    zoom = PersonZoom()
    assert zoom.search_due(0.0) is False  # nothing observed yet
    zoom.observe(0.0, None, W, H)
    assert zoom.search_due(0.0)  # never found anybody: search at once
    assert zoom.searched(0.0, body_in((900, 500, 1100, 600)), W, H)
    first = zoom.region
    assert first is not None and not zoom.search_due(0.5)
    # The person moves toward the region's edge: the region is centred on them again.
    assert zoom.observe(0.1, body_in((900, 500, 1100, 600)), W, H) is False
    moved = body_in((first[2] - 150, 500, first[2] + 50, 600))
    assert zoom.observe(0.2, moved, W, H) is True and zoom.region != first
    assert zoom.region is not None and inside(moved, zoom.region)
    # Lost: the region is kept for a moment, then the whole picture is searched again.
    assert zoom.observe(1.0, None, W, H) is False and zoom.region is not None
    assert zoom.observe(1.0 + LET_GO_S, None, W, H) is True and zoom.region is None
    assert zoom.search_due(1.0 + SEARCH_AFTER_S)  # the last search was long ago
    zoom.searched(1.0 + SEARCH_AFTER_S, None, W, H)
    assert not zoom.search_due(1.0 + SEARCH_AFTER_S + SEARCH_EVERY_S / 2)
    assert zoom.search_due(1.0 + SEARCH_AFTER_S + SEARCH_EVERY_S)


def test_a_short_dropout_after_finding_somebody_is_not_searched() -> None:
    zoom = PersonZoom()
    zoom.observe(0.0, body_in((100, 100, 1700, 900)), W, H)
    zoom.observe(0.5, None, W, H)
    assert not zoom.search_due(0.5 + SEARCH_AFTER_S / 2)
    assert zoom.search_due(0.5 + SEARCH_AFTER_S)


def test_a_person_big_enough_for_the_whole_picture_is_left_to_it() -> None:
    # Found in a tile (e.g. on the first frame, before the tracker has settled) but big: no region.
    zoom = PersonZoom()
    zoom.observe(0.0, None, W, H)
    assert not zoom.searched(0.0, body_in((600, 300, 1000, 700)), W, H)
    assert zoom.region is None


def test_while_zoomed_the_people_check_still_sees_the_whole_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    estimator = stand_in(monkeypatch, people_check_interval_s=1.0)
    small = picture(1500, 800, 300)  # found only in a tile: followed in a region
    assert len(estimator.detect(small, 0.0)) == 1 and estimator._zoom.region is not None
    region = estimator._zoom.region
    # Somebody big walks in on the far side of the picture, well outside the region.
    both = small.copy()
    both[100:400, 0:600] = 255
    people = estimator.detect(both, 1.5)
    assert estimator._zoom.region == region  # still following the small person
    assert len(people) == 2
    assert people[0].xy[:, 0].min() == pytest.approx(1500, abs=2)  # the tracked one first
    assert people[1].xy[:, 0].max() == pytest.approx(600, abs=2)  # the newcomer, in picture pixels
