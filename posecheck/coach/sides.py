"""Which side a rep worked: votes of the frames in the target, a comparison of both sides first."""

from __future__ import annotations

import math

from posecheck.coach.feedback import Side
from posecheck.coach.reading import MetricReader, pick
from posecheck.coach.schema import Movement
from posecheck.coach.side_start import SideStartValues


class SideVotes:
    """Left/right votes of one rep's frames in the target.

    With one side unseen, "the lower/higher of the two" is only a guess (the unseen leg may be the
    one that is lower): such frames decide only when no frame saw both.
    """

    def __init__(self) -> None:
        self.compared = [0, 0]  # frames with both sides measured
        self.one_sided = [0, 0]  # frames with one side unseen

    def add(self, left: float, right: float, how: str) -> None:
        """One frame's per-side reading; ``how`` (min/max) says which side is the working one."""
        _, idx = pick((left, right), how)
        if idx >= 0:
            both = not (math.isnan(left) or math.isnan(right))
            (self.compared if both else self.one_sided)[idx] += 1

    def votes(self) -> list[int]:
        """The votes that decide: a comparison of both sides outranks a reading of one."""
        return self.compared if any(self.compared) else self.one_sided

    def any(self) -> bool:
        """Whether any frame voted."""
        return any(self.votes())

    def side(self) -> Side | None:
        """The side with more votes (left on a tie), None without votes."""
        votes = self.votes()
        if not any(votes):
            return None
        return "left" if votes[0] >= votes[1] else "right"


def vote(
    votes: SideVotes,
    movement: Movement,
    reader: MetricReader,
    metrics: dict[str, float],
    start: SideStartValues | None = None,
) -> None:
    """One frame's vote: the side metric if the rules name one, else the key metric if per side;
    measured from ``start`` (the rep's start position, :mod:`posecheck.coach.side_start`) if given."""
    name = movement.side_metric or (movement.metric if reader.is_per_side(movement.metric) else None)
    if name is None:
        return
    how = movement.side_pick if movement.side_metric else movement.pick
    left, right = metrics.get(f"{name}.left", math.nan), metrics.get(f"{name}.right", math.nan)
    if start is not None:
        left, right = left - start[0], right - start[1]
    votes.add(left, right, how)
