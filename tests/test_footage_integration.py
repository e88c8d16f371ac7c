"""End to end on real footage: video in, every output out, counts as labelled.

These run the pose model, so they are the slowest tests; one clip per exercise
(the shortest labelled one) keeps them to a couple of minutes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from posecheck.cli import main
from posecheck.extract import extract_track
from posecheck.track import Track
from posecheck.video import VideoReader
from tests.conftest import ffmpeg

REPO = Path(__file__).resolve().parents[1]

# (clip, exercise, labelled reps): the shortest clip of each exercise that shows the handout's exercise.
CLIPS = [
    ("bridge/ndnam0109-fitness-content__glute_bridges.mp4", "bridge", 3),
    ("bird_dog/HonzaCzSk-polybag__bird_dog.mp4", "bird_dog", 2),
    ("hip_stretch/Hpy2GitHub-merged-exercise__kneeling-hip-flexor-stretch.mp4", "hip_stretch", 2),
    ("leg_stretch/ndnam0109-fitness-content__straight_leg_hugs.mp4", "leg_stretch", 6),
    ("spine_stretch/Hpy2GitHub-merged-exercise__lower-trunk-rotation.mp4", "spine_stretch", 4),
]


def analyze_report(media: Path, exercise: str, out: Path) -> dict[str, Any]:
    """``posecheck analyze`` on ``media`` into ``out``; its report.json."""
    assert main(["analyze", str(media), "-e", exercise, "-o", str(out)]) == 0
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    return report


@pytest.mark.footage
@pytest.mark.slow
@pytest.mark.parametrize(("clip", "exercise", "reps"), CLIPS, ids=[c[1] for c in CLIPS])
def test_analyze_video_end_to_end(footage: Path, tmp_path: Path, clip: str, exercise: str, reps: int) -> None:
    if not (REPO / "rules" / f"{exercise}.toml").exists():
        pytest.fail(f"rules/{exercise}.toml is missing")
    out = tmp_path / "out"
    assert main(["analyze", str(footage / clip), "--exercise", exercise, "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["exercise"] == exercise
    assert report["reps"]["total"] == reps
    assert report["frames"]["with_pose"] >= 0.9 * report["frames"]["total"]
    assert report["partial"] is False
    with (out / "reps.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # Counted reps first, then a row per movement not counted (report.json's "uncounted").
    assert [r["counted"] for r in rows] == ["yes"] * reps + ["no"] * len(report["uncounted"])
    assert (out / "angles.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with av.open(str(out / "annotated.mp4")) as video:
        stream = video.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = sum(1 for _ in video.decode(stream))
    assert frames == report["frames"]["total"]
    # The saved track re-scores to the same counts without the model.
    again = tmp_path / "again"
    assert main(["analyze", str(out / "track.npz"), "-e", exercise, "-o", str(again)]) == 0
    assert json.loads((again / "report.json").read_text())["reps"] == report["reps"]


@pytest.mark.footage
def test_still_image_is_a_posture_check(footage: Path, tmp_path: Path) -> None:
    image = footage / "bridge" / "yuhonas-free-exercise-db__Butt_Lift_Bridge_0.jpg"
    report = analyze_report(image, "bridge", tmp_path / "still")
    assert report["frames"] == {"total": 1, "with_pose": 1}
    assert report["still"]["posture"] == "supine"
    assert report["reps"]["total"] == 0
    # labelled "start": lying on the back, knees bent, before the lift
    assert report["still"]["position"] == "start"
    assert report["still"]["note"] == "The picture shows the start position of the bridge."


@pytest.mark.footage
@pytest.mark.slow
def test_committed_track_matches_a_fresh_extraction(footage: Path) -> None:
    """Golden file with a margin: the shipped track is what this posecheck extracts today."""
    clip = "other/kaiakol-computervision__pushup_correct_001.mp4"
    fresh = extract_track(footage / clip)
    shipped = Track.load(REPO / "sample_videos" / "tracks" / Path(clip).with_suffix(".npz"))
    assert len(fresh) == len(shipped)
    np.testing.assert_allclose(fresh.t, shipped.t, atol=1e-6)
    both = ~np.isnan(fresh.xy[:, 0, 0, 0]) & ~np.isnan(shipped.xy[:, 0, 0, 0])
    assert both.mean() > 0.95
    err = np.abs(fresh.xy[both, 0] - shipped.xy[both, 0])
    visible = shipped.visibility[both, 0] > 0.5
    assert np.nanmedian(err[visible]) < 2.0  # pixels


@pytest.mark.footage
def test_looping_gif_counts_the_rep_across_its_seam(footage: Path, tmp_path: Path) -> None:
    # The GIF loops; one pass starts mid-hold and ends mid-hold, so its one rep only exists across
    # the seam. Played twice and counted in the second play: 1 right rep, and the report says why.
    out = tmp_path / "gif"
    report = analyze_report(footage / "bird_dog" / "Lena-core-backrehabapp__bird_dog.gif", "bird_dog", out)
    assert report["frames"]["total"] == 52  # 26 frames, played twice
    assert report["reps"]["total"] == 1 and report["reps"]["right"] == 1
    assert any("looping animation" in w for w in report["warnings"])
    track = Track.load(out / "track.npz")
    assert track.meta["loop_s"] == pytest.approx(3.12)
    assert analyze_report(out / "track.npz", "bird_dog", tmp_path / "again")["reps"] == report["reps"]


SIDEWAYS = [
    # (clip, exercise, reps, suffix, ffmpeg output options)
    ("bridge/ndnam0109-fitness-content__glute_bridges.mp4", "bridge", 3, ".mp4",
     ["-an", "-c:v", "libx264", "-preset", "ultrafast"]),
    # Short (26 frames, played twice): the tracker must let go of the sideways crop at once.
    ("bird_dog/Lena-core-backrehabapp__bird_dog.gif", "bird_dog", 1, ".gif", ["-loop", "0"]),
]  # fmt: skip


@pytest.mark.footage
@pytest.mark.slow
@pytest.mark.parametrize(("clip", "exercise", "reps", "suffix", "options"), SIDEWAYS, ids=["mp4", "gif"])
def test_phone_on_its_side_without_metadata_is_turned_from_the_picture(
    footage: Path, tmp_path: Path, clip: str, exercise: str, reps: int, suffix: str, options: list[str]
) -> None:
    # The clip turned 90 degrees clockwise in its pixels, with no rotation tag: the model reads the
    # sideways body badly (on the bridge: head at the feet), so the picture itself must be turned.
    sideways = tmp_path / f"sideways{suffix}"
    ffmpeg("-i", str(footage / clip), "-vf", "transpose=clock,scale=-2:540", *options, str(sideways))
    with VideoReader(sideways) as reader:
        assert reader.info.rotation == 0 and reader.info.width > reader.info.height
    out = tmp_path / "out"
    report = analyze_report(sideways, exercise, out)
    assert report["reps"]["total"] == reps
    track = Track.load(out / "track.npz")
    assert track.meta["camera_turns"] == 1 and track.height == 540
    assert analyze_report(out / "track.npz", exercise, tmp_path / "again")["reps"] == report["reps"]
    if suffix == ".mp4":
        # extract with the exercise does the same picture check, so its track re-scores the same.
        extracted = tmp_path / "extracted.npz"
        assert main(["extract", str(sideways), "-e", exercise, "-o", str(extracted)]) == 0
        assert Track.load(extracted).meta["camera_turns"] == 1
        assert analyze_report(extracted, exercise, tmp_path / "from_extract")["reps"] == report["reps"]


@pytest.mark.footage
@pytest.mark.slow
def test_a_small_person_far_from_the_camera_is_found_and_counted(footage: Path, tmp_path: Path) -> None:
    # The bird dog's first camera angle (0-11 s: 4 labelled reps, seen from behind at an angle) with
    # the person shrunk to half size in the same 1920 x 1080 frame: ~11% of its width. The whole
    # picture, shrunk for the detector, then shows too small a person to be found.
    small = tmp_path / "small.mp4"
    ffmpeg(
        "-t", "11", "-i", str(footage / "bird_dog" / "Hpy2GitHub-merged-exercise__bird-dog.mp4"),
        "-vf", "scale=iw/2:ih/2,pad=iw*2:ih*2:(ow-iw)/2:(oh-ih)/2", "-an", "-c:v", "libx264",
        "-preset", "ultrafast", str(small),
    )  # fmt: skip
    report = analyze_report(small, "bird_dog", tmp_path / "out")
    assert report["frames"]["with_pose"] >= 0.9 * report["frames"]["total"]
    assert report["reps"] == {"total": 4, "left": 2, "right": 2}
