"""What one picture shows: the exercise's start position, its target, in between, or cannot tell.

A photo has no movement to count, but a person checking their form wants to know whether the
picture shows the position they meant, and what to correct. The rule file's rest and target
conditions answer the first, its form checks the second. Conditions measured against the
person's own start position (``relative = true``) cannot be judged from one picture: the reading
is then "unknown" and says so, instead of guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from posecheck.body import classify_posture
from posecheck.coach.feedback import Feedback
from posecheck.coach.reading import side_value
from posecheck.coach.schema import Condition, RuleSet

Position = Literal["start", "target", "between", "other_posture", "unknown"]
# Which form checks apply to a picture in each position (a check's phase, see rules/README.md).
_PHASES: dict[str, tuple[str, ...]] = {
    "start": ("rest", "any"),
    "target": ("target", "any"),
    "between": ("moving", "any"),
}


@dataclass(frozen=True)
class StillReading:
    """The position one picture shows, a line saying so, and the form cues that apply to it."""

    position: Position
    note: str
    cues: tuple[str, ...] = ()


NO_PERSON_NOTE = "No person was found in the picture: use a photo that shows your whole body, in good light."


def read_picture(rules: RuleSet, fb: Feedback) -> tuple[str, StillReading]:
    """Posture and reading of a picture from the coach's feedback on its one frame."""
    if not fb.person_found or fb.landmarks is None:
        return "unknown", StillReading("unknown", NO_PERSON_NOTE)
    # The coach waits for a posture to last before it reports one; a picture cannot last.
    posture = fb.posture if fb.posture != "unknown" else str(classify_posture(np.asarray(fb.landmarks))[()])
    return posture, read_still(rules, fb.metrics, posture)


def read_still(rules: RuleSet, metrics: dict[str, float], posture: str) -> StillReading:
    """Read one picture's metrics (see :meth:`Coach.measure`) and posture against ``rules``."""
    allowed = (rules.posture.required, *rules.posture.also_allowed)
    if posture not in allowed and posture != "unknown":
        return StillReading(
            "other_posture", f"The picture shows {_posture_words(posture)}. {rules.posture.cue}"
        )
    rest = _all_hold(rules, rules.movement.rest, metrics)
    target = _all_hold(rules, rules.movement.target, metrics)
    if rest is True:
        position: Position = "start"
        note = f"The picture shows the start position of the {rules.title.lower()}."
    elif target is True:
        position = "target"
        note = f"The picture shows the target position of the {rules.title.lower()}."
    elif rest is None or target is None:
        if any(c.relative for c in (*rules.movement.rest, *rules.movement.target)):
            why = (
                "One picture cannot tell this exercise's positions apart: they are measured against "
                "your own start position, so analyse a video that begins in it."
            )
        else:
            why = (
                "The picture does not show all the body parts this exercise is judged by: take it "
                f"side-on, with your whole body in view. {rules.camera.placement}"
            )
        return StillReading("unknown", why)
    else:
        position = "between"
        note = f"The picture shows neither the start nor the target position of the {rules.title.lower()}."
    phases = _PHASES[position]
    cues = tuple(
        chk.cue
        for chk in rules.checks
        if ((chk.at == "frame" and chk.phase in phases) or (chk.at == "rep_peak" and position == "target"))
        and _all_hold(rules, chk.when, metrics) is True
    )
    return StillReading(position, note, cues)


def _all_hold(rules: RuleSet, conditions: list[Condition], metrics: dict[str, float]) -> bool | None:
    """True when every condition holds, False when one measurably fails, None when one cannot be
    judged from one picture (relative to the person's start, or not measurable) and none fails."""
    each = {m.name for m in rules.metrics if m.side == "each"}
    unknown = False
    for c in conditions:
        value = (
            side_value(c.metric, metrics, rules.movement.pick)
            if c.metric in each
            else metrics.get(c.metric, math.nan)
        )
        if c.relative or math.isnan(value):
            unknown = True
        elif not c.met_by(value):
            return False
    return None if unknown else True


def _posture_words(posture: str) -> str:
    words = {
        "standing": "someone standing",
        "sitting": "someone sitting",
        "kneeling": "someone kneeling",
        "half_kneeling": "someone kneeling on one knee",
        "supine": "someone lying on their back",
        "prone": "someone lying on their front",
        "quadruped": "someone on all fours",
    }
    return words.get(posture, f"a {posture.replace('_', ' ')} posture")
