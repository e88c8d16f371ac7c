"""A camera view that changes mid-recording: the start is learnt again, the reps after it count.

Built from the committed hip-flexor track (two camera angles joined by a crossfade at 6.75-7.25 s):
its first angle re-projected as if the camera had been elsewhere (posecheck.variants), blended
into the track as recorded over 1 s while she kneels at rest, so the view changes gradually.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecheck.coach.loader import load_rules
from posecheck.coach.session import score_track
from posecheck.coach.view_change import CHANGE, view_reading
from posecheck.landmarks import INDEX
from posecheck.track import Track
from posecheck.variants import TRACK_VARIANTS, trim_track

ROOT = Path(__file__).resolve().parents[1]
TRACKS = ROOT / "sample_videos" / "tracks"
HIP_FLEXOR = TRACKS / "hip_stretch" / "Hpy2GitHub-merged-exercise__kneeling-hip-flexor-stretch.npz"
KNEE_ROLLS = TRACKS / "spine_stretch" / "Hpy2GitHub-merged-exercise__lower-trunk-rotation.npz"
BLEND_FROM_S = 6.5  # the first stretch is over (released by 6.4 s); she kneels at rest


def view_blended(track: Track, before: str, blend_s: float = 1.0) -> Track:
    """``track`` seen through the ``before`` variant's camera until BLEND_FROM_S, then blended into
    the track as recorded over ``blend_s`` (landmark by landmark, where both have it)."""
    moved = TRACK_VARIANTS[before](track, {})
    w = np.clip((track.t - BLEND_FROM_S) / blend_s, 0.0, 1.0)[:, None, None, None]
    both = np.isfinite(moved.xy) & np.isfinite(track.xy)
    xy = np.where(both, moved.xy * (1 - w) + track.xy * w, np.where(w > 0.5, track.xy, moved.xy))
    return Track(track.t, xy.astype(track.xy.dtype), track.z, track.visibility, track.world,
                 track.width, track.height, track.fps, dict(track.meta))  # fmt: skip


@pytest.mark.parametrize("before", ["raised20", "orbit-20"])
def test_a_view_change_at_rest_keeps_the_next_stretch(before: str) -> None:
    # Without re-learning the start, the second stretch is measured against the start in the first
    # camera's view (the front hip 90-101 deg there, 77-81 in the second) and never reaches the target.
    rules = load_rules(ROOT / "rules" / "hip_stretch.toml")
    summary = score_track(rules, view_blended(Track.load(HIP_FLEXOR), before)).summary
    assert [r.side for r in summary.rep_events] == ["left", "left"]  # labelled: 2 stretches, left
    second = summary.rep_events[1]
    assert 6.9 < second.start_s < 8.0 and 12.5 < second.end_s < 14.1  # labelled 7.25-13.25
    said = [c for c in summary.cues if c.id == "view_changed"]
    assert len(said) == 1 and 6.9 < said[0].t < 7.6  # said once, as the new view settled
    assert any("view of you changed" in w for w in summary.warnings)
    assert summary.uncounted == []


def test_one_camera_angle_gives_the_same_events_as_before() -> None:
    # The first camera angle alone (0-6.7 s): the stretch and the rest round it change no view reading.
    rules = load_rules(ROOT / "rules" / "hip_stretch.toml")
    for variant in ("original", "raised20", "orbit-20", "jitter", "repeat6", "time0.6x", "time1.5x"):
        track = TRACK_VARIANTS[variant](trim_track(Track.load(HIP_FLEXOR), (0.0, 6.7)), {})
        summary = score_track(rules, track).summary
        assert "view_changed" not in {c.id for c in summary.cues}, variant
        assert len(summary.rep_events) == 1, variant


@pytest.mark.parametrize("variant", ["original", "raised20", "orbit+20", "jitter", "repeat6", "time1.5x"])
def test_knee_rolls_are_no_view_change(variant: str) -> None:
    # Knee rolls turn the pelvis and legs in every rep, and rest between them: not a new view.
    rules = load_rules(ROOT / "rules" / "spine_stretch.toml")
    summary = score_track(rules, TRACK_VARIANTS[variant](Track.load(KNEE_ROLLS), {})).summary
    assert "view_changed" not in {c.id for c in summary.cues}
    assert summary.reps_total == 4


def test_view_reading_follows_the_trunk_turning_out_of_the_picture() -> None:
    # A trunk seen square (shoulders 100 px apart on a 130 px torso), then from 40 deg further
    # round: the shoulder line foreshortens by cos(40 deg), well past CHANGE; a zoom changes nothing.
    xy = np.full((33, 2), np.nan)
    xy[INDEX["left_shoulder"]], xy[INDEX["right_shoulder"]] = (50, 0), (150, 0)
    xy[INDEX["left_hip"]], xy[INDEX["right_hip"]] = (70, 130), (130, 130)
    square = view_reading(xy)
    turned = xy.copy()
    turned[:, 0] = 100 + (xy[:, 0] - 100) * np.cos(np.radians(40))
    assert square[0] == pytest.approx(100 / 130)
    assert square[0] - view_reading(turned)[0] > CHANGE
    np.testing.assert_allclose(view_reading(xy * 2.5 + 40), square)
    assert np.isnan(square[2:]).all()  # legs unseen: no reading
