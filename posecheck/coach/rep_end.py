"""The end of a rep: its faults, its event and its hold, or why it was not counted."""

from __future__ import annotations

import math
from dataclasses import dataclass

from posecheck.coach.checks import FormChecks
from posecheck.coach.confidence import RepEvidence, assess
from posecheck.coach.cues import CueBoard
from posecheck.coach.feedback import HoldEvent, RepEvent, Severity, Side, UncountedRep
from posecheck.coach.reading import MetricReader
from posecheck.coach.rep import Rep, RepFactory, hold_event
from posecheck.coach.schema import RuleSet

# Why a movement that reached the target was not counted: id -> what the person is told.
NOT_COUNTED = {
    "started_before_recording": "It began before the recording (or the camera) caught its start.",
    "ended_before_rest": "The recording ended before you came back to the start.",
    "left_posture": "You left the position before coming back to the start.",
    "other_parts_moved": "Other parts moved as well (your legs or hips, for example), so it was not "
    "this exercise's movement alone.",
    "not_far_enough": "You moved toward the target but not far enough for me to count it "
    "(or the movement is too small for the camera to see).",
}


@dataclass(frozen=True)
class Outcome:
    """What a rep adds to the set as it ends: a counted rep, a hold, or why it was not counted."""

    rep: RepEvent | None = None
    hold: HoldEvent | None = None
    uncounted: UncountedRep | None = None


class RepEnd:
    """Closes reps as the rules say: faults (pace, hold, peak checks, same side), the rep and its hold."""

    def __init__(
        self, rules: RuleSet, checks: FormChecks, board: CueBoard, make: RepFactory, reader: MetricReader
    ) -> None:
        self._rules, self._checks, self._board = rules, checks, board
        self._make, self._reader = make, reader
        self._timed = rules.kind == "hold" or rules.dose.hold_s[1] > 0  # holds are timed and reported

    def hold_ok(self, seconds: float) -> bool:
        """Whether a hold of ``seconds`` meets the dose (always, for rules without a hold dose)."""
        dose = self._rules.dose.hold_s
        return dose[1] <= 0 or seconds >= dose[0]

    def close(
        self, rep: Rep, side: Side | None, end: float, t: float, last_side: Side | None, say: bool
    ) -> Outcome:
        """The counted rep ending at ``end`` (cues said at ``t`` when ``say``)."""
        hold = rep.clock.held_s
        faults = list(dict.fromkeys(rep.faults))
        timing, dose = self._rules.timing, self._rules.dose.hold_s
        raised: list[tuple[str, str, Severity]] = []
        if end - rep.start_s < timing.min_rep_s:
            raised.append(("too_fast", timing.slow_down_cue, "warn"))
        if dose[1] > 0 and hold < dose[0]:
            raised.append(("short_hold", timing.short_hold_cue, "warn"))
        for cue_id, cue_text, severity in raised:
            faults.append(cue_id)
            if say:
                self._board.say(t, cue_id, cue_text, severity)
        faults.extend(self._checks.at_peak(rep.peak_metrics, t, say=say))
        if self._rules.sides == "alternate" and side is not None and side == last_side:
            faults.append("same_side")
            if say:
                self._board.say(t, "same_side", "Switch sides: do the other side next.", "info")
        start_hold = rep.hold_start(rep.start_s)
        held = None
        if hold >= self._rules.movement.min_target_s and self._timed:
            held = hold_event(rep, side, start_hold, start_hold + hold, hold, self.hold_ok(hold))
        peak = rep.peak if math.isfinite(rep.peak) else None
        confidence, doubts = assess(self.evidence(rep))
        event = RepEvent(side, rep.start_s, end, tuple(faults), peak, hold, confidence, doubts)
        return Outcome(event, held)

    def evidence(self, rep: Rep) -> RepEvidence:
        """What was seen during ``rep``, for its confidence."""
        votes = rep.votes.votes()
        return RepEvidence(
            frames=rep.frames,
            unseen=rep.unseen,
            off_posture=rep.off_posture,
            target_margin=self._make.target_margin(rep, self._reader),
            side_votes=(votes[0], votes[1]) if self._rules.has_sides else None,
        )

    def abandoned(
        self, rep: Rep, side: Side | None, t: float, reason: str, last_side: Side | None
    ) -> Outcome:
        """A rep cut short at ``t`` (the person left the posture, or its start was never seen): on
        its way back to the start it was done; else its hold is kept and it is reported."""
        rep.clock.pause(t)
        if rep.strayed:  # not this exercise's movement: no hold to keep either
            return Outcome(uncounted=not_counted(rep, side, t, "other_parts_moved") if rep.reached else None)
        if reason == "left_posture" and rep.reached and not rep.partial and came_back(rep):
            # On the way back to the start, then up (sat up, stood up): the rep was done.
            assert rep.returned_t is not None
            return self.close(rep, side, rep.returned_t, t, last_side, say=False)
        hold = self.kept_hold(rep, side, rep.clock.held_s)
        return Outcome(hold=hold, uncounted=not_counted(rep, side, t, reason) if rep.reached else None)

    def at_input_end(
        self, rep: Rep, side: Side | None, returning: bool, end: float, last_t: float, last_side: Side | None
    ) -> Outcome:
        """What a reached rep adds if the input ends at ``last_t`` (``end``: when it came back to rest,
        if it did): one coming back to the start counts, one still out is reported."""
        if not rep.partial and (returning or came_back(rep) or self._released_at_the_end(rep, last_t)):
            return self.close(rep, side, end, last_t, last_side, say=False)
        reason = "started_before_recording" if rep.partial else "ended_before_rest"
        return Outcome(
            hold=self.open_hold(rep, side, last_t), uncounted=not_counted(rep, side, last_t, reason)
        )

    def _released_at_the_end(self, rep: Rep, last_t: float) -> bool:
        """On its way back to the start, then in the target again for less time than it takes to
        reach it (``min_target_s``) when the input ends: that return is the release, and the last
        flicker of the target reading is no new hold (the legs passing back through it)."""
        return rep.returned_t is not None and last_t - rep.returned_t < self._rules.movement.min_target_s

    def open_hold(self, rep: Rep, side: Side | None, last_t: float) -> HoldEvent | None:
        """The hold in progress closed at ``last_t``, when it is long enough to report."""
        if not rep.clock.touched():
            return None
        seconds = rep.clock.elapsed(last_t)
        if seconds < self._rules.movement.min_target_s:
            return None
        return hold_event(rep, side, rep.hold_start(last_t), last_t, seconds, self.hold_ok(seconds))

    def kept_hold(self, rep: Rep, side: Side | None, held: float) -> HoldEvent | None:
        """The hold of a rep that is not counted (abandoned, or begun unseen), if one was reached."""
        if not rep.reached or held < self._rules.movement.min_target_s:
            return None
        start = rep.hold_start(rep.start_s)
        return hold_event(rep, side, start, start + held, held, self.hold_ok(held))


def not_counted(rep: Rep, side: Side | None, end: float, reason: str) -> UncountedRep:
    """A movement that reached the target but is not counted, with the reason said in words."""
    return UncountedRep(side, rep.start_s, end, reason, NOT_COUNTED[reason])


def came_back(rep: Rep) -> bool:
    """Whether the rep was on its way back to the start after it last was in the target."""
    return rep.returned_t is not None and rep.returned_t > (rep.last_target_t or rep.start_s)
