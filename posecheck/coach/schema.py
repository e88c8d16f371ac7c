"""The rule-file schema: one TOML file per exercise, validated with pydantic.

Every number a physiotherapist may tune lives in the file; this module only
says what shape the file has and what is allowed. Conditions are data
(``{metric = "hip_line", above = 165}``), never code.
"""

from __future__ import annotations

import difflib
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from posecheck.coach.ranges import check_ranges
from posecheck.landmarks import CENTRE_PARTS, PAIRED_PARTS
from posecheck.metrics import KIND_POINTS, MetricDef, known_point

SCHEMA_VERSION = 1

Posture = Literal["standing", "quadruped", "supine", "prone", "half_kneeling", "kneeling", "sitting"]
Phase = Literal["setup", "rest", "moving", "target", "any"]
Severity = Literal["info", "warn", "fault"]


_POINT_HELP = (
    "use a body part such as hip, knee, ankle, shoulder, wrist, ear, foot_index, heel, elbow or nose, "
    "optionally prefixed 'other:' or 'mid:'"
)


def _nearest_point(point: str) -> str:
    """`` (did you mean 'knee'?)`` for a misspelt body part, else ''."""
    prefix, sep, part = point.rpartition(":")
    close = difflib.get_close_matches(part, [*PAIRED_PARTS, *CENTRE_PARTS], n=1, cutoff=0.6)
    return f" (did you mean '{prefix}{sep}{close[0]}'?)" if close else ""


class _Strict(BaseModel):
    # Unknown keys are errors: a typo must never be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """``metric`` compared with a bound: ``above`` and/or ``below`` (inclusive)."""

    metric: str
    above: float | None = None
    below: float | None = None
    relative: bool = Field(
        False, description="compare metric minus the person's own rest value (calibrated at the start)"
    )

    @model_validator(mode="after")
    def _has_bound(self) -> Condition:
        if self.above is None and self.below is None:
            raise ValueError("a condition needs 'above' or 'below'")
        if self.above is not None and self.below is not None and self.above > self.below:
            raise ValueError(
                f"'above' ({self.above}) is greater than 'below' ({self.below}): nothing can match; "
                "swap the two numbers"
            )
        return self

    def met_by(self, value: float) -> bool:
        """Whether ``value`` lies within the bounds (never for NaN: not measured)."""
        if math.isnan(value):
            return False
        return (self.above is None or value >= self.above) and (self.below is None or value <= self.below)


class Metric(_Strict):
    """A measurement, e.g. ``{name="hip_line", kind="angle", points=["shoulder","hip","knee"]}``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["angle", "inclination", "between", "distance", "height", "offset", "depth", "along"]
    points: list[str]
    side: Literal["near", "far", "left", "right", "mid", "each"] = "near"
    normalize: list[str] | None = Field(None, description="two points whose distance is the unit length")
    unit: str = ""
    about: str = ""

    @model_validator(mode="after")
    def _check_points(self) -> Metric:
        need = KIND_POINTS[self.kind]
        if len(self.points) != need:
            raise ValueError(
                f"kind '{self.kind}' takes {need} points, got {len(self.points)}; list {need} body parts"
            )
        for p in [*self.points, *(self.normalize or [])]:
            if not known_point(p):
                raise ValueError(f"unknown landmark '{p}'{_nearest_point(p)}; {_POINT_HELP}")
        if self.normalize is not None and len(self.normalize) != 2:
            raise ValueError(f"'normalize' takes two points, got {len(self.normalize)}; list two body parts")
        return self

    def definition(self) -> MetricDef:
        """The plain dataclass the metric functions take."""
        norm = (self.normalize[0], self.normalize[1]) if self.normalize else None
        return MetricDef(self.name, self.kind, tuple(self.points), self.side, norm)


class PostureRule(_Strict):
    """The posture the exercise is done in and what to say when it is not."""

    required: Posture
    also_allowed: list[Posture] = Field(default_factory=list)
    cue: str = Field(min_length=3)
    arm_s: float = Field(0.7, ge=0, le=10, description="seconds in the posture before counting starts")
    leave_s: float = Field(1.5, ge=0.2, le=10, description="seconds in another posture before counting stops")


class CameraRule(_Strict):
    """Where the camera should be."""

    view: Literal["side", "front", "any"] = "side"
    placement: str = Field(min_length=3)
    view_cue: str = Field(min_length=3)


class Dose(_Strict):
    """What the handout prescribes."""

    reps: tuple[int, int] = Field(description="min and max repetitions (per side when sides = 'each')")
    hold_s: tuple[float, float] = (0.0, 0.0)
    rest_s: float = Field(0.0, ge=0, description="guided holds: seconds of rest between holds")


class Movement(_Strict):
    """How one repetition is recognised: rest -> target -> rest, with hysteresis."""

    metric: str = Field(description="the key metric drawn and plotted")
    rest: list[Condition] = Field(
        default_factory=list, description="all must hold at rest (not used by guided holds)"
    )
    target: list[Condition] = Field(min_length=1, description="all must hold in the target position")
    throughout: list[Condition] = Field(
        default_factory=list,
        description="all must hold from a rep's start to its end: a rep during which one fails for "
        "half a second or more is not counted (reported as 'other_parts_moved')",
    )
    pick: Literal["min", "max"] = Field(
        "max", description="for a per-side ('each') metric: which side's value drives the count"
    )
    side_metric: str | None = Field(None, description="per-side metric that tells the side of a rep")
    side_pick: Literal["min", "max"] = "max"
    side_from_rest: bool = Field(
        False,
        description="the side metric's change since the rep's start position tells the side, not its "
        "value as it stands (posecheck/coach/side_start.py: holds for a camera above floor level)",
    )
    min_target_s: float = Field(0.2, ge=0, description="time in target before it counts (debounce)")
    min_rest_s: float = Field(0.2, ge=0, description="time back at rest before the rep is complete")
    max_gap_s: float = Field(1.0, ge=0, description="a hold survives losses of the target shorter than this")
    calibrate_s: float = Field(1.0, ge=0, description="rest time used to learn the person's own rest value")


class Form(_Strict):
    """The exercise done in one of ``posture.also_allowed``, counted by its own movement.

    The same exercise can move the landmarks very differently in two postures (a pelvic tilt on
    all fours swings the hip angle 6-10 degrees; lying on the back it slides the hip point a few
    pixels): one movement cannot count both without counting noise in one of them.
    """

    movement: Movement


class Check(_Strict):
    """A form check: when ``when`` holds in ``phase`` for ``min_s``, say ``cue``."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: list[Condition] = Field(min_length=1)
    phase: Phase = "any"
    at: Literal["frame", "rep_peak"] = Field(
        "frame", description="frame: checked continuously; rep_peak: checked once per rep on its peak"
    )
    min_s: float = Field(0.3, ge=0)
    cue: str = Field(min_length=3)
    severity: Severity = "warn"


class Timing(_Strict):
    """Pace and stillness rules."""

    min_rep_s: float = Field(1.5, ge=0, description="a rep faster than this gets 'Slow down'")
    slow_down_cue: str = "Slow down: follow your breath."
    bounce_window_s: float = Field(2.0, gt=0)
    bounce_turns: int = Field(3, ge=2, description="direction changes within the window that mean bouncing")
    bounce_min_deg: float = Field(5.0, gt=0, description="smallest swing that counts as a direction change")
    bounce_cue: str = "Hold still, don't bounce."
    short_hold_cue: str = "Hold the stretch a little longer."


class Filter(_Strict):
    """Landmark smoothing and trust."""

    min_visibility: float = Field(0.5, ge=0, le=1)
    min_cutoff: float = Field(1.0, gt=0, description="One-Euro cutoff at rest, Hz")
    beta: float = Field(10.0, ge=0, description="One-Euro speed coefficient")


class Positions(_Strict):
    """Static positions within a hold, told apart by where planted body parts rest."""

    planted: list[str] = Field(min_length=1, description="body parts resting on the floor in the hold")
    moved: float = Field(0.25, gt=0, le=2, description="torso lengths a planted part moves to a new place")
    settle_s: float = Field(1.0, ge=0, le=10, description="seconds at rest in a new place before it counts")

    @field_validator("planted")
    @classmethod
    def _planted(cls, parts: list[str]) -> list[str]:
        for p in parts:
            if not known_point(p) or ":" in p:
                raise ValueError(
                    f"unknown body part '{p}'{_nearest_point(p)}; use paired parts such as wrist, "
                    "elbow, knee, ankle or heel, without a prefix (both sides are followed)"
                )
        return parts


class RuleSet(_Strict):
    """A whole rule file."""

    schema_version: int
    exercise: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    handout_number: int = Field(ge=1, le=10)
    kind: Literal["reps", "hold", "guided_hold"]
    sides: Literal["none", "alternate", "each"]
    instructions: str
    safety: str = ""
    not_verified: str = Field(
        "", description="what a camera cannot check in this exercise (shown and reported)"
    )
    camera: CameraRule
    posture: PostureRule
    dose: Dose
    filter: Filter = Filter()
    timing: Timing = Timing()
    needs: list[str] = Field(min_length=1, description="body parts that must be visible")
    metrics: list[Metric] = Field(min_length=1)
    movement: Movement
    checks: list[Check] = Field(default_factory=list)
    forms: dict[Posture, Form] = Field(
        default_factory=dict,
        description="per allowed posture, a movement that replaces [movement] when the set starts in it",
    )
    positions: Positions | None = None
    tuning: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="sensible [low, high] of key numbers, for threshold suggestions"
    )

    @field_validator("schema_version")
    @classmethod
    def _version(cls, v: int) -> int:
        if v != SCHEMA_VERSION:
            newer = "a newer" if v > SCHEMA_VERSION else "an older"
            todo = (
                "upgrade posecheck"
                if v > SCHEMA_VERSION
                else "copy your numbers into this version's rules/ file"
            )
            raise ValueError(
                f"this rule file is schema version {v}, made by {newer} posecheck; this posecheck reads "
                f"version {SCHEMA_VERSION}: {todo}"
            )
        return v

    @field_validator("needs")
    @classmethod
    def _needs(cls, parts: list[str]) -> list[str]:
        for p in parts:
            if not known_point(p) or ":" in p:
                raise ValueError(f"unknown body part '{p}' in needs{_nearest_point(p)}; {_POINT_HELP}")
        return parts

    @model_validator(mode="after")
    def _cross_check(self) -> RuleSet:
        names: dict[str, str] = {}
        for m in self.metrics:
            if m.name in names:
                raise ValueError(f"metric '{m.name}' is defined twice; rename or remove one")
            names[m.name] = m.side
        known = sorted(names)

        def check_metric(where: str, name: str, allow_each: bool = True) -> None:
            if name not in names:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise ValueError(
                    f"{where}: unknown metric '{name}'; {hint}known: {', '.join(known)} "
                    "(define it under [[metrics]])"
                )
            if not allow_each and names[name] == "each":
                raise ValueError(f"{where}: metric '{name}' is per side ('each'); use it as movement.metric")

        movements = [("movement", self.movement)]
        for posture, form in self.forms.items():
            if posture not in self.posture.also_allowed:
                raise ValueError(
                    f"forms.{posture}: '{posture}' is not in posture.also_allowed; "
                    "add it there or remove the form"
                )
            movements.append((f"forms.{posture}.movement", form.movement))
        for where, mv in movements:
            check_metric(f"{where}.metric", mv.metric)
            for group in ("rest", "target", "throughout"):
                for i, c in enumerate(getattr(mv, group)):
                    check_metric(f"{where}.{group}[{i}].metric", c.metric)
            if mv.side_metric is not None:
                check_metric(f"{where}.side_metric", mv.side_metric)
                if names[mv.side_metric] != "each":
                    raise ValueError(
                        f"{where}.side_metric: '{mv.side_metric}' is not per side; "
                        "give it side = 'each' or pick another"
                    )
            if self.kind != "guided_hold" and not mv.rest:
                raise ValueError(
                    f"{where}.rest: a rep or hold exercise needs rest conditions; add rest = [...]"
                )
            _check_bands_do_not_overlap(mv, where)
        for i, chk in enumerate(self.checks):
            for j, c in enumerate(chk.when):
                check_metric(f"checks[{i}].when[{j}].metric", c.metric)
        if self.kind in ("hold", "guided_hold") and self.dose.hold_s[1] <= 0:
            raise ValueError("dose.hold_s: a hold exercise needs a hold time (e.g. [20, 30])")
        if self.dose.reps[0] > self.dose.reps[1]:
            raise ValueError(
                f"dose.reps: min {self.dose.reps[0]} is greater than max {self.dose.reps[1]}; swap them"
            )
        if self.dose.hold_s[0] > self.dose.hold_s[1]:
            raise ValueError(
                f"dose.hold_s: min {self.dose.hold_s[0]} is greater than max {self.dose.hold_s[1]}; swap them"
            )
        try:  # last: a value that breaks the rules above is better told so than told it is out of range
            check_ranges({name: getattr(self, name) for name in type(self).model_fields}, self.tuning)
        except ValueError as exc:
            raise ValueError(f"tuning: {exc}") from None
        return self

    def metric_defs(self) -> list[MetricDef]:
        """Plain metric definitions for :mod:`posecheck.metrics`."""
        return [m.definition() for m in self.metrics]

    def in_form(self, posture: str) -> RuleSet:
        """These rules with the movement of the form done in ``posture`` (themselves if it has none)."""
        form = self.forms.get(posture)  # type: ignore[call-overload]
        return self if form is None else self.model_copy(update={"movement": form.movement})

    @property
    def has_sides(self) -> bool:
        """Whether reps are counted per side."""
        return self.sides != "none"


def _check_bands_do_not_overlap(mv: Movement, where: str = "movement") -> None:
    """Rest and target bands of the same metric must leave a gap (that gap is the hysteresis)."""
    for r in mv.rest:
        for t in mv.target:
            if r.metric != t.metric or r.relative != t.relative:
                continue
            if t.above is not None and r.below is not None and t.above <= r.below:
                raise ValueError(
                    f"{where}: target '{t.metric} above {t.above:g}' overlaps "
                    f"rest '{r.metric} below {r.below:g}': "
                    "raise the target or lower the rest threshold so a gap is left between them"
                )
            if t.below is not None and r.above is not None and t.below >= r.above:
                raise ValueError(
                    f"{where}: target '{t.metric} below {t.below:g}' overlaps "
                    f"rest '{r.metric} above {r.above:g}': "
                    "lower the target or raise the rest threshold so a gap is left between them"
                )
