"""Form checks: the rule file's ``[[checks]]``, each a condition held long enough in a phase."""

from __future__ import annotations

from posecheck.coach.cues import CUE_SHOW_S, CueBoard
from posecheck.coach.reading import MetricReader
from posecheck.coach.schema import Check


class FormChecks:
    """Runs the per-frame checks and, at the end of a rep, the checks on its peak frame."""

    def __init__(self, checks: list[Check], reader: MetricReader, board: CueBoard) -> None:
        self._frame_checks = [c for c in checks if c.at == "frame"]
        self._peak_checks = [c for c in checks if c.at == "rep_peak"]
        self._reader = reader
        self._board = board
        self._since: dict[str, float] = {}

    def update(self, t: float, metrics: dict[str, float], phase: str) -> list[str]:
        """Check one frame in ``phase``; returns the ids of faults raised on it (for the current rep).

        A check's cue is said once its condition has held for its ``min_s``, and taken off the
        screen a moment after the condition ends.
        """
        faults = []
        for chk in self._frame_checks:
            in_phase = (chk.phase == "any" and phase != "setup") or chk.phase == phase
            if in_phase and self._reader.holds(chk.when, metrics):
                since = self._since.setdefault(chk.id, t)
                if t - since >= chk.min_s:
                    self._board.say(t, chk.id, chk.cue, chk.severity)
                    if chk.severity == "fault":
                        faults.append(chk.id)
            else:
                self._since.pop(chk.id, None)
                shown = self._board.shown_since(chk.id)
                if shown is not None and t - shown > CUE_SHOW_S:
                    self._board.clear(chk.id)
        return faults

    def at_peak(self, peak_metrics: dict[str, float], t: float, say: bool = True) -> list[str]:
        """The rep-peak checks that fire on a finished rep's peak frame (cues said at ``t`` if ``say``)."""
        fired = []
        for chk in self._peak_checks:
            if self._reader.holds(chk.when, peak_metrics):
                fired.append(chk.id)
                if say:
                    self._board.say(t, chk.id, chk.cue, chk.severity)
        return fired
