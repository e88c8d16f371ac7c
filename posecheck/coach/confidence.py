"""How sure the coach is of a counted rep: soft evidence against it lowers its confidence, never its count.

Hard evidence drops a movement (it is then reported as uncounted, with its reason); the evidence
here is too weak for that: the camera lost the measured joints for part of the rep, the body read
as another posture for part of it, the target was only just crossed, or the side votes were split.
Each doubt is named in the report, so a reader can judge the rep; confidence is the product of the
doubts' factors (1.0 with none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# id -> (factor, what the person or the physiotherapist is told)
DOUBTS: dict[str, tuple[float, str]] = {
    "key_unseen": (0.6, "the camera lost the measured joints for much of this rep"),
    "posture_unsure": (0.7, "part of this rep did not look like the exercise's position"),
    "barely_reached": (0.8, "the target was only just reached"),
    "side_unsure": (0.85, "the side was hard to tell"),
}

# A third of a rep without a reading of the key joints: the rep is then mostly inferred, not seen.
UNSEEN_SHARE = 1 / 3
# A quarter of a rep in another steady posture (the gate's grace let it go on): a look-alike may be
# what was counted (seated for lying, side-lying for supine).
OFF_POSTURE_SHARE = 0.25
# Past the target bound by less than a tenth of the rest-to-target span: a few degrees, the size of
# the frame-to-frame landmark jitter measured on still frames, so the crossing may be noise.
BARELY_SHARE = 0.1
# The winning side has less than two thirds of the votes: the body was seen as working both sides.
SIDE_MAJORITY = 2 / 3


@dataclass(frozen=True)
class RepEvidence:
    """What was seen during one rep, counted frame by frame."""

    frames: int
    unseen: int  # frames without a reading of the key metric
    off_posture: int  # frames whose steady posture was not the exercise's
    target_margin: float | None  # how far past the target bound the peak went, as a share of the span
    side_votes: tuple[int, int] | None  # (left, right), for rules with sides


def assess(evidence: RepEvidence) -> tuple[float, tuple[str, ...]]:
    """The rep's confidence (0..1) and the ids of the doubts that lowered it."""
    doubts: list[str] = []
    frames = max(evidence.frames, 1)
    if evidence.unseen / frames > UNSEEN_SHARE:
        doubts.append("key_unseen")
    if evidence.off_posture / frames > OFF_POSTURE_SHARE:
        doubts.append("posture_unsure")
    margin = evidence.target_margin
    if margin is not None and math.isfinite(margin) and margin < BARELY_SHARE:
        doubts.append("barely_reached")
    votes = evidence.side_votes
    if votes is not None and sum(votes) > 0 and max(votes) / sum(votes) < SIDE_MAJORITY:
        doubts.append("side_unsure")
    confidence = math.prod(DOUBTS[d][0] for d in doubts)
    return float(round(confidence, 3)), tuple(doubts)


def doubt_text(doubts: tuple[str, ...] | list[str]) -> str:
    """The doubts in words, joined ("" without doubts); unknown ids are shown as they are."""
    return "; ".join(DOUBTS[d][1] if d in DOUBTS else d for d in doubts)
