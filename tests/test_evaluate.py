"""How the evaluation matches what the coach measured to the labels."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from posecheck import evaluate
from posecheck.coach.feedback import HoldEvent, HoldPosition, RepEvent, SessionSummary
from posecheck.evaluate import compare, mirror_track, resample_track, rotate_track
from posecheck.track import Track

LABEL: dict[str, Any] = {
    "exercise": "spine_stretch",
    "rep_count": 2,
    "rep_count_by_side": {"left": 1, "right": 1},
    "reps": [
        {"side": "left", "start_s": 1.0, "end_s": 5.0},
        {"side": "right", "start_s": 6.0, "end_s": 10.0},
    ],
    "holds": [
        {"side": "left", "start_s": 2.0, "end_s": 4.0},
        {"side": "right", "start_s": 7.0, "end_s": 9.5},
    ],
}


def summary(reps: list[RepEvent], holds: list[HoldEvent]) -> SessionSummary:
    left = sum(r.side == "left" for r in reps)
    return SessionSummary(
        "spine_stretch", 12.0, len(reps), left, len(reps) - left, reps, holds, [], 360, 360, [], []
    )


def test_reps_without_hold_events_are_matched_by_their_time_at_the_end_of_the_movement() -> None:
    reps = [RepEvent("left", 1.2, 4.9, hold_s=1.8), RepEvent("right", 6.1, 9.8, hold_s=2.6)]
    result = compare("clip.mp4", LABEL, "original", summary(reps, []))
    assert result.hold_errors == pytest.approx([0.2, 0.1])
    assert (result.reps, result.sided_right) == (2, 2)


def test_hold_events_come_first_and_a_missed_hold_counts_its_whole_length() -> None:
    reps = [RepEvent("left", 1.2, 4.9, hold_s=1.8)]
    holds = [HoldEvent("left", 2.1, 4.0, 1.9, True)]
    result = compare("clip.mp4", LABEL, "original", summary(reps, holds))
    assert result.hold_errors == pytest.approx([0.1, 2.5])


def test_mirroring_swaps_the_labelled_sides() -> None:
    reps = [RepEvent("right", 1.2, 4.9, hold_s=1.8), RepEvent("left", 6.1, 9.8, hold_s=2.6)]
    result = compare("clip.mp4", LABEL, "mirrored", summary(reps, []))
    assert (result.label_left, result.label_right, result.sided_right) == (1, 1, 2)


def test_a_looping_clip_is_scored_in_its_second_play_with_the_seam_hold_joined() -> None:
    # One play is 3 s; the labels (made on one play) have a hold split by the seam and a rep.
    label = {
        **LABEL,
        "rep_count": 1,
        "rep_count_by_side": {"left": 0, "right": 1},
        "reps": [{"side": "right", "start_s": 1.0, "end_s": 2.0}],
        "holds": [
            {"side": "right", "start_s": 0.0, "end_s": 0.5},
            {"side": "right", "start_s": 2.5, "end_s": 3.0},
        ],
    }
    # Counted in the second play: the rep at 4-5 s, one hold of 1 s across the seam at 3 s.
    measured = summary([RepEvent("right", 4.0, 5.0)], [HoldEvent("right", 2.5, 3.5, 1.0, True)])
    r = compare("clip.gif", label, "original", measured, loop_s=3.0)
    assert (r.sided_reps, r.sided_right) == (1, 1)
    assert r.label_holds_s == [pytest.approx(1.0)] and r.hold_errors == [pytest.approx(0.0)]
    # Without the loop the same events miss the labels' times.
    plain = compare("clip.gif", label, "original", measured)
    assert plain.sided_right == 0


def test_changed_pictures_forget_a_camera_turn_found_on_the_original() -> None:
    track = Track.empty(640, 480, 30.0, {"camera_turns": 1, "source": "clip.mp4"})
    for variant in (mirror_track, rotate_track):
        meta = variant(track).meta
        assert "camera_turns" not in meta and meta["source"] == "clip.mp4"
    assert resample_track(track).meta["camera_turns"] == 1  # same picture, fewer frames


def test_labelled_holds_are_measured_against_the_positions_of_a_hold() -> None:
    # One 9 s stretch held in two places; the labels time each place as a hold.
    positions = (HoldPosition(2.0, 4.1, 2.1), HoldPosition(7.2, 9.5, 2.3))
    result = compare(
        "clip.mp4", LABEL, "original", summary([], [HoldEvent(None, 1.5, 10.0, 8.5, True, positions)])
    )
    assert result.hold_errors == pytest.approx([0.1, 0.2])
    # without positions the whole hold is what each label is measured against
    result = compare("clip.mp4", LABEL, "original", summary([], [HoldEvent(None, 1.5, 10.0, 8.5, True)]))
    assert result.hold_errors == pytest.approx([6.5, 6.0])


def test_a_cached_model_track_is_made_again_when_what_made_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    videos, cache = tmp_path / "videos", tmp_path / "cache"
    (videos / "bridge").mkdir(parents=True)
    video = videos / "bridge" / "clip.mp4"
    video.write_bytes(b"not decoded here")
    made: list[str] = []

    def fake_model_run(
        path: Path, variant: str, wanted: tuple[str, ...] = (), window: tuple[float, float] | None = None
    ) -> Track:
        made.append(variant)
        return Track.empty(64, 48, 30.0, {"variant": variant})

    monkeypatch.setattr(evaluate, "video_variant_track", fake_model_run)
    monkeypatch.setattr(evaluate, "pose_stage_fingerprint", lambda: "model-a")
    evaluate._cached_video_track(videos, "bridge/clip.mp4", "mirrored", cache)
    evaluate._cached_video_track(videos, "bridge/clip.mp4", "mirrored", cache)
    assert made == ["mirrored"]  # the second run read the cache
    assert (cache / "bridge" / "clip.mirrored.npz").is_file()
    monkeypatch.setattr(evaluate, "pose_stage_fingerprint", lambda: "model-b")
    evaluate._cached_video_track(videos, "bridge/clip.mp4", "mirrored", cache)
    assert made == ["mirrored"] * 2  # another model or pose code: made again
    os.utime(video, ns=(video.stat().st_atime_ns, video.stat().st_mtime_ns + 10**9))
    evaluate._cached_video_track(videos, "bridge/clip.mp4", "mirrored", cache)
    assert made == ["mirrored"] * 3  # the video was replaced: made again
    evaluate._cached_video_track(videos, "bridge/clip.mp4", "mirrored", cache)
    assert made == ["mirrored"] * 3
    # trimmed: the part kept comes from the labels, which may change without the video
    evaluate._cached_video_track(videos, "bridge/clip.mp4", "trimmed", cache, window=(0.2, 5.0))
    evaluate._cached_video_track(videos, "bridge/clip.mp4", "trimmed", cache, window=(0.2, 5.0))
    assert made[3:] == ["trimmed"]
    evaluate._cached_video_track(videos, "bridge/clip.mp4", "trimmed", cache, window=(0.7, 5.0))
    assert made[3:] == ["trimmed"] * 2


def test_the_cache_key_covers_the_code_that_makes_the_variants_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evaluate.pose_stage_fingerprint.cache_clear()
    before = evaluate.pose_stage_fingerprint()
    read_bytes = Path.read_bytes

    def edited(path: Path) -> bytes:
        return read_bytes(path) + (b"# changed" if path.name == "video_variants.py" else b"")

    monkeypatch.setattr(Path, "read_bytes", edited)
    evaluate.pose_stage_fingerprint.cache_clear()
    try:
        assert evaluate.pose_stage_fingerprint() != before
    finally:
        evaluate.pose_stage_fingerprint.cache_clear()


def test_the_table_says_why_a_moved_camera_has_no_video_figures() -> None:
    report = {"clips": [], "negatives": [], "stills": [],
              "summary": {"orbit+20/handout": {"clips": 0}, "orbit+20/variant": {"clips": 0}}}  # fmt: skip
    lines = evaluate.format_table(report).splitlines()
    assert [line for line in lines if "orbit+20" in line] == [
        f"orbit+20             tracks only (run with --tracks): {evaluate.NO_VIDEO_FORM}"
    ]
