"""Where the set's counting starts: at rest (looked back for), or found already in the stretch.

While the set is not armed, every frame is kept (:mod:`~posecheck.coach.lookback`) and the
exercise's movement is watched for (:mod:`~posecheck.coach.shadow`). Once armed, the counting starts
at the first frame of the steady posture in the rest position, and runs on through the kept frames;
a hold exercise found already in its target starts with a hold that is no rep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from posecheck.coach.arming import MIN_START_GLIMPSE_S, Arming
from posecheck.coach.feedback import UncountedRep
from posecheck.coach.lookback import SeenFrame, SetupLookback
from posecheck.coach.posture import PostureGate
from posecheck.coach.prepare import PreparedFrame
from posecheck.coach.reading import MetricReader
from posecheck.coach.rep import RepFactory
from posecheck.coach.schema import RuleSet
from posecheck.coach.shadow import ShadowReps


@dataclass
class Start:
    """The set is armed: start at rest at ``rest_t``, or (``rest_t`` None) in the stretch, whose
    start was not seen; then run ``frames``."""

    rest_t: float | None
    frames: list[SeenFrame] = field(default_factory=list)


class RepStart:
    """Decides when and where the rep counter starts; reports the movements blocked before that."""

    def __init__(
        self, rules: RuleSet, reader: MetricReader, gate: PostureGate, arming: Arming, make: RepFactory
    ) -> None:
        self._rules, self._reader, self._gate, self._arming = rules, reader, gate, arming
        self._make, self._target = make, rules.movement.target
        self._lookback = SetupLookback()
        self._shadow = ShadowReps(rules, reader)
        self.blocked: list[UncountedRep] = []  # the exercise's movement seen while the gate was closed

    def update(
        self, t: float, frame: PreparedFrame, metrics: dict[str, float], someone_in_view: bool
    ) -> Start | None:
        """Feed one frame of setup; the start once the set is armed."""
        self._lookback.add(t, frame, metrics)
        candidate = self._shadow.update(t, metrics, self._gate.stable, blocked=not self._gate.ok)
        if candidate is not None:
            self.blocked.append(candidate)
        arming = self._arming
        arming.first_move_rest_t = None
        if not arming.arm(t, metrics, someone_in_view):
            return None
        rest = self._rules.movement.rest
        steady = self._gate.steady_since
        seen = self._lookback.since(steady if steady is not None else t)
        arming.earlier_start([(ti, mi) for ti, _, mi in seen])
        first_rest = next((i for i, (_, _, m) in enumerate(seen[:-1]) if self._reader.holds(rest, m)), None)
        if first_rest is None:
            first_rest = self._first_still_near_rest(seen[:-1])
        if first_rest is not None:
            # At rest earlier in this posture: the set starts there, and runs on to this frame.
            return self._armed(Start(seen[first_rest][0], seen[first_rest + 1 :]))
        # Armed on the first movement: the person was at rest until the previous frame.
        rested_at = arming.first_move_rest_t
        if rested_at is None and not self._reader.holds(rest, metrics):
            if not self._found_in_the_stretch(metrics):
                return None
            # The recording began (or the camera cut in) while the stretch was held: time the
            # hold; it is no rep, as its start was not seen.
            return self._armed(Start(None, seen[-1:]))
        return self._armed(Start(rested_at if rested_at is not None else t, seen[-1:]))

    def _first_still_near_rest(self, seen: list[SeenFrame]) -> int | None:
        """The first still moment nearer the rest bound than the target's, when no frame was in the
        rest band: a camera raised above the floor or turned off the side shifts how far the
        resting limbs read, and a start position a little short of the band is still the start."""
        still_from = 0
        for i, (t, _, m) in enumerate(seen):
            if not self._make.nearly_at_rest(self._reader, m) or self._reader.holds(self._target, m):
                still_from = i + 1
                continue
            if t - seen[still_from][0] >= MIN_START_GLIMPSE_S:
                return still_from
        return None

    def _armed(self, start: Start) -> Start:
        self._shadow.reset()
        return start

    def _found_in_the_stretch(self, metrics: dict[str, float]) -> bool:
        """A hold exercise's target seen before its start position (not for relative thresholds,
        which need the start position to compare against)."""
        return (
            self._rules.kind == "hold"
            and not self._arming.tolerance
            and self._reader.holds(self._rules.movement.target, metrics)
        )
