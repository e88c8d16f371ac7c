"""Setup checks: is there one person, is every needed body part seen, is the camera side-on."""

from __future__ import annotations

import math

import numpy as np

from posecheck.coach.cues import CueBoard
from posecheck.coach.prepare import PreparedFrame
from posecheck.coach.schema import RuleSet
from posecheck.landmarks import PART_WORDS, side_index

LOST_PERSON_S = 1.0
UNSEEN_PART_S = 1.0
WRONG_VIEW_S = 1.0
SECOND_PERSON_S = 2.5


class SetupChecks:
    """Raises the setup cues (nobody, two people, unseen parts, wrong view) on the cue board.

    ``lost_since``: since when nobody has been found (None while somebody is).
    """

    def __init__(self, rules: RuleSet, board: CueBoard) -> None:
        self._board = board
        self._view = rules.camera.view
        self._view_cue = rules.camera.view_cue
        self._needs = [(p, li, ri) for p, (li, ri) in zip(rules.needs, needed_sides(rules.needs))]
        self.lost_since: float | None = None
        self._second_person_t: float | None = None
        self._unseen_since: dict[str, float] = {}
        self._wrong_view_since: float | None = None

    def update(
        self, t: float, frame: PreparedFrame, in_setup: bool, seen: tuple[bool, ...] | None = None
    ) -> None:
        """Check one frame; the view cue is only given while setting up (``in_setup``).

        ``seen``: whether each needed part is seen on this frame, when the caller has worked it out
        for a whole track at once (:meth:`PreparedTrack.parts_seen`); else it is read from the frame.
        """
        board = self._board
        if frame.person_found:
            self.lost_since = None
        elif self.lost_since is None:
            self.lost_since = t
        if self.lost_since is not None and t - self.lost_since >= LOST_PERSON_S:
            board.say(t, "no_person", "I can't see you: step into the camera's view.", "warn")
            return
        board.clear("no_person")
        if frame.people >= 2:
            self._check_people(t)
        if not frame.person_found:
            return
        self._check_parts(t, seen if seen is not None else self.parts_seen(frame.xy))
        if self._view != "any" and frame.view not in (self._view, "unknown"):
            self._wrong_view_since = self._wrong_view_since if self._wrong_view_since is not None else t
            if t - self._wrong_view_since >= WRONG_VIEW_S and in_setup:
                board.say(t, "view", self._view_cue, "info")
        else:
            self._wrong_view_since = None
            board.clear("view")

    def _check_people(self, t: float) -> None:
        """A frame with two or more people in view."""
        # One people check can mistake a shadow or a poster for a person: say it only
        # when two checks in a row (they run about once a second) agree.
        seen_before = self._second_person_t is not None and t - self._second_person_t <= SECOND_PERSON_S
        self._second_person_t = t
        if seen_before:
            self._board.warn_once(
                "two people in view: following the person found first; ask others to step out"
            )
            self._board.say(
                t, "two_people", "Two people in view: only one person should be in the picture.", "warn"
            )

    def parts_seen(self, xy: np.ndarray) -> tuple[bool, ...]:
        """Whether each needed part is seen (on either side) in one frame's landmarks."""
        # math.isnan on the numpy scalars: np.isnan per scalar was a tenth of re-scoring a track.
        return tuple(not (math.isnan(xy[li, 0]) and math.isnan(xy[ri, 0])) for _, li, ri in self._needs)

    def _check_parts(self, t: float, seen: tuple[bool, ...]) -> None:
        if not self._unseen_since and all(seen):  # the usual frame: every part seen, none missing
            self._board.clear("unseen")
            return
        unseen = []
        for (part, _, _), part_seen in zip(self._needs, seen):
            if part_seen:
                self._unseen_since.pop(part, None)
            else:
                since = self._unseen_since.setdefault(part, t)
                if t - since >= UNSEEN_PART_S:
                    unseen.append(PART_WORDS.get(part, part))
        if unseen:
            words = sorted(set(unseen))
            self._board.say(
                t,
                "unseen",
                f"I can't see your {' and '.join(words)}: move so your whole body is in view.",
                "warn",
            )
        else:
            self._board.clear("unseen")


def needed_sides(needs: list[str]) -> list[tuple[int, int]]:
    """Landmark indices (left, right) of each needed part: a part is seen when either side is."""
    return [(side_index(p, "left"), side_index(p, "right")) for p in needs]
