"""Variants made on a video's frames before the pose model sees them (``posecheck eval`` from video).

Everything here shapes the pictures and times the model is given, so this whole file is part of the
key of the model's cached tracks (:func:`posecheck.evaluate.pose_stage_fingerprint`): a changed
transform makes its tracks again. The landmark-track forms of the same variants, and what each one
stands for, are in :mod:`posecheck.variants`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from posecheck.track import Track

if TYPE_CHECKING:  # posecheck.video loads FFmpeg and OpenCV: only when frames are really read
    from posecheck.video import Frame

FPS15 = 15.0
LOWRES_LONG_SIDE = 360
REPEAT_EVERY = 6  # every sixth frame repeats the one before
STRETCHES = {"time0.6x": 0.6, "time1.5x": 1.5}  # performance time x factor (0.6: a faster performer)
# Variants that are made on the frames; the others either have no picture to make (a moved camera)
# or are made on the model's track of the untransformed video (see posecheck.variants).
VIDEO_VARIANTS = ("original", "mirrored", "rotated90", "fps15", "trimmed", *STRETCHES, "lowres", "repeat6")
TIME_EPS_S = 1e-6  # container times are decimals of a rational clock: equal within this
Window = tuple[float, float]  # (start, end) seconds of the clip kept by "trimmed"


def video_variant_track(
    path: Path,
    variant: str,
    wanted: tuple[str, ...] = (),
    progress: Callable[[int, int], None] | None = None,
    window: Window | None = None,
) -> Track:
    """Run pose estimation on the frames of ``path`` transformed as ``variant``.

    As ``posecheck analyze`` does: with the exercise's ``wanted`` postures the picture is
    turned upright when the camera was on its side (see :func:`posecheck.extract.pose_track`).
    ``window`` is the part of the clip that "trimmed" keeps; a looping animation is not trimmed
    (it has no lead-in or tail: every play is all performance).
    """
    from posecheck.extract import pose_track
    from posecheck.pose.estimator import PoseEstimator, PoseOptions
    from posecheck.video import VideoReader, loops_forever

    if variant == "trimmed" and loops_forever(path):
        window = None
    # lowres is shrunk from the full picture by cv2; decoded to 960 px first it would be resampled twice.
    long_side = None if variant == "lowres" else PoseOptions().inference_long_side
    with VideoReader(path, long_side) as reader, PoseEstimator() as estimator:
        info = reader.info
        size = picture_size(variant, info.width, info.height)
        fps = FPS15 if variant == "fps15" else info.fps
        meta: dict[str, object] = {"source": path.name, "variant": variant}
        trimmed_at: list[float] = []
        frames = variant_frames(iter(reader), variant, info.fps, window, trimmed_at)
        builder = pose_track(frames, size, fps, meta, estimator, wanted, reader, progress, info.frame_count)
    track = builder.build()
    if trimmed_at and window is not None:
        track.meta["trimmed"] = [trimmed_at[0], window[1]]
    if variant in STRETCHES and isinstance(track.meta.get("loop_s"), (int, float)):
        track.meta["loop_s"] = float(track.meta["loop_s"]) * STRETCHES[variant]  # the reader's, unstretched
    return track


def picture_size(variant: str, width: int, height: int) -> tuple[int, int]:
    """(width, height) of the pictures the model is shown in ``variant`` (landmark pixels are of it)."""
    if variant == "rotated90":
        return height, width
    if variant == "lowres":
        scale = LOWRES_LONG_SIDE / max(width, height)
        if scale < 1.0:  # as posecheck.video.resize_long_side rounds
            return max(1, round(width * scale)), max(1, round(height * scale))
    return width, height


def variant_frames(
    frames: Iterator[Frame], variant: str, fps: float, window: Window | None, trimmed_at: list[float]
) -> Iterator[Frame]:
    """The frames of ``variant``; "trimmed" appends the source time of its first frame to ``trimmed_at``."""
    if variant == "fps15":
        return _every(frames, 1 / FPS15)
    if variant == "trimmed":
        return frames if window is None else _trim(frames, window, trimmed_at)
    if variant in STRETCHES:
        return _stretch(frames, STRETCHES[variant], fps)
    if variant == "repeat6":
        return _repeat(frames, REPEAT_EVERY)
    return (_picture(frame, variant) for frame in frames)


def _picture(frame: Frame, variant: str) -> Frame:
    """The frame's picture changed as ``variant`` changes it (same time)."""
    from posecheck.pose.upright import turn_image
    from posecheck.video import resize_long_side

    if variant == "mirrored":
        frame.image = np.ascontiguousarray(frame.image[:, ::-1])
    elif variant == "rotated90":
        frame.image = turn_image(frame.image, -1)  # a phone turned clockwise
    elif variant == "lowres":
        frame.image = resize_long_side(frame.image, LOWRES_LONG_SIDE)  # cv2.INTER_AREA
    return frame


def _every(frames: Iterator[Frame], step_s: float) -> Iterator[Frame]:
    """The frames nearest to a clock of ``step_s`` (their own times kept)."""
    next_t = -math.inf
    for frame in frames:
        if frame.t + TIME_EPS_S < next_t:
            continue
        next_t = max(next_t, frame.t) + step_s
        yield frame


def _trim(frames: Iterator[Frame], window: Window, trimmed_at: list[float]) -> Iterator[Frame]:
    """The frames whose time is inside ``window``, times and indices restarting at 0."""
    start, end = window
    index = 0
    for frame in frames:
        if frame.t < start - TIME_EPS_S:
            continue
        if frame.t > end + TIME_EPS_S:
            break
        if not trimmed_at:
            trimmed_at.append(frame.t)
        yield dataclasses.replace(frame, index=index, t=frame.t - trimmed_at[0])
        index += 1


def _stretch(frames: Iterator[Frame], factor: float, fps: float) -> Iterator[Frame]:
    """The performance taking ``factor`` times as long, at ``fps``: each output time shows the
    source frame nearest to it on the source clock (output time / factor)."""
    previous: Frame | None = None
    k = 0
    for frame in frames:
        while (u := k / fps / factor) <= frame.t + TIME_EPS_S:
            if previous is None and u < frame.t - TIME_EPS_S:
                k += 1  # before the first frame: nothing to show
                continue
            nearest = previous if previous is not None and u - previous.t <= frame.t - u else frame
            yield dataclasses.replace(nearest, index=k, t=k / fps)
            k += 1
        previous = frame


def _repeat(frames: Iterator[Frame], every: int) -> Iterator[Frame]:
    """Every ``every``-th frame shows a copy of the frame before it (times unchanged)."""
    previous: np.ndarray | None = None
    for frame in frames:
        if previous is not None and frame.index % every == every - 1:
            frame.image = previous.copy()
        previous = frame.image
        yield frame
