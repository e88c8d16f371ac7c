"""The guided timer: paces holds the camera cannot verify (the deep abdominal contraction).

The timer starts a hold when the person is in position and rested, runs it for the dose's upper
bound, and counts it as a hold (and a rep) only if the position was held for the dose's lower
bound in all; the clock pauses while the position is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from posecheck.coach.arming import Arming
from posecheck.coach.cues import CueBoard
from posecheck.coach.feedback import HoldEvent, RepEvent, Side, UncountedRep
from posecheck.coach.holds import HoldClock
from posecheck.coach.posture import PostureGate
from posecheck.coach.reading import MetricReader
from posecheck.coach.rep_end import Outcome
from posecheck.coach.schema import RuleSet

# A guided hold in which the person was in position for less than this (in all) is passing through
# the position (or fidgeting in it), not an attempt at the 5-10 s hold: nothing is said about it.
MIN_GUIDED_HOLD_S = 1.0


@dataclass
class GuidedHold:
    """The hold the timer is running."""

    start_s: float
    clock: HoldClock


class GuidedTimer:
    """Runs ``kind = "guided_hold"`` rules: phases setup, rest (between holds) and target (timing)."""

    def __init__(
        self, rules: RuleSet, reader: MetricReader, gate: PostureGate, arming: Arming, board: CueBoard
    ) -> None:
        self._rules = rules
        self._reader, self._gate, self._arming, self._board = reader, gate, arming, board
        self._dose = rules.dose.hold_s
        self.phase = "setup"
        self.hold: GuidedHold | None = None
        self.reps: list[RepEvent] = []
        self.holds: list[HoldEvent] = []
        self.uncounted: list[UncountedRep] = []  # the timer counts every hold it can: none here
        self._last_end: float | None = None  # when the last hold ended; None = none yet

    def update(self, t: float, metrics: dict[str, float], someone_in_view: bool, events: list[str]) -> None:
        """Advance by one frame; appends "armed", "hold_start" and "rep" to ``events``."""
        if self.phase == "setup":
            if not self._arming.arm(t, metrics, someone_in_view):
                return
            self._last_end = None
            self.phase = "rest"
            events.append("armed")
        if self._gate.left(t):
            self._end(t, events, say_relax=False)
            self.phase = "setup"
            self._gate.ok_since = None
            return
        in_position = self._reader.holds(self._rules.movement.target, metrics)
        if self.phase == "rest":
            rested = self._last_end is None or t - self._last_end >= self._rules.dose.rest_s
            if rested and in_position:
                self.phase = "target"
                self.hold = GuidedHold(t, HoldClock(running_since=t))
                self._board.say(t, "draw_in", "Exhale and gently draw your belly button in. Hold.", "info")
                events.append("hold_start")
            return
        hold = self.hold
        if hold is None:  # pragma: no cover - target phase always has a hold
            self.phase = "rest"
            return
        if in_position:
            hold.clock.start(t)
        else:
            hold.clock.pause(t)
        if t - hold.start_s >= self._dose[1]:
            self._end(t, events, say_relax=True)

    def _end(self, t: float, events: list[str], say_relax: bool) -> None:
        hold = self.hold
        self.hold = None
        self.phase = "rest"
        self._last_end = t
        if hold is None:
            return
        hold.clock.pause(t)
        held = hold.clock.held_s
        if held < MIN_GUIDED_HOLD_S:
            return  # passing through the position is not a hold; the cues said what was off
        low, high = self._dose
        if held < low:
            # The timer ran but the position held too briefly: the rule counts no hold then (the
            # timer started it, not the person), so this is a cue in the log, not a hold event.
            self._board.say(
                t,
                "short_hold",
                f"You held the position for {held:.0f} s: aim for {low:.0f} to {high:.0f} s, lying still.",
                "warn",
            )
        else:
            self.holds.append(HoldEvent(None, hold.start_s, t, held, True))
            self.reps.append(RepEvent(None, hold.start_s, t, (), None, held))
            events.append("rep")
        if say_relax:
            self._board.say(t, "relax", "Relax and breathe.", "info")

    # ----- reading the state ----------------------------------------------------------------------
    @property
    def side(self) -> Side | None:
        """Guided holds have no side."""
        return None

    def status(self, t: float) -> str:
        """What the timer is waiting for, in words (for the overlay and the app)."""
        if self.phase == "setup":
            return self._arming.status()
        if self.hold is not None:
            return f"holding {self.hold.clock.elapsed(t):.1f} of {self._dose[1]:.0f} s"
        rest_left = 0.0 if self._last_end is None else self._rules.dose.rest_s - (t - self._last_end)
        return f"resting {rest_left:.0f} s" if rest_left > 0 else "waiting for the position"

    def hold_now(self, t: float) -> float:
        """Seconds held in the running hold (0 without one)."""
        return self.hold.clock.elapsed(t) if self.hold else 0.0

    def closing(self, last_t: float) -> Outcome:
        """What the input ending at ``last_t`` adds: the running hold, if long enough (no rep: a
        guided hold is counted when its timer ends)."""
        return Outcome(hold=self.open_hold(last_t))

    def open_hold(self, last_t: float) -> HoldEvent | None:
        """The running hold closed at ``last_t``, once held for the dose's minimum (a hold is the
        person's, not the timer's)."""
        hold = self.hold
        if hold is None or not hold.clock.touched():
            return None
        seconds = hold.clock.elapsed(last_t)
        if seconds < self._dose[0]:
            return None
        return HoldEvent(None, hold.start_s, last_t, seconds, self.hold_ok(seconds))

    def hold_ok(self, seconds: float) -> bool:
        """Whether a hold of ``seconds`` meets the dose."""
        return self._dose[1] <= 0 or seconds >= self._dose[0]

    def add_faults(self, faults: list[str]) -> None:
        """Guided holds carry no faults: their cues say what was off."""
