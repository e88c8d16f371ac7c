"""The frames seen while setting up, so the set can start where the person was first at rest.

A recording often begins a moment before the first rep, and the set is armed only once the start
posture has been steady for ``posture.arm_s``: by then the first lift may be under way. The frames
since the posture's readings began are kept; when the set is armed, the counter starts at the first
of them in the rest position and runs through the rest, so a rep whose rise was seen whole counts.
"""

from __future__ import annotations

from collections import deque

from posecheck.coach.prepare import PreparedFrame

# How far back the counter may start when it is armed: longer than any arm_s or calibration window
# (1-3 s), short enough that a person who lay down and rested for minutes is not searched through.
LOOKBACK_S = 15.0

SeenFrame = tuple[float, PreparedFrame, dict[str, float]]


class SetupLookback:
    """The last ``LOOKBACK_S`` of frames seen in setup."""

    def __init__(self) -> None:
        self._frames: deque[SeenFrame] = deque()

    def add(self, t: float, frame: PreparedFrame, metrics: dict[str, float]) -> None:
        """Keep one setup frame."""
        self._frames.append((t, frame, metrics))
        while self._frames and t - self._frames[0][0] > LOOKBACK_S:
            self._frames.popleft()

    def since(self, start: float) -> list[SeenFrame]:
        """The kept frames from ``start`` on, oldest first; forgets them all."""
        frames = [f for f in self._frames if f[0] >= start]
        self._frames.clear()
        return frames

    def clear(self) -> None:
        """Forget the kept frames."""
        self._frames.clear()
