"""What the coach tells its sinks (overlay, report, UI) after every frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Severity = Literal["info", "warn", "fault"]
Side = Literal["left", "right"]


@dataclass(frozen=True)
class Cue:
    """A spoken/shown instruction; ``id`` is stable (for rate limiting, reports, tests)."""

    id: str
    text: str
    severity: Severity
    t: float


@dataclass(frozen=True)
class RepEvent:
    """One completed repetition (for stretches: one entry into the stretch and out)."""

    side: Side | None
    start_s: float
    end_s: float
    faults: tuple[str, ...] = ()
    peak: float | None = None  # most extreme value of the key metric in the rep
    hold_s: float = 0.0  # time spent in the target position within the rep
    # 1.0 unless soft evidence speaks against the rep (see posecheck.coach.confidence); ``doubts`` names it.
    confidence: float = 1.0
    doubts: tuple[str, ...] = ()


@dataclass(frozen=True)
class HoldPosition:
    """One static position within a hold (see :mod:`posecheck.coach.positions`)."""

    start_s: float
    end_s: float
    seconds: float  # time in the target within [start_s, end_s]


@dataclass(frozen=True)
class HoldEvent:
    """A held position (stretch or static hold); ``seconds`` excludes short pauses.

    ``positions``: the static positions the hold was made of, when the rule file tells them apart
    (``[positions]``); empty otherwise.
    """

    side: Side | None
    start_s: float
    end_s: float
    seconds: float
    reached_target: bool
    positions: tuple[HoldPosition, ...] = ()


@dataclass(frozen=True)
class UncountedRep:
    """A movement that went rest -> target -> rest (or as far as was seen) but was not counted.

    Nothing is dropped in silence: ``reason`` is a stable id (for reports and tests), ``text``
    says it to the person ("I could not see your knees").
    """

    side: Side | None
    start_s: float
    end_s: float
    reason: str
    text: str


@dataclass
class Feedback:
    """The coach's view of one frame."""

    t: float
    person_found: bool
    posture: str  # detected posture: standing, quadruped, supine, prone, half_kneeling, unknown
    view: str  # side, front, unknown
    phase: str  # setup, rest, moving, target, done
    reps_total: int
    reps_left: int
    reps_right: int
    hold_s: float  # current hold progress (0 when not holding)
    hold_target_s: float | None
    side: Side | None  # side of the current or last rep
    cue: Cue | None  # the most important thing to say now
    new_cues: list[Cue] = field(default_factory=list)  # cues first raised on this frame
    events: list[str] = field(default_factory=list)  # "rep", "hold_start", "hold_done", ...
    key_metric: str = ""
    key_value: float = float("nan")
    metrics: dict[str, float] = field(default_factory=dict)
    landmarks: np.ndarray | None = None  # (33, 2) smoothed pixels, NaN where not trusted
    near_side: Side | None = None
    state: str = ""  # what the coach is waiting for, in words ("in target 3.2 s", "waiting for rest")
    uncounted: int = 0  # movements seen but not counted so far (see SessionSummary.uncounted)


@dataclass
class SessionSummary:
    """Everything a report needs once a session or video is over."""

    exercise: str
    duration_s: float
    reps_total: int
    reps_left: int | None  # None for exercises without sides
    reps_right: int | None
    rep_events: list[RepEvent]
    holds: list[HoldEvent]
    cues: list[Cue]
    frames_total: int
    frames_with_pose: int
    warnings: list[str]
    notes: list[str]  # e.g. what the camera cannot verify
    uncounted: list[UncountedRep] = field(default_factory=list)  # seen but not counted, with why
