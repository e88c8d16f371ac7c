"""Live coaching core: webcam frames in, drawn frames and a snapshot for the page out.

No Streamlit here. streamlit-webrtc calls :meth:`LiveSession.process` from its
own worker thread; the page reads :meth:`LiveSession.snapshot` from the script
thread. Everything the two share sits behind locks. Each browser session owns
one ``LiveSession`` (its own Coach and pose estimator), so two people using the
app at once never see each other's counts.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from posecheck.coach.engine import Coach, wanted_postures
from posecheck.coach.feedback import Feedback, SessionSummary
from posecheck.coach.schema import RuleSet
from posecheck.dose import HoldDone, holds_done
from posecheck.history.live_sets import HistoryWriter, SetInfo, SetRecorder
from posecheck.track import PersonLandmarks
from posecheck.ui.camera_check import DARK_BRIGHTNESS, CameraCheck, brightness, missing_parts
from posecheck.ui.live_snapshot import LiveSnapshot
from posecheck.ui.speech import SpeechPlanner, Utterance

if TYPE_CHECKING:
    import av

    from posecheck.pose.estimator import PoseOptions
    from posecheck.pose.upright import UprightPose

LOG = logging.getLogger(__name__)
FPS_WINDOW_S = 2.0
ACTIVE_S = 1.0  # a frame within this many seconds means the camera is streaming
# No frame for this long: the stream is gone even if streamlit-webrtc never said so. Longer than any
# gap between coached frames on a loaded machine, so a page that reads "not playing" for a moment
# while frames still arrive (a rerun while another browser session starts) never ends a running set.
STREAM_GONE_S = 5.0
MAX_STEP_S = 2.0  # a longer gap between frame times is a restart of the stream, not elapsed time
FALLBACK_STEP_S = 1 / 30


class Estimator(Protocol):
    """What the live session needs from a pose estimator (PoseEstimator, or a stub in tests)."""

    def detect(self, rgb: np.ndarray, t: float) -> list[PersonLandmarks]:
        """Landmarks of the tracked person first, in pixels of ``rgb``."""
        ...

    def close(self) -> None:
        """Free the model."""
        ...


EstimatorFactory = Callable[[], Estimator]


class _EstimatorHolder:
    """Owns the estimator so a finaliser can close it without keeping the session alive."""

    def __init__(self) -> None:
        self.estimator: Estimator | None = None

    def release(self) -> None:
        est, self.estimator = self.estimator, None
        if est is not None:
            try:
                est.close()
            except Exception:  # closing must never take the page down
                LOG.exception("closing the pose estimator failed")


def key_label_unit(rules: RuleSet) -> tuple[str, str]:
    """Overlay label and unit suffix of the key metric ("hip line", "°")."""
    name = rules.movement.metric
    unit = next((m.unit for m in rules.metrics if m.name == name), "")
    suffix = {"deg": "°", "ratio": "", "": ""}.get(unit, f" {unit}")
    return name.replace("_", " "), suffix


class LiveSession:
    """One person's live coaching: pose estimator, Coach, overlay and spoken-cue planner.

    ``process`` (worker thread) and ``snapshot``/``next_utterance``/``end_set``
    (page thread) may run at the same time. A set starts with the first frame
    and ends with :meth:`end_set` (the stream stopped); the estimator is built
    lazily (or ahead with :meth:`warm_up`) and released at the end of a set.
    """

    def __init__(
        self,
        rules: RuleSet,
        *,
        pose_options: PoseOptions | None = None,
        estimator_factory: EstimatorFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rules = rules
        self._pending_rules: RuleSet | None = None
        self._pose_options = pose_options
        self._factory = estimator_factory or self._default_factory
        self._clock = clock
        self._lock = threading.Lock()  # guards the snapshot fields and the speech planner
        self._work_lock = threading.Lock()  # guards estimator and coach (one frame at a time)
        self._holder = _EstimatorHolder()
        self._finalizer = weakref.finalize(self, self._holder.release)
        self._closed = False
        self._warming: threading.Thread | None = None
        # per set
        self._coach: Coach | None = None
        # Reads the picture turned when a phone on its side streams it sideways (see UprightPose);
        # None with an estimator that cannot read single pictures (a replaying stub in tests).
        self._upright: UprightPose | None = None
        self._coach_size = (0, 0)
        self._planner = SpeechPlanner()
        self._set_t = 0.0
        self._frames = 0
        # across sets: the estimator's clock must keep increasing
        self._model_t = 0.0
        self._last_raw_t: float | None = None
        # shown
        self._fb: Feedback | None = None
        self._check: CameraCheck | None = None
        self._frame_walls: deque[float] = deque()
        self._process_s: deque[float] = deque(maxlen=60)
        self._last_wall = -math.inf
        self._error = ""
        self._last_summary: SessionSummary | None = None
        # history: where the next set is written, and the running set's recorder
        self._record: tuple[HistoryWriter, SetInfo] | None = None
        self._recorder: SetRecorder | None = None
        self._holds: tuple[HoldDone, ...] = ()
        self._paused = False

    # ----- set-up ------------------------------------------------------------------------------
    def _default_factory(self) -> Estimator:
        from posecheck.pose.estimator import PoseEstimator

        return PoseEstimator(self._pose_options)

    @property
    def rules(self) -> RuleSet:
        """The rules in use (or about to be, from the next frame)."""
        with self._lock:
            return self._pending_rules or self._rules

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def set_rules(self, rules: RuleSet) -> None:
        """Use other rules from the next frame; a set in progress ends (its counts were for the old rules)."""
        with self._lock:
            if rules != self._rules or self._pending_rules is not None:
                self._pending_rules = rules

    def record_to(self, writer: HistoryWriter | None, info: SetInfo | None) -> None:
        """Save the sets that start from now on in the history (None: do not save)."""
        with self._lock:
            self._record = (writer, info) if writer is not None and info is not None else None

    def pause(self, paused: bool) -> None:
        """While paused (a rest between exercises) frames pass through uncoached and unsaved."""
        with self._lock:
            self._paused = paused

    def next_set(
        self, rules: RuleSet, judge: Callable[[SessionSummary], bool] | None = None
    ) -> SessionSummary | None:
        """End the running set now and coach the next one with ``rules``; ``judge(summary)`` says
        whether the ended set is saved as partial (default: not)."""
        with self._work_lock:
            summary = self._finish_set_locked(judge)
            with self._lock:
                self._rules, self._pending_rules = rules, None
                self._planner = (
                    SpeechPlanner()
                )  # the ended set's unsaid counts would talk over what comes next
        return summary

    def warm_up(self) -> None:
        """Build the pose estimator in the background so the first frame is not slowed by it."""
        if self._closed or self._holder.estimator is not None or (self._warming and self._warming.is_alive()):
            return

        def build() -> None:
            with self._work_lock:
                if not self._closed and self._holder.estimator is None:
                    try:
                        self._holder.estimator = self._factory()
                    except Exception as exc:
                        self._set_error(f"the pose model could not be loaded: {exc}")

        self._warming = threading.Thread(target=build, name="posecheck-warm-up", daemon=True)
        self._warming.start()

    def _new_upright(self, estimator: Estimator, rules: RuleSet, size: tuple[int, int]) -> UprightPose | None:
        """A fresh picture check for a new set (the exercise's postures decide what upright is)."""
        from posecheck.pose.estimator import PoseEstimator
        from posecheck.pose.upright import UprightPose

        if not isinstance(estimator, PoseEstimator):
            return None
        if self._upright is not None and self._upright.turns:
            estimator.restart_tracking()  # it was following the turned picture of the last set
        return UprightPose(estimator, wanted_postures(rules), size)

    # ----- the frame callback ------------------------------------------------------------------
    def process(self, frame: av.VideoFrame) -> av.VideoFrame:
        """streamlit-webrtc's video_frame_callback: coach one frame and return it drawn."""
        import av

        t = frame.time if frame.time is not None else self._clock()
        rgb = frame.to_ndarray(format="rgb24")
        out = self.process_rgb(rgb, float(t))
        new = av.VideoFrame.from_ndarray(out, format="rgb24")
        new.pts, new.time_base = frame.pts, frame.time_base
        return new

    def process_rgb(self, rgb: np.ndarray, t: float) -> np.ndarray:
        """Coach one RGB frame taken at ``t`` seconds (any clock) and return it drawn (in place)."""
        started = self._clock()
        with self._work_lock:
            if self._closed or self._paused:
                return rgb
            try:
                out = self._process_locked(rgb, t)
            except Exception as exc:
                # Raising here would kill streamlit-webrtc's worker and freeze the video: show the error.
                LOG.exception("live frame processing failed")
                self._set_error(f"frame processing failed: {exc}")
                return rgb
        done = self._clock()
        with self._lock:
            self._process_s.append(done - started)
            self._frame_walls.append(done)
            while self._frame_walls and done - self._frame_walls[0] > FPS_WINDOW_S:
                self._frame_walls.popleft()
            self._last_wall = done
        return out

    def _advance(self, t: float) -> float:
        """Step the session clocks by the frame's time step; returns the set time."""
        step = FALLBACK_STEP_S if self._last_raw_t is None else t - self._last_raw_t
        if not math.isfinite(step) or step <= 0 or step > MAX_STEP_S:
            step = FALLBACK_STEP_S  # a new stream (times restart) or a clock jump
        self._last_raw_t = t
        self._model_t += step
        if self._coach is not None:
            self._set_t += step
        return self._set_t

    def _process_locked(self, rgb: np.ndarray, t: float) -> np.ndarray:
        from posecheck.draw import draw_feedback

        with self._lock:
            pending, self._pending_rules = self._pending_rules, None
        if pending is not None:
            self._finish_set_locked()
            self._rules = pending
        rules = self._rules
        height, width = rgb.shape[:2]
        set_t = self._advance(t)
        if self._holder.estimator is None:
            self._holder.estimator = self._factory()
        estimator = self._holder.estimator
        if self._coach is None:
            self._upright = self._new_upright(estimator, rules, (width, height))
            self._coach = Coach(rules, width, height, orientation_from_picture=self._upright is not None)
            self._coach_size = (width, height)
            self._set_t = set_t = 0.0
            with self._lock:
                self._frames = 0
                self._planner = SpeechPlanner()
                self._error = ""
                self._holds = ()
                record = self._record
            self._recorder = SetRecorder(*record) if record is not None else None
        if self._upright is not None:
            self._upright.size = (width, height)  # WebRTC may change the resolution mid-stream
            people = self._upright.detect(rgb, self._model_t)
            if self._upright.just_decided:
                self._coach.fix_orientation(self._upright.turns)
        else:
            people = estimator.detect(rgb, self._model_t)
        person = people[0] if people else None
        # WebRTC may lower the resolution when the link is slow: keep the coach in its first frame's pixels.
        cw, ch = self._coach_size
        scale = np.array([cw / width, ch / height], np.float32)
        rescale = (cw, ch) != (width, height)
        xy = None if person is None else (person.xy * scale if rescale else person.xy)
        fb = self._coach.update(
            set_t, xy, person.z if person else None, person.visibility if person else None, len(people)
        )
        holds = self._coach.counter.holds
        if self._recorder is not None:  # only queues: the writes happen on the history's own thread
            self._recorder.observe(self._coach.reps, holds)
            kept = replace(person, xy=xy) if person is not None and xy is not None and rescale else person
            self._recorder.frame(
                set_t, kept, self._coach_size, self._upright.turns if self._upright else None
            )
        want = rules.camera.view
        light = brightness(rgb)
        check = CameraCheck(
            person_found=fb.person_found,
            missing=missing_parts(rules, fb.landmarks) if fb.person_found else (),
            side_on=None if want == "any" or not fb.person_found else fb.view in (want, "unknown"),
            view=fb.view,
            brightness=light,
            too_dark=light < DARK_BRIGHTNESS,
            view_cue=rules.camera.view_cue,
        )
        with self._lock:
            self._frames += 1
            self._fb = fb
            self._check = check
            if len(holds) != len(self._holds):
                self._holds = holds_done(holds)
            self._planner.observe(fb, self._clock(), rules.has_sides)
        drawn = fb
        if rescale and fb.landmarks is not None:
            drawn = replace(fb, landmarks=fb.landmarks / scale)
        label, unit = key_label_unit(rules)
        return draw_feedback(rgb, drawn, key_label=label, key_unit=unit, has_sides=rules.has_sides)

    # ----- the page side -----------------------------------------------------------------------
    def snapshot(self) -> LiveSnapshot:
        """A consistent copy of what the page shows."""
        now = self._clock()
        with self._lock:
            fb = self._fb
            walls = list(self._frame_walls)
            fps = (
                (len(walls) - 1) / (walls[-1] - walls[0]) if len(walls) >= 2 and walls[-1] > walls[0] else 0.0
            )
            mean_ms = 1000 * float(np.mean(self._process_s)) if self._process_s else 0.0
            base = LiveSnapshot(
                exercise=self._rules.exercise,
                frames=self._frames,
                fps=fps,
                process_ms=mean_ms,
                t=self._set_t,
                active=now - self._last_wall <= ACTIVE_S,
                has_sides=self._rules.has_sides,
                check=self._check,
                error=self._error,
                last_summary=self._last_summary,
                holds=self._holds,
                paused=self._paused,
            )
        if fb is None or self._coach is None:
            return base
        return replace(
            base,
            reps_total=fb.reps_total,
            reps_left=fb.reps_left,
            reps_right=fb.reps_right,
            hold_s=fb.hold_s,
            hold_target_s=fb.hold_target_s,
            phase=fb.phase,
            state=fb.state,
            posture=fb.posture,
            cue=fb.cue,
            key_metric=fb.key_metric,
            key_value=fb.key_value,
        )

    def next_utterance(self) -> Utterance | None:
        """The phrase to speak now, if the rate limits allow one."""
        with self._lock:
            return self._planner.poll(self._clock())

    def end_set(self) -> SessionSummary | None:
        """Finish the current set (the stream stopped): keep its summary, release the model."""
        with self._work_lock:
            had_set = self._coach is not None
            summary = self._finish_set_locked()
            if had_set:  # an idle page keeps a warmed-up model ready for START
                self._holder.release()
        return summary

    def end_set_if_gone(self) -> SessionSummary | None:
        """End the set when no frame has come for ``STREAM_GONE_S`` (the page saw no stream): a
        dropped connection whose end was never reported. A stream still sending frames goes on."""
        with self._lock:
            gone = self._clock() - self._last_wall >= STREAM_GONE_S
        return self.end_set() if gone else None

    def on_stream_ended(self) -> None:
        """streamlit-webrtc's on_video_ended callback: the camera stream stopped."""
        self.end_set()

    def _finish_set_locked(
        self, judge: Callable[[SessionSummary], bool] | None = None
    ) -> SessionSummary | None:
        coach, self._coach = self._coach, None
        recorder, self._recorder = self._recorder, None
        if coach is None or self._frames == 0:
            return None
        summary = coach.summary()
        if recorder is not None:
            recorder.finish(summary, judge(summary) if judge is not None else False)
        with self._lock:
            self._last_summary = summary
            self._fb = None
            self._holds = ()
        return summary

    def close(self) -> None:
        """End the set and free the pose model for good; later frames pass through untouched."""
        with self._work_lock:
            self._finish_set_locked()
            self._closed = True
            self._finalizer()

    def _set_error(self, message: str) -> None:
        with self._lock:
            self._error = message
