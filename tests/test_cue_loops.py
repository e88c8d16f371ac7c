"""The cue board never loops: a person standing and talking for a minute hears one setup cue, then
calm reminders (at most every 20 s), never a cycle through the setup cues every few seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecheck.coach.cues import SETUP_CUES, SETUP_REMIND_S
from posecheck.coach.loader import load_exercise
from posecheck.coach.session import score_track
from posecheck.track import Track

STANDING = (
    Path(__file__).resolve().parents[1]
    / "sample_videos/tracks/other/HonzaCzSk-polybag__spravny_postoj_standing.npz"
)


def looped(track: Track, times: int) -> Track:
    """The same recording played ``times`` times in a row (time running on)."""
    step = float(track.t[-1] - track.t[0]) + 1.0 / track.fps
    t = np.concatenate([track.t + k * step for k in range(times)])
    parts = [track.xy, track.z, track.visibility, track.world]
    xy, z, vis, world = (np.concatenate([a] * times) for a in parts)
    return Track(t, xy, z, vis, world, track.width, track.height, track.fps, dict(track.meta))


@pytest.mark.parametrize("exercise", ["bridge", "bird_dog", "leg_stretch", "hip_stretch"])
def test_a_person_standing_and_talking_is_not_told_the_same_things_every_few_seconds(exercise: str) -> None:
    track = looped(Track.load(STANDING), 4)  # ~70 s of a person standing and talking to the camera
    said = [c for c in score_track(load_exercise(exercise), track).summary.cues if c.id in SETUP_CUES]
    duration = float(track.t[-1] - track.t[0])
    assert said, "the person must be told what to do at least once"
    gaps = np.diff([c.t for c in said])
    # One cue, at most one more important one a few seconds later, then reminders 20 s apart.
    assert len(said) <= 2 + duration // SETUP_REMIND_S
    assert sum(g < SETUP_REMIND_S for g in gaps) <= 1
    assert len({c.id for c in said}) <= 2
