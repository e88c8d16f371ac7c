"""Run pose estimation over a video or image and collect a landmark track."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from posecheck.pose.estimator import PoseEstimator, PoseOptions
from posecheck.track import Track, TrackBuilder
from posecheck.video import Frame, VideoReader, is_image_path, read_image

ProgressFn = Callable[[int, int], None]


def iter_frames(path: str | Path) -> tuple[Iterator[Frame], dict[str, object]]:
    """Frames of a video or a single image, plus facts about the source."""
    if is_image_path(path):
        image = read_image(path)
        h, w = image.shape[:2]
        info: dict[str, object] = {"width": w, "height": h, "fps": 1.0, "frame_count": 1, "still": True}
        return iter([Frame(index=0, t=0.0, image=image)]), info
    reader = VideoReader(path)
    vi = reader.info
    info = {
        "width": vi.width,
        "height": vi.height,
        "fps": vi.fps,
        "frame_count": vi.frame_count,
        "duration_s": vi.duration_s,
        "rotation": vi.rotation,
        "still": False,
        "reader": reader,
    }
    return iter(reader), info


def extract_track(
    path: str | Path, options: PoseOptions | None = None, progress: ProgressFn | None = None
) -> Track:
    """Landmarks of every frame of ``path``; ``meta['partial']`` tells if decoding broke off."""
    frames, info = iter_frames(path)
    meta = {"source": Path(path).name, "still": info["still"], "rotation": info.get("rotation", 0)}
    builder = TrackBuilder(int(info["width"]), int(info["height"]), float(info["fps"]), meta)  # type: ignore[call-overload]
    total = int(info["frame_count"])  # type: ignore[call-overload]
    with PoseEstimator(options) as estimator:
        for frame in frames:
            builder.append(frame.t, estimator.detect(frame.image, frame.t))
            if progress:
                progress(frame.index + 1, total)
    reader = info.get("reader")
    if isinstance(reader, VideoReader):
        reader.close()
        builder.meta.update(partial=reader.partial, stop_reason=reader.stop_reason)
    return builder.build()
