"""Every bad or awkward input through ``posecheck analyze``: one clear line, exit code 2, nothing lost.

Most cases call ``main()`` in-process (fast); the truncated clip runs the real command line and the
real pose model on a real clip. Synthetic media are made at test time in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posecheck.cli import main
from posecheck.video import VideoReader
from tests.conftest import ffmpeg

REPO = Path(__file__).resolve().parents[1]
BRIDGE_CLIP = "bridge/ndnam0109-fitness-content__glute_bridges.mp4"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    """The single ``posecheck: error:`` line of ``err`` (fails on tracebacks or extra lines)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    assert lines[0].startswith("posecheck: error: "), err
    message = lines[0].removeprefix("posecheck: error: ")
    assert ";" in message, f"no advice after ';' in: {message}"
    return message


def analyze(capsys: pytest.CaptureFixture[str], path: Path, out: Path, *more: str) -> tuple[int, str, str]:
    return run(capsys, "analyze", str(path), "--exercise", "bridge", "--out", str(out), *more)


def report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text())
    return data


# ----- files that are not usable ------------------------------------------------------------------
def test_missing_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = analyze(capsys, tmp_path / "nope.mp4", tmp_path / "out")
    assert code == 2
    assert one_line_error(err) == f"input not found: {tmp_path / 'nope.mp4'}; check the path"
    assert not (tmp_path / "out").exists()


def test_directory_as_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = analyze(capsys, tmp_path, tmp_path / "out")
    assert code == 2
    assert one_line_error(err) == f"input {tmp_path} is a folder; pass a video or image file inside it"


def test_empty_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    code, _, err = analyze(capsys, empty, tmp_path / "out")
    assert code == 2
    assert one_line_error(err) == f"input {empty} is empty (0 bytes); record or copy the video again"
    assert not (tmp_path / "out").exists()


def test_text_file_named_mp4(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("my workout notes\nbridge x10\n")
    code, _, err = analyze(capsys, text, tmp_path / "out")
    assert code == 2
    assert one_line_error(err) == (
        f"{text} is a text file, not a video or image; "
        "pass a video (MP4, MOV, WebM, GIF) or an image (JPEG, PNG)"
    )
    assert not (tmp_path / "out").exists(), "a failed input must not leave an output folder behind"


def test_binary_garbage_named_mp4(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    code, _, err = analyze(capsys, junk, tmp_path / "out")
    assert code == 2
    message = one_line_error(err)
    assert message.startswith(f"{junk} is not a video FFmpeg can read (")
    assert "[Errno" not in message


def test_audio_only_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    audio = tmp_path / "voice.mp4"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(audio))
    code, _, err = analyze(capsys, audio, tmp_path / "out")
    assert code == 2
    assert one_line_error(err) == f"{audio} has only audio, no video stream; pass a video of the exercise"


def test_audio_file_by_content(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    audio = tmp_path / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", "-f", "ipod", str(audio))
    code, _, err = analyze(capsys, audio, tmp_path / "out")
    assert code == 2
    assert (
        one_line_error(err) == f"{audio} is an audio file (M4A) with no picture; pass a video of the exercise"
    )


def test_unsupported_codec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # An AVI whose FourCC no decoder knows: encode MPEG-4 as 'XVID', then rename the FourCC.
    avi = tmp_path / "ok.avi"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10:duration=1",
        "-c:v",
        "mpeg4",
        "-vtag",
        "XVID",
        str(avi),
    )
    data = avi.read_bytes()
    assert data.count(b"XVID") >= 1
    odd = tmp_path / "odd_codec.avi"
    odd.write_bytes(data.replace(b"XVID", b"QZQZ"))
    code, _, err = analyze(capsys, odd, tmp_path / "out")
    assert code == 2
    assert one_line_error(err) == (
        f"{odd}: its video codec is not supported by this posecheck; "
        "re-encode it as H.264 MP4 (ffmpeg -i IN -c:v libx264 -pix_fmt yuv420p OUT.mp4)"
    )


def test_npz_that_is_not_a_track(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fake = tmp_path / "fake.npz"
    np.savez(fake, a=np.zeros(3))
    code, _, err = analyze(capsys, fake, tmp_path / "out")
    assert code == 2
    assert one_line_error(err).startswith(f"{fake} is not a posecheck landmark track (")


def test_bad_model_path_is_checked_before_the_output_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    video = make_video("clip.mp4", n=3)
    code, _, err = analyze(capsys, video, tmp_path / "out", "--model", str(tmp_path / "missing.task"))
    assert code == 2
    assert one_line_error(err) == (
        f"model file not found: {tmp_path / 'missing.task'}; pass a MediaPipe pose landmarker .task file"
    )
    assert not (tmp_path / "out").exists()


def test_unknown_exercise_suggests_the_nearest(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "analyze", "x.mp4", "--exercise", "brigde", "--out", str(tmp_path / "o"))
    assert code == 2
    assert one_line_error(err) == "unknown exercise 'brigde'; did you mean 'bridge'?"
    code, _, err = run(capsys, "analyze", "x.mp4", "--exercise", "zzzz", "--out", str(tmp_path / "o"))
    assert one_line_error(err) == "unknown exercise 'zzzz'; run 'posecheck exercises' for the list"


# ----- misnamed files: analysed as what they really are ------------------------------------------
def test_image_given_as_video_is_analysed_as_an_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import cv2

    ok, jpeg = cv2.imencode(".jpg", np.full((120, 160, 3), 110, np.uint8))
    assert ok
    disguised = tmp_path / "photo.mp4"
    disguised.write_bytes(jpeg.tobytes())
    code, _, err = analyze(capsys, disguised, tmp_path / "out")
    assert code == 0, err
    r = report(tmp_path / "out")
    assert r["input_kind"] == "image" and r["frames"]["total"] == 1
    note = "photo.mp4 holds image data (JPEG) despite its .mp4 name; analysed as a still"
    assert note in r["warnings"]
    assert f"warning: {note}" in err.splitlines()


def test_video_given_as_image_is_analysed_as_a_video(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    video = make_video("real.mp4", n=8)
    disguised = tmp_path / "clip.jpg"
    disguised.write_bytes(video.read_bytes())
    code, _, err = analyze(capsys, disguised, tmp_path / "out")
    assert code == 0, err
    r = report(tmp_path / "out")
    assert r["input_kind"] == "video" and r["frames"]["total"] == 8
    assert "clip.jpg holds video data (MP4/MOV) despite its .jpg name; analysed as video" in r["warnings"]


# ----- nobody, darkness ---------------------------------------------------------------------------
def test_no_person_in_view(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    blank = make_video("blank.mp4", n=12, level=120)
    code, out, err = analyze(capsys, blank, tmp_path / "out")
    assert code == 0, err
    r = report(tmp_path / "out")
    assert r["frames"] == {"total": 12, "with_pose": 0}
    assert "no_person" in [c["id"] for c in r["cues"]]
    warning = (
        "no person was found in any frame: put the camera where it sees your whole body in a lit room, "
        "then record again"
    )
    assert r["warnings"][0] == warning
    assert f"warning: {warning}" in err.splitlines()
    assert "Traceback" not in err
    assert "0/12 frames with a person" in out


def test_very_dark_video(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    dark = make_video("dark.mp4", n=10, level=4)
    code, _, err = analyze(capsys, dark, tmp_path / "out")
    assert code == 0, err
    dark_warning = (
        "the video is very dark: light the room or turn the camera away from the window, then record again"
    )
    assert dark_warning in report(tmp_path / "out")["warnings"]
    assert f"warning: {dark_warning}" in err.splitlines()


def test_rotated_phone_clip_is_analysed_upright(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    rotated = tmp_path / "phone.mp4"
    ffmpeg("-i", str(make_video("land.mp4", n=5)), "-metadata:s:v:0", "rotate=90", "-c", "copy", str(rotated))
    code, _, err = analyze(capsys, rotated, tmp_path / "out")
    assert code == 0, err
    with VideoReader(tmp_path / "out" / "annotated.mp4") as annotated:
        assert (annotated.info.width, annotated.info.height) == (120, 160)


# ----- a video cut short: end to end through the command line, real model, real clip ---------------
@pytest.mark.footage
def test_truncated_real_clip_keeps_what_was_readable(footage: Path, tmp_path: Path) -> None:
    short = tmp_path / "bridge_3s.mp4"
    ffmpeg(
        "-t", "3", "-i", str(footage / BRIDGE_CLIP), "-vf", "scale=-2:360", "-r", "15", "-c:v", "libx264",
        "-preset", "veryfast", "-g", "15", "-an", "-movflags", "+faststart", str(short),
    )  # fmt: skip
    data = short.read_bytes()
    cut = tmp_path / "bridge_cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "posecheck", "analyze", str(cut), "-e", "bridge", "-o", str(out)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # Only our own lines: MediaPipe/TFLite INFO and WARNING chatter is kept off the terminal.
    assert all(line.startswith("warning: ") for line in proc.stderr.splitlines()), proc.stderr
    r = report(out)
    assert r["partial"] is True
    assert re.fullmatch(
        r"the video stops at \d+\.\d\d s of the 3\.\d\d s its header announces: the file is cut short.*",
        r["stop_reason"],
    ), r["stop_reason"]
    assert 0 < r["frames"]["total"] < 45
    assert r["frames"]["with_pose"] > 0
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: the video stops at")]
    assert len(warnings) == 1 and warnings[0].endswith(
        "the results cover what came before (report.json: partial)"
    )
    with VideoReader(out / "annotated.mp4") as annotated:
        assert sum(1 for _ in annotated) == r["frames"]["total"]
    track = np.load(out / "track.npz")
    assert json.loads(str(track["meta"]))["partial"] is True


# ----- huge inputs: streamed, bounded memory, inference on a downscaled copy ---------------------
def test_4k_60fps_clip_runs_inference_downscaled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import posecheck.pose.estimator as estimator_module

    big = tmp_path / "uhd.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "color=c=0x808080:size=3840x2160:rate=60:duration=1",
        "-vf", "drawbox=x=t*900:y=800:w=400:h=400:color=red:t=fill",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(big),
    )  # fmt: skip
    seen: list[tuple[int, ...]] = []
    original = estimator_module.resize_long_side

    def spy(image: np.ndarray, long_side: int) -> np.ndarray:
        small = original(image, long_side)
        seen.append(small.shape)
        return small

    monkeypatch.setattr(estimator_module, "resize_long_side", spy)
    code, _, err = analyze(capsys, big, tmp_path / "out")
    assert code == 0, err
    r = report(tmp_path / "out")
    assert r["frames"]["total"] == 60
    # Also shown to the model, with nobody found: the same copy turned (a camera on its side?) and
    # tiles of it (a person far away?). Never anything bigger than the 960 px copy.
    shapes = {s[:2] for s in seen}
    assert (540, 960) in shapes and max(max(s) for s in shapes) <= 960, (
        "inference must run on the 960 px copy"
    )
    with VideoReader(tmp_path / "out" / "annotated.mp4") as annotated:
        assert (annotated.info.width, annotated.info.height) == (960, 540)


MEMORY_DRIVER = textwrap.dedent(
    """
    import json, sys
    import psutil
    import posecheck.analyze as analyze
    from posecheck.coach.loader import load_exercise

    class NoModel:  # the model's own memory is not what is measured here; frames are
        def __init__(self, options=None): pass
        def __enter__(self): return self
        def __exit__(self, *exc): pass
        def detect(self, rgb, t, frame_size=None): return []
        def detect_still(self, rgb, frame_size=None): return None

    analyze.PoseEstimator = NoModel
    proc = psutil.Process()
    marks = {"warm_rss": 0, "peak_rss": 0, "frames": 0}

    def progress(done, total):
        if done == 40:
            marks["warm_rss"] = proc.memory_info().rss
        if done >= 40:
            marks["peak_rss"] = max(marks["peak_rss"], proc.memory_info().rss)
        marks["frames"] = done

    analyze.analyze_media(sys.argv[1], load_exercise("bridge"), sys.argv[2], progress=progress)
    print(json.dumps(marks))
    """
)


def test_long_video_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    long_clip = tmp_path / "long.mp4"
    # 20 s of 640x480 at 30 fps: 600 frames, 550 MB if they were all held as RGB.
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30:duration=20", "-c:v", "libx264",
        "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(long_clip),
    )  # fmt: skip
    driver = tmp_path / "driver.py"
    driver.write_text(MEMORY_DRIVER)
    # A fixed mmap threshold makes glibc return freed frame-sized buffers to the system at once;
    # with its default (adaptive) threshold, freed buffers are parked in per-thread arenas and RSS
    # rises in steps on a busy machine that say nothing about what our code keeps.
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    proc = subprocess.run(
        [sys.executable, str(driver), str(long_clip), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=180, cwd=REPO, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    marks = json.loads(proc.stdout.strip().splitlines()[-1])
    assert marks["frames"] == 600
    held_mb = 560 * 640 * 480 * 3 / 2**20
    rss_mb = (marks["peak_rss"] - marks["warm_rss"]) / 2**20
    assert rss_mb < 100, (
        f"RSS grew {rss_mb:.0f} MB over 560 frames (all of them are {held_mb:.0f} MB): {marks}"
    )


def test_track_with_broken_times(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path
) -> None:
    from posecheck.track import Track

    track = Track.load(tracks_dir / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz")
    track.t[3] = np.nan
    damaged = track.save(tmp_path / "damaged.npz")
    code, _, err = analyze(capsys, damaged, tmp_path / "out")
    assert code == 2
    assert one_line_error(err) == (
        f"{damaged} is a damaged landmark track (some frame times are not numbers); "
        "make one with 'posecheck extract VIDEO --out damaged.npz'"
    )
