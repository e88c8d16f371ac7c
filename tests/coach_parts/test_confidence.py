"""A counted rep's confidence: soft evidence lowers it and is named; it never removes the rep."""

from __future__ import annotations

import pytest

from posecheck.coach.confidence import DOUBTS, RepEvidence, assess, doubt_text


def evidence(**kw: object) -> RepEvidence:
    base: dict[str, object] = {
        "frames": 90, "unseen": 0, "off_posture": 0, "target_margin": 0.5, "side_votes": (40, 2)
    }  # fmt: skip
    return RepEvidence(**(base | kw))  # type: ignore[arg-type]


def test_a_rep_seen_whole_in_the_posture_well_past_the_target_has_no_doubt() -> None:
    assert assess(evidence()) == (1.0, ())


@pytest.mark.parametrize(
    ("kw", "doubt"),
    [
        ({"unseen": 40}, "key_unseen"),  # 44% of the frames without the key joints
        ({"off_posture": 30}, "posture_unsure"),  # a third of the rep read as another posture
        ({"target_margin": 0.05}, "barely_reached"),
        ({"side_votes": (20, 15)}, "side_unsure"),
    ],
)
def test_each_kind_of_soft_evidence_lowers_the_confidence_by_its_factor(
    kw: dict[str, object], doubt: str
) -> None:
    confidence, doubts = assess(evidence(**kw))
    assert doubts == (doubt,)
    assert confidence == DOUBTS[doubt][0] < 1.0


def test_just_inside_each_limit_is_no_doubt() -> None:
    assert assess(evidence(unseen=30, off_posture=22, target_margin=0.1, side_votes=(20, 10))) == (1.0, ())


def test_doubts_multiply_and_are_said_in_words() -> None:
    confidence, doubts = assess(evidence(unseen=60, target_margin=-0.02))
    assert doubts == ("key_unseen", "barely_reached")
    assert confidence == pytest.approx(0.6 * 0.8)
    assert (
        doubt_text(doubts)
        == "the camera lost the measured joints for much of this rep; the target was only just reached"
    )


def test_rules_without_a_span_or_sides_leave_those_doubts_out() -> None:
    assert assess(evidence(target_margin=None, side_votes=None)) == (1.0, ())
    assert assess(evidence(side_votes=(0, 0))) == (1.0, ())  # no votes: nothing to be unsure of
