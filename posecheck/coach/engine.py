"""The coach: prepared frames in, feedback out. Pure Python and numpy.

One ``Coach`` follows one person through one set, whether the frames come from
a webcam, a video file or a saved landmark track. Time is always the frame's
timestamp, so frame rate and dropped frames do not change holds or counts.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from posecheck.coach.feedback import (
    Cue,
    Feedback,
    HoldEvent,
    HoldPosition,
    RepEvent,
    SessionSummary,
    Severity,
    Side,
)
from posecheck.coach.positions import PositionTracker
from posecheck.coach.prepare import REPLAY_MAX_S, FramePreparer, PreparedFrame
from posecheck.coach.schema import Condition, RuleSet
from posecheck.filters import OneEuroSettings
from posecheck.landmarks import PART_WORDS, side_index
from posecheck.metrics import compute_all

MAX_CUE_LOG = 2000  # a long live session must not grow memory without bound
CUE_REPEAT_S = 4.0  # the same cue is not repeated sooner than this
CUE_SHOW_S = 2.5  # how long a cue stays on screen
LOST_PERSON_S = 1.0
UNSEEN_PART_S = 1.0
WRONG_SETUP_S = 1.0
SECOND_PERSON_S = 2.5
# A guided hold in which the person was in position for less than this (in all) is passing through
# the position (or fidgeting in it), not an attempt at the 5-10 s hold: nothing is said about it.
MIN_GUIDED_HOLD_S = 1.0
# Share of movement.calibrate_s a still start must last when the first movement comes early.
MIN_STILL_SHARE = 0.5
# What Coach.update is given for one frame: time, xy, z, visibility, people count.
RawFrame = tuple[float, np.ndarray | None, np.ndarray | None, np.ndarray | None, int]
# Priority of cue ids when several are active (lower wins); faults come next, then the rest.
_CUE_PRIORITY = {"no_person": 0, "two_people": 1, "posture": 2, "unseen": 3, "view": 4}


def side_value(name: str, metrics: dict[str, float], how: str) -> float:
    """A per-side metric's value as the coach reads it: the side ``how`` (min/max) picks."""
    value, _ = pick((metrics.get(f"{name}.left", math.nan), metrics.get(f"{name}.right", math.nan)), how)
    return value


def pick(values: tuple[float, float], how: str) -> tuple[float, int]:
    """Extreme of (left, right) ignoring NaN, and its index (0 left, 1 right); (nan, -1) if none."""
    a, b = values
    if math.isnan(a) and math.isnan(b):
        return math.nan, -1
    if math.isnan(b):
        return a, 0
    if math.isnan(a):
        return b, 1
    if how == "min":
        return (a, 0) if a <= b else (b, 1)
    return (a, 0) if a >= b else (b, 1)


@dataclass
class _Rep:
    start_s: float
    peak: float = math.nan
    peak_metrics: dict[str, float] = field(default_factory=dict)
    target_since: float | None = None
    reached: bool = False
    hold_s: float = 0.0
    hold_start: float | None = None
    last_target_t: float | None = None
    side_votes: list[int] = field(default_factory=lambda: [0, 0])  # frames with both sides measured
    one_sided_votes: list[int] = field(default_factory=lambda: [0, 0])  # frames with one side unseen
    positions: PositionTracker | None = None  # static positions within the hold, if the rules ask
    partial: bool = False  # found already in the stretch: its start was not seen, so it is no rep

    def votes(self) -> list[int]:
        """Left/right votes for the rep's side: a comparison of both sides outranks a reading of one."""
        return self.side_votes if any(self.side_votes) else self.one_sided_votes

    faults: list[str] = field(default_factory=list)
    turns: deque[tuple[float, float]] = field(default_factory=deque)  # bounce detection
    trend: int = 0
    extreme: float = math.nan


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
        self._each = {m.name for m in rules.metrics if m.side == "each"}
        self._higher_is_target = _target_is_high(rules)
        self._needs = [(p, side_index(p, "left"), side_index(p, "right")) for p in rules.needs]
        self._min_target_s = rules.movement.min_target_s
        self._hold_dose = rules.dose.hold_s
        self._planted = (
            sorted({side_index(p, s) for p in rules.positions.planted for s in ("left", "right")})
            if rules.positions
            else []
        )
        self._tolerance = self._stillness_tolerance()  # depends on the rules only
        self._start(fixed_turns=0 if orientation_from_picture else None)

    def _start(self, fixed_turns: int | None) -> None:
        """Begin the set afresh: no frames seen, every state machine at its start."""
        f = self.rules.filter
        self._prepare = FramePreparer(
            self.width,
            self.height,
            OneEuroSettings(min_cutoff=f.min_cutoff, beta=f.beta),
            f.min_visibility,
            wanted_postures(self.rules),
            fixed_turns=fixed_turns,
        )
        # Raw frames kept while the camera's orientation is undecided, to replay once it is.
        self._replay: list[RawFrame] | None = (
            [] if self._awaiting_picture or not self._prepare.orientation_decided else None
        )
        self.phase = "setup"
        self._posture_candidate = ("unknown", 0.0)
        self._stable_posture = "unknown"
        self._wrong_posture_since: float | None = None
        self._posture_ok_since: float | None = None
        self._calibration: list[dict[str, float]] = []  # recent (t, values) while still
        self._calibration_metrics: dict[str, float] = {}  # all metrics of the newest sample
        self._first_move_rest_t: float | None = None  # set when armed by the first movement
        self._baseline: dict[str, float] = {}
        self._rest_since: float | None = None
        self._last_rest_t: float | None = None
        self._rep: _Rep | None = None
        self._check_since: dict[str, float] = {}
        self._lost_since: float | None = None
        self._second_person_t: float | None = None
        self._unseen_since: dict[str, float] = {}
        self._wrong_view_since: float | None = None
        self._cue_last: dict[str, float] = {}
        self._active: dict[str, Cue] = {}
        self.reps: list[RepEvent] = []
        self.holds: list[HoldEvent] = []
        self.cue_log: deque[Cue] = deque(maxlen=MAX_CUE_LOG)
        self.warnings: list[str] = []
        self.frames_total = 0
        self.frames_with_pose = 0
        self._first_t: float | None = None
        self._last_t = 0.0
        self._last_side: Side | None = None
        self._guided_started: float | None = None

    # ----- public API -------------------------------------------------------------------------
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

    def step(self, frame: PreparedFrame, metrics: dict[str, float]) -> Feedback:
        """Advance the state machines by one prepared, measured frame."""
        t = frame.t
        if not math.isfinite(t) or t < self._last_t:
            t = self._last_t
        if self._first_t is None:
            self._first_t = t
        self._last_t = t
        self.frames_total += 1
        new_cues: list[Cue] = []
        events: list[str] = []
        if frame.person_found:
            self.frames_with_pose += 1
            self._lost_since = None
        elif self._lost_since is None:
            self._lost_since = t
        self._update_setup_cues(t, frame, new_cues)
        self._update_posture(t, frame)
        if self.rules.kind == "guided_hold":
            self._step_guided(t, frame, metrics, new_cues, events)
        else:
            self._step_reps(t, frame, metrics, new_cues, events)
        self._run_checks(t, metrics, new_cues)
        key = self._key_value(metrics)
        rep = self._rep
        hold_now = (
            rep.hold_s + (t - rep.hold_start if rep and rep.hold_start is not None else 0.0) if rep else 0.0
        )
        return Feedback(
            t=t,
            person_found=frame.person_found,
            posture=self._stable_posture,
            view=frame.view,
            phase=self.phase,
            reps_total=len(self.reps),
            reps_left=sum(r.side == "left" for r in self.reps),
            reps_right=sum(r.side == "right" for r in self.reps),
            hold_s=hold_now,
            hold_target_s=self._hold_dose[0] if self._hold_dose[1] > 0 else None,
            side=self._current_side(),
            cue=self._current_cue(t),
            new_cues=new_cues,
            events=events,
            key_metric=self.rules.movement.metric,
            key_value=key,
            metrics=metrics,
            landmarks=(frame.image_xy if frame.image_xy is not None else frame.xy)
            if frame.person_found
            else None,
            near_side="left" if frame.near_is_left else "right",
        )

    def summary(self) -> SessionSummary:
        """Counts, events and cues of the session so far; an open hold is closed at the last frame."""
        holds = list(self.holds)
        rep = self._rep
        if rep is not None and (rep.hold_start is not None or rep.hold_s > 0):
            seconds = rep.hold_s + (self._last_t - rep.hold_start if rep.hold_start is not None else 0.0)
            # A guided hold is the timer's, not the person's: it is one only once the position was
            # held for the handout's minimum (see _end_guided_hold).
            guided = self.rules.kind == "guided_hold"
            if seconds >= (self._hold_dose[0] if guided else self._min_target_s):
                start = rep.target_since if rep.target_since is not None else self._last_t
                holds.append(
                    HoldEvent(
                        self._vote_side(rep),
                        start,
                        self._last_t,
                        seconds,
                        self._hold_ok(seconds),
                        self._positions(rep, seconds),
                    )
                )
        sides = self.rules.has_sides
        notes = [self.rules.not_verified] if self.rules.not_verified else []
        return SessionSummary(
            exercise=self.rules.exercise,
            duration_s=(self._last_t - self._first_t) if self._first_t is not None else 0.0,
            reps_total=len(self.reps),
            reps_left=sum(r.side == "left" for r in self.reps) if sides else None,
            reps_right=sum(r.side == "right" for r in self.reps) if sides else None,
            rep_events=list(self.reps),
            holds=holds,
            cues=list(self.cue_log),
            frames_total=self.frames_total,
            frames_with_pose=self.frames_with_pose,
            warnings=list(self.warnings),
            notes=notes,
        )

    # ----- helpers ----------------------------------------------------------------------------
    def _key_value(self, metrics: dict[str, float]) -> float:
        return self._value(self.rules.movement.metric, metrics, relative=False)

    def _value(self, name: str, metrics: dict[str, float], relative: bool) -> float:
        if name in self._each:
            value = side_value(name, metrics, self.rules.movement.pick)
        else:
            value = metrics.get(name, math.nan)
        if relative:
            value -= self._baseline.get(name, math.nan)
        return value

    def _holds(self, conditions: list[Condition], metrics: dict[str, float]) -> bool:
        return all(c.met_by(self._value(c.metric, metrics, c.relative)) for c in conditions)

    def _say(self, t: float, cue_id: str, text: str, severity: Severity, out: list[Cue]) -> None:
        cue = Cue(cue_id, text, severity, t)
        self._active[cue_id] = cue
        last = self._cue_last.get(cue_id)
        if last is None or t - last >= CUE_REPEAT_S:
            self._cue_last[cue_id] = t
            self.cue_log.append(cue)
            out.append(cue)

    def _clear(self, cue_id: str) -> None:
        self._active.pop(cue_id, None)

    def _current_cue(self, t: float) -> Cue | None:
        live = [c for c in self._active.values() if t - c.t <= CUE_SHOW_S]
        if not live:
            return None
        rank = {"fault": 10, "warn": 11, "info": 12}
        return min(live, key=lambda c: (_CUE_PRIORITY.get(c.id, rank[c.severity]), -c.t))

    def _warn_once(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    # ----- setup: person, view, visibility ----------------------------------------------------
    def _update_setup_cues(self, t: float, frame: PreparedFrame, out: list[Cue]) -> None:
        if self._lost_since is not None and t - self._lost_since >= LOST_PERSON_S:
            self._say(t, "no_person", "I can't see you: step into the camera's view.", "warn", out)
            return
        self._clear("no_person")
        if frame.people >= 2:
            # One people check can mistake a shadow or a poster for a person: say it only
            # when two checks in a row (they run about once a second) agree.
            seen_before = self._second_person_t is not None and t - self._second_person_t <= SECOND_PERSON_S
            self._second_person_t = t
        else:
            seen_before = False
        if seen_before:
            self._warn_once("two people in view: following the person found first; ask others to step out")
            self._say(
                t, "two_people", "Two people in view: only one person should be in the picture.", "warn", out
            )
        if not frame.person_found:
            return
        unseen = []
        for part, li, ri in self._needs:
            seen = not (np.isnan(frame.xy[li, 0]) and np.isnan(frame.xy[ri, 0]))
            if seen:
                self._unseen_since.pop(part, None)
            else:
                since = self._unseen_since.setdefault(part, t)
                if t - since >= UNSEEN_PART_S:
                    unseen.append(PART_WORDS.get(part, part))
        if unseen:
            words = sorted(set(unseen))
            self._say(
                t,
                "unseen",
                f"I can't see your {' and '.join(words)}: move so your whole body is in view.",
                "warn",
                out,
            )
        else:
            self._clear("unseen")
        want = self.rules.camera.view
        if want != "any" and frame.view not in (want, "unknown"):
            self._wrong_view_since = self._wrong_view_since if self._wrong_view_since is not None else t
            if t - self._wrong_view_since >= WRONG_SETUP_S and self.phase == "setup":
                self._say(t, "view", self.rules.camera.view_cue, "info", out)
        else:
            self._wrong_view_since = None
            self._clear("view")

    def _update_posture(self, t: float, frame: PreparedFrame) -> None:
        name, since = self._posture_candidate
        if frame.posture != name:
            self._posture_candidate = (frame.posture, t)
        elif t - since >= 0.3 and name != "unknown":
            self._stable_posture = name

    def _posture_ok(self) -> bool:
        p = self.rules.posture
        return self._stable_posture == p.required or self._stable_posture in p.also_allowed

    # ----- reps and holds ---------------------------------------------------------------------
    def _arm(self, t: float, metrics: dict[str, float], out: list[Cue]) -> bool:
        """Wait in setup until the person is in the right posture (and calibrated)."""
        p = self.rules.posture
        if not self._posture_ok():
            self._posture_ok_since = None
            self._calibration.clear()
            if self._stable_posture != "unknown" or (self.frames_total > 30 and self._lost_since is None):
                self._wrong_posture_since = self._wrong_posture_since or t
                if t - self._wrong_posture_since >= WRONG_SETUP_S:
                    self._say(t, "posture", p.cue, "warn", out)
            return False
        self._wrong_posture_since = None
        self._clear("posture")
        self._posture_ok_since = self._posture_ok_since or t
        tolerance = self._tolerance
        if tolerance:
            # Learn the start position only while the person is still: a baseline taken
            # mid-movement would shift every relative threshold.
            values = {n: self._value(n, metrics, relative=False) for n in tolerance}
            if all(not math.isnan(v) for v in values.values()):
                if self._armed_by_first_move(t, values, tolerance):
                    return True
                self._calibration.append({"t": t, **values})
                self._calibration_metrics = metrics
            window = self.rules.movement.calibrate_s
            while self._calibration and t - self._calibration[0]["t"] > window:
                self._calibration.pop(0)
            if t - self._posture_ok_since < max(p.arm_s, window) or len(self._calibration) < 5:
                return False
            if t - self._calibration[0]["t"] < 0.8 * window:
                return False
            spans = {n: np.ptp([c[n] for c in self._calibration]) for n in tolerance}
            if any(spans[n] > tolerance[n] for n in tolerance):
                return False
            self._baseline = {n: float(np.median([c[n] for c in self._calibration])) for n in tolerance}
            self._calibration.clear()
            return True
        return t - self._posture_ok_since >= p.arm_s

    def _armed_by_first_move(self, t: float, values: dict[str, float], tolerance: dict[str, float]) -> bool:
        """Arm on the first movement after a still start shorter than the calibration window.

        People often start the first rep about a second after lying down; a still
        stretch of half the window is plenty to learn where they started (the jitter
        at rest is a fraction of the tolerance), as long as they were at rest in it.
        """
        cal = self._calibration
        posture_ok_since = self._posture_ok_since
        if len(cal) < 5 or posture_ok_since is None or t - posture_ok_since < self.rules.posture.arm_s:
            return False
        if cal[-1]["t"] - cal[0]["t"] < MIN_STILL_SHARE * self.rules.movement.calibrate_s:
            return False
        columns = {n: [c[n] for c in cal] for n in tolerance}
        if any(np.ptp(columns[n]) > tolerance[n] for n in tolerance):
            return False  # not still before this frame either: keep waiting for a still stretch
        key = self.rules.movement.metric
        if key not in values or np.ptp(columns[key] + [values[key]]) <= tolerance[key]:
            return False  # the key measurement has not moved (a blip elsewhere is not a start)
        baseline = {n: float(np.median(columns[n])) for n in tolerance}
        previous, self._baseline = self._baseline, baseline
        if not self._holds(self.rules.movement.rest, self._calibration_metrics):
            self._baseline = previous  # still, but not in the start position: not a start
            return False
        self._first_move_rest_t = cal[-1]["t"]
        self._calibration.clear()
        return True

    def _stillness_tolerance(self) -> dict[str, float]:
        """Per relative metric: how much it may wobble while the start position is learned.

        Half the smallest relative threshold of that metric: a wobble that size can
        never reach the rest or target band on its own.
        """
        out: dict[str, float] = {}
        for c in self._all_conditions():
            if not c.relative:
                continue
            bounds = [abs(b) for b in (c.above, c.below) if b is not None and b != 0]
            limit = min(bounds) if bounds else math.inf
            out[c.metric] = min(out.get(c.metric, math.inf), limit)
        return out

    def _all_conditions(self) -> list[Condition]:
        mv = self.rules.movement
        return [*mv.rest, *mv.target]

    def _step_reps(
        self, t: float, frame: PreparedFrame, metrics: dict[str, float], out: list[Cue], events: list[str]
    ) -> None:
        mv = self.rules.movement
        if self.phase == "setup":
            self._first_move_rest_t = None
            if not self._arm(t, metrics, out):
                return
            # Armed on the first movement: the person was at rest until the previous frame.
            rested_at = self._first_move_rest_t
            if rested_at is None and not self._holds(mv.rest, metrics):
                if not self._found_in_the_stretch(metrics):
                    return
                # The recording began (or the camera cut in) while the stretch was held: time the
                # hold; it is no rep, as its start was not seen.
                self._rep = _Rep(start_s=t, partial=True)
                self.phase = "moving"
                events.append("armed")
            else:
                self.phase = "rest"
                self._rest_since = rested_at if rested_at is not None else t
                self._last_rest_t = self._rest_since
                events.append("armed")
        # Leaving the posture for long ends the set (the person stood up, rolled over...).
        if not self._posture_ok() and self._stable_posture != "unknown":
            self._wrong_posture_since = self._wrong_posture_since or t
            if t - self._wrong_posture_since >= self.rules.posture.leave_s:
                self._abandon_rep(t)
                self.phase = "setup"
                self._posture_ok_since = None
                return
        else:
            self._wrong_posture_since = None
        at_rest = self._holds(mv.rest, metrics)
        at_target = self._holds(mv.target, metrics)
        key = self._key_value(metrics)
        if at_rest:
            self._last_rest_t = t
            self._rest_since = self._rest_since if self._rest_since is not None else t
        else:
            self._rest_since = None
        rep = self._rep
        if rep is None:
            if not at_rest and not math.isnan(key):
                self._rep = _Rep(start_s=self._last_rest_t if self._last_rest_t is not None else t)
                self.phase = "moving"
            return
        self._track_peak(rep, key, metrics)
        if at_target:
            self._vote(rep, metrics)
            rep.last_target_t = t
            if rep.target_since is None:
                rep.target_since = t
            if not rep.reached and t - rep.target_since >= mv.min_target_s:
                rep.reached = True
                rep.hold_start = rep.target_since
                events.append("target")
                if self.rules.kind == "hold" or self._hold_dose[1] > 0:
                    events.append("hold_start")
            if rep.reached:
                if rep.hold_start is None:
                    rep.hold_start = t
                self._track_position(t, rep, frame)
                self.phase = "target"
                if self.rules.kind == "hold" or self._hold_dose[1] > 0:
                    self._bounce(t, rep, key, out)
        else:
            if rep.hold_start is not None:
                # Pause the hold timer; it resumes if the target comes back soon.
                rep.hold_s += (rep.last_target_t or t) - rep.hold_start
                rep.hold_start = None
            if rep.target_since is not None and not rep.reached:
                rep.target_since = None
            if rep.reached and rep.last_target_t is not None and t - rep.last_target_t > mv.max_gap_s:
                self.phase = "moving"
        if at_rest and self._rest_since is not None and t - self._rest_since >= mv.min_rest_s:
            self._finish_rep(t, rep, out, events)

    def _track_peak(self, rep: _Rep, key: float, metrics: dict[str, float]) -> None:
        if math.isnan(key):
            return
        better = key > rep.peak if self._higher_is_target else key < rep.peak
        if math.isnan(rep.peak) or better:
            rep.peak = key
            rep.peak_metrics = dict(metrics)

    def _vote(self, rep: _Rep, metrics: dict[str, float]) -> None:
        mv = self.rules.movement
        name = mv.side_metric or (mv.metric if mv.metric in self._each else None)
        if name is None:
            return
        how = mv.side_pick if mv.side_metric else mv.pick
        pair = (metrics.get(f"{name}.left", math.nan), metrics.get(f"{name}.right", math.nan))
        _, idx = pick(pair, how)
        if idx >= 0:
            # With one side unseen, "the lower/higher of the two" is only a guess (the unseen leg may
            # be the one that is lower): such frames decide only when no frame saw both.
            compared = not (math.isnan(pair[0]) or math.isnan(pair[1]))
            (rep.side_votes if compared else rep.one_sided_votes)[idx] += 1

    def _vote_side(self, rep: _Rep) -> Side | None:
        votes = rep.votes()
        if not self.rules.has_sides or not any(votes):
            return None
        return "left" if votes[0] >= votes[1] else "right"

    def _current_side(self) -> Side | None:
        if self._rep is not None and any(self._rep.votes()):
            return self._vote_side(self._rep)
        return self._last_side

    def _track_position(self, t: float, rep: _Rep, frame: PreparedFrame) -> None:
        """Feed the hold's position tracker (rules with ``[positions]`` only)."""
        positions = self.rules.positions
        if positions is None or not frame.person_found:
            return
        if rep.positions is None:
            start = rep.target_since if rep.target_since is not None else t
            rep.positions = PositionTracker(self._planted, positions.moved, positions.settle_s, start)
        held = rep.hold_s + (t - rep.hold_start if rep.hold_start is not None else 0.0)
        rep.positions.update(t, frame.xy, held)

    @staticmethod
    def _positions(rep: _Rep, held_s: float) -> tuple[HoldPosition, ...]:
        """The hold's positions, the last ending when the target was last held."""
        if rep.positions is None or rep.last_target_t is None:
            return ()
        return rep.positions.close(rep.last_target_t, held_s)

    def _found_in_the_stretch(self, metrics: dict[str, float]) -> bool:
        """A hold exercise's target seen before its start position (not for relative thresholds,
        which need the start position to compare against)."""
        return (
            self.rules.kind == "hold"
            and not self._tolerance
            and self._holds(self.rules.movement.target, metrics)
        )

    def _hold_ok(self, seconds: float) -> bool:
        return self._hold_dose[1] <= 0 or seconds >= self._hold_dose[0]

    def _finish_rep(self, t: float, rep: _Rep, out: list[Cue], events: list[str]) -> None:
        self._rep = None
        self.phase = "rest"
        if not rep.reached:
            return  # went out and came back without reaching the target: not a rep
        end = self._rest_since if self._rest_since is not None else t
        hold = rep.hold_s
        side = self._vote_side(rep)
        if rep.partial:
            self._rep = rep
            self._abandon_rep(t)  # the hold is kept, the rep is not counted
            self._last_side = side
            return
        faults = list(dict.fromkeys(rep.faults))
        duration = end - rep.start_s
        timing = self.rules.timing
        if duration < timing.min_rep_s:
            faults.append("too_fast")
            self._say(t, "too_fast", timing.slow_down_cue, "warn", out)
        if self._hold_dose[1] > 0 and hold < self._hold_dose[0]:
            faults.append("short_hold")
            self._say(t, "short_hold", timing.short_hold_cue, "warn", out)
        for chk in self.rules.checks:
            if chk.at == "rep_peak" and self._holds(chk.when, rep.peak_metrics):
                faults.append(chk.id)
                self._say(t, chk.id, chk.cue, chk.severity, out)
        if self.rules.sides == "alternate" and side is not None and side == self._last_side:
            faults.append("same_side")
            self._say(t, "same_side", "Switch sides: do the other side next.", "info", out)
        start_hold = rep.target_since if rep.target_since is not None else rep.start_s
        if hold >= self._min_target_s and (self.rules.kind == "hold" or self._hold_dose[1] > 0):
            self.holds.append(
                HoldEvent(
                    side,
                    start_hold,
                    start_hold + hold,
                    hold,
                    self._hold_ok(hold),
                    self._positions(rep, hold),
                )
            )
        self.reps.append(RepEvent(side, rep.start_s, end, tuple(faults), _finite(rep.peak), hold))
        self._last_side = side
        events.append("rep")

    def _abandon_rep(self, t: float) -> None:
        rep = self._rep
        self._rep = None
        if rep is not None and rep.hold_start is not None:
            rep.hold_s += t - rep.hold_start
        if rep is not None and rep.reached and rep.hold_s >= self._min_target_s:
            start = rep.target_since if rep.target_since is not None else rep.start_s
            self.holds.append(
                HoldEvent(
                    self._vote_side(rep),
                    start,
                    start + rep.hold_s,
                    rep.hold_s,
                    self._hold_ok(rep.hold_s),
                    self._positions(rep, rep.hold_s),
                )
            )

    def _bounce(self, t: float, rep: _Rep, key: float, out: list[Cue]) -> None:
        """Count direction changes of the key metric during a hold (bouncing)."""
        timing = self.rules.timing
        if math.isnan(key):
            return
        if math.isnan(rep.extreme):
            rep.extreme = key
            return
        delta = key - rep.extreme
        direction = 1 if delta > 0 else -1
        if rep.trend == 0 or direction == rep.trend:
            if rep.trend == 0 and abs(delta) < timing.bounce_min_deg:
                return
            if rep.trend == 0 or (direction == rep.trend and (key - rep.extreme) * direction > 0):
                rep.extreme = key
                rep.trend = direction
            return
        if abs(delta) >= timing.bounce_min_deg:
            rep.turns.append((t, key))
            rep.trend = direction
            rep.extreme = key
        while rep.turns and t - rep.turns[0][0] > timing.bounce_window_s:
            rep.turns.popleft()
        if len(rep.turns) >= timing.bounce_turns:
            rep.faults.append("bouncing")
            self._say(t, "bouncing", timing.bounce_cue, "warn", out)
            rep.turns.clear()

    # ----- guided hold (camera cannot see the contraction) ------------------------------------
    def _step_guided(
        self, t: float, frame: PreparedFrame, metrics: dict[str, float], out: list[Cue], events: list[str]
    ) -> None:
        """A timer paces the holds; each runs only while the checked position holds."""
        mv = self.rules.movement
        hold_s = self._hold_dose[1]
        if self.phase == "setup":
            if not self._arm(t, metrics, out):
                return
            self._guided_started = None  # time the last hold ended; None = none yet
            self.phase = "rest"
            events.append("armed")
        if self._left_posture(t):
            self._end_guided_hold(t, events, out, say_relax=False)
            self.phase = "setup"
            self._posture_ok_since = None
            return
        in_position = self._holds(mv.target, metrics)
        if self.phase == "rest":
            rested = self._guided_started is None or t - self._guided_started >= self.rules.dose.rest_s
            if rested and in_position:
                self.phase = "target"
                self._rep = _Rep(start_s=t, target_since=t, reached=True, hold_start=t, last_target_t=t)
                self._say(t, "draw_in", "Exhale and gently draw your belly button in. Hold.", "info", out)
                events.append("hold_start")
            return
        rep = self._rep
        if rep is None:  # pragma: no cover - target phase always has a rep
            self.phase = "rest"
            return
        if in_position:
            rep.last_target_t = t
            if rep.hold_start is None:
                rep.hold_start = t
        elif rep.hold_start is not None:
            rep.hold_s += t - rep.hold_start
            rep.hold_start = None
        if t - rep.start_s >= hold_s:
            self._end_guided_hold(t, events, out, say_relax=True)

    def _left_posture(self, t: float) -> bool:
        """True once the person has been in another known posture for ``posture.leave_s``."""
        if self._posture_ok() or self._stable_posture == "unknown":
            self._wrong_posture_since = None
            return False
        self._wrong_posture_since = self._wrong_posture_since or t
        return t - self._wrong_posture_since >= self.rules.posture.leave_s

    def _end_guided_hold(self, t: float, events: list[str], out: list[Cue], say_relax: bool) -> None:
        rep = self._rep
        self._rep = None
        self.phase = "rest"
        self._guided_started = t
        if rep is None:
            return
        if rep.hold_start is not None:
            rep.hold_s += t - rep.hold_start
        if rep.hold_s < MIN_GUIDED_HOLD_S:
            return  # passing through the position is not a hold; the cues said what was off
        if rep.hold_s < self._hold_dose[0]:
            # The timer ran but the position held too briefly: the rule counts no hold then (the
            # timer started it, not the person), so this is a cue in the log, not a hold event.
            self._say(
                t,
                "short_hold",
                f"You held the position for {rep.hold_s:.0f} s: aim for {self._hold_dose[0]:.0f} "
                f"to {self._hold_dose[1]:.0f} s, lying still.",
                "warn",
                out,
            )
        else:
            self.holds.append(HoldEvent(None, rep.start_s, t, rep.hold_s, True))
            self.reps.append(RepEvent(None, rep.start_s, t, (), None, rep.hold_s))
            events.append("rep")
        if say_relax:
            self._say(t, "relax", "Relax and breathe.", "info", out)

    # ----- form checks ------------------------------------------------------------------------
    def _run_checks(self, t: float, metrics: dict[str, float], out: list[Cue]) -> None:
        for chk in self.rules.checks:
            if chk.at != "frame":
                continue
            in_phase = (chk.phase == "any" and self.phase != "setup") or chk.phase == self.phase
            if in_phase and self._holds(chk.when, metrics):
                since = self._check_since.setdefault(chk.id, t)
                if t - since >= chk.min_s:
                    self._say(t, chk.id, chk.cue, chk.severity, out)
                    if self._rep is not None and chk.severity == "fault":
                        self._rep.faults.append(chk.id)
            else:
                self._check_since.pop(chk.id, None)
                if chk.id in self._active and t - self._active[chk.id].t > CUE_SHOW_S:
                    self._clear(chk.id)


def wanted_postures(rules: RuleSet) -> tuple[str, ...]:
    """The posture the exercise starts in (used to notice a camera on its side).

    Only the required one: postures merely allowed on the way (kneeling, sitting)
    are upright readings too, and would make a turned camera look upright.
    """
    return (rules.posture.required,)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _target_is_high(rules: RuleSet) -> bool:
    """Whether the key metric rises toward the target (for peak tracking)."""
    key = rules.movement.metric
    for c in rules.movement.target:
        if c.metric == key:
            return c.above is not None
    return True
