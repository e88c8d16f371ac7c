"""Loading rule files: TOML syntax, schema validation and one-line errors."""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from posecheck.coach.schema import RuleSet
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
    return out or "(file)"


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """Validate rule-file text; errors name the file, the key and what is allowed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{source}: TOML syntax error: {exc}") from None
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = _location(tuple(first["loc"]))
        msg = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; rules/README.md lists the keys)"
        elif first["type"] == "missing":
            msg = "missing (this key is required)"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise RuleError(f"{source}: {loc}: {msg}{more}") from None


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate one rule file."""
    p = Path(path)
    if not p.is_file():
        raise RuleError(f"rule file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{p}: cannot read the rule file ({exc})") from None
    return parse_rules(text, str(p))


def load_exercise(exercise: str, rules_file: str | Path | None = None) -> RuleSet:
    """Rules for ``exercise``: the given file (must be for that exercise) or the shipped one."""
    check_exercise(exercise)
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
