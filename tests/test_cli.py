"""The command line's promises about outputs: atomic files, no overwrite without --force,
nothing half-written after Ctrl-C, SIGTERM or SIGKILL, and a progress bar with time left."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import posecheck.analyze as analyze_module
from posecheck.analyze import analyze_media
from posecheck.cli import Progress, main
from posecheck.coach.loader import load_exercise
from posecheck.errors import Interrupted

REPO = Path(__file__).resolve().parents[1]
BRIDGE_TRACK = "bridge/ndnam0109-fitness-content__glute_bridges.npz"


class NoModel:
    """Stands in for the pose model where only the plumbing is under test."""

    def __init__(self, options: object = None) -> None:
        pass

    def __enter__(self) -> NoModel:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def detect(self, rgb: np.ndarray, t: float, frame_size: Any = None) -> list[Any]:
        return []

    def detect_still(self, rgb: np.ndarray, frame_size: Any = None) -> None:
        return None


def leftovers(folder: Path) -> list[str]:
    """Temporary files an atomic writer would leave if it were not atomic."""
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith((".part", ".tmp"))
    )


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("posecheck: error: ")
    return lines[0].removeprefix("posecheck: error: ")


# ----- output folder ------------------------------------------------------------------------------
def test_non_empty_output_folder_is_not_overwritten_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text('{"mine": true}')
    code = main(["analyze", str(tracks_dir / BRIDGE_TRACK), "-e", "bridge", "-o", str(out)])
    assert code == 2
    assert one_line_error(capsys.readouterr().err) == (
        f"output folder {out} is not empty; pass --force to overwrite or choose another --out"
    )
    assert (out / "report.json").read_text() == '{"mine": true}'


def test_force_replaces_our_outputs_and_keeps_other_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    (out / "annotated.mp4").write_bytes(b"an older run's video")  # this run (a track) makes no video
    code = main(["analyze", str(tracks_dir / BRIDGE_TRACK), "-e", "bridge", "-o", str(out), "--force"])
    assert code == 0, capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"
    assert not (out / "annotated.mp4").exists(), "a stale video would describe another input"
    assert json.loads((out / "report.json").read_text())["input_kind"] == "track"
    assert leftovers(out) == []


def test_output_path_that_is_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path
) -> None:
    target = tmp_path / "results"
    target.write_text("x")
    assert main(["analyze", str(tracks_dir / BRIDGE_TRACK), "-e", "bridge", "-o", str(target)]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        f"output {target} exists and is not a folder; choose another --out"
    )


def test_output_folder_that_cannot_be_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker / "sub"
    assert main(["analyze", str(tracks_dir / BRIDGE_TRACK), "-e", "bridge", "-o", str(out)]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert message.startswith(f"cannot create output folder {out} (") and message.endswith(
        "choose another --out"
    )


def test_extract_refuses_to_overwrite(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      make_video: Callable[..., Path]) -> None:  # fmt: skip
    track = tmp_path / "t.npz"
    track.write_bytes(b"old")
    assert main(["extract", str(make_video("c.mp4", n=2)), "-o", str(track)]) == 2
    assert (
        one_line_error(capsys.readouterr().err)
        == f"{track} exists; pass --force to overwrite or choose another --out"
    )
    assert track.read_bytes() == b"old"


# ----- interruption -------------------------------------------------------------------------------
def test_no_video_writes_every_output_but_the_annotated_video(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_video: Callable[..., Path],
) -> None:
    monkeypatch.setattr(analyze_module, "PoseEstimator", NoModel)
    out = tmp_path / "out"
    code = main(["analyze", str(make_video("clip.mp4", n=10)), "-e", "bridge", "-o", str(out), "--no-video"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["angles.png", "report.json", "reps.csv", "track.npz"]
    assert json.loads((out / "report.json").read_text())["frames"]["total"] == 10


def test_ctrl_c_keeps_a_complete_partial_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_video: Callable[..., Path]
) -> None:
    monkeypatch.setattr(analyze_module, "PoseEstimator", NoModel)
    video = make_video("clip.mp4", n=30)

    def progress(done: int, total: int) -> None:
        if done == 12:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(Interrupted) as stopped:
        analyze_media(video, load_exercise("bridge"), out, progress=progress)
    assert stopped.value.saved == out
    report = json.loads((out / "report.json").read_text())
    assert report["partial"] is True
    assert report["stop_reason"] == "interrupted by the user at 1.10 s"
    assert report["frames"]["total"] == 12
    assert sorted(p.name for p in out.iterdir()) == ["angles.png", "annotated.mp4", "report.json", "reps.csv",
                                                      "track.npz"]  # fmt: skip


def test_ctrl_c_on_the_command_line_says_where_the_results_are(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    make_video: Callable[..., Path],
) -> None:  # fmt: skip
    class Interrupting(NoModel):
        calls = 0

        def detect(self, rgb: np.ndarray, t: float, frame_size: Any = None) -> list[Any]:
            Interrupting.calls += 1
            if Interrupting.calls == 5:
                raise KeyboardInterrupt
            return []

    monkeypatch.setattr(analyze_module, "PoseEstimator", Interrupting)
    out = tmp_path / "out"
    code = main(["analyze", str(make_video("clip.mp4", n=20)), "-e", "bridge", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 130
    assert err.strip() == (
        f"posecheck: interrupted at 0.30 s; the results so far are in {out} (report.json says partial: true)"
    )
    assert json.loads((out / "report.json").read_text())["partial"] is True
    assert leftovers(out) == []


def test_ctrl_c_before_the_first_frame_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    make_video: Callable[..., Path],
) -> None:  # fmt: skip
    class Interrupting(NoModel):
        def detect(self, rgb: np.ndarray, t: float, frame_size: Any = None) -> list[Any]:
            raise KeyboardInterrupt

    monkeypatch.setattr(analyze_module, "PoseEstimator", Interrupting)
    out = tmp_path / "out"
    assert main(["analyze", str(make_video("clip.mp4", n=5)), "-e", "bridge", "-o", str(out)]) == 130
    assert capsys.readouterr().err.strip() == (
        "posecheck: interrupted before any frame was analysed; nothing was written"
    )
    assert not (out / "report.json").exists() and leftovers(out) == []


SLOW_DRIVER = textwrap.dedent(
    """
    import sys, time
    import posecheck.analyze as analyze

    class SlowNoModel:  # 20 ms a frame, like the model, so there is time to interrupt
        def __init__(self, options=None): pass
        def __enter__(self): return self
        def __exit__(self, *exc): pass
        def detect(self, rgb, t, frame_size=None):
            time.sleep(0.02)
            return []
        def detect_still(self, rgb, frame_size=None): return None

    analyze.PoseEstimator = SlowNoModel
    from posecheck.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def start_slow_run(tmp_path: Path, video: Path, out: Path) -> subprocess.Popen[str]:
    driver = tmp_path / "driver.py"
    driver.write_text(SLOW_DRIVER)
    proc = subprocess.Popen(
        [sys.executable, str(driver), "analyze", str(video), "-e", "bridge", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    # The annotated video's temporary file appears with the first analysed frame.
    while not (out.is_dir() and any(p.name.endswith(".part") for p in out.iterdir())):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the run did not start analysing: {proc.communicate()[1]}")
        time.sleep(0.05)
    time.sleep(0.3)
    return proc


def test_sigterm_saves_a_partial_report_and_no_temporary_files(
    tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    video = make_video("long.mp4", n=300, fps=30)
    out = tmp_path / "out"
    proc = start_slow_run(tmp_path, video, out)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().startswith("posecheck: interrupted at ")
    report = json.loads((out / "report.json").read_text())
    assert report["partial"] is True and report["stop_reason"].startswith("interrupted by the user at ")
    assert 0 < report["frames"]["total"] < 300
    assert leftovers(out) == []


def test_sigkill_never_leaves_a_half_written_report(tmp_path: Path, make_video: Callable[..., Path]) -> None:
    video = make_video("long.mp4", n=300, fps=30)
    out = tmp_path / "out"
    proc = start_slow_run(tmp_path, video, out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    # Killed outright: no report at all (never half of one); only the video's hidden temporary file.
    assert not (out / "report.json").exists()
    assert all(name.startswith(".annotated.mp4.") for name in leftovers(out))
    # A re-run needs no --force: our stale temporary files do not count as earlier results.
    done = subprocess.run(
        [sys.executable, str(tmp_path / "driver.py"), "analyze", str(make_video("short.mp4", n=5)),
         "-e", "bridge", "-o", str(out)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert leftovers(out) == []
    assert json.loads((out / "report.json").read_text())["frames"]["total"] == 5


# ----- progress -----------------------------------------------------------------------------------
class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_frames_and_time_left_on_a_terminal() -> None:
    screen = FakeTerminal()
    progress = Progress("clip.mp4", stream=screen)
    progress(1, 200)
    progress(100, 200)
    progress._bar.refresh()  # tqdm rate-limits redraws; force one for the test
    text = screen.getvalue()
    progress.close()
    assert "clip.mp4" in text and "100/200" in text
    assert "<" in text  # elapsed<remaining: the time left
    assert "frame" in text


def test_progress_bar_is_silent_when_not_a_terminal() -> None:
    log = io.StringIO()
    progress = Progress("clip.mp4", stream=log)
    progress(1, 10)
    progress(10, 10)
    progress.close()
    assert log.getvalue() == ""
