"""Open a video or image as a stream of frames, and run pose estimation over it into a track."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from posecheck.errors import InputError
from posecheck.pose.estimator import PoseEstimator, PoseOptions
from posecheck.track import Track, TrackBuilder
from posecheck.video import (
    Frame,
    MediaKind,
    VideoReader,
    check_input_path,
    is_image_path,
    read_image,
    sniff,
)

ProgressFn = Callable[[int, int], None]
SUPPORTED = "a video (MP4, MOV, WebM, GIF) or an image (JPEG, PNG)"


@dataclass
class Source:
    """An opened video or image: its frames (streamed) and what is known about it up front."""

    path: Path
    frames: Iterator[Frame]
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    rotation: int
    still: bool
    kind: MediaKind
    note: str = ""  # e.g. "clip.jpg holds an MP4/MOV video ...": shown to the user as a warning
    reader: VideoReader | None = None

    @property
    def partial(self) -> bool:
        """Whether decoding broke off before the end (known once the frames are consumed)."""
        return bool(self.reader.partial) if self.reader is not None else False

    @property
    def stop_reason(self) -> str:
        """Where and why decoding broke off ('' when it did not)."""
        return self.reader.stop_reason if self.reader is not None else ""

    @property
    def loop_s(self) -> float | None:
        """One play's length of a looping animation played twice (known once the frames are consumed)."""
        return self.reader.loop_s if self.reader is not None else None

    @property
    def skipped_packets(self) -> int:
        """Damaged packets stepped over while decoding."""
        return self.reader.skipped_packets if self.reader is not None else 0

    def close(self) -> None:
        """Release the decoder (safe to call twice)."""
        if self.reader is not None:
            self.reader.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _mismatch_note(path: Path, kind: MediaKind) -> str:
    """A note when the file name says image but the content is a video, or the other way round."""
    named_image = is_image_path(path)
    if kind.kind == "video" and named_image:
        return (
            f"{path.name} holds video data ({kind.format}) despite its {path.suffix} name; analysed as video"
        )
    if kind.kind == "image" and not named_image:
        suffix = path.suffix or "(no)"
        return f"{path.name} holds image data ({kind.format}) despite its {suffix} name; analysed as a still"
    return ""


def open_source(path: str | Path, max_long_side: int | None = None) -> Source:
    """Open ``path`` as what its content really is (not what its name says), or fail in one line.

    ``max_long_side`` makes a video's frames come out at most that long (the size
    fields keep the video's own size); stills are given as they are.
    """
    p = check_input_path(path)
    kind = sniff(p)
    if kind.kind == "text":
        raise InputError(f"{p} is a text file, not a video or image; pass {SUPPORTED}")
    if kind.kind == "audio":
        raise InputError(
            f"{p} is an audio file ({kind.format}) with no picture; pass a video of the exercise"
        )
    if kind.kind == "track":
        raise InputError(
            f"{p} is a landmark track (.npz), not a video; analyse it with 'posecheck analyze {p.name}'"
        )
    note = _mismatch_note(p, kind)
    if kind.kind == "image" or (kind.kind == "unknown" and is_image_path(p)):
        image = read_image(p)
        h, w = image.shape[:2]
        return Source(p, iter([Frame(index=0, t=0.0, image=image)]), w, h, 1.0, 1, 0.0, 0, True, kind, note)
    reader = VideoReader(p, max_long_side)
    vi = reader.info
    return Source(
        p, iter(reader), vi.width, vi.height, vi.fps, vi.frame_count, vi.duration_s, vi.rotation, False,
        kind, note, reader,
    )  # fmt: skip


def load_estimator(
    options: PoseOptions | None = None, factory: Callable[[PoseOptions | None], PoseEstimator] | None = None
) -> PoseEstimator:
    """The pose model (made by ``factory``, default PoseEstimator), or a one-line error if it cannot load."""
    try:
        return (factory or PoseEstimator)(options)
    except (RuntimeError, ValueError) as exc:  # MediaPipe's own errors for a model it cannot use
        model = options.model if options is not None and options.model else "the built-in model"
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"cannot load the pose model {model} ({reason}); pass a MediaPipe pose landmarker .task file"
        ) from None


def iter_frames(path: str | Path) -> tuple[Iterator[Frame], dict[str, object]]:
    """Frames of a video or a single image, plus facts about the source (see :func:`open_source`)."""
    src = open_source(path)
    info: dict[str, object] = {
        "width": src.width,
        "height": src.height,
        "fps": src.fps,
        "frame_count": src.frame_count,
        "duration_s": src.duration_s,
        "rotation": src.rotation,
        "still": src.still,
        "note": src.note,
    }
    if src.reader is not None:
        info["reader"] = src.reader
    return src.frames, info


def pose_track(
    frames: Iterable[Frame],
    size: tuple[int, int],
    fps: float,
    meta: dict[str, object],
    estimator: PoseEstimator,
    wanted: tuple[str, ...] = (),
    reader: VideoReader | None = None,
    progress: ProgressFn | None = None,
    total: int = 0,
) -> TrackBuilder:
    """Landmarks of ``frames`` (pictures of ``size``) in a track builder.

    With the exercise's ``wanted`` postures the picture is checked for a camera on its side
    and turned upright for the model, as ``analyze`` does (``meta['camera_turns']`` says how);
    ``reader`` tells whether the frames were a looping animation played twice (``meta['loop_s']``).
    """
    from posecheck.pose.upright import UprightPose

    builder = TrackBuilder(size[0], size[1], fps, meta)
    pose = UprightPose(estimator, wanted, size)
    for frame in frames:
        builder.append(frame.t, pose.detect(frame.image, frame.t))
        if progress:
            progress(frame.index + 1, total)
    if wanted:
        builder.meta["camera_turns"] = pose.decided or 0
    if reader is not None and reader.loop_s is not None:
        builder.meta["loop_s"] = reader.loop_s
    return builder


def extract_track(
    path: str | Path,
    options: PoseOptions | None = None,
    progress: ProgressFn | None = None,
    wanted: tuple[str, ...] = (),
) -> Track:
    """Landmarks of every frame of ``path``; ``meta['partial']`` tells if decoding broke off.

    ``wanted``: the exercise's postures, to turn a sideways picture upright (see :func:`pose_track`).
    """
    # Decoded straight to the model's input size: one FFmpeg pass instead of convert + resize.
    with open_source(path, (options or PoseOptions()).inference_long_side) as src:
        meta: dict[str, object] = {"source": src.path.name, "still": src.still, "rotation": src.rotation}
        with load_estimator(options) as estimator:
            builder = pose_track(
                src.frames, (src.width, src.height), src.fps, meta, estimator,
                () if src.still else wanted, src.reader, progress, src.frame_count,
            )  # fmt: skip
        builder.meta.update(partial=src.partial, stop_reason=src.stop_reason)
    return builder.build()
