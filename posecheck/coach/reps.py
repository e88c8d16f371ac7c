"""The rep counter: rest -> target -> rest is one rep, with its side, peak, hold and faults.

Phases: ``setup`` (not armed yet), ``rest`` (in the start position), ``moving`` (out of rest,
target not reached or lost for longer than ``max_gap_s``), ``target`` (the target reached and held
for ``min_target_s``). A rep ends when the rest position is back for ``min_rest_s``; one that never
reached the target is no rep.
"""

from __future__ import annotations

import math

from posecheck.coach.arming import Arming
from posecheck.coach.checks import FormChecks
from posecheck.coach.cues import CueBoard
from posecheck.coach.feedback import HoldEvent, RepEvent, Side
from posecheck.coach.posture import PostureGate
from posecheck.coach.prepare import PreparedFrame
from posecheck.coach.reading import MetricReader
from posecheck.coach.rep import Rep, RepFactory, hold_event
from posecheck.coach.schema import RuleSet


class RepCounter:
    """Counts reps (and times the holds inside them) for ``kind = "reps"`` and ``"hold"`` rules."""

    def __init__(
        self,
        rules: RuleSet,
        reader: MetricReader,
        gate: PostureGate,
        arming: Arming,
        checks: FormChecks,
        board: CueBoard,
    ) -> None:
        self._rules = rules
        self._reader, self._gate, self._arming = reader, gate, arming
        self._checks, self._board = checks, board
        self._make = RepFactory(rules)
        self._timed = rules.kind == "hold" or rules.dose.hold_s[1] > 0  # holds are timed and reported
        self.phase = "setup"
        self.rep: Rep | None = None
        self.reps: list[RepEvent] = []
        self.holds: list[HoldEvent] = []
        self.last_side: Side | None = None
        self._rest_since: float | None = None
        self._last_rest_t: float | None = None

    # ----- per frame ------------------------------------------------------------------------------
    def update(
        self,
        t: float,
        frame: PreparedFrame,
        metrics: dict[str, float],
        someone_in_view: bool,
        events: list[str],
    ) -> None:
        """Advance by one frame; appends "armed", "target", "hold_start" and "rep" to ``events``."""
        mv = self._rules.movement
        if self.phase == "setup" and not self._arm(t, metrics, someone_in_view, events):
            return
        # Leaving the posture for long ends the set (the person stood up, rolled over...).
        if self._gate.left(t):
            self._abandon(t)
            self.phase = "setup"
            self._gate.ok_since = None
            return
        reader = self._reader
        at_rest = reader.holds(mv.rest, metrics)
        at_target = reader.holds(mv.target, metrics)
        key = reader.key_value(metrics)
        if at_rest:
            self._last_rest_t = t
            self._rest_since = self._rest_since if self._rest_since is not None else t
        else:
            self._rest_since = None
        rep = self.rep
        if rep is None:
            if not at_rest and not math.isnan(key):
                self.rep = self._make.new(self._last_rest_t if self._last_rest_t is not None else t)
                self.phase = "moving"
            return
        rep.track_peak(key, metrics, self._make.higher_is_target)
        if at_target:
            self._in_target(t, rep, frame, key, metrics, events)
        else:
            if rep.clock.running:
                # Pause the hold timer; it resumes if the target comes back soon.
                rep.clock.pause(rep.last_target_t or t)
            if rep.target_since is not None and not rep.reached:
                rep.target_since = None
            if rep.reached and rep.last_target_t is not None and t - rep.last_target_t > mv.max_gap_s:
                self.phase = "moving"
        if at_rest and self._rest_since is not None and t - self._rest_since >= mv.min_rest_s:
            self._finish(t, rep, events)

    def _arm(self, t: float, metrics: dict[str, float], someone_in_view: bool, events: list[str]) -> bool:
        """In setup: True once armed (in rest, or found already in a hold exercise's stretch)."""
        arming = self._arming
        arming.first_move_rest_t = None
        if not arming.arm(t, metrics, someone_in_view):
            return False
        # Armed on the first movement: the person was at rest until the previous frame.
        rested_at = arming.first_move_rest_t
        if rested_at is None and not self._reader.holds(self._rules.movement.rest, metrics):
            if not self._found_in_the_stretch(metrics):
                return False
            # The recording began (or the camera cut in) while the stretch was held: time the
            # hold; it is no rep, as its start was not seen.
            self.rep = self._make.new(t, partial=True)
            self.phase = "moving"
        else:
            self.phase = "rest"
            self._rest_since = rested_at if rested_at is not None else t
            self._last_rest_t = self._rest_since
        events.append("armed")
        return True

    def _in_target(
        self,
        t: float,
        rep: Rep,
        frame: PreparedFrame,
        key: float,
        metrics: dict[str, float],
        events: list[str],
    ) -> None:
        self._vote(rep, metrics)
        rep.last_target_t = t
        if rep.target_since is None:
            rep.target_since = t
        if not rep.reached and t - rep.target_since >= self._rules.movement.min_target_s:
            rep.reached = True
            rep.clock.start(rep.target_since)
            events.append("target")
            if self._timed:
                events.append("hold_start")
        if rep.reached:
            rep.clock.start(t)
            if self._make.positions is not None and frame.person_found:
                rep.track_position(t, frame.xy, self._make.positions, self._make.planted)
            self.phase = "target"
            if self._timed and rep.bounce.update(t, key):
                rep.faults.append("bouncing")
                timing = self._rules.timing
                self._board.say(t, "bouncing", timing.bounce_cue, "warn")

    def _vote(self, rep: Rep, metrics: dict[str, float]) -> None:
        mv = self._rules.movement
        name = mv.side_metric or (mv.metric if self._reader.is_per_side(mv.metric) else None)
        if name is None:
            return
        how = mv.side_pick if mv.side_metric else mv.pick
        rep.votes.add(metrics.get(f"{name}.left", math.nan), metrics.get(f"{name}.right", math.nan), how)

    def _found_in_the_stretch(self, metrics: dict[str, float]) -> bool:
        """A hold exercise's target seen before its start position (not for relative thresholds,
        which need the start position to compare against)."""
        return (
            self._rules.kind == "hold"
            and not self._arming.tolerance
            and self._reader.holds(self._rules.movement.target, metrics)
        )

    # ----- the end of a rep -----------------------------------------------------------------------
    def _finish(self, t: float, rep: Rep, events: list[str]) -> None:
        self.rep = None
        self.phase = "rest"
        if not rep.reached:
            return  # went out and came back without reaching the target: not a rep
        end = self._rest_since if self._rest_since is not None else t
        hold = rep.clock.held_s
        side = self.side_of(rep)
        if rep.partial:
            self.rep = rep
            self._abandon(t)  # the hold is kept, the rep is not counted
            self.last_side = side
            return
        faults = list(dict.fromkeys(rep.faults))
        say = self._board.say
        timing, dose = self._rules.timing, self._rules.dose.hold_s
        if end - rep.start_s < timing.min_rep_s:
            faults.append("too_fast")
            say(t, "too_fast", timing.slow_down_cue, "warn")
        if dose[1] > 0 and hold < dose[0]:
            faults.append("short_hold")
            say(t, "short_hold", timing.short_hold_cue, "warn")
        faults.extend(self._checks.at_peak(rep.peak_metrics, t))
        if self._rules.sides == "alternate" and side is not None and side == self.last_side:
            faults.append("same_side")
            say(t, "same_side", "Switch sides: do the other side next.", "info")
        start_hold = rep.hold_start(rep.start_s)
        if hold >= self._rules.movement.min_target_s and self._timed:
            self.holds.append(hold_event(rep, side, start_hold, start_hold + hold, hold, self.hold_ok(hold)))
        peak = rep.peak if math.isfinite(rep.peak) else None
        self.reps.append(RepEvent(side, rep.start_s, end, tuple(faults), peak, hold))
        self.last_side = side
        events.append("rep")

    def _abandon(self, t: float) -> None:
        """Drop the rep in progress; a hold reached in it is kept."""
        rep = self.rep
        self.rep = None
        if rep is None:
            return
        rep.clock.pause(t)
        held = rep.clock.held_s
        if rep.reached and held >= self._rules.movement.min_target_s:
            start = rep.hold_start(rep.start_s)
            self.holds.append(
                hold_event(rep, self.side_of(rep), start, start + held, held, self.hold_ok(held))
            )

    # ----- reading the state ----------------------------------------------------------------------
    def side_of(self, rep: Rep) -> Side | None:
        """The side a rep worked (None for rules without sides, or before any vote)."""
        return rep.votes.side() if self._rules.has_sides else None

    @property
    def side(self) -> Side | None:
        """The side of the rep in progress once it has votes, else of the last rep."""
        if self.rep is not None and self.rep.votes.any():
            return self.side_of(self.rep)
        return self.last_side

    def status(self, t: float) -> str:
        """What the counter is waiting for, in words (for the overlay and the app)."""
        rep = self.rep
        if self.phase == "setup":
            return self._arming.status()
        if rep is None:
            return "at rest: ready"
        if self.phase == "target":
            return f"in target {rep.clock.elapsed(t):.1f} s"
        return "waiting for rest" if rep.reached else "moving toward the target"

    def hold_now(self, t: float) -> float:
        """Seconds held in the rep in progress (0 without one)."""
        return self.rep.clock.elapsed(t) if self.rep else 0.0

    def hold_ok(self, seconds: float) -> bool:
        """Whether a hold of ``seconds`` meets the dose (always, for rules without a hold dose)."""
        dose = self._rules.dose.hold_s
        return dose[1] <= 0 or seconds >= dose[0]

    def open_hold(self, last_t: float) -> HoldEvent | None:
        """The hold in progress closed at ``last_t``, when it is long enough to report."""
        rep = self.rep
        if rep is None or not rep.clock.touched():
            return None
        seconds = rep.clock.elapsed(last_t)
        if seconds < self._rules.movement.min_target_s:
            return None
        start = rep.hold_start(last_t)
        return hold_event(rep, self.side_of(rep), start, last_t, seconds, self.hold_ok(seconds))

    def add_faults(self, faults: list[str]) -> None:
        """Faults found by the per-frame checks belong to the rep in progress."""
        if self.rep is not None:
            self.rep.faults.extend(faults)
