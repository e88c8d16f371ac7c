"""Loading rule files: TOML syntax, schema validation and one-line errors."""

from __future__ import annotations

import difflib
import os
import re
import typing
from pathlib import Path
from typing import Any

import tomllib
from pydantic import BaseModel, ValidationError

from posecheck.coach.schema import SCHEMA_VERSION, RuleSet
from posecheck.errors import InputError, RuleError

EXERCISES: tuple[str, ...] = (
    "lower_back_stretch",
    "lower_tummy",
    "deep_abdominal",
    "pelvic_tilt",
    "bridge",
    "bird_dog",
    "hip_stretch",
    "butt_stretch",
    "leg_stretch",
    "spine_stretch",
)


def rules_dir() -> Path:
    """The shipped ``rules/`` folder (``POSECHECK_RULES_DIR`` overrides it)."""
    override = os.environ.get("POSECHECK_RULES_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "rules"


def check_exercise(exercise: str) -> str:
    """Return ``exercise`` if known, else fail suggesting the nearest known id."""
    if exercise in EXERCISES:
        return exercise
    close = difflib.get_close_matches(exercise, EXERCISES, n=1, cutoff=0.4)
    hint = f"did you mean '{close[0]}'?" if close else "run 'posecheck exercises' for the list"
    raise InputError(f"unknown exercise '{exercise}'; {hint}")


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``list[Condition]`` or ``Filter``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def allowed_keys(loc: tuple[Any, ...], root: type[BaseModel] = RuleSet) -> list[str]:
    """Keys a file of ``root``'s shape may use at ``loc`` (a key's location, e.g. ``("movement", "foo")``)."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(str(part))
        model = _model_in(info.annotation) if info is not None else None
    return sorted(model.model_fields) if model is not None else []


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def syntax_message(exc: tomllib.TOMLDecodeError, text: str, source: str) -> str:
    """``source: line N: TOML syntax error (...)``, quoting the line, and what to do."""
    reason = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", reason)
    if not match:
        return f"{source}: TOML syntax error: {reason}; fix the file (https://toml.io shows the syntax)"
    line, column = int(match.group(1)), int(match.group(2))
    reason = reason[: match.start()]
    lines = text.splitlines()
    quoted = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    shown = f": `{quoted[:60]}`" if quoted else ""
    return f"{source}: line {line}, column {column}: TOML syntax error ({reason}){shown}; fix that line"


def _version_message(version: object, exercise: object, source: str) -> str | None:
    """A clear message for a rule file of another posecheck version (checked before anything else)."""
    if not isinstance(version, int) or isinstance(version, bool) or version == SCHEMA_VERSION:
        return None
    if version > SCHEMA_VERSION:
        what = (
            f"is schema version {version}, made by a newer posecheck; this posecheck reads version "
            f"{SCHEMA_VERSION}: upgrade posecheck, or start again from this version's rules/"
        )
    else:
        what = (
            f"is schema version {version}, made by an older posecheck; this posecheck reads version "
            f"{SCHEMA_VERSION}: start from this version's rules/{exercise or 'EXERCISE'}.toml "
            "and copy your numbers over"
        )
    return f"{source}: this rule file {what}"


def validation_message(
    exc: ValidationError, source: str, root: type[BaseModel] = RuleSet, version: int = SCHEMA_VERSION
) -> str:
    """``source: key: what is wrong; what is allowed`` for the first error of a TOML file of ``root``'s shape."""
    first = exc.errors()[0]
    loc = tuple(first["loc"])
    where = _location(loc)
    kind = first["type"]
    msg = str(first["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = allowed_keys(loc, root)
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        msg = f"unknown key '{key}'; {hint}allowed here: {', '.join(allowed)}"
    elif kind == "missing":
        if loc == ("schema_version",):
            msg = f"missing; add 'schema_version = {version}' at the top of the file"
        elif loc and str(loc[-1]).endswith("cue"):
            msg = "missing; write the words the coach should say here"
        else:
            msg = "missing; this key is required"
    elif kind == "string_too_short":
        need = first.get("ctx", {}).get("min_length", 1)
        msg = f"is empty or too short (at least {need} characters); write the words the user should see"
    elif kind == "string_pattern_mismatch":
        msg = f"{_shown(first.get('input'))} is not allowed: use lower-case letters, digits and '_'"
    elif kind != "value_error":
        # Wrong type or value: pydantic says what it expected, we add what it got.
        msg = f"{msg[:1].lower()}{msg[1:]} (got {_shown(first.get('input'))}); fix the value"
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{source}: {where}: {msg}{more}" if where else f"{source}: {msg}{more}"


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """Validate rule-file text; errors name the file, the key (or line) and what is allowed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(syntax_message(exc, text, source)) from None
    version = _version_message(data.get("schema_version"), data.get("exercise"), source)
    if version is not None:
        raise RuleError(version)
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise RuleError(validation_message(exc, source)) from None


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate one rule file."""
    p = Path(path)
    if p.is_dir():
        raise RuleError(f"rule file {p} is a folder; pass a .toml rule file")
    if not p.is_file():
        raise RuleError(f"rule file not found: {p}; check the path")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RuleError(f"{p}: not a text file (not UTF-8); pass a .toml rule file") from None
    except OSError as exc:
        raise RuleError(f"{p}: cannot read the rule file ({exc.strerror}); check its permissions") from None
    return parse_rules(text, str(p))


def load_exercise(exercise: str, rules_file: str | Path | None = None) -> RuleSet:
    """Rules for ``exercise``: the given file (must be for that exercise) or the shipped one."""
    check_exercise(exercise)
    if not rules_file:
        shipped = rules_dir() / f"{exercise}.toml"
        if not shipped.is_file():
            raise RuleError(
                f"no rule file for '{exercise}' in {rules_dir()} (this install lacks it); "
                "reinstall posecheck or pass --rules FILE"
            )
    rules = load_rules(rules_file if rules_file else rules_dir() / f"{exercise}.toml")
    if rules.exercise != exercise:
        raise RuleError(
            f"{rules_file}: this rule file is for '{rules.exercise}', not '{exercise}'; "
            f"pass --exercise {rules.exercise} or another file"
        )
    return rules


def load_all() -> dict[str, RuleSet]:
    """Every shipped rule set, by exercise id."""
    return {ex: load_exercise(ex) for ex in EXERCISES}
