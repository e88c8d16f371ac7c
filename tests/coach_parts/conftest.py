"""Builders for driving one coach part at a time with plain numbers: rule sets, frames, wired parts.

The rule set made by ``make_rules`` is a small "reps" exercise: ``lift`` below 10 is rest, above 20
is the target. Its sections can be changed by keyword (a dict is merged into the section, anything
else replaces it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from posecheck.coach.arming import Arming
from posecheck.coach.checks import FormChecks
from posecheck.coach.cues import CueBoard
from posecheck.coach.posture import PostureGate
from posecheck.coach.prepare import PreparedFrame
from posecheck.coach.reading import MetricReader
from posecheck.coach.schema import RuleSet
from posecheck.landmarks import side_index

DT = 0.125  # frame interval: a binary fraction, so frame times add up exactly


def frame_times(start: float, stop: float) -> list[float]:
    """Frame times from ``start`` to ``stop`` inclusive, ``DT`` apart."""
    return [start + i * DT for i in range(round((stop - start) / DT) + 1)]


BASE_RULES: dict[str, Any] = {
    "schema_version": 1,
    "exercise": "test_lift",
    "title": "Test lift",
    "handout_number": 1,
    "kind": "reps",
    "sides": "none",
    "instructions": "Lift and lower.",
    "camera": {"view": "side", "placement": "Side-on.", "view_cue": "Turn side-on."},
    "posture": {"required": "supine", "cue": "Lie on your back.", "arm_s": 0.5, "leave_s": 1.0},
    "dose": {"reps": [1, 10]},
    "needs": ["hip", "knee"],
    "metrics": [
        {"name": "lift", "kind": "angle", "points": ["shoulder", "hip", "knee"]},
        {"name": "bend", "kind": "angle", "points": ["hip", "knee", "ankle"]},
        {"name": "leg", "kind": "height", "points": ["ankle", "mid:hip"], "side": "each"},
    ],
    "movement": {
        "metric": "lift",
        "rest": [{"metric": "lift", "below": 10}],
        "target": [{"metric": "lift", "above": 20}],
        "min_target_s": 0.2,
        "min_rest_s": 0.3,
        "max_gap_s": 1.0,
        "calibrate_s": 1.0,
    },
    "timing": {"min_rep_s": 1.5},
}


def build_rules(**changes: Any) -> RuleSet:
    """The small test rule set with ``changes`` applied (dicts merged into their section)."""
    data = copy.deepcopy(BASE_RULES)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return RuleSet.model_validate(data)


def build_frame(
    t: float = 0.0,
    *,
    person_found: bool = True,
    people: int = 1,
    posture: str = "supine",
    view: str = "side",
    hidden: tuple[str, ...] = (),
) -> PreparedFrame:
    """A prepared frame with every landmark seen at (0, 0) except both sides of the ``hidden`` parts."""
    xy = np.zeros((33, 2)) if person_found else np.full((33, 2), np.nan)
    for part in hidden:
        for side in ("left", "right"):
            xy[side_index(part, side)] = np.nan
    return PreparedFrame(t, person_found, people, xy, np.zeros(33), np.ones(33), True, posture, view)


@dataclass
class Parts:
    """The parts a counter needs, wired as the Coach wires them."""

    rules: RuleSet
    board: CueBoard = field(init=False)
    reader: MetricReader = field(init=False)
    gate: PostureGate = field(init=False)
    arming: Arming = field(init=False)
    checks: FormChecks = field(init=False)

    def __post_init__(self) -> None:
        self.board = CueBoard()
        self.reader = MetricReader(self.rules)
        self.gate = PostureGate(self.rules.posture, self.board)
        self.arming = Arming(self.rules, self.gate, self.reader)
        self.checks = FormChecks(self.rules.checks, self.reader, self.board)

    def said(self) -> list[str]:
        """Ids of every cue said so far."""
        return [c.id for c in self.board.log]


@pytest.fixture
def make_rules() -> Callable[..., RuleSet]:
    return build_rules


@pytest.fixture
def make_frame() -> Callable[..., PreparedFrame]:
    return build_frame


@pytest.fixture
def ticks() -> Callable[[float, float], list[float]]:
    return frame_times


@pytest.fixture
def make_parts() -> Callable[[RuleSet], Parts]:
    return Parts
