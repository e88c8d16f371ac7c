"""The coach's state machines on synthetic landmark streams (no model, no video)."""

import math

import numpy as np
import pytest

from posecheck.coach.engine import Coach
from posecheck.coach.loader import load_exercise
from posecheck.coach.session import score_track
from posecheck.coach.sides import SideVotes
from tests.synthetic import Pose2D, bridge_session, make_track, supine_landmarks


@pytest.fixture(scope="module")
def bridge():  # type: ignore[no-untyped-def]
    return load_exercise("bridge")


@pytest.mark.parametrize("head_left", [True, False])
@pytest.mark.parametrize("fps", [15, 30, 60])
def test_counts_bridges_at_any_frame_rate_and_facing(bridge, head_left: bool, fps: int) -> None:  # type: ignore[no-untyped-def]
    poses = bridge_session(3, fps=fps)
    near = "right" if head_left else "left"
    track = make_track([supine_landmarks(p, head_left=head_left, near=near) for p in poses], fps=fps)
    s = score_track(bridge, track).summary
    assert s.reps_total == 3
    assert [round(r.start_s) for r in s.rep_events] == [2, 6, 9]


def test_noise_around_one_threshold_is_not_counted(bridge) -> None:  # type: ignore[no-untyped-def]
    # Hips hovering around the target line (never back to rest) must not make extra reps.
    poses = bridge_session(1, up_s=1.0)
    hover = [Pose2D(hip_flex_near=a, hip_flex_far=a, knee_flex_near=95, knee_flex_far=95, lift=0.45,
                    torso_tilt=-math.degrees(math.asin(0.45))) for a in np.tile([2.0, 12.0], 60)]  # fmt: skip
    frames = [supine_landmarks(p) for p in poses[:75] + hover + poses[75:]]
    s = score_track(bridge, make_track(frames)).summary
    assert s.reps_total == 1


def test_wrong_posture_counts_nothing_and_says_so(bridge) -> None:  # type: ignore[no-untyped-def]
    poses = bridge_session(3)
    # The same movement face down (front toward the floor): on all fours, not lying on the back.
    frames = []
    for p in poses:
        xy, z, vis = supine_landmarks(p)
        frames.append((np.stack([xy[:, 0], 1000 - xy[:, 1]], axis=-1), z, vis))
    s = score_track(bridge, make_track(frames, width=1280, height=1280)).summary
    assert s.reps_total == 0
    assert "posture" in {c.id for c in s.cues}


def test_person_leaving_and_coming_back(bridge) -> None:  # type: ignore[no-untyped-def]
    poses = bridge_session(2)
    frames = [supine_landmarks(p) for p in poses]
    gap = [None] * 60  # two seconds with nobody in view
    track = make_track(frames[:120] + gap + frames[120:])
    s = score_track(bridge, track, keep_feedback=True)
    assert s.summary.reps_total == 2
    assert "no_person" in {c.id for c in s.summary.cues}
    assert s.summary.frames_with_pose == len(frames)


def test_feedback_fields_are_consistent(bridge) -> None:  # type: ignore[no-untyped-def]
    coach = Coach(bridge, 1280, 720)
    seen = set()
    for i, p in enumerate(bridge_session(2)):
        xy, z, vis = supine_landmarks(p)
        fb = coach.update(i / 30, xy, z, vis)
        seen.add(fb.phase)
        assert fb.reps_total == fb.reps_left + fb.reps_right + sum(r.side is None for r in coach.reps)
        assert fb.hold_s >= 0
    assert {"setup", "rest", "moving", "target"} <= seen
    assert coach.summary().reps_total == 2


def test_two_coaches_never_share_state(bridge) -> None:  # type: ignore[no-untyped-def]
    a, b = Coach(bridge), Coach(bridge)
    for i, p in enumerate(bridge_session(2)):
        xy, z, vis = supine_landmarks(p)
        a.update(i / 30, xy, z, vis)
    assert a.summary().reps_total == 2
    assert b.summary().reps_total == 0


def test_camera_on_its_side_is_noticed(bridge) -> None:  # type: ignore[no-untyped-def]
    # A phone turned 90 degrees with no rotation metadata: the lying person looks upright.
    frames = []
    for p in bridge_session(3, rest_s=3.0):
        xy, z, vis = supine_landmarks(p)
        frames.append((np.stack([720 - xy[:, 1], xy[:, 0]], axis=-1), z, vis))
    s = score_track(bridge, make_track(frames, width=720, height=1280)).summary
    assert s.reps_total == 3


@pytest.mark.parametrize(("census_hits", "warned"), [([1.0], False), ([1.0, 2.0], True), ([1.0, 5.0], False)])
def test_second_person_needs_two_checks_in_a_row(bridge, census_hits: list[float], warned: bool) -> None:  # type: ignore[no-untyped-def]
    coach = Coach(bridge)
    xy, z, vis = supine_landmarks(Pose2D())
    for i in range(7 * 30):
        t = i / 30
        people = 2 if any(abs(t - h) < 1e-6 for h in census_hits) else 1
        coach.update(t, xy, z, vis, people)
    s = coach.summary()
    assert ("two_people" in {c.id for c in s.cues}) is warned
    assert bool(s.warnings) is warned


def test_a_reps_side_comes_from_frames_that_saw_both_sides_before_one_sided_ones() -> None:
    # Figure-4: the crossed leg is the side whose OTHER ankle (the support foot) is lower. With the
    # support foot hidden (NaN), "the lower of the two" would name the wrong leg: such frames only
    # count when no frame measured both (here the mirrored clip's first rep came out on the wrong side).
    votes = SideVotes()
    for _ in range(20):
        votes.add(math.nan, 0.9, "min")
    assert votes.side() == "right"  # nothing better yet: the one-sided reading decides
    for _ in range(5):
        votes.add(-0.2, 0.9, "min")
    assert votes.side() == "left"
    assert votes.compared == [5, 0] and votes.one_sided == [0, 20]


def test_feedback_says_in_words_what_the_coach_waits_for(bridge) -> None:  # type: ignore[no-untyped-def]
    track = make_track([supine_landmarks(p) for p in bridge_session(2, fps=30)], fps=30)
    feedback = score_track(bridge, track, keep_feedback=True).feedback or []
    states = [fb.state for fb in feedback]
    assert states[0].startswith("setup: ")
    assert "at rest: ready" in states
    in_target = [s for s in states if s.startswith("in target ")]
    assert in_target and float(in_target[-1].split()[2]) > 0.5  # the hold time, counting up
    assert "moving toward the target" in states
