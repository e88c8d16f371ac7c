"""Stored sessions as plain frozen data: what the history hands out (no database attached)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RepRecord:
    """A stored rep."""

    index: int
    side: str | None
    start_s: float
    end_s: float
    hold_s: float
    faults: tuple[str, ...]


@dataclass(frozen=True)
class HoldRecord:
    """A stored hold."""

    side: str | None
    start_s: float
    seconds: float
    reached_target: bool


@dataclass(frozen=True)
class SessionRecord:
    """A stored session with its reps and holds."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    exercise: str
    source: str
    profile: str | None
    programme: str | None
    partial: bool
    reps_total: int
    reps_left: int | None
    reps_right: int | None
    rules_path: str
    rules_sha256: str
    reps: tuple[RepRecord, ...]
    holds: tuple[HoldRecord, ...]
    track_path: str | None = None  # relative to the tracks folder (history/tracks.py); None: no track

    @property
    def faults(self) -> dict[str, int]:
        """How many reps each fault fired in, by check id (most frequent first)."""
        return dict(Counter(f for r in self.reps for f in r.faults).most_common())
