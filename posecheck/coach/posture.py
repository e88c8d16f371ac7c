"""The posture gate: is the person in the posture the exercise needs, and for how long (not)."""

from __future__ import annotations

from posecheck.coach.cues import CueBoard
from posecheck.coach.schema import PostureRule

POSTURE_SETTLE_S = 0.3  # a posture reading must last this long to count (one-frame flickers do not)
WRONG_SETUP_S = 1.0  # a wrong posture before the set is pointed out after this long


class PostureGate:
    """Follows the steady posture reading and how long it has (not) been the one the rules need.

    ``ok_since``: when the needed posture was last taken up in setup; ``wrong_since``: since when
    another steady posture has been seen (the set ends after ``leave_s`` of it).
    """

    def __init__(self, rule: PostureRule, board: CueBoard) -> None:
        self._rule = rule
        self._board = board
        self._candidate = ("unknown", 0.0)
        self.stable = "unknown"
        self.ok_since: float | None = None
        self.wrong_since: float | None = None

    def update(self, t: float, posture: str) -> None:
        """Feed this frame's posture reading."""
        name, since = self._candidate
        if posture != name:
            self._candidate = (posture, t)
        elif t - since >= POSTURE_SETTLE_S and name != "unknown":
            self.stable = name

    @property
    def steady_since(self) -> float | None:
        """When the readings of the steady posture began (before it was steady), None in a flicker."""
        name, since = self._candidate
        return since if name == self.stable else None

    @property
    def ok(self) -> bool:
        """Whether the steady posture is the needed one (or one the rules also allow)."""
        return self.stable == self._rule.required or self.stable in self._rule.also_allowed

    def settled_in_setup(self, t: float, someone_in_view: bool) -> bool:
        """In setup: True while in the needed posture (``ok_since`` set); else says the posture cue
        once another posture (or, with ``someone_in_view``, no clear one) has lasted a second."""
        if not self.ok:
            self.ok_since = None
            if self.stable != "unknown" or someone_in_view:
                self.wrong_since = t if self.wrong_since is None else self.wrong_since
                if t - self.wrong_since >= WRONG_SETUP_S:
                    self._board.say(t, "posture", self._rule.cue, "warn")
            return False
        self.wrong_since = None
        self._board.clear("posture")
        self.ok_since = t if self.ok_since is None else self.ok_since
        return True

    def left(self, t: float) -> bool:
        """During the set: True once another steady posture has lasted ``leave_s`` (stood up, rolled
        over...); an unclear reading never ends a set."""
        if self.ok or self.stable == "unknown":
            self.wrong_since = None
            return False
        self.wrong_since = t if self.wrong_since is None else self.wrong_since
        return t - self.wrong_since >= self._rule.leave_s
