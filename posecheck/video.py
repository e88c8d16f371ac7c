"""Reading videos and still images as display-oriented RGB frames with timestamps.

Times come from the container (pts), so variable frame rate and dropped frames
keep real time. Rotation metadata of phone videos is applied, so every later
stage sees the picture the way a person sees it in a player.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from posecheck.errors import InputError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
# Largest input we accept; beyond this a decoder or a browser would struggle anyway.
MAX_SIDE_PX = 8192


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, display-oriented."""

    path: str
    width: int
    height: int
    fps: float
    duration_s: float
    frame_count: int
    rotation: int
    codec: str


@dataclass
class Frame:
    """One decoded frame: RGB pixels (H, W, 3) and its time in seconds."""

    index: int
    t: float
    image: np.ndarray


def is_image_path(path: str | Path) -> bool:
    """True for still-image file names (analysed as a single frame)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def check_input_path(path: str | Path) -> Path:
    """Fail with a clear message for missing, directory or empty inputs."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"input not found: {p}; check the path")
    if p.is_dir():
        raise InputError(f"input {p} is a folder; pass a video or image file")
    if p.stat().st_size == 0:
        raise InputError(f"input {p} is empty (0 bytes); record or copy the video again")
    return p


def read_image(path: str | Path) -> np.ndarray:
    """Read a still image as RGB, or fail with a one-line message."""
    p = check_input_path(path)
    data = np.fromfile(str(p), dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError(f"{p} is not a readable image; use a JPEG or PNG file")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _display_rotation(frame: av.VideoFrame) -> int:
    # PyAV reports the display matrix rotation counter-clockwise in degrees.
    return int(round(getattr(frame, "rotation", 0) or 0)) % 360


def _rotate(image: np.ndarray, rotation: int) -> np.ndarray:
    if rotation % 90 != 0 or rotation == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=rotation // 90))


class VideoReader:
    """Stream frames of a video file; never holds more than one frame.

    After iteration, ``partial`` tells whether decoding broke off before the end
    and ``stop_reason`` says why, so callers can keep what was read.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = check_input_path(path)
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"{self.path} is not a readable video ({_short(exc)}); "
                "use an MP4, MOV, WebM or GIF file"
            ) from None
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"{self.path} has no video stream (audio only?); pass a video file")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        ctx = self._stream.codec_context
        if ctx.width <= 0 or ctx.height <= 0:
            self._container.close()
            raise InputError(f"{self.path}: the video codec is not supported; re-encode it as H.264 MP4")
        if max(ctx.width, ctx.height) > MAX_SIDE_PX:
            self._container.close()
            raise InputError(
                f"{self.path} is {ctx.width}x{ctx.height}, larger than {MAX_SIDE_PX} px; "
                "downscale it (e.g. to 1080p) first"
            )
        self.partial = False
        self.stop_reason = ""
        self.info = self._probe()

    def _probe(self) -> VideoInfo:
        s = self._stream
        rate = s.average_rate or s.guessed_rate or s.base_rate
        fps = float(rate) if rate else 30.0
        if not math.isfinite(fps) or fps <= 0:
            fps = 30.0
        duration = 0.0
        if s.duration is not None and s.time_base is not None:
            duration = float(s.duration * s.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / 1e6
        frames = int(s.frames) if s.frames else int(round(duration * fps))
        rotation = _stream_rotation(s)
        w, h = s.codec_context.width, s.codec_context.height
        if rotation in (90, 270):
            w, h = h, w
        return VideoInfo(
            path=str(self.path),
            width=w,
            height=h,
            fps=fps,
            duration_s=duration,
            frame_count=frames,
            rotation=rotation,
            codec=s.codec_context.name,
        )

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the decoder."""
        self._container.close()

    def __iter__(self) -> Iterator[Frame]:
        stream = self._stream
        start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        step = 1.0 / self.info.fps
        last_t = -math.inf
        index = 0
        try:
            for frame in self._container.decode(stream):
                if frame.pts is not None and frame.time_base is not None:
                    t = float(frame.pts * frame.time_base) - start
                else:
                    t = last_t + step if index else 0.0
                if t <= last_t:
                    # Duplicate or out-of-order pts (seen in edited phone clips):
                    # keep time strictly increasing for the tracker.
                    t = last_t + 1e-3
                last_t = t
                image = _rotate(frame.to_ndarray(format="rgb24"), _display_rotation(frame))
                yield Frame(index=index, t=t, image=image)
                index += 1
        except av.error.FFmpegError as exc:
            self.partial = True
            self.stop_reason = f"decoding stopped at {max(last_t, 0):.2f} s: {_short(exc)}"
        if index == 0 and not self.partial:
            self.partial = True
            self.stop_reason = "no frame could be decoded"


def _stream_rotation(stream: av.video.stream.VideoStream) -> int:
    # Peek at the first frame's display matrix without losing it: reopen is cheap.
    container = av.open(stream.container.name)
    try:
        for frame in container.decode(video=0):
            return _display_rotation(frame)
    except av.error.FFmpegError:
        return 0
    finally:
        container.close()
    return 0


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def resize_long_side(image: np.ndarray, long_side: int) -> np.ndarray:
    """Downscale so the longer side is at most ``long_side`` pixels (never upscale)."""
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
