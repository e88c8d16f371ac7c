"""One rep in progress: its start, peak, side votes, hold clock, static positions and faults."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from posecheck.coach.feedback import HoldEvent, HoldPosition, Side
from posecheck.coach.holds import BounceDetector, HoldClock
from posecheck.coach.positions import PositionTracker
from posecheck.coach.reading import MetricReader
from posecheck.coach.schema import Positions, RuleSet, Timing
from posecheck.coach.side_start import SideStartValues
from posecheck.coach.sides import SideVotes
from posecheck.landmarks import side_index


@dataclass
class Rep:
    """The rep in progress; ``partial`` when found already in the stretch (its start unseen: no rep)."""

    start_s: float
    bounce: BounceDetector
    partial: bool = False
    peak: float = math.nan
    peak_metrics: dict[str, float] = field(default_factory=dict)
    target_since: float | None = None
    reached: bool = False
    clock: HoldClock = field(default_factory=HoldClock)
    last_target_t: float | None = None
    votes: SideVotes = field(default_factory=SideVotes)
    side_start: SideStartValues | None = None  # the side metric at the rep's start (side_from_rest rules)
    positions: PositionTracker | None = None  # static positions within the hold, if the rules ask
    faults: list[str] = field(default_factory=list)
    start_key: float = math.nan  # the key metric as the rep left the rest position
    returned_t: float | None = None  # last time it was on its way back, after leaving the target
    # Out of the target for long (beyond max_gap_s): where it came nearest the start, and, once the
    # target is back, the frames deciding whether that is this rep again or the next one.
    trough: tuple[float, float] | None = None  # (t, key)
    comeback_since: float | None = None
    comeback_votes: SideVotes = field(default_factory=SideVotes)
    # Frame counts for the rep's confidence: all frames, those without a key reading, those in another posture.
    frames: int = 0
    unseen: int = 0
    off_posture: int = 0
    # movement.throughout: since when it has failed (None: it holds), and whether it failed for long.
    stray_since: float | None = None
    strayed: bool = False

    def watch_throughout(self, t: float, holds: bool) -> None:
        """Note whether ``movement.throughout`` holds on this frame; failing ``STRAY_S`` or more in a
        row marks the rep as not this exercise's movement."""
        if holds:
            self.stray_since = None
            return
        self.stray_since = t if self.stray_since is None else self.stray_since
        self.strayed = self.strayed or t - self.stray_since >= STRAY_S

    def track_trough(self, t: float, key: float, higher_is_target: bool) -> None:
        """Keep the moment the key metric came nearest the start since the target was lost."""
        if math.isnan(key):
            return
        nearer = self.trough is None or (key < self.trough[1] if higher_is_target else key > self.trough[1])
        if nearer:
            self.trough = (t, key)

    def track_peak(self, key: float, metrics: dict[str, float], higher_is_target: bool) -> None:
        """Keep the most extreme key value (and that frame's metrics, for the rep-peak checks)."""
        if math.isnan(key):
            return
        better = key > self.peak if higher_is_target else key < self.peak
        if math.isnan(self.peak) or better:
            self.peak = key
            self.peak_metrics = dict(metrics)

    def track_position(self, t: float, xy: np.ndarray, rule: Positions, planted: list[int]) -> None:
        """Feed the hold's position tracker with this frame's landmarks."""
        if self.positions is None:
            start = self.target_since if self.target_since is not None else t
            self.positions = PositionTracker(planted, rule.moved, rule.settle_s, start)
        self.positions.update(t, xy, self.clock.elapsed(t))

    def hold_start(self, fallback: float) -> float:
        """When the target was first reached (``fallback`` if never)."""
        return self.target_since if self.target_since is not None else fallback

    def positions_held(self, held_s: float) -> tuple[HoldPosition, ...]:
        """The hold's positions, the last ending when the target was last held."""
        if self.positions is None or self.last_target_t is None:
            return ()
        return self.positions.close(self.last_target_t, held_s)


class RepFactory:
    """What a rule set fixes for every rep: how to make one, where its peak lies, what is planted."""

    def __init__(self, rules: RuleSet) -> None:
        self._timing: Timing = rules.timing
        self.higher_is_target = target_is_high(rules)
        self.positions = rules.positions
        self._key = rules.movement.metric
        halfway = _halfway(rules, self.higher_is_target)
        self._halfway = None if halfway is None else halfway[:2]
        self._rest_bound = math.nan if halfway is None else halfway[2]
        self._target_bound = next(
            (
                bound
                for c in rules.movement.target
                if c.metric == self._key
                and not c.relative
                and (bound := c.above if self.higher_is_target else c.below) is not None
            ),
            None,
        )
        self.planted = (
            sorted({side_index(p, s) for p in rules.positions.planted for s in ("left", "right")})
            if rules.positions
            else []
        )

    def new(self, start_s: float, partial: bool = False) -> Rep:
        """A rep starting at ``start_s``."""
        return Rep(start_s=start_s, bounce=BounceDetector(self._timing), partial=partial)

    def near_miss(self, rep: Rep, reader: MetricReader, end: float) -> bool:
        """Whether a rep that never reached the target still went a quarter of the way there from the
        rest bound, for ``NEAR_MISS_S`` or more (too shallow, or too small for the camera to see)."""
        if self._halfway is None or math.isnan(rep.peak) or end - rep.start_s < NEAR_MISS_S:
            return False
        middle, relative = self._halfway
        rest_bound = self._rest_bound
        peak = rep.peak - reader.baseline.get(self._key, math.nan) if relative else rep.peak
        quarter = rest_bound + (middle - rest_bound) / 2  # halfway to the middle: a quarter of the way
        return peak > quarter if self.higher_is_target else peak < quarter

    def target_margin(self, rep: Rep, reader: MetricReader) -> float | None:
        """How far past the target bound the rep's peak went, as a share of the rest-to-target span
        (None where the rules have no such pair of bounds on the key metric)."""
        if self._halfway is None or math.isnan(rep.peak):
            return None
        middle, relative = self._halfway
        span = 2 * (middle - self._rest_bound)  # the middle is halfway: twice it is the whole span
        if span == 0:
            return None
        peak = rep.peak - reader.baseline.get(self._key, math.nan) if relative else rep.peak
        target_bound = self._rest_bound + span
        return (peak - target_bound) / span

    def nearly_at_rest(self, reader: MetricReader, metrics: dict[str, float]) -> bool:
        """Whether the key metric is nearer the rest bound than the target bound (rules with both)."""
        if self._halfway is None:
            return False
        middle, relative = self._halfway
        value = reader.value(self._key, metrics, relative)
        return not math.isnan(value) and (value < middle if self.higher_is_target else value > middle)

    def toward_rest(self, rep: Rep, reader: MetricReader, metrics: dict[str, float]) -> bool:
        """Whether the key metric is past halfway from the target bound back to the rest bound (or,
        where the rest position is judged by another metric, back to where the rep began)."""
        if self._halfway is not None:
            middle, relative = self._halfway
        elif self._target_bound is not None and not math.isnan(rep.start_key):
            middle, relative = (self._target_bound + rep.start_key) / 2, False
        else:
            return False
        value = reader.value(self._key, metrics, relative)
        if math.isnan(value):
            return False
        return value < middle if self.higher_is_target else value > middle


# A deliberate movement out of the start position lasts this long; a wobble crosses back sooner.
NEAR_MISS_S = 1.0
# Another part moving on purpose (knees rolled aside, a foot lifted) takes half a second or more; the
# model's jitter crosses a band for a frame or two.
STRAY_S = 0.5


def hold_event(rep: Rep, side: Side | None, start: float, end: float, held: float, ok: bool) -> HoldEvent:
    """The hold made in ``rep``, with its static positions."""
    return HoldEvent(side, start, end, held, ok, rep.positions_held(held))


def _halfway(rules: RuleSet, higher_is_target: bool) -> tuple[float, bool, float] | None:
    """The middle between the key metric's rest and target bounds (measured alike), if both exist,
    whether they are relative, and the rest bound."""
    key = rules.movement.metric
    for rest in rules.movement.rest:
        for target in rules.movement.target:
            if rest.metric != key or target.metric != key or rest.relative != target.relative:
                continue
            rest_bound = rest.below if higher_is_target else rest.above
            target_bound = target.above if higher_is_target else target.below
            if rest_bound is not None and target_bound is not None:
                return (rest_bound + target_bound) / 2, rest.relative, rest_bound
    return None


def target_is_high(rules: RuleSet) -> bool:
    """Whether the key metric rises toward the target (for peak tracking)."""
    key = rules.movement.metric
    for c in rules.movement.target:
        if c.metric == key:
            return c.above is not None
    return True
