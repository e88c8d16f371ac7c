"""End to end on real footage: video in, every output out, counts as labelled.

These run the pose model, so they are the slowest tests; one clip per exercise
(the shortest labelled one) keeps them to a couple of minutes.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.cli import main
from posecheck.extract import extract_track
from posecheck.track import Track

REPO = Path(__file__).resolve().parents[1]

# (clip, exercise, labelled reps): the shortest clip of each exercise that shows the handout's exercise.
CLIPS = [
    ("bridge/ndnam0109-fitness-content__glute_bridges.mp4", "bridge", 3),
    ("bird_dog/HonzaCzSk-polybag__bird_dog.mp4", "bird_dog", 2),
    ("hip_stretch/Hpy2GitHub-merged-exercise__kneeling-hip-flexor-stretch.mp4", "hip_stretch", 2),
    ("leg_stretch/ndnam0109-fitness-content__straight_leg_hugs.mp4", "leg_stretch", 6),
    ("spine_stretch/Hpy2GitHub-merged-exercise__lower-trunk-rotation.mp4", "spine_stretch", 4),
]


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
    rows = (out / "reps.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + reps
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
    out = tmp_path / "still"
    image = footage / "bridge" / "yuhonas-free-exercise-db__Butt_Lift_Bridge_0.jpg"
    assert main(["analyze", str(image), "-e", "bridge", "-o", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["frames"] == {"total": 1, "with_pose": 1}
    assert report["still"]["posture"] == "supine"
    assert report["reps"]["total"] == 0


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
    clip = footage / "bird_dog" / "Lena-core-backrehabapp__bird_dog.gif"
    assert main(["analyze", str(clip), "-e", "bird_dog", "-o", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["frames"]["total"] == 52  # 26 frames, played twice
    assert report["reps"]["total"] == 1 and report["reps"]["right"] == 1
    assert any("looping animation" in w for w in report["warnings"])
    track = Track.load(out / "track.npz")
    assert track.meta["loop_s"] == pytest.approx(3.12)
    again = tmp_path / "again"
    assert main(["analyze", str(out / "track.npz"), "-e", "bird_dog", "-o", str(again)]) == 0
    assert json.loads((again / "report.json").read_text())["reps"] == report["reps"]
