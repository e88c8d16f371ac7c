"""The coach: prepared frames in, feedback out. Pure Python and numpy.

One ``Coach`` follows one person through one set, whether the frames come from
a webcam, a video file or a saved landmark track. Time is always the frame's
timestamp, so frame rate and dropped frames do not change holds or counts.

The coach conducts small parts, each with its own state (open the one that fits the question):

- :mod:`~posecheck.coach.setup_checks`: nobody, two people, unseen parts, wrong view;
- :mod:`~posecheck.coach.posture`: the posture gate (in the needed posture, or left it);
- :mod:`~posecheck.coach.arming`: when the set starts, and the start values of relative rules;
- :mod:`~posecheck.coach.reps`: rest -> target -> rest, sides, peaks, holds within reps;
- :mod:`~posecheck.coach.holds`: the hold clock and bouncing; :mod:`~posecheck.coach.positions`;
- :mod:`~posecheck.coach.guided`: the timer of holds the camera cannot verify;
- :mod:`~posecheck.coach.checks`: the rule file's form checks;
- :mod:`~posecheck.coach.cues`: what is said, how often, and the cue on screen.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.coach.arming import Arming
from posecheck.coach.checks import FormChecks
from posecheck.coach.cues import CueBoard
from posecheck.coach.feedback import Feedback, RepEvent, SessionSummary
from posecheck.coach.guided import GuidedTimer
from posecheck.coach.posture import PostureGate
from posecheck.coach.prepare import REPLAY_MAX_S, FramePreparer, PreparedFrame
from posecheck.coach.reading import MetricReader, pick, side_value
from posecheck.coach.reps import RepCounter
from posecheck.coach.schema import RuleSet
from posecheck.coach.setup_checks import SetupChecks
from posecheck.coach.view_change import ViewWatch
from posecheck.filters import OneEuroSettings
from posecheck.metrics import compute_all

__all__ = ["Coach", "RawFrame", "pick", "side_value", "wanted_postures"]

# What Coach.update is given for one frame: time, xy, z, visibility, people count.
RawFrame = tuple[float, np.ndarray | None, np.ndarray | None, np.ndarray | None, int]
# Frames before the person has been found for this many are "nobody there yet", not a wrong posture.
_SETTLING_FRAMES = 30


class Coach:
    """Applies one rule set to a stream of frames."""

    def __init__(
        self, rules: RuleSet, width: int = 1280, height: int = 720, orientation_from_picture: bool = False
    ) -> None:
        """``orientation_from_picture``: the caller checks the picture itself for a camera on its side
        (see :class:`posecheck.pose.upright.UprightPose`) and calls :meth:`fix_orientation`; until
        then the frames are taken as filmed and kept to be replayed turned."""
        self.rules = rules
        self._awaiting_picture = orientation_from_picture
        self.width, self.height = width, height
        self._metric_defs = rules.metric_defs()
        self._start(fixed_turns=0 if orientation_from_picture else None)

    def _start(self, fixed_turns: int | None) -> None:
        """Begin the set afresh: no frames seen, every part at its start."""
        rules, f = self.rules, self.rules.filter
        self._prepare = FramePreparer(
            self.width,
            self.height,
            OneEuroSettings(min_cutoff=f.min_cutoff, beta=f.beta),
            f.min_visibility,
            wanted_postures(rules),
            fixed_turns=fixed_turns,
        )
        # Raw frames kept while the camera's orientation is undecided, to replay once it is.
        self._replay: list[RawFrame] | None = (
            [] if self._awaiting_picture or not self._prepare.orientation_decided else None
        )
        self.cues = CueBoard()
        self.setup = SetupChecks(rules, self.cues)
        self.posture = PostureGate(rules.posture, self.cues)
        self._count_with(rules)
        self.form: str = rules.posture.required  # the posture whose movement counts (rules.forms)
        self.frames_total = 0
        self.frames_with_pose = 0
        self._sides_seen, self._left, self._right = 0, 0, 0  # see _side_counts
        self._first_t: float | None = None
        self._last_t = 0.0

    def _count_with(self, rules: RuleSet) -> None:
        """(Re)make the parts that read the movement: reader, arming, checks, counter, view."""
        self.reader = MetricReader(rules)
        self.arming = Arming(rules, self.posture, self.reader)
        self.checks = FormChecks(rules.checks, self.reader, self.cues)
        self.counter: RepCounter | GuidedTimer = (
            GuidedTimer(rules, self.reader, self.posture, self.arming, self.cues)
            if rules.kind == "guided_hold"
            else RepCounter(rules, self.reader, self.posture, self.arming, self.checks, self.cues)
        )
        self.view = ViewWatch(rules, self.reader, self.posture, self.arming, self.cues)

    def _take_form(self) -> None:
        """Count with the movement of the allowed posture the person is in, from the set's start.

        Only in setup: before the set starts, or after the person left the posture for long (the
        start is then learnt again anyway). What was counted so far carries over.
        """
        posture = self.posture.stable
        if self.counter.phase != "setup" or not self.posture.ok or posture == self.form:
            return
        old = self.counter
        self.form = posture
        self._count_with(self.rules.in_form(posture))
        new = self.counter
        new.reps, new.holds, new.uncounted = old.reps, old.holds, old.uncounted
        if isinstance(old, RepCounter) and isinstance(new, RepCounter):
            new.last_side = old.last_side

    # ----- the parts' state, read by sinks and tests ----------------------------------------------
    @property
    def phase(self) -> str:
        """setup, rest, moving or target (see :mod:`posecheck.coach.reps`)."""
        return self.counter.phase

    @property
    def reps(self) -> list[RepEvent]:
        """The reps counted so far."""
        return self.counter.reps

    # ----- frames in ------------------------------------------------------------------------------
    def update(
        self,
        t: float,
        xy: np.ndarray | None,
        z: np.ndarray | None = None,
        visibility: np.ndarray | None = None,
        people: int = 1,
    ) -> Feedback:
        """Process one frame of raw landmarks (pixels; None when nobody was found).

        When the coach decides that the camera is on its side, it replays the set
        so far turned the right way (counts may then change at once), so the reps
        done while it was making up its mind are not lost.
        """
        replay = self._replay
        if replay is not None:
            replay.append((t, xy, z, visibility, people))
        frame = self._prepare(t, xy, z, visibility, people)
        if replay is not None and self._prepare.orientation_decided and not self._awaiting_picture:
            self._replay = None
            if frame.quarter_turns and t - replay[0][0] <= REPLAY_MAX_S:
                return self._replay_turned(replay, frame.quarter_turns)
        elif replay is not None and t - replay[0][0] > REPLAY_MAX_S:
            self._replay = None  # too late to replay: a turn found now applies from now on
        return self.step(frame, self.measure(frame))

    def fix_orientation(self, quarter_turns: int) -> None:
        """The camera's orientation as found from the picture: the set so far is replayed turned.

        Only with ``orientation_from_picture``; frames older than ``REPLAY_MAX_S`` are not kept,
        so a turn found later than that applies from now on.
        """
        if not self._awaiting_picture:
            return
        self._awaiting_picture = False
        replay, self._replay = self._replay, None
        if quarter_turns % 4 == 0:
            return
        if replay:
            self._replay_turned(replay, quarter_turns)
        else:
            self._start(fixed_turns=quarter_turns)

    def _replay_turned(self, frames: list[RawFrame], quarter_turns: int) -> Feedback:
        """Start the set again with the camera turned, and run it up to now."""
        self._start(fixed_turns=quarter_turns)
        feedback = None
        for t, xy, z, visibility, people in frames:
            frame = self._prepare(t, xy, z, visibility, people)
            feedback = self.step(frame, self.measure(frame))
        assert feedback is not None
        return feedback

    def measure(self, frame: PreparedFrame) -> dict[str, float]:
        """Metric values of one prepared frame (NaN where not measurable)."""
        if not frame.person_found:
            return {}
        values = compute_all(self._metric_defs, frame.xy, frame.near_is_left, frame.z)
        return {k: float(v) for k, v in values.items()}

    def step(
        self, frame: PreparedFrame, metrics: dict[str, float], seen: tuple[bool, ...] | None = None
    ) -> Feedback:
        """Advance the parts by one prepared, measured frame (see :meth:`advance`), and say what the
        person sees."""
        events = self.advance(frame, metrics, seen)
        return self._feedback(frame, metrics, events)

    def advance(
        self, frame: PreparedFrame, metrics: dict[str, float], seen: tuple[bool, ...] | None = None
    ) -> list[str]:
        """:meth:`step` without building its :class:`Feedback`; returns the frame's events.

        Offline scoring only needs the summary at the end, and building a Feedback every frame
        was about a third of re-scoring a session. ``seen``: the needed parts seen on this frame,
        when worked out for a whole track at once (see :meth:`SetupChecks.update`).
        """
        t = frame.t
        if not math.isfinite(t) or t < self._last_t:
            t = self._last_t
        if self._first_t is None:
            self._first_t = t
        self._last_t = t
        self.frames_total += 1
        if frame.person_found:
            self.frames_with_pose += 1
        events: list[str] = []
        counter = self.counter
        self.cues.begin_frame()
        self.setup.update(t, frame, counter.phase == "setup", seen)
        self.posture.update(t, frame.posture)
        if self.rules.forms:
            self._take_form()
            counter = self.counter
        someone_in_view = self.frames_total > _SETTLING_FRAMES and self.setup.lost_since is None
        if isinstance(counter, GuidedTimer):
            counter.update(t, metrics, someone_in_view, events)
        else:
            # Before the counter reads this frame: a start learnt again applies to it.
            if self.view.update(t, frame, metrics, counter.phase != "setup", counter.rep):
                counter.restart_at_rest()
                events.append("view_changed")
            counter.update(t, frame, metrics, someone_in_view, events)
        counter.add_faults(self.checks.update(t, metrics, counter.phase))
        self.cues.end_frame(t)
        return events

    def _side_counts(self) -> tuple[int, int]:
        """Reps counted on the left and on the right so far.

        Reps are only ever appended, so only the new ones are looked at (counting them all on
        every frame made a long session's feedback quadratic in its reps).
        """
        reps = self.counter.reps
        if len(reps) < self._sides_seen:  # never expected; recount rather than trust the cache
            self._sides_seen, self._left, self._right = 0, 0, 0
        for rep in reps[self._sides_seen :]:
            self._left += rep.side == "left"
            self._right += rep.side == "right"
        self._sides_seen = len(reps)
        return self._left, self._right

    def _feedback(self, frame: PreparedFrame, metrics: dict[str, float], events: list[str]) -> Feedback:
        """What the person is shown for the frame :meth:`advance` has just taken."""
        t = self._last_t
        counter = self.counter
        hold_dose = self.rules.dose.hold_s
        left, right = self._side_counts()
        return Feedback(
            t=t,
            person_found=frame.person_found,
            posture=self.posture.stable,
            view=frame.view,
            phase=counter.phase,
            reps_total=len(counter.reps),
            reps_left=left,
            reps_right=right,
            hold_s=counter.hold_now(t),
            hold_target_s=hold_dose[0] if hold_dose[1] > 0 else None,
            side=counter.side,
            cue=self.cues.current(t),
            new_cues=self.cues.new_cues,
            events=events,
            key_metric=self.reader.key,
            key_value=self.reader.key_value(metrics),
            metrics=metrics,
            landmarks=(frame.image_xy if frame.image_xy is not None else frame.xy)
            if frame.person_found
            else None,
            near_side="left" if frame.near_is_left else "right",
            state=counter.status(t),
            uncounted=len(counter.uncounted),
        )

    # ----- the set so far -------------------------------------------------------------------------
    def summary(self) -> SessionSummary:
        """Counts, events and cues of the session so far; the rep or hold in progress is closed at the
        last frame (a rep coming back to the start as the input ended counts)."""
        counter = self.counter
        reps, holds = list(counter.reps), list(counter.holds)
        uncounted = list(counter.uncounted)
        ending = counter.closing(self._last_t)
        reps.extend([ending.rep] if ending.rep is not None else [])
        holds.extend([ending.hold] if ending.hold is not None else [])
        uncounted.extend([ending.uncounted] if ending.uncounted is not None else [])
        sides = self.rules.has_sides
        return SessionSummary(
            exercise=self.rules.exercise,
            duration_s=(self._last_t - self._first_t) if self._first_t is not None else 0.0,
            reps_total=len(reps),
            reps_left=sum(r.side == "left" for r in reps) if sides else None,
            reps_right=sum(r.side == "right" for r in reps) if sides else None,
            rep_events=reps,
            holds=holds,
            cues=list(self.cues.log),
            frames_total=self.frames_total,
            frames_with_pose=self.frames_with_pose,
            warnings=list(self.cues.warnings),
            notes=[self.rules.not_verified] if self.rules.not_verified else [],
            uncounted=uncounted,
        )


def wanted_postures(rules: RuleSet) -> tuple[str, ...]:
    """The posture the exercise starts in (used to notice a camera on its side).

    Only the required one: postures merely allowed on the way (kneeling, sitting)
    are upright readings too, and would make a turned camera look upright.
    """
    return (rules.posture.required,)
