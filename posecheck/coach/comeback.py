"""The target back after a loss: the same rep going on, or the next one?

In an alternating exercise the return between sides may be brief or partial (back through all
fours with the limbs not quite down, then the other side out; legs switched in one movement):
each extension is still its own rep with its own side. When the target comes back after a loss
longer than ``max_gap_s`` (for rules with sides, after any loss) and its first ``min_target_s`` of
frames name the other side, the rep ends where it came nearest the start and the next one begins
there; the same side (or no side to tell) is the rep going on.
"""

from __future__ import annotations

import math

from posecheck.coach.feedback import Side
from posecheck.coach.rep import Rep, RepFactory
from posecheck.coach.sides import SideVotes


def settle_comeback(
    rep: Rep, side: Side | None, has_sides: bool, make: RepFactory
) -> tuple[float, Rep] | None:
    """Decide ``rep``'s comeback: None when it is the same rep going on (its votes and clock carry
    on), else when the rep ended and the next rep, already in the target."""
    since, votes = rep.comeback_since, rep.comeback_votes
    assert since is not None
    rep.comeback_since, rep.comeback_votes = None, SideVotes()
    other = votes.side() if has_sides else None
    if side is None or other is None or other == side:
        rep.votes.compared = [a + b for a, b in zip(rep.votes.compared, votes.compared)]
        rep.votes.one_sided = [a + b for a, b in zip(rep.votes.one_sided, votes.one_sided)]
        rep.clock.start(since)
        return None
    end = rep.trough[0] if rep.trough is not None else since
    following = make.new(end)
    following.start_key = rep.trough[1] if rep.trough is not None else math.nan
    following.side_start = rep.side_start  # no rest in between: both left the same start
    following.votes, following.target_since, following.reached = votes, since, True
    following.clock.start(since)
    return end, following
