"""Reading videos and still images as display-oriented RGB frames with timestamps.

Times come from the container (pts), so variable frame rate and dropped frames
keep real time. Rotation metadata of phone videos is applied, so every later
stage sees the picture the way a person sees it in a player.

Damaged files are read as far as they go: a video that is cut short (an
interrupted copy or recording) yields the frames before the cut and then sets
``partial`` and ``stop_reason``; only a file with no decodable frame at all is
an error.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from posecheck.errors import InputError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
# Largest input we accept; beyond this a decoder or a browser would struggle anyway.
MAX_SIDE_PX = 8192
# Packets in a row that may fail to decode before we give up on the rest of the file:
# a damaged spot costs a few frames until the next keyframe, garbage never ends.
MAX_BAD_PACKETS_IN_A_ROW = 50
# How much shorter than announced a video may end before we call it cut short: containers
# round durations and the last frame's display time is not always counted.
_SHORT_TOLERANCE_S = 0.5
# An animation that loops (a GIF with a loop extension) has no first or last rep: a movement often
# runs across the seam. It is played this many times so every rep is seen whole once; the reports
# count what ends in the last play (one loop's worth, see coach.session.count_last_play).
LOOP_PLAYS = 2
# The loop extension sits before the first image, after the header and at most a 768-byte palette.
_LOOP_EXTENSIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")
RE_ENCODE_HINT = "re-encode it as H.264 MP4 (ffmpeg -i IN -c:v libx264 -pix_fmt yuv420p OUT.mp4)"


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


@dataclass(frozen=True)
class MediaKind:
    """What a file really holds, told from its first bytes (not its name).

    ``kind`` is one of image, video, track, audio, text, unknown; ``format`` a
    human name such as "JPEG" or "MP4/MOV".
    """

    kind: str
    format: str


def is_image_path(path: str | Path) -> bool:
    """True for still-image file names (analysed as a single frame)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


# Brands of ISO media files that hold still images (HEIF/HEIC photos from phones).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff(path: str | Path) -> MediaKind:
    """Tell what ``path`` holds from its signature bytes, so a misnamed file is read as what it is."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(b"\xff\xd8\xff"):
        return MediaKind("image", "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaKind("image", "PNG")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind("image", "WebP")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaKind("image", "TIFF")
    if head[:2] == b"BM" and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":
        return MediaKind("image", "BMP")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaKind("video", "GIF")  # animated: the video reader plays it (a still GIF is one frame)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return MediaKind("image", "HEIF/HEIC")
        if brand.startswith(b"M4A") or brand.startswith(b"M4B"):
            return MediaKind("audio", "M4A")
        return MediaKind("video", "MP4/MOV")
    if head[4:8] in _QUICKTIME_ATOMS:
        return MediaKind("video", "MOV")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return MediaKind("video", "Matroska/WebM")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return MediaKind("video", "AVI")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return MediaKind("audio", "WAV")
    if head[:3] == b"ID3" or head[:4] == b"fLaC":
        # Raw MPEG audio has no magic worth trusting; the video reader tells it from video.
        return MediaKind("audio", "MP3/FLAC")
    if head[:4] == b"PK\x03\x04":
        return MediaKind("track", "NumPy .npz")
    if head and _looks_like_text(head):
        return MediaKind("text", "text")
    return MediaKind("unknown", "unknown")


def loops_forever(path: str | Path) -> bool:
    """Whether ``path`` is a GIF that tells players to loop it (the NETSCAPE2.0 extension)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return head[:6] in (b"GIF87a", b"GIF89a") and any(ext in head for ext in _LOOP_EXTENSIONS)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            return False
        text = head[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(1, len(text))


def check_input_path(path: str | Path) -> Path:
    """Fail with a clear message for missing, directory, unreadable or empty inputs."""
    p = Path(path)
    if not p.exists():
        hint = "check the path"
        if not p.parent.is_dir():
            hint += f" (the folder {p.parent} does not exist)"
        raise InputError(f"input not found: {p}; {hint}")
    if p.is_dir():
        raise InputError(f"input {p} is a folder; pass a video or image file inside it")
    if not p.is_file():
        raise InputError(f"input {p} is not a regular file; pass a video or image file")
    if p.stat().st_size == 0:
        raise InputError(f"input {p} is empty (0 bytes); record or copy the video again")
    try:
        with open(p, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"input {p} cannot be read ({exc.strerror}); check its permissions") from None
    return p


def read_image(path: str | Path) -> np.ndarray:
    """Read a still image as RGB (EXIF orientation applied), or fail with a one-line message."""
    p = check_input_path(path)
    data = np.fromfile(str(p), dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)  # IMREAD_COLOR honours the EXIF orientation of photos
    if bgr is None:
        kind = sniff(p)
        what = (
            f"a {kind.format} image this posecheck cannot decode"
            if kind.kind == "image"
            else "not a readable image"
        )
        raise InputError(f"{p} is {what}; export it as JPEG or PNG and try again")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _display_rotation(frame: av.VideoFrame) -> int:
    # PyAV reports the display matrix rotation counter-clockwise in degrees (as ffmpeg's autorotate).
    rotation = getattr(frame, "rotation", 0) or 0
    if not math.isfinite(rotation):
        return 0
    return round(rotation / 90.0) * 90 % 360


def _rotate(image: np.ndarray, rotation: int) -> np.ndarray:
    if rotation % 90 != 0 or rotation % 360 == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=(rotation // 90) % 4))


def _frame_time(frame: av.VideoFrame) -> float | None:
    if frame.pts is None or frame.time_base is None:
        return None
    t = float(frame.pts * frame.time_base)
    return t if math.isfinite(t) else None


class VideoReader:
    """Stream frames of a video file; never holds more than one decoded frame.

    Opening decodes the first frame, so a file without a single readable frame
    fails here with a one-line :class:`InputError`, before any output is made.
    After iteration, ``partial`` tells whether decoding broke off before the end
    and ``stop_reason`` says where and why, so callers can keep what was read;
    ``skipped_packets`` counts damaged packets that were stepped over.

    ``max_long_side`` shrinks frames while converting them to RGB (one FFmpeg
    pass, cheaper than converting at full size and resizing after); ``info``
    keeps the video's own size.

    A looping animation (see :func:`loops_forever`) is played :data:`LOOP_PLAYS`
    times, time running on; ``loop_s`` is then the length of one play (known
    once the first play is decoded), else None.
    """

    def __init__(self, path: str | Path, max_long_side: int | None = None) -> None:
        self.path = check_input_path(path)
        self.max_long_side = max_long_side
        self.partial = False
        self.stop_reason = ""
        self.skipped_packets = 0
        self.loop_s: float | None = None
        self._last_error = ""
        self._container = self._open()
        try:
            self._stream = self._pick_stream()
            self._frames = self._decoded()
            self._first: av.VideoFrame | None = self._first_frame()
            self.info = self._probe(self._first)
        except BaseException:
            self._container.close()
            raise
        self._plays = LOOP_PLAYS if self.info.frame_count > 1 and loops_forever(self.path) else 1
        if self._plays > 1:
            self.info = dataclasses.replace(self.info, frame_count=self.info.frame_count * self._plays)

    def _open(self) -> av.container.InputContainer:
        try:
            return av.open(str(self.path), metadata_errors="ignore")
        except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(
                f"{self.path} is not a video FFmpeg can read ({_short(exc)}); check that it plays in a "
                "video player, or export it again as MP4"
            ) from None

    def _pick_stream(self) -> av.video.stream.VideoStream:
        streams = self._container.streams
        if not streams.video:
            what = "only audio" if streams.audio else "no picture"
            raise InputError(f"{self.path} has {what}, no video stream; pass a video of the exercise")
        stream = streams.video[0]
        ctx = stream.codec_context
        if ctx is None:
            # FFmpeg found a stream but has no decoder for its codec (or does not know it at all).
            raise InputError(
                f"{self.path}: its video codec is not supported by this posecheck; {RE_ENCODE_HINT}"
            )
        # Slice threads only: frame threads decode 4K about 1.5x faster but silently drop the frames
        # in flight when a packet is damaged, and a cut-short file should lose nothing readable.
        ctx.thread_type = "SLICE"
        if ctx.width <= 0 or ctx.height <= 0:
            raise InputError(
                f"{self.path}: the {ctx.name} video has no picture size (damaged header?); {RE_ENCODE_HINT}"
            )
        if max(ctx.width, ctx.height) > MAX_SIDE_PX:
            raise InputError(
                f"{self.path} is {ctx.width}x{ctx.height}, larger than {MAX_SIDE_PX} px; "
                "downscale it (e.g. to 1080p) first"
            )
        return stream

    def _first_frame(self) -> av.VideoFrame:
        try:
            return next(self._frames)
        except StopIteration:
            reason = self._last_error or self.stop_reason or "no frame in the file"
            codec = self._stream.codec_context.name
            raise InputError(
                f"{self.path}: not one frame of its {codec} video could be decoded ({reason}); the file is "
                f"damaged or incomplete: copy or export it again, or {RE_ENCODE_HINT}"
            ) from None

    def _probe(self, first: av.VideoFrame) -> VideoInfo:
        s = self._stream
        rate = s.average_rate or s.guessed_rate or s.base_rate
        fps = float(rate) if rate else 30.0
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            fps = 30.0
        duration = 0.0
        if s.duration is not None and s.time_base is not None:
            duration = float(s.duration * s.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / 1e6
        if not math.isfinite(duration) or duration < 0:
            duration = 0.0
        frames = int(s.frames) if s.frames else round(duration * fps)
        rotation = _display_rotation(first)
        w, h = first.width, first.height
        if rotation in (90, 270):
            w, h = h, w
        return VideoInfo(
            path=str(self.path),
            width=w,
            height=h,
            fps=fps,
            duration_s=duration,
            frame_count=max(frames, 1),
            rotation=rotation,
            codec=s.codec_context.name,
        )

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the decoder (safe to call twice)."""
        self._frames.close()
        self._container.close()

    def _stop(self, reason: str) -> None:
        self.partial = True
        self.stop_reason = reason

    def _decoded(self) -> Generator[av.VideoFrame, None, None]:
        """Decoded frames; damaged packets are stepped over, a broken container ends the stream."""
        stream = self._stream
        demux = self._container.demux(stream)
        bad_in_a_row = 0
        while True:
            try:
                packet = next(demux)
            except (StopIteration, av.error.EOFError):
                return
            except av.error.FFmpegError as exc:
                self._last_error = _short(exc)
                self._stop(f"reading the file failed: {self._last_error}")
                yield from self._flush()
                return
            try:
                frames = packet.decode()
            except av.error.EOFError:
                return
            except av.error.FFmpegError as exc:
                # A damaged or cut packet: the decoder recovers at the next keyframe.
                self.skipped_packets += 1
                self._last_error = _short(exc)
                bad_in_a_row += 1
                if bad_in_a_row >= MAX_BAD_PACKETS_IN_A_ROW:
                    self._stop(f"{bad_in_a_row} damaged packets in a row: {self._last_error}")
                    yield from self._flush()
                    return
                continue
            if frames:
                bad_in_a_row = 0
            yield from frames

    def _flush(self) -> Iterator[av.VideoFrame]:
        # Frame-threaded decoders hold a few frames back; give them out before stopping.
        try:
            yield from self._stream.codec_context.decode(None)
        except av.error.FFmpegError:
            return

    def __iter__(self) -> Iterator[Frame]:
        step = 1.0 / self.info.fps
        pending, self._first = self._first, None  # hand it out once; a second iteration yields nothing
        if pending is None:
            return
        index, last_t, end = yield from self._play(pending, 0, 0.0, -math.inf)
        self._check_complete(index, last_t, step)
        for _ in range(self._plays - 1):
            if self.partial:
                break  # a damaged animation is not looped: the seam would be the damage
            self.loop_s = end
            self._frames.close()
            self._container.close()
            self._container = self._open()
            self._stream = self._pick_stream()
            self._frames = self._decoded()
            index, last_t, end = yield from self._play(self._first_frame(), index, end, last_t)

    def _play(
        self, pending: av.VideoFrame | None, index: int, offset: float, last_t: float
    ) -> Generator[Frame, None, tuple[int, float, float]]:
        """One pass over the file, times shifted by ``offset``: (next index, last time, end time)."""
        stream = self._stream
        start = None
        if stream.start_time is not None and stream.time_base is not None:
            start = float(stream.start_time * stream.time_base)
        step = 1.0 / self.info.fps
        shown = step  # how long the last frame stays on screen
        frames = self._frames
        while True:
            if pending is not None:
                frame, pending = pending, None
            else:
                try:
                    frame = next(frames)
                except StopIteration:
                    break
            pts_t = _frame_time(frame)
            if start is None:
                start = pts_t  # no stream start time: count from the first frame with a time
            # Without a time (rare, raw streams) a frame is one nominal frame after the last.
            t = (
                offset + pts_t - start
                if pts_t is not None and start is not None
                else (last_t + step if index else 0.0)
            )
            if t <= last_t:
                # Duplicate or out-of-order pts (seen in edited phone clips):
                # keep time strictly increasing for the tracker.
                t = last_t + 1e-3
            last_t = t
            if frame.duration and frame.time_base is not None:
                shown = float(frame.duration * frame.time_base)
            image = _rotate(self._to_rgb(frame), _display_rotation(frame))
            del frame  # hold one decoded frame at a time, not two
            yield Frame(index=index, t=t, image=image)
            index += 1
        return index, last_t, last_t + shown

    def _to_rgb(self, frame: av.VideoFrame) -> np.ndarray:
        """The frame as RGB, at most ``max_long_side`` pixels long (area averaging, as for the model)."""
        long_side = max(frame.width, frame.height)
        if not self.max_long_side or long_side <= self.max_long_side:
            return frame.to_ndarray(format="rgb24")
        scale = self.max_long_side / long_side
        width, height = max(1, round(frame.width * scale)), max(1, round(frame.height * scale))
        return frame.to_ndarray(width=width, height=height, format="rgb24", interpolation="AREA")

    def _check_complete(self, frames: int, last_t: float, step: float) -> None:
        """Flag a video that ended well before the duration its header announces (cut short)."""
        if frames == 0:
            return
        end = last_t + step
        if self.partial:
            self.stop_reason = f"decoding stopped at {end:.2f} s: {self.stop_reason}"
            return
        announced = self._announced_duration()
        if announced is not None and end < announced - max(_SHORT_TOLERANCE_S, 3 * step):
            why = f" ({self._last_error})" if self._last_error else ""
            self._stop(
                f"the video stops at {end:.2f} s of the {announced:.2f} s its header announces: the file "
                f"is cut short{why}"
            )

    def _announced_duration(self) -> float | None:
        s = self._stream
        if s.duration is not None and s.time_base is not None:
            return float(s.duration * s.time_base)
        # Without a stream duration the container's may be the audio's: trust it only without audio.
        if self._container.duration is not None and len(self._container.streams) == 1:
            return self._container.duration / 1e6
        return None


def _short(exc: BaseException) -> str:
    """FFmpeg's reason without errno numbers and internal function names, on one line."""
    text = getattr(exc, "strerror", None) or str(exc)
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(text).strip())
    text = text.splitlines()[0] if text else type(exc).__name__
    return text[:160] or type(exc).__name__


def resize_long_side(image: np.ndarray, long_side: int, fast: bool = False) -> np.ndarray:
    """Downscale so the longer side is at most ``long_side`` pixels (never upscale).

    Area averaging is the sharper choice for the model's input; ``fast`` uses
    bilinear, about 6x cheaper at odd ratios, for frames that only get drawn on.
    """
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR if fast else cv2.INTER_AREA)
