"""Sensible ranges a rule file declares for its key numbers (the optional ``[tuning]`` table).

Keys use the tuning page's spelling (``movement.target[0].above``, see
:func:`posecheck.ui.tuning.key_of`); values are ``[low, high]``. Threshold
suggestions (:mod:`posecheck.suggest`) only search inside these ranges, so a
suggestion can never leave what the file's author called physiologically sensible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

PathPart = str | int
_PART = re.compile(r"([a-z_][a-z0-9_]*)((?:\[\d+\])*)")
# Identity, not tuning: a range on these would mean nothing.
_NOT_NUMBERS = {"schema_version", "handout_number"}


def parse_key(key: str) -> tuple[PathPart, ...]:
    """``"movement.target[0].above"`` -> ``("movement", "target", 0, "above")``; ValueError if malformed."""
    path: list[PathPart] = []
    for piece in key.split("."):
        m = _PART.fullmatch(piece)
        if m is None:
            raise ValueError(f"'{key}' is not a key such as movement.target[0].above")
        path.append(m.group(1))
        path += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    return tuple(path)


def value_at(root: Mapping[str, Any], path: tuple[PathPart, ...]) -> Any:
    """The value at ``path`` in already-validated fields (models, lists, tuples); KeyError if absent."""
    obj: Any = root
    for part in path:
        if isinstance(part, int):
            if not isinstance(obj, list | tuple) or part >= len(obj):
                raise KeyError(part)
            obj = obj[part]
        elif isinstance(obj, Mapping):
            obj = obj[part]
        elif isinstance(obj, BaseModel) and part in type(obj).model_fields:
            obj = getattr(obj, part)
        else:
            raise KeyError(part)
    return obj


def check_ranges(fields: Mapping[str, Any], ranges: Mapping[str, tuple[float, float]]) -> None:
    """Each range names a number of the file, ``low <= high``, and the file's own value lies inside.

    ``fields`` are the file's validated top-level fields; a key whose top-level field failed its
    own validation is skipped (that error is the one reported). Raises ValueError naming the key.
    """
    for key, (low, high) in ranges.items():
        path = parse_key(key)
        if str(path[0]) not in fields and path[0] not in _NOT_NUMBERS:
            continue
        try:
            value = value_at(fields, path)
        except KeyError:
            value = None
        if path[0] in _NOT_NUMBERS or isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(
                f"'{key}' is not a number of this file; name a number set in it, "
                "e.g. movement.target[0].above (the tuning page shows each number's key)"
            )
        if low > high:
            raise ValueError(f"'{key}': low {low:g} is greater than high {high:g}; swap them")
        if not low <= value <= high:
            raise ValueError(
                f"'{key}' = {value:g} is outside its own range [{low:g}, {high:g}]; "
                "widen the range or change the value"
            )
