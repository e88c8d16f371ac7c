"""Is the camera set up well enough to start: person, whole body, side-on, light (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecheck.coach.schema import RuleSet
from posecheck.landmarks import PART_WORDS, side_index

DARK_BRIGHTNESS = 40.0  # mean pixel value (0-255) below which the picture is too dark for the model


@dataclass(frozen=True)
class CameraCheck:
    """Is the set-up good enough to start: person, whole body, side-on, light."""

    person_found: bool
    missing: tuple[str, ...]  # body parts the exercise needs that cannot be seen
    side_on: bool | None  # None when the exercise accepts any view
    view: str
    brightness: float
    too_dark: bool
    view_cue: str = ""

    @property
    def whole_body(self) -> bool:
        """Every body part the exercise needs is visible."""
        return self.person_found and not self.missing

    @property
    def ok(self) -> bool:
        """All checks pass."""
        return self.whole_body and self.side_on is not False and not self.too_dark

    def problems(self) -> list[str]:
        """What to fix, most important first."""
        out = []
        if self.too_dark:
            out.append("The picture is too dark: turn on a light or face a window.")
        if not self.person_found:
            out.append("No one found: step into the picture.")
        elif self.missing:
            out.append(
                f"I can't see your {' and '.join(self.missing)}: move so your whole body is in the picture."
            )
        if self.side_on is False:
            out.append(self.view_cue or "Turn side-on to the camera.")
        return out


def missing_parts(rules: RuleSet, landmarks: np.ndarray | None) -> tuple[str, ...]:
    """Needed body parts with neither side trusted in ``landmarks`` (words for the user)."""
    if landmarks is None:
        return tuple(sorted({PART_WORDS.get(p, p) for p in rules.needs}))
    missing = set()
    for part in rules.needs:
        left, right = side_index(part, "left"), side_index(part, "right")
        if not (np.isfinite(landmarks[left]).all() or np.isfinite(landmarks[right]).all()):
            missing.add(PART_WORDS.get(part, part))
    return tuple(sorted(missing))


def brightness(rgb: np.ndarray) -> float:
    """Mean pixel value of a subsample (cheap; enough to tell a dark room)."""
    return float(rgb[::8, ::8].mean()) if rgb.size else 0.0
