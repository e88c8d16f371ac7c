"""``posecheck batch --exercise auto``: each input split into exercises, re-runs skip or re-score."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.routine_eval import join_tracks
from posecheck.track import Track
from tests.test_batch import TRACKS, summary, tuned_rules

SQUATS = TRACKS / "other" / "trajnovd-workout-app__goblet_squats.npz"
BRIDGE = TRACKS / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
HUGS = TRACKS / "leg_stretch" / "ndnam0109-fitness-content__straight_leg_hugs.npz"
CAT = TRACKS / "other" / "HonzaCzSk-polybag__kocici_hrbet_cat_back.npz"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A joined recording of bridges and leg hugs, and a cat stretch (none of the ten)."""
    clips = tmp_path / "clips"
    clips.mkdir()
    join_tracks([Track.load(p) for p in (SQUATS, BRIDGE, SQUATS, HUGS)]).save(clips / "a_routine.npz")
    Track.load(CAT).save(clips / "b_cat.npz")
    return clips


def test_auto_batch_splits_each_input_and_reruns_skip_or_rescore(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["batch", str(folder), "-e", "auto", "--out", str(out)]) == 0
    routine, cat = summary(out)
    assert (routine["status"], routine["exercise"], routine["action"]) == ("ok", "auto", "track input")
    assert routine["reps_total"] == 3 + 6  # the labelled bridges and leg hugs
    assert "bridge" in routine["note"] and "leg_stretch" in routine["note"]
    assert (cat["reps_total"], cat["note"]) == (0, "no exercise found")
    report = json.loads((out / routine["result"] / "report.json").read_text())
    assert [s["exercise"] for s in report["segments"] if s["exercise"] != "none"] == ["bridge", "leg_stretch"]
    assert main(["batch", str(folder), "-e", "auto", "--out", str(out)]) == 0
    assert [r["action"] for r in summary(out)] == ["skipped", "skipped"]
    # A tuned rule file is one of the ten a recognising batch uses: every input is scored again.
    rules = tuned_rules(tmp_path)
    assert main(["batch", str(folder), "-e", "auto", "--out", str(out), "--rules", str(rules)]) == 0
    again = summary(out)
    assert [r["action"] for r in again] == ["track input", "track input"]
    assert [r["reps_total"] for r in again] == [9, 0]
    assert main(["batch", str(folder), "-e", "auto", "--out", str(out), "--rules", str(rules)]) == 0
    assert [r["action"] for r in summary(out)] == ["skipped", "skipped"]


def test_manifest_mixes_auto_and_a_given_exercise(folder: Path, tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(f"path,exercise\n{folder / 'a_routine.npz'},auto\n{BRIDGE},bridge\n")
    out = tmp_path / "out"
    assert main(["batch", str(listing), "--out", str(out)]) == 0
    rows = summary(out)
    assert [(r["exercise"], r["reps_total"]) for r in rows] == [("auto", 9), ("bridge", 3)]


def test_auto_video_is_rescored_from_its_track_without_the_model(
    make_video: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_video("clip.mp4", n=15)
    out = tmp_path / "out"
    batch = ["batch", str(video), "-e", "auto", "--out", str(out)]
    assert main(batch) == 0  # the annotated video is not asked of a recognising analysis
    (row,) = summary(out)
    assert (row["status"], row["action"]) == ("ok", "analysed"), row
    folder = out / row["result"]
    assert (folder / "track.npz").is_file() and not (folder / "annotated.mp4").exists()
    assert main(batch) == 0
    assert summary(out)[0]["action"] == "skipped"
    blocker = tmp_path / "not-a-folder"  # from here on the pose model cannot be loaded
    blocker.write_text("")
    monkeypatch.setenv("POSECHECK_CACHE", str(blocker))
    assert main([*batch, "--rules", str(tuned_rules(tmp_path))]) == 0
    (rescored,) = summary(out)
    assert (rescored["status"], rescored["action"]) == ("ok", "track reused"), rescored
    assert (folder / "track.npz").is_file()
