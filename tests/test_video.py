"""The video reader: display orientation, real timestamps, damaged files, content sniffing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from posecheck.errors import InputError
from posecheck.extract import open_source
from posecheck.video import LOOP_PLAYS, VideoReader, loops_forever, read_image, sniff
from tests.conftest import ffmpeg, write_video


def red_corner(image: np.ndarray) -> str:
    """Which corner holds the red block: 'top-left', 'top-right', 'bottom-left' or 'bottom-right'."""
    h, w = image.shape[:2]
    corners = {
        "top-left": image[: h // 8, : w // 8],
        "top-right": image[: h // 8, -w // 8 :],
        "bottom-left": image[-h // 8 :, : w // 8],
        "bottom-right": image[-h // 8 :, -w // 8 :],
    }
    redness = {k: float(v[..., 0].mean() - v[..., 1].mean()) for k, v in corners.items()}
    return max(redness, key=lambda k: redness[k])


def ffmpeg_display_frame(path: Path, tmp_path: Path, w: int, h: int) -> np.ndarray:
    """The first frame as the ffmpeg player shows it (autorotate on): the reference orientation."""
    raw = tmp_path / "ref.rgb"
    ffmpeg("-i", str(path), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", str(raw))
    return np.fromfile(raw, np.uint8).reshape(h, w, 3)


def video_with_rotation(base: Path, rotate: int) -> Path:
    """A copy of ``base`` whose metadata says to show it turned ``rotate`` degrees."""
    rotated = base.with_name(f"rot{rotate}.mp4")
    ffmpeg("-i", str(base), "-metadata:s:v:0", f"rotate={rotate}", "-c", "copy", str(rotated))
    return rotated


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotation_metadata_gives_display_oriented_frames(
    make_video: Callable[..., Path], tmp_path: Path, rotate: int
) -> None:
    rotated = video_with_rotation(make_video("base.mp4", n=3, w=160, h=120), rotate)
    with VideoReader(rotated) as reader:
        frames = list(reader)
        info = reader.info
    swapped = rotate in (90, 270)
    assert (info.width, info.height) == ((120, 160) if swapped else (160, 120))
    assert info.rotation in (90, 180, 270)
    image = frames[0].image
    assert image.shape[:2] == (info.height, info.width)
    reference = ffmpeg_display_frame(rotated, tmp_path, info.width, info.height)
    assert red_corner(image) == red_corner(reference)
    assert red_corner(image) != "top-left"  # the block really moved: the rotation was applied


@pytest.mark.parametrize("rotate", [0, 90])
def test_frames_can_be_decoded_shrunk_keeping_orientation_and_the_video_size(
    make_video: Callable[..., Path], tmp_path: Path, rotate: int
) -> None:
    path = video_with_rotation(make_video("base.mp4", n=3, w=320, h=240), rotate)
    with VideoReader(path) as full_reader, VideoReader(path, max_long_side=160) as small_reader:
        full = next(iter(full_reader)).image
        small = next(iter(small_reader)).image
        info = small_reader.info
    assert (info.width, info.height) == ((240, 320) if rotate else (320, 240))  # the video's own size
    assert small.shape == (full.shape[0] // 2, full.shape[1] // 2, 3)
    assert red_corner(small) == red_corner(full)
    # The same picture, averaged down (not a crop, not a different frame).
    halved = full.reshape(small.shape[0], 2, small.shape[1], 2, 3).mean(axis=(1, 3))
    assert float(np.abs(halved - small).mean()) < 6.0


def test_portrait_video_keeps_its_shape(make_video: Callable[..., Path]) -> None:
    path = make_video("portrait.mp4", n=4, w=96, h=160)
    with VideoReader(path) as reader:
        assert (reader.info.width, reader.info.height, reader.info.rotation) == (96, 160, 0)
        image = next(iter(reader)).image
    assert image.shape == (160, 96, 3)
    assert red_corner(image) == "top-left"


def test_variable_frame_rate_times_come_from_pts(make_video: Callable[..., Path]) -> None:
    times = [0.0, 0.033, 0.066, 0.2, 0.25, 0.6, 0.633, 1.5, 1.52, 2.0]
    path = make_video("vfr.mp4", n=len(times), times=times, fps=30)
    with VideoReader(path) as reader:
        got = [f.t for f in reader]
        partial = reader.partial
    assert got == pytest.approx(times, abs=1.5e-3)
    assert not partial


def test_frames_are_streamed_one_at_a_time(make_video: Callable[..., Path]) -> None:
    path = make_video("stream.mp4", n=12)
    with VideoReader(path) as reader:
        it = iter(reader)
        first = next(it)
        second = next(it)
    assert first.index == 0 and second.index == 1
    assert second.t > first.t


def test_truncated_mp4_yields_what_is_readable_and_says_where_it_stopped(
    make_video: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_video("whole.mp4", n=40, w=160, h=120)
    whole = tmp_path / "faststart.mp4"
    ffmpeg("-i", str(source), "-c", "copy", "-movflags", "+faststart", str(whole))
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with VideoReader(cut) as reader:
        frames = list(reader)
        assert reader.partial
        reason = reader.stop_reason
    assert 0 < len(frames) < 40
    assert "cut short" in reason and f"{frames[-1].t + 0.1:.2f} s" in reason
    assert "\n" not in reason


def test_a_file_with_no_decodable_frame_fails_in_one_line(
    tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    whole = make_video("whole.mp4", n=10).read_bytes()
    header_only = tmp_path / "header.mp4"
    header_only.write_bytes(whole[:200])  # moov at the end: no index, no frame
    with pytest.raises(InputError) as err:
        VideoReader(header_only)
    message = str(err.value)
    assert "\n" not in message and "header.mp4" in message


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00", "video"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image"),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00", "audio"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "video"),
        (b"GIF89a\x01\x00", "video"),
        (b"PK\x03\x04\x14\x00", "track"),
        (b"hello, this is a note\n", "text"),
        (b"\x00\x01\x02\x03\x04\x05", "unknown"),
    ],
)
def test_sniff_tells_content_from_its_first_bytes(tmp_path: Path, head: bytes, kind: str) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(head if kind == "text" else head + b"\x00" * 64)
    assert sniff(path).kind == kind


def test_video_named_jpg_is_read_as_a_video(make_video: Callable[..., Path], tmp_path: Path) -> None:
    video = make_video("clip.mp4", n=6)
    disguised = tmp_path / "clip.jpg"
    disguised.write_bytes(video.read_bytes())
    with open_source(disguised) as src:
        frames = list(src.frames)
        assert not src.still and "video" in src.note
    assert len(frames) == 6


def test_image_named_mp4_is_read_as_a_still(tmp_path: Path) -> None:
    import cv2

    ok, jpeg = cv2.imencode(".jpg", np.full((60, 80, 3), 120, np.uint8))
    assert ok
    disguised = tmp_path / "photo.mp4"
    disguised.write_bytes(jpeg.tobytes())
    with open_source(disguised) as src:
        assert src.still and (src.width, src.height) == (80, 60)
        assert "still" in src.note


def test_unreadable_image_says_what_to_do(tmp_path: Path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(InputError, match=r"export it as JPEG or PNG"):
        read_image(bad)


def test_gif_is_read_as_frames(tmp_path: Path, make_video: Callable[..., Path]) -> None:
    gif = tmp_path / "anim.gif"
    ffmpeg("-i", str(make_video("src.mp4", n=5)), "-loop", "-1", str(gif))  # plays once
    with VideoReader(gif) as reader:
        frames = list(reader)
    assert len(frames) == 5
    assert frames[0].image.shape == (120, 160, 3)


@pytest.mark.parametrize("loop", [True, False], ids=["looping", "plays_once"])
def test_a_looping_gif_is_played_twice_with_time_running_on(
    tmp_path: Path, make_video: Callable[..., Path], loop: bool
) -> None:
    # A looping animation has no first or last rep: played twice, a rep across the seam is seen whole.
    gif = tmp_path / "anim.gif"
    ffmpeg("-i", str(make_video("src.mp4", n=5)), "-loop", "0" if loop else "-1", str(gif))
    assert loops_forever(gif) is loop
    with VideoReader(gif) as reader:
        plays = LOOP_PLAYS if loop else 1
        assert reader.info.frame_count == 5 * plays
        frames = list(reader)
        assert len(frames) == 5 * plays and [f.index for f in frames] == list(range(5 * plays))
        times = np.array([f.t for f in frames])
        assert np.all(np.diff(times) > 0)
        if loop:
            assert reader.loop_s == pytest.approx(5 / reader.info.fps, abs=0.02)
            assert np.allclose(times[5:] - times[:5], reader.loop_s)
            assert np.array_equal(frames[0].image, frames[5].image)
        else:
            assert reader.loop_s is None
        assert not reader.partial


def test_a_still_gif_is_not_looped(tmp_path: Path, make_video: Callable[..., Path]) -> None:
    gif = tmp_path / "one.gif"
    ffmpeg("-i", str(make_video("src.mp4", n=1)), "-loop", "0", str(gif))
    with VideoReader(gif) as reader:
        assert len(list(reader)) == 1 and reader.loop_s is None


def test_write_video_helper_makes_what_it_says(tmp_path: Path) -> None:
    frames = [np.zeros((32, 48, 3), np.uint8)] * 3
    path = write_video(tmp_path / "tiny.mp4", frames)
    with VideoReader(path) as reader:
        assert (reader.info.width, reader.info.height) == (48, 32)
