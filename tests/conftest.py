"""Shared fixtures: the labelled footage beside the repository, the saved tracks, synthetic media.

The footage (``../shared/videos``) is never copied into the repository; tests read it in place.
Without it, footage tests skip with the reason, unless ``POSECHECK_REQUIRE_FOOTAGE=1`` (CI),
which makes them fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "videos"


@pytest.fixture(scope="session")
def footage() -> Path:
    """The labelled test footage folder (``../shared/videos``)."""
    if not FOOTAGE.is_dir():
        reason = f"test footage not found at {FOOTAGE} (the shared videos live beside the repository)"
        if os.environ.get("POSECHECK_REQUIRE_FOOTAGE") == "1":
            pytest.fail(f"{reason}; POSECHECK_REQUIRE_FOOTAGE=1 says it must be there")
        pytest.skip(reason)
    return FOOTAGE


@pytest.fixture(scope="session")
def tracks_dir() -> Path:
    """Committed landmark tracks of the footage (``sample_videos/tracks``)."""
    return REPO / "sample_videos" / "tracks"


def ffmpeg(*args: str) -> None:
    """Run the ffmpeg command line quietly; fail the test with its message if it fails."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    proc = subprocess.run(["ffmpeg", "-v", "error", "-y", *args], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"ffmpeg {' '.join(args)} failed: {proc.stderr.strip()}")


def write_video(
    path: Path,
    frames: Sequence[np.ndarray],
    times: Sequence[float] | None = None,
    fps: int = 10,
    codec: str = "libx264",
) -> Path:
    """Encode RGB frames to ``path``; ``times`` (seconds) become the pts, for variable frame rate."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        tb = Fraction(1, 1000)
        if times is not None:
            stream.time_base = tb
            stream.codec_context.time_base = tb
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            if times is not None:
                frame.pts = round(times[i] * 1000)
                frame.time_base = tb
            else:
                frame.pts = i
                frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def block_frames(n: int, w: int = 160, h: int = 120, level: int = 90) -> list[np.ndarray]:
    """Grey frames with a red block in the top-left corner (orientation and motion are visible)."""
    frames = []
    for i in range(n):
        img = np.full((h, w, 3), level, np.uint8)
        img[: h // 4, : w // 4] = (255, 0, 0)
        img[h // 2 : h // 2 + 8, (i * 5) % (w - 8) : (i * 5) % (w - 8) + 8] = (255, 255, 255)
        frames.append(img)
    return frames


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_video(name, n=15, w=160, h=120, level=90, times=None, fps=10)`` in tmp_path."""

    def make(
        name: str = "clip.mp4",
        n: int = 15,
        w: int = 160,
        h: int = 120,
        level: int = 90,
        times: Sequence[float] | None = None,
        fps: int = 10,
    ) -> Path:
        return write_video(tmp_path / name, block_frames(n, w, h, level), times, fps)

    return make


@pytest.fixture(autouse=True)
def _history_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes the user's own history: live sets are saved by default (``posecheck live``)."""
    if "POSECHECK_DB" not in os.environ:
        monkeypatch.setenv("POSECHECK_DB", str(tmp_path_factory.mktemp("history") / "history.db"))
