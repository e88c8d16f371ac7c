"""SetupChecks with the shipped bridge rules: nobody, two people, unseen parts, wrong view."""

import pytest

from posecheck.coach.cues import CueBoard
from posecheck.coach.loader import load_exercise
from posecheck.coach.setup_checks import LOST_PERSON_S, SECOND_PERSON_S, UNSEEN_PART_S, SetupChecks
from posecheck.landmarks import side_index

SETUP_CUES = ("no_person", "two_people", "unseen", "view")


class Rig:
    def __init__(self, make_frame) -> None:
        self.board = CueBoard()
        self.checks = SetupChecks(load_exercise("bridge"), self.board)  # needs shoulder, hip, knee, ankle
        self.make_frame = make_frame

    def run(self, times: list[float], in_setup: bool = True, **frame) -> None:
        for t in times:
            self.checks.update(t, self.make_frame(t, **frame), in_setup)

    def raised(self) -> list[str]:
        """The setup cues on the board (whether and how often they are spoken is the board's call)."""
        return [i for i in SETUP_CUES if self.board.shown_since(i) is not None]


@pytest.fixture
def rig(make_frame) -> Rig:
    return Rig(make_frame)


def test_a_seen_person_in_a_side_view_raises_nothing(rig, ticks) -> None:
    rig.run(ticks(0.0, 5.0))
    assert rig.raised() == [] and rig.board.warnings == []


def test_no_person_after_lost_person_s(rig, ticks) -> None:
    rig.run(ticks(0.0, LOST_PERSON_S - 0.125), person_found=False)
    assert rig.raised() == [] and rig.checks.lost_since == 0.0
    rig.run([LOST_PERSON_S], person_found=False)
    assert rig.raised() == ["no_person"]
    rig.run([LOST_PERSON_S + 0.125])
    assert rig.checks.lost_since is None and rig.raised() == []


def test_two_people_only_when_two_checks_agree(rig) -> None:
    rig.run([0.0], people=2)
    rig.run([0.5, 1.0])
    assert rig.raised() == []  # one check alone may have seen a poster
    rig.run([1.5], people=2)
    assert rig.raised() == ["two_people"]
    assert len(rig.board.warnings) == 1


def test_two_people_checks_too_far_apart_do_not_agree(rig) -> None:
    rig.run([0.0], people=2)
    rig.run([SECOND_PERSON_S + 0.5], people=2)
    assert rig.raised() == []


def test_an_unseen_part_is_named_in_words_after_unseen_part_s(rig, ticks) -> None:
    rig.run(ticks(0.0, UNSEEN_PART_S - 0.125), hidden=("ankle",))
    assert rig.raised() == []
    rig.run([UNSEEN_PART_S], hidden=("ankle",))
    cue = rig.board.current(UNSEEN_PART_S)
    assert cue.id == "unseen" and cue.text.startswith("I can't see your feet:")


def test_several_unseen_parts_are_named_together(rig, ticks) -> None:
    rig.run(ticks(0.0, 1.0), hidden=("knee", "ankle"))
    assert "your feet and knees:" in rig.board.current(1.0).text


def test_a_part_seen_on_one_side_is_seen(rig, ticks, make_frame) -> None:
    for t in ticks(0.0, 2.0):
        frame = make_frame(t, hidden=("ankle",))
        frame.xy[side_index("ankle", "left")] = 0.0
        rig.checks.update(t, frame, True)
    assert rig.raised() == []


def test_the_wrong_view_is_pointed_out_only_while_setting_up(rig, ticks) -> None:
    rig.run(ticks(0.0, 3.0), in_setup=False, view="front")
    assert rig.raised() == []
    rig.run(ticks(3.125, 3.5), in_setup=True, view="front")
    assert rig.raised() == ["view"]  # the wrong view had lasted long enough already


@pytest.mark.parametrize("view", ["side", "unknown"])
def test_a_side_or_unclear_view_is_no_wrong_view(rig, ticks, view: str) -> None:
    rig.run(ticks(0.0, 3.0), view=view)
    assert rig.raised() == []
