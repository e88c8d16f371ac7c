"""Timing a hold: a clock that pauses on short losses of the target, and bouncing within it."""

from __future__ import annotations

import math
from collections import deque

from posecheck.coach.schema import Timing


class HoldClock:
    """Seconds spent in the target, paused (not reset) while the target is briefly lost."""

    def __init__(self, running_since: float | None = None) -> None:
        self.held_s = 0.0  # closed stretches in the target
        self.running_since = running_since  # start of the open stretch, None while paused

    @property
    def running(self) -> bool:
        """Whether the clock is counting now."""
        return self.running_since is not None

    def start(self, t: float) -> None:
        """Start (or resume) counting at ``t`` unless already counting."""
        if self.running_since is None:
            self.running_since = t

    def pause(self, t: float) -> None:
        """Stop counting at ``t`` (a no-op while paused)."""
        if self.running_since is not None:
            self.held_s += t - self.running_since
            self.running_since = None

    def elapsed(self, t: float) -> float:
        """Seconds held up to ``t``."""
        return self.held_s + (t - self.running_since if self.running_since is not None else 0.0)

    def touched(self) -> bool:
        """Whether the clock ever ran."""
        return self.running_since is not None or self.held_s > 0


class BounceDetector:
    """Counts direction changes of the key metric during a hold: a stretch should be held, not bounced.

    A turn counts once the metric went ``bounce_min_deg`` back from its last extreme;
    ``bounce_turns`` turns within ``bounce_window_s`` are bouncing.
    """

    def __init__(self, timing: Timing) -> None:
        self._timing = timing
        self._turns: deque[tuple[float, float]] = deque()
        self._trend = 0
        self._extreme = math.nan

    def update(self, t: float, key: float) -> bool:
        """Feed the key metric at ``t``; True when the turns just reached bouncing."""
        timing = self._timing
        if math.isnan(key):
            return False
        if math.isnan(self._extreme):
            self._extreme = key
            return False
        delta = key - self._extreme
        direction = 1 if delta > 0 else -1
        if self._trend == 0 or direction == self._trend:
            if self._trend == 0 and abs(delta) < timing.bounce_min_deg:
                return False
            if self._trend == 0 or (direction == self._trend and (key - self._extreme) * direction > 0):
                self._extreme = key
                self._trend = direction
            return False
        if abs(delta) >= timing.bounce_min_deg:
            self._turns.append((t, key))
            self._trend = direction
            self._extreme = key
        while self._turns and t - self._turns[0][0] > timing.bounce_window_s:
            self._turns.popleft()
        if len(self._turns) >= timing.bounce_turns:
            self._turns.clear()
            return True
        return False
