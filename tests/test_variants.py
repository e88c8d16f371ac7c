"""The eval's variants on small made-up tracks and frames, where the right answer is known."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from posecheck import variants as v
from posecheck import video_variants as vv
from posecheck.body import torso_axis
from posecheck.landmarks import INDEX
from posecheck.track import MAX_PEOPLE, NUM_LANDMARKS, Track
from posecheck.video import Frame

FPS = 30.0


def make_track(seconds: float = 10.0, fps: float = FPS, width: int = 1920, height: int = 1080) -> Track:
    """One person whose every landmark's x is its frame time (s) x 100 px + index, y its index x 10."""
    n = round(seconds * fps) + 1
    t = np.arange(n) / fps
    xy = np.full((n, MAX_PEOPLE, NUM_LANDMARKS, 2), np.nan, np.float32)
    xy[:, 0, :, 0] = t[:, None] * 100 + np.arange(NUM_LANDMARKS)
    xy[:, 0, :, 1] = np.arange(NUM_LANDMARKS) * 10.0
    z = np.where(np.isnan(xy[..., 0]), np.nan, 5.0).astype(np.float32)
    visibility = np.where(np.isnan(xy[..., 0]), 0.0, 0.9).astype(np.float32)
    world = np.repeat(z[..., None], 3, -1)
    return Track(t, xy, z, visibility, world, width, height, fps, {"source": "made-up"})


LABELS: dict[str, Any] = {
    "exercise": "bird_dog",
    "duration_s": 10.0,
    "rep_count": 2,
    "reps": [
        {"side": "left", "start_s": 2.0, "end_s": 4.0, "peak_s": [2.5, 3.5]},
        {"side": "right", "start_s": 5.0, "end_s": 7.5},
    ],
    "holds": [
        {"side": "left", "start_s": 2.5, "end_s": 3.5},
        {"side": "right", "start_s": 8.0, "end_s": 9.0},
    ],
    "unusable": [{"start_s": 0.0, "end_s": 1.0, "why": "title card"}],
}


# ----- trimmed ---------------------------------------------------------------------------------------
def test_trimming_starts_0_3_s_before_the_first_rep_and_ends_with_the_last() -> None:
    assert v.trim_window(LABELS) == pytest.approx((1.7, 7.5))
    holds_only = {**LABELS, "reps": []}
    assert v.trim_window(holds_only) == pytest.approx((2.2, 9.0))
    assert v.trim_window({**LABELS, "reps": [], "holds": []}) is None


def test_a_trimmed_track_restarts_at_0_and_its_labels_move_with_it() -> None:
    track = make_track()
    trimmed = v.TRACK_VARIANTS["trimmed"](track, LABELS)
    assert trimmed.t[0] == 0.0 and trimmed.t[-1] == pytest.approx(5.8)
    assert len(trimmed) == round(5.8 * FPS) + 1
    assert trimmed.xy[0, 0, 0, 0] == pytest.approx(170.0)  # the frame at 1.7 s of the original
    lab = v.variant_labels("trimmed", LABELS, trimmed)
    assert [t for r in lab["reps"] for t in (r["start_s"], r["end_s"])] == pytest.approx([0.3, 2.3, 3.3, 5.8])
    assert lab["reps"][0]["peak_s"] == pytest.approx([0.8, 1.8])
    assert [(h["start_s"], h["end_s"]) for h in lab["holds"]] == [pytest.approx((0.8, 1.8))]  # 8-9 s: cut
    assert lab["unusable"] == [] and lab["duration_s"] == pytest.approx(5.8)
    assert lab["rep_count"] == 2 and LABELS["holds"][1]["start_s"] == 8.0  # the original labels kept


def test_a_looping_animation_is_not_trimmed() -> None:
    track = make_track(4.0)
    track.meta["loop_s"] = 2.0
    assert v.TRACK_VARIANTS["trimmed"](track, LABELS) is track
    assert v.variant_labels("trimmed", LABELS, track) is LABELS


# ----- time0.6x, time1.5x ------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "factor"), [("time0.6x", 0.6), ("time1.5x", 1.5)])
def test_a_stretched_performance_keeps_the_frame_rate_and_scales_every_time(name: str, factor: float) -> None:
    track = make_track()
    stretched = v.TRACK_VARIANTS[name](track, LABELS)
    assert stretched.fps == FPS
    assert np.diff(stretched.t) == pytest.approx(1 / FPS)
    assert stretched.t[-1] == pytest.approx(10.0 * factor)
    # x is 100 px per second of the original: linear, so interpolation gives it exactly
    assert stretched.xy[:, 0, 0, 0] == pytest.approx(stretched.t / factor * 100, abs=1e-3)
    lab = v.variant_labels(name, LABELS, stretched)
    assert lab["reps"][1]["end_s"] == pytest.approx(7.5 * factor)
    assert lab["reps"][0]["peak_s"] == pytest.approx([2.5 * factor, 3.5 * factor])
    assert lab["duration_s"] == pytest.approx(10.0 * factor)


def test_stretching_interpolates_between_the_two_neighbouring_frames() -> None:
    track = make_track(1.0)
    track.xy[:, 0, 0, 1] = (track.t**2).astype(np.float32)  # not linear in time
    track.xy[3, 0, 5] = np.nan
    track.t[2] -= 5e-7  # a container's rounded time: still frame 2 for the stretched frame at 2/30 s
    track.visibility[:, 0, 7] = np.linspace(0.0, 1.0, len(track))
    slow = v.stretch_track(track, 1.5)
    # frame 1 of the stretched clip (1/30 s) shows 1/45 s of the original: 2/3 of the way to frame 1
    assert slow.xy[1, 0, 0, 1] == pytest.approx((2 / 3) * (1 / FPS) ** 2, rel=1e-4)
    assert slow.visibility[1, 0, 7] == pytest.approx((2 / 3) * track.visibility[1, 0, 7], rel=1e-4)
    assert slow.xy[3, 0, 0, 1] == pytest.approx(track.xy[2, 0, 0, 1])  # 2/30 s: on frame 2 exactly
    # NaN where either neighbour is: original frame 3 is between 2 and 4 and among 4's neighbours
    source = slow.t * FPS / 1.5  # fractional original frame of each stretched frame
    on_a_frame = np.isclose(source, np.round(source))
    touches_3 = np.where(on_a_frame, np.isclose(source, 3), (source > 2) & (source < 4))
    assert np.array_equal(np.isnan(slow.xy[:, 0, 5, 0]), touches_3)
    assert not np.isnan(slow.xy[:, 0, 4, 0]).any()


def test_a_stretched_frame_without_the_person_has_nobody_in_it() -> None:
    track = make_track(1.0)
    track.xy[10:12, 0] = np.nan
    track.visibility[10:12, 0] = 0.0
    fast = v.stretch_track(track, 0.6)
    between = np.isnan(fast.xy[:, 0, 0, 0])
    assert between.any() and (fast.people[between] == 0).all()
    assert (fast.visibility[between, 0] == 0).all()


# ----- lowres ------------------------------------------------------------------------------------------
def test_lowres_scales_pixels_to_a_360_px_long_side_in_whole_pixels() -> None:
    track = make_track(1.0, width=1920, height=1080)
    track.xy[0, 0, 0] = (960.4, 540.2)
    small = v.TRACK_VARIANTS["lowres"](track, LABELS)
    assert (small.width, small.height) == (360, 202)  # 202.5 rounds as resize_long_side rounds it
    assert vv.picture_size("lowres", 1920, 1080) == (360, 202)
    assert small.xy[0, 0, 0] == pytest.approx((180.0, 101.0))  # 180.08 and 101.04, rounded
    assert np.array_equal(small.xy, np.round(small.xy), equal_nan=True)
    assert small.z[0, 0, 0] == pytest.approx(5.0 * 360 / 1920)
    tiny = make_track(1.0, width=202, height=360)
    assert v.lowres_track(tiny) is tiny  # never enlarged


# ----- orbit, raised -------------------------------------------------------------------------------------
SCALE, OFFSET = 400.0, np.array([500.0, 300.0])


def world_track(world: np.ndarray) -> Track:
    """One frame whose pixels are its world x, y in metres x 400 px + an offset."""
    w = np.full((1, MAX_PEOPLE, NUM_LANDMARKS, 3), np.nan, np.float32)
    w[0, 0] = world
    xy = w[..., :2] * SCALE + OFFSET
    visibility = np.where(np.isnan(xy[..., 0]), 0.0, 0.9).astype(np.float32)
    return Track(np.zeros(1), xy.astype(np.float32), w[..., 2].copy(), visibility, w, 1000, 800, FPS)


def body_world(rng: np.random.Generator) -> np.ndarray:
    world = rng.uniform(-0.5, 0.5, (NUM_LANDMARKS, 3))
    world[1] = world[0] + (0.5, 0.0, 0.0)  # a segment across the picture
    world[2] = world[0] + (0.0, 0.0, 0.5)  # a segment along the depth axis
    world[3] = world[0] + (0.0, 0.5, 0.0)  # a vertical segment
    return world


def test_a_camera_turned_by_0_degrees_gives_the_track_back() -> None:
    track = world_track(body_world(np.random.default_rng(1)))
    track.xy[0, 0] += np.random.default_rng(2).normal(0, 3, (NUM_LANDMARKS, 2)).astype(np.float32)
    for variant in (v.orbit(0.0), v.raised(0.0)):
        assert variant(track).xy[0, 0] == pytest.approx(track.xy[0, 0], abs=1e-3)


def test_orbiting_20_degrees_foreshortens_across_and_opens_up_depth() -> None:
    track = world_track(body_world(np.random.default_rng(3)))
    xy = v.TRACK_VARIANTS["orbit+20"](track, LABELS).xy[0, 0]
    across, depth, vertical = xy[1] - xy[0], xy[2] - xy[0], xy[3] - xy[0]
    c, s = math.cos(math.radians(20)), math.sin(math.radians(20))
    assert across == pytest.approx((SCALE * 0.5 * c, 0.0), abs=1e-2)
    assert depth == pytest.approx((SCALE * 0.5 * s, 0.0), abs=1e-2)  # was a point: 0 px long
    assert vertical == pytest.approx((0.0, SCALE * 0.5), abs=1e-2)  # the vertical axis is the turn's
    other_way = v.orbit(-20.0)(track).xy[0, 0]
    assert other_way[2, 0] - other_way[0, 0] == pytest.approx(-SCALE * 0.5 * s, abs=1e-2)
    assert "camera_turns" not in v.orbit(20.0)(Track.empty(10, 10, FPS, {"camera_turns": 1})).meta


def test_a_raised_camera_foreshortens_the_vertical_and_shows_what_is_further_away_higher_up() -> None:
    track = world_track(body_world(np.random.default_rng(4)))
    xy = v.TRACK_VARIANTS["raised20"](track, LABELS).xy[0, 0]
    across, depth, vertical = xy[1] - xy[0], xy[2] - xy[0], xy[3] - xy[0]
    c, s = math.cos(math.radians(20)), math.sin(math.radians(20))
    assert across == pytest.approx((SCALE * 0.5, 0.0), abs=1e-2)
    assert vertical == pytest.approx((0.0, SCALE * 0.5 * c), abs=1e-2)
    assert depth == pytest.approx((0.0, -SCALE * 0.5 * s), abs=1e-2)  # y is down: further is higher


def test_a_frame_with_too_few_well_seen_landmarks_is_not_moved() -> None:
    track = world_track(body_world(np.random.default_rng(5)))
    track.visibility[0, 0, v.MIN_FIT_POINTS - 1 :] = 0.1
    assert np.array_equal(v.orbit(20.0)(track).xy, track.xy, equal_nan=True)


# ----- jitter --------------------------------------------------------------------------------------------
def still_track(frames: int = 3000, torso_px: float = 200.0) -> Track:
    """A person who does not move, with a torso ``torso_px`` long."""
    track = make_track((frames - 1) / FPS)
    xy = np.random.default_rng(0).uniform(0, 1000, (NUM_LANDMARKS, 2)).astype(np.float32)
    for part, y in (("shoulder", 100.0), ("hip", 100.0 + torso_px)):
        xy[[INDEX[f"left_{part}"], INDEX[f"right_{part}"]]] = (500.0, y)
    track.xy[:, 0] = xy
    return track


def test_jitter_has_twice_the_measured_still_noise_per_landmark_class() -> None:
    track = still_track()
    noisy = v.TRACK_VARIANTS["jitter"](track, LABELS)
    noise = (noisy.xy - track.xy)[:, 0] / 200.0
    for name, idx in v.landmark_classes().items():
        assert noise[:, idx].std() == pytest.approx(2 * v.STILL_JITTER[name], rel=0.05), name
        assert abs(noise[:, idx].mean()) < 0.1 * v.STILL_JITTER[name]
    assert np.array_equal(v.jitter_track(track).xy, noisy.xy, equal_nan=True)  # fixed seed
    assert not np.array_equal(v.jitter_track(track, seed=1).xy, noisy.xy, equal_nan=True)
    assert np.isnan(noisy.xy[:, 1]).all()  # nobody there: nobody made up


def test_jitter_scales_with_each_frames_torso_length() -> None:
    near, far = still_track(torso_px=300.0), still_track(torso_px=100.0)
    wrist = INDEX["left_wrist"]
    spread_near = (v.jitter_track(near).xy - near.xy)[:, 0, wrist].std()
    spread_far = (v.jitter_track(far).xy - far.xy)[:, 0, wrist].std()
    assert spread_near / spread_far == pytest.approx(3.0, rel=1e-3)


def test_the_still_noise_measurement_finds_the_noise_that_was_added() -> None:
    track = still_track(torso_px=250.0)
    noisy = v.jitter_track(track, times=1.0)
    measured = v.still_jitter([(noisy, [(0.0, 100.0)])])
    _, torso = torso_axis(noisy.xy[:, 0].astype(float))
    assert np.nanmedian(torso) == pytest.approx(250.0, rel=0.01)
    for name, value in measured.items():
        assert value == pytest.approx(v.STILL_JITTER[name], rel=0.06), name
    assert v.still_jitter([(track, [(0.0, 100.0)])]) == pytest.approx(dict.fromkeys(measured, 0.0))


# ----- repeat6 -------------------------------------------------------------------------------------------
def test_every_sixth_frame_repeats_the_one_before_and_times_stay() -> None:
    track = make_track(2.0)
    repeated = v.TRACK_VARIANTS["repeat6"](track, LABELS)
    assert np.array_equal(repeated.t, track.t)
    copies = [
        i for i in range(1, len(track)) if np.array_equal(repeated.xy[i], repeated.xy[i - 1], equal_nan=True)
    ]
    assert copies == list(range(5, len(track), 6))
    for i in range(len(track)):
        source = i - 1 if i % 6 == 5 else i
        assert np.array_equal(repeated.xy[i], track.xy[source], equal_nan=True)
        assert np.array_equal(repeated.world[i], track.world[source], equal_nan=True)


def test_every_variant_has_a_track_form_and_the_names_are_all_listed() -> None:
    assert set(v.TRACK_VARIANTS) == set(v.VARIANTS)
    assert len(v.VARIANTS) == 13
    assert not set(v.TRACK_ONLY_VARIANTS) & set(vv.VIDEO_VARIANTS)
    assert set(v.VARIANTS) == {*vv.VIDEO_VARIANTS, *v.TRACK_ONLY_VARIANTS, *v.FROM_ORIGINAL_VARIANTS}
    track, lab = make_track(1.0), {**LABELS, "reps": [], "holds": []}
    for name in v.VARIANTS:
        assert len(v.TRACK_VARIANTS[name](track, lab)) > 0, name


# ----- the same variants on video frames (the model is not run) -------------------------------------------
def frames(n: int, fps: float = FPS, size: tuple[int, int] = (8, 6)) -> list[Frame]:
    """Frames whose every pixel is the frame's number."""
    return [Frame(i, i / fps, np.full((size[1], size[0], 3), i, np.uint8)) for i in range(n)]


def shown(out: list[Frame]) -> list[int]:
    return [int(f.image[0, 0, 0]) for f in out]


def test_video_trimming_keeps_the_window_and_restarts_time() -> None:
    trimmed_at: list[float] = []
    out = list(vv.variant_frames(iter(frames(300)), "trimmed", FPS, (1.7, 7.5), trimmed_at))
    assert shown(out) == list(range(51, 226))
    assert out[0].t == 0.0 and out[-1].t == pytest.approx(5.8) and out[-1].index == 174
    assert trimmed_at == [pytest.approx(1.7)]


@pytest.mark.parametrize("factor", [0.6, 1.5])
def test_video_stretching_shows_the_nearest_frame_at_the_same_frame_rate(factor: float) -> None:
    name = {0.6: "time0.6x", 1.5: "time1.5x"}[factor]
    out = list(vv.variant_frames(iter(frames(31)), name, FPS, None, []))
    assert [f.t for f in out] == pytest.approx([k / FPS for k in range(len(out))])
    assert out[-1].t == pytest.approx(1.0 * factor, abs=0.5 / FPS)
    assert shown(out) == [round(k / factor) for k in range(len(out))]


def test_video_repeat6_copies_the_picture_before_every_sixth_frame() -> None:
    out = list(vv.variant_frames(iter(frames(20)), "repeat6", FPS, None, []))
    assert shown(out) == [i - 1 if i % 6 == 5 else i for i in range(20)]
    assert [f.t for f in out] == pytest.approx([i / FPS for i in range(20)])


def test_the_model_is_shown_the_360_px_picture() -> None:
    (out,) = vv.variant_frames(iter(frames(1, size=(1920, 1080))), "lowres", FPS, None, [])
    assert out.image.shape == (202, 360, 3)
