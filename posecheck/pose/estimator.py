"""MediaPipe Tasks pose landmarker: one tracked person, plus a periodic people count."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.pose.model import resolve_model
from posecheck.pose.zoom import PersonZoom, search_tiles, shift
from posecheck.track import NUM_LANDMARKS, PersonLandmarks
from posecheck.video import resize_long_side


@dataclass(frozen=True)
class PoseOptions:
    """Settings of the pose stage."""

    model: str | None = None  # a .task file; None = the offline bundle built from the wheel
    inference_long_side: int = 960  # frames are downscaled to this before inference
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    # Tracking two people makes MediaPipe run its detector on every frame (32 vs
    # 19 ms here). We track one and count people with a separate two-person pass
    # this often; 0 turns the count off.
    people_check_interval_s: float = 1.0


class PoseEstimator:
    """Turns RGB frames with increasing timestamps into per-person landmarks.

    One instance follows one stream (VIDEO mode keeps tracking state): make a
    new one per video or per live session. The tracked person comes first; a
    second person appears only on frames where the people check ran.
    """

    def __init__(self, options: PoseOptions | None = None) -> None:
        self.options = options or PoseOptions()
        self._model_path = Path(resolve_model(self.options.model))
        self._tracker = self._create(num_poses=1, video=True)
        self._census = (
            self._create(num_poses=2, video=False) if self.options.people_check_interval_s else None
        )
        self._still: Any = None  # single-picture graph for detect_still, made when first needed
        self._last_ms = -1
        self._last_census_t = -np.inf
        self._zoom = PersonZoom()

    def _create(self, num_poses: int, video: bool) -> Any:
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self._model_path)),
            running_mode=RunningMode.VIDEO if video else RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=self.options.min_detection_confidence,
            min_pose_presence_confidence=self.options.min_detection_confidence,
            min_tracking_confidence=self.options.min_tracking_confidence,
        )
        return PoseLandmarker.create_from_options(options)

    def close(self) -> None:
        """Free the MediaPipe graphs (and hand their memory back to the system)."""
        self._tracker.close()
        if self._census is not None:
            self._census.close()
        if self._still is not None and self._still is not self._census:
            self._still.close()
        _return_freed_memory()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def detect(
        self, rgb: np.ndarray, t: float, frame_size: tuple[int, int] | None = None
    ) -> list[PersonLandmarks]:
        """Landmarks of the tracked person (first) and any other person found, in pixels.

        Pixels of ``rgb``, or of ``frame_size`` (width, height) when ``rgb`` is a
        shrunken copy of a larger frame. A person small in the picture is looked for in
        parts of it (see :mod:`posecheck.pose.zoom`).
        """
        width, height = frame_size or (rgb.shape[1], rgb.shape[0])
        sx, sy = width / rgb.shape[1], height / rgb.shape[0]
        zoomed = self._zoom.region is not None
        x0, y0, x1, y1 = self._zoom.region or (0, 0, rgb.shape[1], rgb.shape[0])
        image = self._model_input(rgb[y0:y1, x0:x1])
        size, corner = ((x1 - x0) * sx, (y1 - y0) * sy), (x0 * sx, y0 * sy)
        # MediaPipe wants strictly increasing integer milliseconds.
        ms = max(round(t * 1000), self._last_ms + 1)
        self._last_ms = ms
        people = _people(self._tracker.detect_for_video(image, ms), *size)
        people = [shift(p, *corner) for p in people] if zoomed else people
        if self._census is not None and t - self._last_census_t >= self.options.people_check_interval_s:
            self._last_census_t = t
            # The whole picture even while zoomed: somebody else may be outside the region.
            whole = self._model_input(rgb) if zoomed else image
            others = _people(self._census.detect(whole), width, height)
            people.extend(_not_the_same(people, others))
        tracked = people[0].xy / np.array([sx, sy], np.float32) if people else None
        if self._zoom.observe(t, tracked, rgb.shape[1], rgb.shape[0]):
            self._restart_tracker()  # its last crop was in the old region's pixels
        if not people and self._zoom.search_due(t):
            found = self._search_tiles(rgb, (sx, sy))
            if self._zoom.searched(
                t, None if found is None else found.xy / np.array([sx, sy]), *rgb.shape[1::-1]
            ):
                self._restart_tracker()
            people = [found] if found is not None else []
        return people

    def _search_tiles(self, rgb: np.ndarray, scale: tuple[float, float]) -> PersonLandmarks | None:
        """The most visible person found in tiles of the picture, in the whole picture's pixels."""
        best, best_visibility = None, -1.0
        sx, sy = scale
        for x0, y0, x1, y1 in search_tiles(rgb.shape[1], rgb.shape[0]):
            person = self.detect_still(rgb[y0:y1, x0:x1], ((x1 - x0) * sx, (y1 - y0) * sy))
            if person is not None and float(person.visibility.mean()) > best_visibility:
                best, best_visibility = shift(person, x0 * sx, y0 * sy), float(person.visibility.mean())
        return best

    def restart_tracking(self) -> None:
        """Forget the tracked person: the next frame is searched afresh, in the whole picture.

        The tracker crops each frame around the last pose; after the picture is turned that
        crop is wrong, and the tracker can follow it for as long as its confidence holds.
        """
        self._zoom.reset()
        self._restart_tracker()

    def _restart_tracker(self) -> None:
        self._tracker.close()
        self._tracker = self._create(num_poses=1, video=True)

    def detect_still(
        self, rgb: np.ndarray, frame_size: tuple[float, float] | None = None
    ) -> PersonLandmarks | None:
        """The most prominent person in one picture on its own (no tracking state is touched).

        For looking at a frame another way (e.g. turned) without disturbing the video tracker.
        """
        if self._still is None:
            # The people check's single-picture graph when there is one (no second model in memory).
            self._still = self._census or self._create(num_poses=1, video=False)
        width, height = frame_size or (rgb.shape[1], rgb.shape[0])
        people = _people(self._still.detect(self._model_input(rgb)), width, height)
        return people[0] if people else None

    def _model_input(self, rgb: np.ndarray) -> Any:
        """The frame as MediaPipe takes it, shrunk to the inference size."""
        import mediapipe as mp

        small = resize_long_side(rgb, self.options.inference_long_side)
        return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(small))


def _people(result: Any, width: float, height: float) -> list[PersonLandmarks]:
    people = []
    for landmarks, world_landmarks in zip(result.pose_landmarks, result.pose_world_landmarks):
        raw = np.array([(lm.x, lm.y, lm.z, lm.visibility or 0.0) for lm in landmarks], np.float32)
        world = np.array([(lm.x, lm.y, lm.z) for lm in world_landmarks], np.float32)
        raw = raw.reshape(NUM_LANDMARKS, 4)
        xy = raw[:, :2] * np.array([width, height], np.float32)
        people.append(
            PersonLandmarks(xy=xy, z=raw[:, 2] * width, visibility=raw[:, 3], world=world.reshape(-1, 3))
        )
    return people


def _not_the_same(tracked: list[PersonLandmarks], found: list[PersonLandmarks]) -> list[PersonLandmarks]:
    """People from the census who are not the tracked person (matched by torso position)."""
    if not tracked:
        return found[:1]
    ref = tracked[0]
    torso = [11, 12, 23, 24]
    size = float(np.linalg.norm(np.ptp(ref.xy[torso], axis=0))) + 1.0
    centre = ref.xy[torso].mean(axis=0)
    return [p for p in found if np.linalg.norm(p.xy[torso].mean(axis=0) - centre) > 0.5 * size][:1]


def _return_freed_memory() -> None:
    """Ask glibc to give freed heap pages back to the OS.

    A closed landmarker frees ~100 MB, but glibc keeps it in its arenas: a server
    that opens a graph per browser session then grows by tens of MB per session
    (measured: 186 -> 681 MB over 12 open/close cycles; flat at ~330 MB with this).
    """
    import contextlib
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc (e.g. musl): nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)
