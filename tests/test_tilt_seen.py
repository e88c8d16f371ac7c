"""Supine pelvic tilts seen as the hips sliding toward the head, and recognition telling them apart
from the deep-abdominal hold (posecheck/tilt_seen.py, posecheck/lookalike.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecheck.analyze import analyze_track
from posecheck.coach.loader import load_all, load_exercise
from posecheck.lookalike import HOLD, LOOKALIKE_CONFIDENCE, TILT, tell_apart
from posecheck.recognise import NONE, Segment, count_segment, recognise
from posecheck.recognise_run import segment_lines
from posecheck.tilt_seen import SEEN_REASON, tilts_seen
from posecheck.track import Track
from tests.synthetic import hips_sliding_on_back, with_target_above

TRACKS = Path(__file__).resolve().parents[1] / "sample_videos" / "tracks"
TWO_TILTS = [(3.0, 0.0), (3.0, 0.04), (3.0, 0.0), (4.0, 0.04), (3.0, 0.0)]


@pytest.fixture(scope="module")
def rules() -> dict:
    return load_all()


def test_two_held_slides_are_two_tilts_at_their_times(rules: dict) -> None:
    spans = tilts_seen(hips_sliding_on_back(TWO_TILTS), rules[HOLD])
    assert len(spans) == 2
    for (start, end), (want_start, want_end) in zip(spans, [(3.0, 6.0), (9.0, 13.0)]):
        assert abs(start - want_start) < 0.5 and abs(end - want_end) < 0.5


@pytest.mark.parametrize("slide", [0.0, 0.01])
def test_lying_still_or_a_slide_within_the_wander_is_no_tilt(rules: dict, slide: float) -> None:
    plan = [(seconds, slide if moved else 0.0) for seconds, moved in TWO_TILTS]
    assert tilts_seen(hips_sliding_on_back(plan), rules[HOLD]) == []


def test_a_slide_passing_through_in_under_a_second_is_no_tilt(rules: dict) -> None:
    assert tilts_seen(hips_sliding_on_back([(3.0, 0.0), (0.6, 0.05), (3.0, 0.0)]), rules[HOLD]) == []


def test_a_slide_while_the_legs_swing_is_the_legs_not_the_pelvis(rules: dict) -> None:
    # Knees moving 20 degrees with the hips: a knee roll or a leg lift, not a tilt.
    assert tilts_seen(hips_sliding_on_back(TWO_TILTS, knee_swing=20.0), rules[HOLD]) == []


def test_recognition_names_the_tilt_with_the_hold_as_its_alternative(rules: dict) -> None:
    segments = [s for s in recognise(hips_sliding_on_back(TWO_TILTS), rules) if s.exercise != "none"]
    assert [s.exercise for s in segments] == [TILT]
    tilt = segments[0]
    assert tilt.alternatives == (HOLD,)
    assert tilt.confidence <= LOOKALIKE_CONFIDENCE
    assert len(tilt.seen_s) == 2
    assert tilt.as_dict()["seen_s"] == [[round(a, 2), round(b, 2)] for a, b in tilt.seen_s]


def test_lying_still_stays_the_hold_but_not_a_confident_one(rules: dict) -> None:
    segments = [s for s in recognise(hips_sliding_on_back([(16.0, 0.0)]), rules) if s.exercise != "none"]
    assert [s.exercise for s in segments] == [HOLD]
    assert segments[0].alternatives == (TILT,)
    assert segments[0].confidence <= LOOKALIKE_CONFIDENCE
    assert segments[0].seen_s == ()


def test_the_labelled_supine_tilts_are_seen_and_the_clip_is_the_tilt(rules: dict) -> None:
    # HonzaCzSk: tilts held 4.5-8.0 s and 12.0-17.5 s (labels.json), each move 16-20 px.
    track = Track.load(TRACKS / "pelvic_tilt" / "HonzaCzSk-polybag__podsazeni_panve_pelvic_tilt.npz")
    spans = tilts_seen(track, rules[HOLD])
    assert len(spans) == 2
    for (start, end), (held_from, held_to) in zip(spans, [(4.5, 8.0), (12.0, 17.5)]):
        assert start <= held_from + 0.5 and end >= held_to - 0.5
    found = [s for s in recognise(track, rules) if s.exercise != "none"]
    assert [s.exercise for s in found] == [TILT]


def test_the_labelled_supine_tilts_are_counted_and_not_listed_again(tmp_path: Path) -> None:
    track = Track.load(TRACKS / "pelvic_tilt" / "HonzaCzSk-polybag__podsazeni_panve_pelvic_tilt.npz")
    result = analyze_track(track, load_exercise(TILT), tmp_path / "out")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["reps"]["total"] == result.summary.reps_total == 2
    assert not report["uncounted"]


def test_the_report_says_per_stretch_which_tilts_were_seen_but_not_counted(tmp_path: Path) -> None:
    # Issue 14 item 4: a 0 is not bare. With a target beyond these tilts (0.037-0.046 torso
    # lengths), each slide is listed with its times instead of a near miss of the same movement.
    track = Track.load(TRACKS / "pelvic_tilt" / "HonzaCzSk-polybag__podsazeni_panve_pelvic_tilt.npz")
    result = analyze_track(track, with_target_above(load_exercise(TILT), 0.07), tmp_path / "out")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["reps"]["total"] == result.summary.reps_total == 0
    seen = [u for u in report["uncounted"] if u["reason"] == SEEN_REASON]
    assert len(seen) == 2
    assert seen[0]["start_s"] < 5.0 and seen[0]["end_s"] > 7.5  # held 4.5-8.0 s
    assert seen[1]["start_s"] < 13.0 and seen[1]["end_s"] > 17.0  # held 12.0-17.5 s
    assert not [u for u in report["uncounted"] if u["reason"] == "not_far_enough"]  # the same movement


def test_other_exercises_reports_get_no_tilts(tmp_path: Path) -> None:
    summary = analyze_track(hips_sliding_on_back(TWO_TILTS), load_exercise(HOLD), tmp_path / "out").summary
    assert not [u for u in summary.uncounted if u.reason == SEEN_REASON]
    # These synthetic slides read 0.07-0.08 (the torso shortens as the hips slide): a target of 0.12.
    tilt = analyze_track(
        hips_sliding_on_back(TWO_TILTS), with_target_above(load_exercise(TILT), 0.12), tmp_path / "tilt"
    ).summary
    assert len([u for u in tilt.uncounted if u.reason == SEEN_REASON]) == 2
    counted = analyze_track(
        hips_sliding_on_back(TWO_TILTS), load_exercise(TILT), tmp_path / "counted"
    ).summary
    assert counted.reps_total == 2 and not counted.uncounted


def test_a_run_of_slides_where_no_hold_was_timed_is_the_tilt(rules: dict) -> None:
    # After another lying exercise the hold's timer may never start: the stretch is "none".
    track = hips_sliding_on_back(TWO_TILTS)
    found = tell_apart(track, [Segment(NONE, 0.0, float(track.t[-1]), 0.6)], rules, count_segment)
    tilts = [s for s in found if s.exercise == TILT]
    assert len(tilts) == 1 and len(tilts[0].seen_s) == 2 and tilts[0].alternatives == (HOLD,)
    assert tilts[0].start_s <= 2.5 and tilts[0].end_s >= 13.5


def test_one_slide_where_no_hold_was_timed_stays_none(rules: dict) -> None:
    # One shift of the hips (a bridge lowered, the feet put down again) is not a set of tilts.
    track = hips_sliding_on_back([(3.0, 0.0), (3.0, 0.04), (6.0, 0.0)])
    found = tell_apart(track, [Segment(NONE, 0.0, float(track.t[-1]), 0.6)], rules, count_segment)
    assert [s.exercise for s in found] == [NONE]


def test_the_segment_line_names_the_alternative_and_the_tilts_seen() -> None:
    seg = Segment(TILT, 0.0, 19.0, 0.5, 0, 0, (), (HOLD,), ((4.5, 8.4), (12.2, 18.2)))
    line = segment_lines([seg], {TILT: "Pelvic tilts", HOLD: "Deep abdominal strengthening"})[0]
    assert "Pelvic tilts: 0 reps (confidence 0.50; or Deep abdominal strengthening)" in line
    assert line.endswith("seen but too small to count: 4.5-8.4 s, 12.2-18.2 s")
