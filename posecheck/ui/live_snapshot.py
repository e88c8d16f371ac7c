"""What the live page shows of a running set: a consistent copy made under the session's lock."""

from __future__ import annotations

import math
from dataclasses import dataclass

from posecheck.coach.feedback import Cue, SessionSummary
from posecheck.dose import HoldDone
from posecheck.ui.camera_check import CameraCheck


@dataclass(frozen=True)
class LiveSnapshot:
    """What the page shows; a consistent copy made under the lock."""

    exercise: str
    frames: int  # frames processed in the current (or last) set
    fps: float  # frames processed per second, end to end, over the last two seconds
    process_ms: float  # mean time per frame inside the callback (pose + coach + drawing)
    t: float  # seconds since the set started (frame clock)
    active: bool  # frames are arriving
    reps_total: int = 0
    reps_left: int = 0
    reps_right: int = 0
    has_sides: bool = False
    hold_s: float = 0.0
    hold_target_s: float | None = None
    phase: str = "setup"
    state: str = ""  # the coach's state in words (Feedback.state)
    posture: str = "unknown"
    cue: Cue | None = None
    key_metric: str = ""
    key_value: float = math.nan
    check: CameraCheck | None = None
    error: str = ""
    last_summary: SessionSummary | None = None  # of the last finished set
    holds: tuple[HoldDone, ...] = ()  # finished holds of the current set (for the dose)
    paused: bool = False
