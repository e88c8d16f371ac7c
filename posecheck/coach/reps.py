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
from posecheck.coach.comeback import settle_comeback
from posecheck.coach.cues import CueBoard
from posecheck.coach.feedback import HoldEvent, RepEvent, Side, UncountedRep
from posecheck.coach.posture import PostureGate
from posecheck.coach.prepare import PreparedFrame
from posecheck.coach.reading import MetricReader
from posecheck.coach.rep import Rep, RepFactory
from posecheck.coach.rep_end import Outcome, RepEnd, not_counted
from posecheck.coach.rep_start import RepStart
from posecheck.coach.schema import RuleSet
from posecheck.coach.side_start import SideStart
from posecheck.coach.sides import SideVotes, vote


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
        self._side_start = SideStart(rules, self._make.higher_is_target)
        self._timed = rules.kind == "hold" or rules.dose.hold_s[1] > 0  # holds are timed and reported
        self.phase = "setup"
        self.rep: Rep | None = None
        self.reps: list[RepEvent] = []
        self.holds: list[HoldEvent] = []
        self.last_side: Side | None = None
        self._rest_since: float | None = None
        self._last_rest_t: float | None = None
        self._start = RepStart(rules, reader, gate, arming, self._make)
        self._end = RepEnd(rules, checks, board, self._make, reader)
        self.uncounted: list[UncountedRep] = []
        self._returning = False  # the rep in progress has left the target and is most of the way back

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
        if self.phase != "setup":
            self._advance(t, frame, metrics, events)
            return
        start = self._start.update(t, frame, metrics, someone_in_view)
        self.uncounted.extend(self._start.blocked)
        self._start.blocked.clear()
        if start is None:
            return
        if start.rest_t is None:
            self.rep = self._make.new(t, partial=True)
            self.phase = "moving"
        else:
            self.phase = "rest"
            self._rest_since = self._last_rest_t = start.rest_t
        events.append("armed")
        for seen in start.frames:
            self._advance(*seen, events)

    def _advance(self, t: float, frame: PreparedFrame, metrics: dict[str, float], events: list[str]) -> None:
        """One frame of the armed set."""
        mv = self._rules.movement
        # Leaving the posture for long ends the set (the person stood up, rolled over...).
        if self._gate.left(t):
            self._abandon(t, "left_posture")
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
        self._side_start.see(at_rest, key, metrics)
        rep = self.rep
        if rep is None:
            if not at_rest and not math.isnan(key):
                self.rep = self._make.new(self._last_rest_t if self._last_rest_t is not None else t)
                self.rep.start_key = key
                self.rep.side_start = self._side_start.take()
                self.phase = "moving"
            return
        if mv.throughout:
            rep.watch_throughout(t, reader.holds(mv.throughout, metrics))
        rep.track_peak(key, metrics, self._make.higher_is_target)
        rep.frames += 1
        rep.unseen += math.isnan(key)
        rep.off_posture += not self._gate.ok and self._gate.stable != "unknown"
        if at_target:
            self._in_target(t, rep, frame, key, metrics, events)
        else:
            if rep.clock.running:
                # Pause the hold timer; it resumes if the target comes back soon.
                rep.clock.pause(t if rep.last_target_t is None else rep.last_target_t)
            if rep.target_since is not None and not rep.reached:
                rep.target_since = None
            if rep.comeback_since is not None:
                # Lost again before the comeback was settled: it was not the next rep (that must last),
                # so its frames in the target were this rep held on, and count toward its hold.
                rep.clock.start(rep.comeback_since)
                rep.clock.pause(t)
                rep.last_target_t = t
                rep.comeback_since, rep.comeback_votes = None, SideVotes()
            if rep.reached and rep.last_target_t is not None and t - rep.last_target_t > mv.max_gap_s:
                self.phase = "moving"
            if rep.reached:
                rep.track_trough(t, key, self._make.higher_is_target)
        self._returning = (
            rep.reached and not at_target and (at_rest or self._make.toward_rest(rep, reader, metrics))
        )
        if self._returning:
            rep.returned_t = t
        if at_rest and self._rest_since is not None and t - self._rest_since >= mv.min_rest_s:
            self._finish(t, rep, events)

    def _in_target(
        self,
        t: float,
        rep: Rep,
        frame: PreparedFrame,
        key: float,
        metrics: dict[str, float],
        events: list[str],
    ) -> None:
        min_target_s = self._rules.movement.min_target_s
        # The target is back after a loss: the same rep again, or the next one? After a long loss
        # always asked; after a brief one only when the other side is up now (legs switched in
        # one movement, a short return between alternating sides).
        switched = rep.reached and rep.trough is not None and self._other_side_now(rep, metrics)
        if rep.reached and (self.phase == "moving" or rep.comeback_since is not None or switched):
            rep.comeback_since = t if rep.comeback_since is None else rep.comeback_since
            vote(rep.comeback_votes, self._rules.movement, self._reader, metrics, rep.side_start)
            if t - rep.comeback_since < min_target_s:
                return
            side = self.side_of(rep)
            split = settle_comeback(rep, side, self._rules.has_sides, self._make)
            if split is not None:
                end, following = split
                self._record(self._end.close(rep, side, end, t, self.last_side, say=True), side, events)
                events.append("target")
                self.rep = rep = following
        vote(rep.votes, self._rules.movement, self._reader, metrics, rep.side_start)
        rep.last_target_t = t
        rep.trough = None
        if rep.target_since is None:
            rep.target_since = t
        if not rep.reached and t - rep.target_since >= min_target_s:
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

    # ----- the end of a rep -----------------------------------------------------------------------
    def _finish(self, t: float, rep: Rep, events: list[str]) -> None:
        self.rep = None
        self.phase = "rest"
        side = self.side_of(rep)
        if rep.strayed:
            # Other parts moved (knees rolled aside, feet put down elsewhere): not this exercise's
            # movement, and the start it is measured from may have moved with them: learn it again.
            if rep.reached:
                self.uncounted.append(not_counted(rep, side, t, "other_parts_moved"))
            self.phase = "setup"
            self._gate.ok_since = None
            return
        if not rep.reached:
            # Went out and came back without reaching the target: not a rep, but a deliberate try
            # is reported (too shallow, or a movement too small for the camera to see).
            if self._make.near_miss(rep, self._reader, t):
                self.uncounted.append(not_counted(rep, side, t, "not_far_enough"))
            return
        end = self._rest_since if self._rest_since is not None else t
        if rep.partial:  # the hold is kept, the rep is not counted
            self._record(self._end.abandoned(rep, side, t, "started_before_recording", self.last_side), side)
            self.last_side = side
        else:
            self._record(self._end.close(rep, side, end, t, self.last_side, say=True), side, events)

    def restart_at_rest(self) -> None:
        """The start was learnt again (the camera's view changed): a rep in progress that never
        reached its target began with the change of view, not with a movement, so it is dropped."""
        if self.rep is not None and not self.rep.reached:
            self.rep = None
            self.phase = "rest"

    def _abandon(self, t: float, reason: str) -> None:
        """Drop the rep in progress (see :meth:`RepEnd.abandoned`)."""
        rep, self.rep = self.rep, None
        if rep is not None:
            side = self.side_of(rep)
            self._record(self._end.abandoned(rep, side, t, reason, self.last_side), side)

    def _record(self, outcome: Outcome, side: Side | None, events: list[str] | None = None) -> None:
        """Add what a rep's end gave to the set."""
        self.holds.extend([outcome.hold] if outcome.hold is not None else [])
        self.uncounted.extend([outcome.uncounted] if outcome.uncounted is not None else [])
        if outcome.rep is not None:
            self.reps.append(outcome.rep)
            self.last_side = side
            if events is not None:
                events.append("rep")

    def closing(self, last_t: float) -> Outcome:
        """What the rep in progress adds if the input ends at ``last_t`` (nothing changes: the set may
        go on): a rep coming back to the start counts, a hold is closed, a rep still out is reported."""
        rep = self.rep
        if rep is None:
            return Outcome()
        side = self.side_of(rep)
        if rep.strayed:
            return Outcome(
                uncounted=not_counted(rep, side, last_t, "other_parts_moved") if rep.reached else None
            )
        if not rep.reached:
            return Outcome(hold=self._end.open_hold(rep, side, last_t))
        end = self._rest_since if self._rest_since is not None else (rep.returned_t or last_t)
        return self._end.at_input_end(rep, side, self._returning, end, last_t, self.last_side)

    # ----- reading the state ----------------------------------------------------------------------
    def _other_side_now(self, rep: Rep, metrics: dict[str, float]) -> bool:
        """Whether this frame alone names the side other than ``rep``'s (rules with sides)."""
        side = self.side_of(rep)
        if side is None:
            return False
        now = SideVotes()
        vote(now, self._rules.movement, self._reader, metrics, rep.side_start)
        return now.side() not in (None, side)

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
        return self._end.hold_ok(seconds)

    def add_faults(self, faults: list[str]) -> None:
        """Faults found by the per-frame checks belong to the rep in progress."""
        if self.rep is not None:
            self.rep.faults.extend(faults)
