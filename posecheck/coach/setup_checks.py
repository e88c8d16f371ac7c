"""Setup checks: is there one person, is every needed body part seen, is the camera side-on."""

from __future__ import annotations

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
        self._needs = [(p, side_index(p, "left"), side_index(p, "right")) for p in rules.needs]
        self.lost_since: float | None = None
        self._second_person_t: float | None = None
        self._unseen_since: dict[str, float] = {}
        self._wrong_view_since: float | None = None

    def update(self, t: float, frame: PreparedFrame, in_setup: bool) -> None:
        """Check one frame; the view cue is only given while setting up (``in_setup``)."""
        board = self._board
        if frame.person_found:
            self.lost_since = None
        elif self.lost_since is None:
            self.lost_since = t
        if self.lost_since is not None and t - self.lost_since >= LOST_PERSON_S:
            board.say(t, "no_person", "I can't see you: step into the camera's view.", "warn")
            return
        board.clear("no_person")
        self._check_people(t, frame.people)
        if not frame.person_found:
            return
        self._check_parts(t, frame.xy)
        if self._view != "any" and frame.view not in (self._view, "unknown"):
            self._wrong_view_since = self._wrong_view_since if self._wrong_view_since is not None else t
            if t - self._wrong_view_since >= WRONG_VIEW_S and in_setup:
                board.say(t, "view", self._view_cue, "info")
        else:
            self._wrong_view_since = None
            board.clear("view")

    def _check_people(self, t: float, people: int) -> None:
        if people >= 2:
            # One people check can mistake a shadow or a poster for a person: say it only
            # when two checks in a row (they run about once a second) agree.
            seen_before = self._second_person_t is not None and t - self._second_person_t <= SECOND_PERSON_S
            self._second_person_t = t
        else:
            seen_before = False
        if seen_before:
            self._board.warn_once(
                "two people in view: following the person found first; ask others to step out"
            )
            self._board.say(
                t, "two_people", "Two people in view: only one person should be in the picture.", "warn"
            )

    def _check_parts(self, t: float, xy: np.ndarray) -> None:
        unseen = []
        for part, li, ri in self._needs:
            seen = not (np.isnan(xy[li, 0]) and np.isnan(xy[ri, 0]))
            if seen:
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
