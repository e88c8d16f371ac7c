"""Offline scoring's fast path gives what the per-frame feedback path gives, on the committed tracks.

``score_prepared`` advances the coach without building a Feedback per frame and keeps per-frame
values (metric columns, needed parts seen) on the prepared track for the next rule change; none
of that may change a count, a cue or a series.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from posecheck.coach.cues import CueBoard
from posecheck.coach.engine import Coach
from posecheck.coach.loader import load_exercise
from posecheck.coach.session import person_frames, prepare_for, score_prepared
from posecheck.coach.setup_checks import SetupChecks
from posecheck.track import Track
from posecheck.ui.tuning import apply_values

TRACKS = Path(__file__).resolve().parents[1] / "sample_videos" / "tracks"
GLUTE_BRIDGES = TRACKS / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"


def _same(a: object, b: object) -> bool:
    """Equal summaries (repr, so that NaN peaks compare equal)."""
    return repr(asdict(a)) == repr(asdict(b))  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("exercise", "clip"),
    [
        ("bridge", "ndnam0109-fitness-content__glute_bridges.npz"),
        ("bird_dog", "Lena-core-backrehabapp__bird_dog.npz"),
        ("lower_tummy", "yuhonas-free-exercise-db__One_Knee_To_Chest_0.npz"),
    ],
)
def test_scoring_without_feedback_gives_the_summary_of_the_feedback_path(exercise: str, clip: str) -> None:
    rules = load_exercise(exercise)
    prepared = prepare_for(Track.load(TRACKS / exercise / clip), rules)
    fast = score_prepared(rules, prepared)
    slow = score_prepared(rules, prepared, keep_feedback=True)
    assert fast.feedback is None and slow.feedback is not None
    assert len(slow.feedback) == len(prepared.frames)
    assert _same(fast.summary, slow.summary)
    assert fast.summary.frames_total == len(prepared.frames)
    assert fast.series.keys() == slow.series.keys()
    for name, column in fast.series.items():
        np.testing.assert_array_equal(column, slow.series[name])


def test_side_counts_in_the_feedback_follow_the_reps_on_every_frame() -> None:
    rules = load_exercise("bird_dog")
    track = Track.load(TRACKS / "bird_dog" / "HonzaCzSk-polybag__bird_dog.npz")  # a rep on each side
    coach = Coach(rules, track.width, track.height)
    for i in range(len(track)):
        xy, z, vis, people = person_frames(track, i)
        fb = coach.update(float(track.t[i]), xy, z, vis, people)
        assert fb.reps_left == sum(r.side == "left" for r in coach.reps)
        assert fb.reps_right == sum(r.side == "right" for r in coach.reps)
    assert fb.reps_left > 0 and fb.reps_right > 0  # both counts were really followed


def test_parts_seen_for_a_whole_track_match_each_frame_read_alone() -> None:
    rules = load_exercise("bridge")
    prepared = prepare_for(
        Track.load(TRACKS / "bridge" / "nhien021299-project_yoga_gym__bridge_pose.npz"), rules
    )
    checks = SetupChecks(rules, CueBoard())
    whole = prepared.parts_seen(rules.needs)
    alone = [checks.parts_seen(f.xy) for f in prepared.frames]
    assert whole == alone
    assert any(not all(s) for s in alone)  # the clip has frames with an unseen part


def test_a_prepared_track_scored_with_other_needs_and_metrics_matches_a_fresh_one() -> None:
    rules = load_exercise("bridge")
    wrists = rules.model_copy(update={"needs": ["wrist"]})  # the wrists are out of this clip's view
    changed = apply_values(rules, {"movement.target[0].above": 170.0})
    track = Track.load(GLUTE_BRIDGES)
    shared = prepare_for(track, rules)
    first = score_prepared(rules, shared)
    for column in first.series.values():
        column[:] = 0.0  # a caller writing into its series must not change the next scoring
    for other in (wrists, changed, rules):
        again = score_prepared(other, shared)
        fresh = score_prepared(other, prepare_for(track, other))
        assert _same(again.summary, fresh.summary)
        for name, column in fresh.series.items():
            np.testing.assert_array_equal(again.series[name], column)
    cues = {c.id for c in score_prepared(wrists, shared).summary.cues}
    assert "unseen" in cues and "unseen" not in {c.id for c in first.summary.cues}
