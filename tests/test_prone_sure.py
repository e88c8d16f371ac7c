"""Face down needs a clear front reading (posecheck.body.PRONE_SURE).

The front of a lying person is where the face and the bent legs point. Legs pulled in toward the
chest with the far knee hidden, seen from a camera above floor level, make those cues disagree:
the sum of them is small and its sign no longer says which way the person faces. Read as "face
down", such a stretch ended the set; read as "unknown" it does not (an unclear reading never
ends a set). People really face down (planks, push-ups) give a clear reading.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecheck.body import PRONE_SURE, FrameGeometry, classify_posture
from posecheck.landmarks import INDEX
from posecheck.track import Track
from tests.synthetic import Leg, film, lying_on_back

TRACKS = Path(__file__).resolve().parents[1] / "sample_videos" / "tracks"


def _figure_four(raised: float) -> np.ndarray:
    """A lying figure-4 (left thigh pulled in, right ankle across it, that knee out to the side)
    filmed from the person's right; the far (left) knee hidden behind the legs."""
    body = lying_on_back(left=Leg(100.0, 90.0), right=Leg(110.0, 110.0, abduct=50.0, rotate=70.0))
    xy = film(body, raised=raised)[0]
    xy[INDEX["left_knee"]] = np.nan
    return xy


@pytest.mark.parametrize("raised", [25.0, 30.0])
def test_legs_pulled_in_from_a_raised_camera_are_not_read_face_down(raised: float) -> None:
    xy = _figure_four(raised)
    geometry = FrameGeometry(xy)
    _, ny, score = geometry.front_score()
    # The cues only just point the front at the floor: on its sign alone this read "prone".
    assert -PRONE_SURE < score < 0 and -ny * np.sign(score) < -0.3
    assert classify_posture(xy)[()] == geometry.posture() == "unknown"


def test_the_same_stretch_from_floor_level_reads_lying_on_the_back() -> None:
    xy = _figure_four(10.0)
    assert classify_posture(xy)[()] == FrameGeometry(xy).posture() == "supine"


@pytest.mark.parametrize(
    "clip", ["trajnovd-workout-app__plank", "kaiakol-computervision__pushup_correct_001"]
)
def test_planks_and_push_ups_still_read_face_down(clip: str) -> None:
    track = Track.load(TRACKS / "other" / f"{clip}.npz")
    xy = np.where((track.visibility[:, 0] > 0.5)[..., None], track.xy[:, 0].astype(float), np.nan)
    postures = classify_posture(xy)
    assert np.mean(postures == "prone") == 1.0
