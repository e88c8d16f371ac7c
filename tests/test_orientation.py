"""A camera on its side (no rotation metadata): when to turn the picture, and what happens then."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecheck.body import limb_drop
from posecheck.coach.engine import Coach, wanted_postures
from posecheck.coach.loader import load_exercise
from posecheck.coach.prepare import FramePreparer
from posecheck.coach.session import person_frames, prepare_track, score_track
from posecheck.evaluate import resample_track, rotate_track
from posecheck.filters import OneEuroSettings
from posecheck.orientation import MAX_LIMB_DROP, OrientationGuess
from posecheck.track import Track
from tests.synthetic import Pose2D, supine_landmarks
from tests.test_prepare_batch import assert_same_frame

TRACKS = Path(__file__).resolve().parents[1] / "sample_videos" / "tracks"
HIP_FLEXOR = TRACKS / "hip_stretch" / "Hpy2GitHub-merged-exercise__kneeling-hip-flexor-stretch.npz"
BRIDGE = TRACKS / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
KNEE_ROLLS = TRACKS / "spine_stretch" / "Hpy2GitHub-merged-exercise__lower-trunk-rotation.npz"


def feed(
    guess: OrientationGuess, postures: tuple[str, str, str], incline: float, drop: float, seated: bool = False
) -> int:
    """Two seconds of the same readings, checked every 0.2 s; the turn decided at the end."""
    for i in range(11):
        guess.decide(i * 0.2, postures, incline, drop, seated)
    return guess.quarter_turns


def test_limb_drop_is_small_lying_down_and_large_for_a_turned_kneeling_person() -> None:
    xy, _, _ = supine_landmarks(Pose2D())
    assert limb_drop(xy)[()] < 0.3
    kneeling = Track.load(HIP_FLEXOR)
    turned = rotate_track(kneeling)
    drops = limb_drop(turned.xy[:, 0].astype(float))
    assert np.nanmedian(drops) > MAX_LIMB_DROP  # the leg hangs below the "lying" torso


@pytest.mark.parametrize(
    ("wanted", "postures", "incline", "drop", "turns"),
    [
        # A kneeling exercise, a phone on its side: reads "supine" with a leg hanging below: turn.
        ("half_kneeling", ("supine", "half_kneeling", "unknown"), 5.0, 1.0, 1),
        # ... but a person really lying on the floor (limbs level with the torso) is left alone.
        ("half_kneeling", ("supine", "half_kneeling", "unknown"), 5.0, 0.2, 0),
        # A lying exercise: a steep torso (phone on its side) is turned ...
        ("supine", ("unknown", "unknown", "supine"), 80.0, 0.0, 3),
        # ... a torso at 50 deg (tilted or foreshortened view) is not: turned it is 40 deg.
        ("supine", ("unknown", "unknown", "supine"), 50.0, 0.0, 0),
        # An upright exercise needs a level torso to turn.
        ("half_kneeling", ("unknown", "half_kneeling", "unknown"), 45.0, 1.0, 0),
    ],
)
def test_a_turn_needs_a_clear_reading(
    wanted: str, postures: tuple[str, str, str], incline: float, drop: float, turns: int
) -> None:
    assert feed(OrientationGuess((wanted,)), postures, incline, drop) == turns


@pytest.mark.parametrize(
    ("wanted", "seated", "turns"), [("supine", True, 0), ("supine", False, 3), ("quadruped", True, 3)]
)
def test_a_person_sitting_on_the_floor_is_not_turned_into_one_lying_with_the_legs_up(
    wanted: str, seated: bool, turns: int
) -> None:
    # Sitting with straight legs, turned a quarter, reads as lying on the back with both legs
    # raised: with the hips resting lowest as filmed, a lying exercise keeps the picture as it is.
    # A child's pose filmed sideways also reads as sitting on the heels: all-fours ones still turn.
    postures = ("sitting", "unknown", wanted)
    assert feed(OrientationGuess((wanted,)), postures, 80.0, 0.0, seated) == turns


def test_kneeling_exercise_filmed_with_the_phone_on_its_side_counts_like_upright() -> None:
    rules = load_exercise("hip_stretch")
    track = Track.load(HIP_FLEXOR)
    upright = score_track(rules, track).summary
    turned = score_track(rules, rotate_track(track)).summary
    assert upright.reps_total == 2
    assert (turned.reps_total, turned.reps_left, turned.reps_right) == (
        upright.reps_total,
        upright.reps_left,
        upright.reps_right,
    )


def test_live_coach_replays_the_set_once_it_sees_the_camera_is_turned() -> None:
    """The first rep starts before the turn is settled; the replay keeps it, as the batch path does."""
    rules = load_exercise("bridge")
    turned = rotate_track(Track.load(BRIDGE))
    coach = Coach(rules, turned.width, turned.height)
    counts = []
    for i in range(len(turned)):
        xy, z, vis, people = person_frames(turned, i)
        counts.append(coach.update(float(turned.t[i]), xy, z, vis, people).reps_total)
    live = coach.summary()
    batch = score_track(rules, turned).summary
    assert live.reps_total == batch.reps_total == 3
    assert [(r.start_s, r.end_s) for r in live.rep_events] == [(r.start_s, r.end_s) for r in batch.rep_events]
    assert counts == sorted(counts)  # counts never go down, replay or not


def test_batch_preparation_of_a_turned_track_equals_a_preparer_that_knows_the_turn() -> None:
    rules = load_exercise("bridge")
    turned = rotate_track(Track.load(BRIDGE))
    batch = prepare_track(turned, rules.filter, wanted_postures(rules)).frames
    turns = {f.quarter_turns for f in batch if f.person_found}
    assert len(turns) == 1 and turns != {0}
    f = rules.filter
    live = FramePreparer(turned.width, turned.height, OneEuroSettings(f.min_cutoff, f.beta), f.min_visibility,
                         wanted_postures(rules), fixed_turns=turns.pop())  # fmt: skip
    for i, b in enumerate(batch):
        assert_same_frame(b, live(float(turned.t[i]), *person_frames(turned, i)), i)


@pytest.mark.parametrize("fps", [30.0, 15.0])
def test_a_first_rep_soon_after_lying_down_is_counted(fps: float) -> None:
    """The knee-roll clip starts its first roll ~1 s after lying down: shorter than the still window."""
    rules = load_exercise("spine_stretch")
    track = Track.load(KNEE_ROLLS)
    track = track if fps == 30.0 else resample_track(track, fps)
    s = score_track(rules, track).summary
    assert [r.side for r in s.rep_events] == ["left", "right", "left", "right"]
    assert s.rep_events[0].start_s < 2.5
