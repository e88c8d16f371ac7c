"""The cue board: what the coach says, how often, and which cue is on screen now."""

from __future__ import annotations

from collections import deque

from posecheck.coach.feedback import Cue, Severity

MAX_CUE_LOG = 2000  # a long live session must not grow memory without bound
CUE_REPEAT_S = 4.0  # the same cue is not repeated sooner than this
CUE_SHOW_S = 2.5  # how long a cue stays on screen
# Priority of cue ids when several are active (lower wins); faults come next, then the rest.
CUE_PRIORITY = {"no_person": 0, "two_people": 1, "posture": 2, "unseen": 3, "view": 4}
# The setup cues share one voice: a person who stands and talks to the camera for a minute hears the
# most important problem once, then a calm reminder at most this often, never a cycle through all
# of them every few seconds. A different problem is said sooner (after CUE_REPEAT_S) only when it is
# more important or the one said last is over.
SETUP_CUES = frozenset(CUE_PRIORITY)
SETUP_REMIND_S = 20.0
_SEVERITY_RANK = {"fault": 10, "warn": 11, "info": 12}


class CueBoard:
    """Collects the cues the parts raise; each cue id is said at most once per ``CUE_REPEAT_S``.

    ``new_cues`` are the cues said on the current frame (emptied by :meth:`begin_frame`);
    ``log`` is every cue said in the set; ``warnings`` are one-off notes for the report.
    """

    def __init__(self) -> None:
        self._last_said: dict[str, float] = {}
        self._active: dict[str, Cue] = {}
        self.log: deque[Cue] = deque(maxlen=MAX_CUE_LOG)
        self.new_cues: list[Cue] = []
        self.warnings: list[str] = []
        self._pending_setup: list[Cue] = []  # setup cues raised on this frame
        self._last_setup: Cue | None = None  # the setup cue said last

    def begin_frame(self) -> None:
        """Start collecting the cues of a new frame."""
        self.new_cues = []
        self._pending_setup = []

    def end_frame(self, t: float) -> None:
        """Say the most important setup cue of this frame, if the setup voice may speak now."""
        if not self._pending_setup:
            return
        cue = min(self._pending_setup, key=lambda c: CUE_PRIORITY[c.id])
        last = self._last_setup
        if last is not None:
            since = t - last.t
            last_still_on = any(c.id == last.id for c in self._pending_setup)
            sooner = cue.id != last.id and (not last_still_on or CUE_PRIORITY[cue.id] < CUE_PRIORITY[last.id])
            if since < SETUP_REMIND_S and not (sooner and since >= CUE_REPEAT_S):
                return
        self._last_setup = cue
        self._last_said[cue.id] = t
        self.log.append(cue)
        self.new_cues.append(cue)

    def say(self, t: float, cue_id: str, text: str, severity: Severity) -> None:
        """Raise a cue: it is on screen now, and said (logged, new) unless said within the repeat time.

        Setup cues (``SETUP_CUES``) are only collected here and said by :meth:`end_frame`.
        """
        cue = Cue(cue_id, text, severity, t)
        self._active[cue_id] = cue
        if cue_id in SETUP_CUES:
            self._pending_setup.append(cue)
            return
        last = self._last_said.get(cue_id)
        if last is None or t - last >= CUE_REPEAT_S:
            self._last_said[cue_id] = t
            self.log.append(cue)
            self.new_cues.append(cue)

    def clear(self, cue_id: str) -> None:
        """Take a cue off the screen (its condition is over)."""
        self._active.pop(cue_id, None)

    def shown_since(self, cue_id: str) -> float | None:
        """When the cue now on screen under ``cue_id`` was last raised, None if none is."""
        cue = self._active.get(cue_id)
        return None if cue is None else cue.t

    def current(self, t: float) -> Cue | None:
        """The most important cue raised within the last ``CUE_SHOW_S``: setup problems first."""
        live = [c for c in self._active.values() if t - c.t <= CUE_SHOW_S]
        if not live:
            return None
        return min(live, key=lambda c: (CUE_PRIORITY.get(c.id, _SEVERITY_RANK[c.severity]), -c.t))

    def warn_once(self, text: str) -> None:
        """Add a note to the report's warnings, once."""
        if text not in self.warnings:
            self.warnings.append(text)
