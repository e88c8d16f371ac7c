"""Desktop live coaching: a webcam (or a recording played as if live) in an OpenCV window.

The same engine as the browser: frames -> pose -> coach -> overlay. Without a
display (or with ``--no-window``) the cues and counts are printed instead, which
is also how this mode is tested.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecheck.coach.engine import Coach, wanted_postures
from posecheck.coach.feedback import Feedback, SessionSummary
from posecheck.coach.schema import RuleSet
from posecheck.errors import InputError
from posecheck.history.live_sets import HistoryWriter, SetInfo, SetRecorder
from posecheck.pose.estimator import PoseEstimator, PoseOptions
from posecheck.pose.upright import UprightPose
from posecheck.video import VideoReader

WINDOW = "posecheck (press q to stop)"


@dataclass(frozen=True)
class LiveOptions:
    """How the desktop session runs."""

    window: bool = True  # show an OpenCV window (needs a display)
    realtime: bool = True  # play recordings at their own speed, as a camera would


def camera_frames(index: int) -> Iterator[tuple[np.ndarray, float]]:
    """RGB frames and capture times (s) from webcam ``index``."""
    import cv2

    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        raise InputError(
            f"camera {index} cannot be opened; check it is connected and not used by another app"
        )
    start = time.monotonic()
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                return
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), time.monotonic() - start
    finally:
        cap.release()


class RecordingFrames:
    """Frames of a recording as a camera would give them, paced at their own timestamps when ``realtime``.

    A looping animation is played twice, as ``analyze`` plays it; ``loop_s`` (one play's length)
    is known once the first play has ended, so the set's counts can be one loop's.
    """

    def __init__(self, path: str | Path, realtime: bool) -> None:
        self.path, self.realtime = path, realtime
        self.loop_s: float | None = None

    def __iter__(self) -> Iterator[tuple[np.ndarray, float]]:
        with VideoReader(self.path) as reader:
            start = time.monotonic()
            for frame in reader:
                self.loop_s = reader.loop_s  # kept current: the user may stop before the end
                if self.realtime:
                    wait = frame.t - (time.monotonic() - start)
                    if wait > 0:
                        time.sleep(wait)
                    elif wait < -0.1:
                        continue  # behind, as a live camera would be: drop the frame
                yield frame.image, frame.t
            self.loop_s = reader.loop_s


def not_counted_line(fb: Feedback, seen: int) -> str | None:
    """What to print when the coach has just seen a movement it did not count (``seen``: so far)."""
    new = fb.uncounted - seen
    if new <= 0:
        return None
    reps = "1 rep" if new == 1 else f"{new} reps"
    return f"{fb.t:6.1f} s  {reps} not counted (the set's summary says why)"


class LiveHistory:
    """``posecheck live``'s set in the history: each rep written as it is counted (by the writer's own
    thread, so the camera loop never waits for the disk); a history problem is one warning line."""

    def __init__(
        self,
        exercise: str,
        rules: str | Path | None,
        profile: str | None,
        save: bool = True,
        track: bool = True,
    ) -> None:
        """Save a set of ``exercise`` coached with ``rules`` (None: the shipped rule file); ``save=False``:
        don't; ``track=False``: numbers only, no landmark track."""
        from posecheck.coach.loader import rules_dir

        rules_path = Path(rules) if rules else rules_dir() / f"{exercise}.toml"
        self.writer = HistoryWriter()
        info = SetInfo(exercise, rules_path, "live", profile, keep_track=track)
        self.recorder = SetRecorder(self.writer, info) if save else None

    def finish(self, summary: SessionSummary) -> None:
        """Close the set with its summary, wait for the writes and say where they went."""
        if self.recorder is None:
            return
        self.recorder.finish(summary)
        self.writer.flush(timeout_s=30)
        self.writer.close()
        if self.writer.error:
            print(f"warning: not saved in the history: {self.writer.error}", file=sys.stderr)
        elif self.writer.session_ids:
            print(f"saved in the history as session {self.writer.session_ids[-1]}")


def run_live(
    frames: Iterable[tuple[np.ndarray, float]],
    rules: RuleSet,
    options: LiveOptions,
    say: Callable[[str], None] = print,
    recorder: SetRecorder | None = None,
) -> SessionSummary:
    """Coach a stream of frames until it ends or the user presses q; returns the set summary.

    ``recorder``: saves the set's reps and holds in the history as they are counted."""
    import cv2

    from posecheck.draw import draw_feedback

    show = options.window and bool(os.environ.get("DISPLAY") or os.name == "nt")
    coach: Coach | None = None
    uncounted = 0
    try:
        with PoseEstimator(PoseOptions()) as estimator:
            pose: UprightPose | None = None
            for image, t in frames:
                if coach is None or pose is None:
                    # A camera on its side is found from the picture, as in analyze (see UprightPose).
                    size = (image.shape[1], image.shape[0])
                    pose = UprightPose(estimator, wanted_postures(rules), size)
                    coach = Coach(rules, *size, orientation_from_picture=True)
                people = pose.detect(image, t)
                if pose.just_decided:
                    coach.fix_orientation(pose.turns)
                p = people[0] if people else None
                fb = coach.update(
                    t, p.xy if p else None, p.z if p else None, p.visibility if p else None, len(people)
                )
                if recorder is not None:
                    recorder.observe(coach.reps, coach.counter.holds)
                    recorder.frame(t, p, (image.shape[1], image.shape[0]), pose.turns)
                for cue in fb.new_cues:
                    say(f"{t:6.1f} s  {cue.text}")
                if "rep" in fb.events:
                    sides = f" (left {fb.reps_left}, right {fb.reps_right})" if rules.has_sides else ""
                    say(f"{t:6.1f} s  rep {fb.reps_total}{sides}")
                line = not_counted_line(fb, uncounted)
                if line is not None:
                    say(line)
                uncounted = fb.uncounted
                if show:
                    cv2.imshow(
                        WINDOW,
                        cv2.cvtColor(draw_feedback(image, fb, has_sides=rules.has_sides), cv2.COLOR_RGB2BGR),
                    )
                    if cv2.waitKey(1) & 0xFF == ord("q"):
                        break
    finally:
        # Ctrl-C or a crash: the reps already counted reach the file before the process ends (the
        # writer's thread is a daemon); the set stays partial.
        if recorder is not None:
            recorder.writer.flush(timeout_s=10)
    if show:
        cv2.destroyAllWindows()
    if coach is None:
        raise InputError("no frame arrived from the camera or video; check the source")
    return coach.summary()
