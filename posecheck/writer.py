"""Writing annotated frames to an H.264 MP4 that browsers play, keeping real frame times.

The file appears under its final name only when it is complete: frames go to a
hidden temporary file in the same folder, renamed into place on ``close()``.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np

from posecheck.errors import PosecheckError

CODEC = "libx264"
# Millisecond ticks keep phone VFR timing; the MP4 muxer may still pick a finer timescale itself.
TIME_BASE = Fraction(1, 1000)
DEFAULT_LONG_SIDE = 1280
# cv2's RGB->I420 uses the BT.601 matrix with limited (16-235) range; tag the stream so
# players do not guess BT.709 for HD sizes and shift the colours.
_AVCOL_SPC_SMPTE170M = 6
_AVCOL_PRI_BT709 = 1
_AVCOL_TRC_BT709 = 1
_AVCOL_RANGE_MPEG = 1


def _check_encoder() -> None:
    try:
        av.codec.Codec(CODEC, "w")
    except (av.codec.codec.UnknownCodecError, ValueError):
        raise PosecheckError(
            f"this PyAV/FFmpeg build has no {CODEC} encoder, so the annotated MP4 cannot be written; "
            "install the PyAV wheel from PyPI (it bundles libx264) or run without the annotated video"
        ) from None


def output_size(width: int, height: int, max_long_side: int | None) -> tuple[int, int]:
    """Even (width, height) the encoder gets for a ``width`` x ``height`` input."""
    scale = 1.0
    if max_long_side and max(width, height) > max_long_side:
        scale = max_long_side / max(width, height)
    if scale < 1.0:
        w, h = round(width * scale / 2) * 2, round(height * scale / 2) * 2
    else:
        # Odd sizes lose their last row/column: yuv420p needs even sizes.
        w, h = width - width % 2, height - height % 2
    return max(2, w), max(2, h)


class VideoWriter:
    """Encode RGB frames with their times (seconds) into ``path`` as H.264 MP4.

    Use as a context manager. ``__exit__`` always finalises the file, also when
    the block raised (the video up to the failure is kept, e.g. when a truncated
    input broke off); only ``abort()`` discards it. Frame times may be irregular
    (variable frame rate): they become the presentation times, counted from the
    first frame. Frames are downscaled so the long side is at most
    ``max_long_side`` (None keeps the size) and cropped to even sizes.
    If no frame was written, no file is created.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        max_long_side: int | None = DEFAULT_LONG_SIDE,
        crf: int = 23,
        preset: str = "veryfast",
    ) -> None:
        _check_encoder()
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise PosecheckError(f"output folder {self.path.parent} does not exist; create it first")
        self.max_long_side = max_long_side
        self.crf = crf
        self.preset = preset
        self.frames_written = 0
        self.size: tuple[int, int] | None = None  # (width, height) of the encoded video
        self._tmp: Path | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._t0 = 0.0
        self._last_pts = -1
        self._done = False
        self._result: Path | None = None

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.close()
            return
        try:
            self.close()
        except Exception as close_exc:  # the original error matters more; keep this one as a note
            self.abort()
            add_note = getattr(exc, "add_note", None)  # Python 3.11+
            if add_note is not None:
                add_note(f"the annotated video could not be finalised either: {close_exc}")

    def _open(self, width: int, height: int) -> None:
        self.size = output_size(width, height, self.max_long_side)
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(name)
        container = None
        try:
            # faststart puts the index first so a browser can start playing before the whole download.
            container = av.open(name, "w", format="mp4", options={"movflags": "+faststart"})
            stream = container.add_stream(CODEC)
            assert isinstance(stream, av.video.stream.VideoStream)
            stream.width, stream.height = self.size
            stream.pix_fmt = "yuv420p"
            stream.time_base = TIME_BASE
            stream.codec_context.time_base = TIME_BASE
            stream.codec_context.colorspace = _AVCOL_SPC_SMPTE170M
            stream.codec_context.color_primaries = _AVCOL_PRI_BT709
            stream.codec_context.color_trc = _AVCOL_TRC_BT709
            stream.codec_context.color_range = _AVCOL_RANGE_MPEG
            stream.options = {"crf": str(self.crf), "preset": self.preset}
        except (av.error.FFmpegError, OSError) as exc:
            if container is not None:
                container.close()
            self._remove_tmp()
            raise PosecheckError(f"cannot start writing {self.path}: {exc}") from None
        self._container, self._stream = container, stream

    def _prepare(self, image: np.ndarray) -> np.ndarray:
        """``image`` at the output size, converted to I420 (planar YUV 4:2:0)."""
        assert self.size is not None
        w, h = self.size
        ih, iw = image.shape[:2]
        if (iw, ih) != (w, h):
            if iw - w in (0, 1) and ih - h in (0, 1):
                image = image[:h, :w]
            else:
                # Linear, not area: area costs ~5 ms per 1080p frame, the difference is invisible at crf 23.
                image = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
        return cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420)

    def write(self, image: np.ndarray, t: float) -> None:
        """Append an RGB uint8 (H, W, 3) frame shown at ``t`` seconds.

        Times should increase; a time at or before the previous frame's is moved
        one tick (1 ms) after it so playback order is kept.
        """
        if self._done:
            raise ValueError(f"VideoWriter for {self.path} is already closed")
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
        if not math.isfinite(t):
            raise ValueError(f"frame time must be finite, got {t}")
        if self._container is None:
            self._open(image.shape[1], image.shape[0])
            self._t0 = t
        assert self._container is not None and self._stream is not None
        frame = av.VideoFrame.from_ndarray(self._prepare(image), format="yuv420p")
        pts = max(round((t - self._t0) / TIME_BASE), self._last_pts + 1)
        frame.pts = pts
        frame.time_base = TIME_BASE
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (av.error.FFmpegError, OSError) as exc:
            raise PosecheckError(f"writing {self.path} failed: {exc}") from None
        self._last_pts = pts
        self.frames_written += 1

    def close(self) -> Path | None:
        """Flush the encoder and move the finished file into place.

        Returns the final path, or None when no frame was written (nothing is
        created then). Calling it again returns the same result.
        """
        if self._done:
            return self._result
        self._done = True
        if self._container is None or self._tmp is None:
            return None
        container, stream, self._container = self._container, self._stream, None
        assert stream is not None
        try:
            for packet in stream.encode():
                container.mux(packet)
            container.close()
        except (av.error.FFmpegError, OSError) as exc:
            self._remove_tmp()
            raise PosecheckError(f"finishing {self.path} failed: {exc}") from None
        # mkstemp makes the file private; a video is meant to be shared like any other output.
        os.chmod(self._tmp, 0o644)
        os.replace(self._tmp, self.path)
        self._tmp = None
        self._result = self.path
        return self.path

    def abort(self) -> None:
        """Discard everything written; the target path is left untouched."""
        self._done = True
        self._result = None
        container, self._container = self._container, None
        if container is not None:
            # The file is deleted next: a broken trailer does not matter.
            with contextlib.suppress(av.error.FFmpegError, OSError):
                container.close()
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
