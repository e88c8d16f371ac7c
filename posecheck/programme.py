"""Programmes: which exercises, in which order, how much of each (``programmes/*.toml``).

A programme file is data, validated like a rule file: a mistake gives one line naming the file,
the key and what is allowed. ``programmes/README.md`` documents the format. An entry without a
dose takes the rule file's ``[dose]``; an entry may name a tuned rule file (a path relative to
the programme file).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from posecheck.coach.loader import (
    EXERCISES,
    load_rules,
    rules_dir,
    syntax_message,
    validation_message,
)
from posecheck.coach.schema import RuleSet
from posecheck.dose import DosePlan
from posecheck.errors import PosecheckError, ProgrammeError

PROGRAMME_VERSION = 1
DEFAULT_PROGRAMME = "handout"


def programmes_dir() -> Path:
    """The shipped ``programmes/`` folder (``POSECHECK_PROGRAMMES_DIR`` overrides it)."""
    override = os.environ.get("POSECHECK_PROGRAMMES_DIR")
    if override:
        return Path(override)
    # Found the way rules/ is (posecheck/coach/loader.py): beside the package.
    return Path(__file__).resolve().parents[1] / "programmes"


class _Strict(BaseModel):
    # Unknown keys are errors: a typo must never be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pair(value: Any, what: str, example: str) -> Any:
    """``5`` -> ``(5, 5)``; ``[6, 8]`` stays a pair; anything else is refused with an example."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a {what}; write {example}")
    if isinstance(value, int | float):
        return (value, value)
    if isinstance(value, list | tuple) and len(value) == 2:
        return tuple(value)
    raise ValueError(f"{value!r} is not a {what}; write {example}")


class EntryFile(_Strict):
    """One ``[[exercises]]`` entry as written in the file."""

    exercise: str
    rules: str | None = Field(None, description="a tuned rule file, relative to the programme file")
    reps: tuple[int, int] | None = Field(
        None, description="reps or holds: per side for exercises done on each side, in all otherwise"
    )
    hold_s: tuple[float, float] | None = Field(None, description="seconds per hold")
    sets: int = Field(1, ge=1, le=20)
    rest_s: float | None = Field(None, ge=0, le=600, description="guided holds: seconds between holds")
    set_rest_s: float = Field(60.0, ge=0, le=1800, description="seconds of rest between sets")
    note: str = Field("", description="the physiotherapist's note, shown with the exercise")

    @field_validator("exercise")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in EXERCISES:
            close = difflib.get_close_matches(value, EXERCISES, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(f"unknown exercise '{value}'; {hint}known: {', '.join(EXERCISES)}")
        return value

    @field_validator("reps", mode="before")
    @classmethod
    def _reps(cls, value: Any) -> Any:
        return (
            None if value is None else _pair(value, "number of reps", "a number (5) or [min, max] ([6, 8])")
        )

    @field_validator("hold_s", mode="before")
    @classmethod
    def _hold(cls, value: Any) -> Any:
        return None if value is None else _pair(value, "hold time", "seconds (30) or [min, max] ([20, 30])")

    @model_validator(mode="after")
    def _ordered(self) -> EntryFile:
        if self.reps is not None:
            if self.reps[0] < 1:
                raise ValueError(f"reps: {self.reps[0]} is too few; at least 1")
            if self.reps[0] > self.reps[1]:
                raise ValueError(f"reps: min {self.reps[0]} is greater than max {self.reps[1]}; swap them")
        if self.hold_s is not None:
            if self.hold_s[0] < 0:
                raise ValueError("hold_s: a hold time cannot be negative")
            if self.hold_s[0] > self.hold_s[1]:
                raise ValueError(
                    f"hold_s: min {self.hold_s[0]:g} is greater than max {self.hold_s[1]:g}; swap them"
                )
        return self


class ProgrammeFile(_Strict):
    """A whole programme file."""

    schema_version: int
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=3)
    about: str = ""
    rest_between_s: float = Field(
        20.0, ge=0, le=600, description="the routine page's rest between one exercise and the next"
    )
    exercises: list[EntryFile] = Field(min_length=1)

    @field_validator("schema_version")
    @classmethod
    def _version(cls, v: int) -> int:
        if v != PROGRAMME_VERSION:
            todo = (
                "upgrade posecheck" if v > PROGRAMME_VERSION else "rewrite it after programmes/handout.toml"
            )
            raise ValueError(
                f"this programme file is version {v}; this posecheck reads version {PROGRAMME_VERSION}: {todo}"
            )
        return v


@dataclass(frozen=True)
class ProgrammeEntry:
    """One exercise of a loaded programme: its rules (shipped or tuned) and its dose."""

    exercise: str
    rules: RuleSet
    rules_path: Path
    dose: DosePlan
    note: str = ""
    tuned: bool = False  # the entry names its own rule file

    def coach_rules(self) -> RuleSet:
        """The rule set with this entry's reps and hold times, for the coach's hold checks."""
        dose = self.rules.dose.model_copy(
            update={"reps": self.dose.reps, "hold_s": self.dose.hold_s, "rest_s": self.dose.rest_s}
        )
        return self.rules.model_copy(update={"dose": dose})


@dataclass(frozen=True)
class Programme:
    """A loaded programme: the file's id and title and its entries in order."""

    id: str
    title: str
    about: str
    path: Path
    entries: tuple[ProgrammeEntry, ...]
    rest_between_s: float = 20.0  # the routine's rest from one exercise to the next


def _resolve(entry: EntryFile, index: int, base: Path, source: str) -> ProgrammeEntry:
    where = f"{source}: exercises[{index}]"
    if entry.rules:
        rules_path = Path(entry.rules)
        rules_path = rules_path if rules_path.is_absolute() else base / rules_path
    else:
        rules_path = rules_dir() / f"{entry.exercise}.toml"
    try:
        rules = load_rules(rules_path)
    except PosecheckError as exc:
        raise ProgrammeError(f"{where}.rules: {exc}") from None
    if rules.exercise != entry.exercise:
        raise ProgrammeError(
            f"{where}.rules: {rules_path} is a rule file for '{rules.exercise}', not '{entry.exercise}'; "
            "name a rule file for this exercise"
        )
    reps = entry.reps if entry.reps is not None else rules.dose.reps
    hold = entry.hold_s if entry.hold_s is not None else rules.dose.hold_s
    if rules.kind != "reps" and hold[1] <= 0:
        raise ProgrammeError(
            f"{where}.hold_s: {entry.exercise} is a hold exercise and needs a hold time, e.g. hold_s = [20, 30]"
        )
    rest = entry.rest_s if entry.rest_s is not None else rules.dose.rest_s
    plan = DosePlan(rules.kind, rules.sides, reps, hold, entry.sets, rest, entry.set_rest_s)
    return ProgrammeEntry(entry.exercise, rules, rules_path, plan, entry.note, tuned=entry.rules is not None)


def parse_programme(text: str, source: str = "<programme>", base: Path | None = None) -> Programme:
    """Validate programme text; rule files are looked up relative to ``base`` (the file's folder)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError(syntax_message(exc, text, source)) from None
    try:
        parsed = ProgrammeFile.model_validate(data)
    except ValidationError as exc:
        raise ProgrammeError(validation_message(exc, source, ProgrammeFile, PROGRAMME_VERSION)) from None
    folder = base if base is not None else Path.cwd()
    entries = tuple(_resolve(e, i, folder, source) for i, e in enumerate(parsed.exercises))
    return Programme(parsed.id, parsed.title, parsed.about, Path(source), entries, parsed.rest_between_s)


def find_programme(path_or_name: str | Path) -> Path:
    """A programme file: an existing path, or a name in the shipped folder (``handout``)."""
    p = Path(path_or_name)
    if p.suffix == ".toml" or p.exists() or len(p.parts) > 1:
        return p
    return programmes_dir() / f"{p.name}.toml"


def shipped_programmes() -> list[str]:
    """Names of the programmes in the shipped folder."""
    folder = programmes_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def load_programme(path_or_name: str | Path = DEFAULT_PROGRAMME) -> Programme:
    """Read and validate a programme file (a path, or the name of a shipped one), rule files too."""
    p = find_programme(path_or_name)
    if p.is_dir():
        raise ProgrammeError(f"programme {p} is a folder; pass a .toml programme file")
    if not p.is_file():
        known = shipped_programmes()
        listed = f" (shipped: {', '.join(known)})" if known else ""
        raise ProgrammeError(f"programme not found: {p}{listed}; check the name or path")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProgrammeError(f"{p}: not a text file (not UTF-8); pass a .toml programme file") from None
    except OSError as exc:
        raise ProgrammeError(
            f"{p}: cannot read the programme ({exc.strerror}); check its permissions"
        ) from None
    return parse_programme(text, str(p), p.resolve().parent)
