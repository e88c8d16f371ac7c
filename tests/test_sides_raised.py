"""The side of a knee roll seen from a camera above floor level (movement.side_from_rest).

A phone on a chair or a shelf looks down on a person lying on the floor: points further away show
higher in the picture. Rolled away from the camera by less than the camera is raised, the far knee
still shows above the near one, so "the knee underneath" names the wrong side; measured from the
rep's start it does not (posecheck/coach/side_start.py).
"""

from __future__ import annotations

import math

import pytest

from posecheck.coach.reading import MetricReader
from posecheck.coach.session import score_track
from posecheck.coach.side_start import SideStart
from posecheck.coach.sides import SideVotes, vote
from posecheck.variants import mirror_track
from tests.synthetic import rules
from tests.test_rules_supine_sided import Step, hold, lying, move, script_track, sides, summary

# A shallow roll: knees 20 deg over to one side (less than the camera's 25-30 deg above the floor),
# sinking as they go (hip angle 130 -> 150, the knee opening so the foot stays on the floor).
SHALLOW = 20.0
SUNK = {"left": (150.0, 108.0), "right": (150.0, 108.0)}


def _shallow_rolls(order: list[str]) -> list[Step]:
    rest = lying()
    steps = [hold(rest, 2.0)]
    for side in order:
        rolled = {**SUNK, "roll": SHALLOW if side == "left" else -SHALLOW}
        steps += [move(rest, rolled, 1.2), hold(rolled, 1.0), move(rolled, rest, 1.2), hold(rest, 1.2)]
    return steps


# Moved 20 deg round as well, the camera is raised 22 deg: higher, a flat body reads tilted (hips
# sin 20 x sin 25 = 0.145 torso lengths below the shoulders at 25) and leaves the knee roll's rest
# band (hips within 0.15 of the shoulders), so nothing counts; that limit is not the side's.
@pytest.mark.parametrize(
    ("raised", "yaw", "mirrored"),
    [(25.0, 0.0, False), (30.0, 0.0, False), (22.0, 20.0, False), (22.0, -20.0, False), (30.0, 0.0, True)],
    ids=["raised25", "raised30", "raised22_orbit+20", "raised22_orbit-20", "raised30_mirrored"],
)
@pytest.mark.parametrize("head_left", [True, False], ids=["right_side_near", "left_side_near"])
def test_shallow_knee_rolls_from_a_raised_camera_have_their_sides(
    head_left: bool, raised: float, yaw: float, mirrored: bool
) -> None:
    order = ["left", "right", "left", "right"]
    track = script_track(_shallow_rolls(order), head_left, raised=raised, yaw=yaw)
    # A mirrored picture (a selfie camera) shows the mirror image of the person: its rolls to the
    # left are the person's rolls to the right, as the eval's mirrored labels say.
    s = summary("spine_stretch", mirror_track(track) if mirrored else track)
    mirror = {"left": "right", "right": "left"}
    assert sides(s) == ([mirror[x] for x in order] if mirrored else order)


@pytest.mark.parametrize("head_left", [True, False], ids=["right_side_near", "left_side_near"])
def test_without_the_start_the_raised_camera_reads_the_near_knee_under(head_left: bool) -> None:
    # The same session scored with the side read as it stands: every roll reads as the near side.
    # This is what side_from_rest is for; if it ever passes, the test above no longer tests it.
    spine = rules("spine_stretch")
    as_stands = spine.model_copy(
        update={"movement": spine.movement.model_copy(update={"side_from_rest": False})}
    )
    order = ["left", "right", "left", "right"]
    s = score_track(as_stands, script_track(_shallow_rolls(order), head_left, raised=30.0)).summary
    near = "right" if head_left else "left"
    assert len(s.rep_events) == 4
    assert sides(s) == [near] * 4


def test_the_start_is_the_rest_frame_furthest_toward_rest() -> None:
    # knee_height falls toward the target: the highest knees at rest are the start; a rep takes it
    # once, the next rep learns its own.
    start = SideStart(rules("spine_stretch"), target_is_high=False)
    start.see(True, 0.50, {"knee_under.left": 0.10, "knee_under.right": -0.10})
    start.see(True, 0.58, {"knee_under.left": 0.18, "knee_under.right": -0.18})
    start.see(True, 0.54, {"knee_under.left": 0.30, "knee_under.right": -0.30})
    start.see(False, 0.70, {"knee_under.left": 0.90, "knee_under.right": -0.90})  # not at rest
    start.see(True, 0.60, {"knee_under.left": math.nan, "knee_under.right": math.nan})  # unseen
    assert start.take() == (0.18, -0.18)
    assert start.take() is None


def test_votes_are_measured_from_the_start() -> None:
    spine = rules("spine_stretch")
    reader, votes = MetricReader(spine), SideVotes()
    # The far (right) knee shows 0.18 above the near one at rest and 0.12 rolled away: it went down.
    vote(votes, spine.movement, reader, {"knee_under.left": 0.12, "knee_under.right": -0.12}, (0.18, -0.18))
    assert votes.side() == "right"
    raw = SideVotes()
    vote(raw, spine.movement, reader, {"knee_under.left": 0.12, "knee_under.right": -0.12})
    assert raw.side() == "left"
