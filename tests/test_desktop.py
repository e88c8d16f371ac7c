"""Desktop live mode (`posecheck live`): same engine, cues printed when there is no window."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.cli import main


@pytest.mark.footage
@pytest.mark.slow
def test_live_against_a_recording_counts_and_prints(
    footage: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = footage / "bridge" / "ndnam0109-fitness-content__glute_bridges.mp4"
    assert main(["live", "--video", str(clip), "-e", "bridge", "--no-window", "--fast"]) == 0
    out = capsys.readouterr().out
    assert "rep 3" in out
    assert out.strip().endswith("set done: 3 reps")


def test_missing_camera_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "--camera", "97", "-e", "bridge", "--no-window"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "posecheck: error: camera 97 cannot be opened; check it is connected and not used by another app"
    ]


def test_unknown_exercise_for_live(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "--camera", "0", "-e", "brige", "--no-window"]) == 2
    assert "did you mean 'bridge'" in capsys.readouterr().err
