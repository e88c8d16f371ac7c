from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck import writer
from posecheck.errors import PosecheckError
from posecheck.writer import VideoWriter, output_size


def make_frame(i: int, h: int = 240, w: int = 320) -> np.ndarray:
    """A frame with a moving bright square, so consecutive frames differ."""
    img = np.full((h, w, 3), 40, np.uint8)
    x = (i * 7) % max(1, w - 20)
    img[h // 4 : h // 4 + 20, x : x + 20] = (250, 250, 250)
    return img


def read_back(path: Path) -> tuple[str, int, int, list[float], list[np.ndarray]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        times = [float(f.pts * f.time_base) for f in frames]
        images = [f.to_ndarray(format="rgb24") for f in frames]
        return stream.codec_context.name, stream.width, stream.height, times, images


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("size", "max_long_side", "expected"),
    [
        ((1920, 1080), 1280, (1280, 720)),
        ((1080, 1920), 1280, (720, 1280)),
        ((3840, 2160), 1280, (1280, 720)),
        ((1920, 1080), None, (1920, 1080)),
        ((640, 480), 1280, (640, 480)),
        ((101, 75), 1280, (100, 74)),
        ((1001, 1999), 1000, (500, 1000)),
        ((1, 1), None, (2, 2)),
    ],
)
def test_output_size_is_even_and_bounded(
    size: tuple[int, int], max_long_side: int | None, expected: tuple[int, int]
) -> None:
    w, h = output_size(*size, max_long_side)
    assert (w, h) == expected
    assert w % 2 == 0 and h % 2 == 0


def test_constant_rate_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "annotated.mp4"
    times = [i / 30 for i in range(30)]
    with VideoWriter(out) as vw:
        for i, t in enumerate(times):
            vw.write(make_frame(i), t)
    assert vw.frames_written == 30
    codec, w, h, got, _ = read_back(out)
    assert codec == "h264"
    assert (w, h) == (320, 240)
    assert len(got) == 30
    np.testing.assert_allclose(got, times, atol=1.5e-3)
    assert leftovers(tmp_path) == ["annotated.mp4"]


def test_variable_frame_rate_keeps_times(tmp_path: Path) -> None:
    out = tmp_path / "vfr.mp4"
    times = [0.0, 0.021, 0.1, 0.5, 0.517, 1.3, 1.31, 1.8, 2.95, 3.0]
    with VideoWriter(out) as vw:
        for i, t in enumerate(times):
            vw.write(make_frame(i), t)
    _, _, _, got, _ = read_back(out)
    assert len(got) == len(times)
    np.testing.assert_allclose(got, times, atol=1.5e-3)


def test_times_count_from_the_first_frame(tmp_path: Path) -> None:
    out = tmp_path / "late.mp4"
    times = [100.0, 100.1, 100.25]
    with VideoWriter(out) as vw:
        for i, t in enumerate(times):
            vw.write(make_frame(i), t)
    _, _, _, got, _ = read_back(out)
    np.testing.assert_allclose(got, [0.0, 0.1, 0.25], atol=1.5e-3)


def test_non_increasing_times_stay_in_order(tmp_path: Path) -> None:
    out = tmp_path / "messy.mp4"
    with VideoWriter(out) as vw:
        for i, t in enumerate([0.0, 0.1, 0.1, 0.05, 0.2]):
            vw.write(make_frame(i), t)
    _, _, _, got, _ = read_back(out)
    assert len(got) == 5
    assert all(b > a for a, b in itertools.pairwise(got))


@pytest.mark.parametrize(
    ("h", "w", "max_long_side", "expected_wh"),
    [
        (75, 101, 1280, (100, 74)),
        (1080, 1920, 1280, (1280, 720)),
        (1920, 1080, 1280, (720, 1280)),
        (1080, 1920, None, (1920, 1080)),
        (3, 5, None, (4, 2)),
    ],
    ids=["odd", "landscape-downscaled", "portrait-downscaled", "full-size", "tiny"],
)
def test_written_size(
    tmp_path: Path, h: int, w: int, max_long_side: int | None, expected_wh: tuple[int, int]
) -> None:
    out = tmp_path / "size.mp4"
    with VideoWriter(out, max_long_side=max_long_side) as vw:
        for i in range(3):
            vw.write(make_frame(i, h, w), i / 25)
    assert vw.size == expected_wh
    _, got_w, got_h, got, _ = read_back(out)
    assert (got_w, got_h) == expected_wh
    assert len(got) == 3


def test_colours_survive_encoding(tmp_path: Path) -> None:
    """Red stays red: catches RGB/BGR mix-ups and a wrong colour matrix."""
    out = tmp_path / "colour.mp4"
    img = np.zeros((128, 192, 3), np.uint8)
    img[:, :64] = (230, 30, 30)
    img[:, 64:128] = (30, 200, 40)
    img[:, 128:] = (40, 60, 220)
    with VideoWriter(out) as vw:
        for i in range(3):
            vw.write(img, i / 10)
    _, _, _, _, images = read_back(out)
    for ours, theirs in ((img[:, 8:56], images[-1][:, 8:56]), (img[:, 136:184], images[-1][:, 136:184])):
        np.testing.assert_allclose(theirs.reshape(-1, 3).mean(0), ours.reshape(-1, 3).mean(0), atol=8)
    np.testing.assert_allclose(images[-1][:, 72:120].reshape(-1, 3).mean(0), (30, 200, 40), atol=8)


def test_file_appears_only_when_closed(tmp_path: Path) -> None:
    out = tmp_path / "annotated.mp4"
    vw = VideoWriter(out)
    for i in range(5):
        vw.write(make_frame(i), i / 30)
    assert not out.exists()
    names = leftovers(tmp_path)
    assert len(names) == 1 and names[0].startswith(".annotated.mp4.")
    assert vw.close() == out
    assert vw.close() == out  # idempotent
    assert leftovers(tmp_path) == ["annotated.mp4"]


def test_exception_inside_with_still_leaves_playable_file(tmp_path: Path) -> None:
    out = tmp_path / "annotated.mp4"
    with pytest.raises(RuntimeError, match="input broke off"), VideoWriter(out) as vw:
        for i in range(12):
            vw.write(make_frame(i), i / 30)
        raise RuntimeError("input broke off")
    codec, _, _, got, _ = read_back(out)
    assert codec == "h264"
    assert len(got) == 12
    assert leftovers(tmp_path) == ["annotated.mp4"]


def test_abort_leaves_nothing_and_keeps_an_older_file(tmp_path: Path) -> None:
    out = tmp_path / "annotated.mp4"
    out.write_bytes(b"previous run")
    with VideoWriter(out) as vw:
        for i in range(5):
            vw.write(make_frame(i), i / 30)
        vw.abort()
    assert leftovers(tmp_path) == ["annotated.mp4"]
    assert out.read_bytes() == b"previous run"


def test_abort_on_fresh_folder_leaves_it_empty(tmp_path: Path) -> None:
    with VideoWriter(tmp_path / "annotated.mp4") as vw:
        vw.write(make_frame(0), 0.0)
        vw.abort()
    assert leftovers(tmp_path) == []


def test_no_frames_no_file(tmp_path: Path) -> None:
    with VideoWriter(tmp_path / "annotated.mp4") as vw:
        pass
    assert vw.close() is None
    assert leftovers(tmp_path) == []


def test_existing_file_is_replaced_on_close(tmp_path: Path) -> None:
    out = tmp_path / "annotated.mp4"
    out.write_bytes(b"stale")
    with VideoWriter(out) as vw:
        for i in range(3):
            vw.write(make_frame(i), i / 30)
    assert len(read_back(out)[3]) == 3


@pytest.mark.parametrize(
    ("image", "t"),
    [
        (np.zeros((10, 10), np.uint8), 0.0),
        (np.zeros((10, 10, 4), np.uint8), 0.0),
        (np.zeros((10, 10, 3), np.float32), 0.0),
        (np.zeros((10, 10, 3), np.uint8), float("nan")),
    ],
    ids=["grey", "rgba", "float", "nan-time"],
)
def test_bad_frames_are_rejected(tmp_path: Path, image: np.ndarray, t: float) -> None:
    vw = VideoWriter(tmp_path / "x.mp4")
    with pytest.raises(ValueError):
        vw.write(image, t)
    vw.abort()


def test_write_after_close_is_an_error(tmp_path: Path) -> None:
    vw = VideoWriter(tmp_path / "x.mp4")
    vw.write(make_frame(0), 0.0)
    vw.close()
    with pytest.raises(ValueError, match="closed"):
        vw.write(make_frame(1), 0.1)


def test_missing_encoder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "CODEC", "no_such_encoder_x264")
    with pytest.raises(PosecheckError, match="no_such_encoder_x264"):
        VideoWriter(tmp_path / "x.mp4")
    assert leftovers(tmp_path) == []


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PosecheckError, match="does not exist"):
        VideoWriter(tmp_path / "nope" / "x.mp4")
