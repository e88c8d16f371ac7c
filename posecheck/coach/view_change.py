"""A change of the camera's view of the person while they rest: what was learnt about the view is learnt again.

Rules relative to the person's own start (``relative = true``) learn that start as angles read in
the camera's view at the start of the set. When the view changes during the recording (an edit
between two camera angles, a crossfade, a phone moved or re-propped) those angles read several
degrees differently for the same pose, and a start learnt in the first view may put the next
rep's target out of reach. A jump (a hard cut) restarts the smoothing
(:mod:`posecheck.coach.prepare`), but a crossfade or a slow move never jumps.

The view is read from the body's own rigid segments: the shoulder and hip widths and the thigh
and shin lengths, each over the torso length, as the picture shows them. A camera that turns or
rises changes how foreshortened each one is; moving closer, further or along does not (nor does
it change any angle). A change is taken when the trunk's readings have settled to new steady
values far from those of the view the start was learnt in, every reading holding still, the person
in the rest position from before the change until it settled, and no rep past its target: then
the start values are learnt again there, and the cue log and the report say so. Limbs move at rest
too (legs hugged, knees let fall), and a person who moves their trunk leaves the rest position of
most exercises, so the trunk must change while the rest holds.

The start learnt as the view settles is provisional: the model's landmarks converge for a moment
after a crossfade, and the next rep may follow at once, so the angles may not have held still
yet. When the rep after the change comes back and holds still out of the target, nearer that
start than the rep's peak but outside the rest band, the still reading is the start in the new
view (once per change).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from posecheck.body import midpoint
from posecheck.coach.arming import Arming
from posecheck.coach.cues import CueBoard
from posecheck.coach.posture import PostureGate
from posecheck.coach.prepare import PreparedFrame
from posecheck.coach.reading import MetricReader
from posecheck.coach.rep import Rep
from posecheck.coach.schema import RuleSet
from posecheck.landmarks import INDEX

# Rigid segments whose apparent length (over the torso length) shows the camera's view of the body.
SEGMENTS: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("right_hip", "right_knee"),
    ("left_knee", "left_ankle"),
    ("right_knee", "right_ankle"),
)
_PAIRS = np.array([(INDEX[a], INDEX[b]) for a, b in SEGMENTS])
# The trunk's own readings (the shoulder and hip widths): the limbs move in every exercise, at rest
# too (legs hugged, knees let fall), but the trunk lies, kneels or stands still; so a new view must
# show in the trunk, while every reading must hold still.
TRUNK = slice(0, 2)
# Settled: every reading within this many torso lengths over STEADY_S. A still person's knees and
# ankles wobble 0.006-0.011 torso lengths per frame (posecheck.variants.STILL_JITTER), twice that in
# the noisiest footage, so a held segment's length stays well inside 0.06 over a fifth of a second.
STEADY_TOL = 0.06
# A few frames at any frame rate (15-60 fps): short enough to catch the rest between the end of a
# crossfade and the next rep, which may follow at once.
STEADY_S = 0.2
# A new view: some reading settled this many torso lengths from the one the start was learnt with.
# A shoulder line seen end-on reads 0.75 torso lengths x sin(turn), so 0.15 is a turn of about 12 deg
# toward or away from the side view (a 20 deg camera move shifts the front-hip angle by 5 deg, as
# much as the hip-flexor rules' target); a segment in the picture plane must turn about 35 deg.
# Twice the steadiness tolerance, so settling noise alone cannot reach it.
CHANGE = 0.15


def view_reading(xy: np.ndarray) -> np.ndarray:
    """The apparent lengths of :data:`SEGMENTS` over the torso length (NaN where a landmark is unseen)."""
    torso = float(np.linalg.norm(midpoint(xy, "shoulder") - midpoint(xy, "hip")))
    if not math.isfinite(torso) or torso <= 0:
        return np.full(len(SEGMENTS), math.nan)
    return np.linalg.norm(xy[_PAIRS[:, 0]] - xy[_PAIRS[:, 1]], axis=-1) / torso


@dataclass
class _Seen:
    t: float
    reading: np.ndarray
    values: dict[str, float]  # the relative metrics as the reader reads them (absolute)


class ViewWatch:
    """Notices a settled change of the camera's view while the person rests; re-learns the start."""

    def __init__(
        self, rules: RuleSet, reader: MetricReader, gate: PostureGate, arming: Arming, board: CueBoard
    ) -> None:
        self._movement = rules.movement
        self._reader, self._gate, self._arming, self._board = reader, gate, arming, board
        self._recent: deque[_Seen] = deque()
        self.reference: np.ndarray | None = None  # the view the start values were learnt in
        self.changes: list[float] = []  # when the start was learnt again
        self.provisional = False  # the start was learnt as a new view settled, not yet on a still return
        self._rest_since: float | None = None  # in the rest position without a break since then
        self._old_view_t = -math.inf  # when the view last read settled and as the start was learnt in

    def update(
        self, t: float, frame: PreparedFrame, metrics: dict[str, float], armed: bool, rep: Rep | None
    ) -> bool:
        """Feed one frame; True when the view changed and the start values were learnt again.

        ``armed``: the set has started (its start values are learnt); ``rep``: the rep in progress.
        The view the start was learnt in is read at the set's first settled moment at rest; the
        start is learnt again only while no rep in progress has reached its target.
        """
        names = self._arming.tolerance
        if not names:
            return False
        at_rest = frame.person_found and self._gate.ok and self._reader.holds(self._movement.rest, metrics)
        self._rest_since = (t if self._rest_since is None else self._rest_since) if at_rest else None
        if not frame.person_found or not self._gate.ok:
            self._recent.clear()
            return False
        values = {n: self._reader.value(n, metrics) for n in names}
        self._recent.append(_Seen(t, view_reading(frame.xy), values))
        while t - self._recent[0].t > STEADY_S:
            self._recent.popleft()
        if not armed:
            self.reference, self.provisional = None, False  # taken again when the set (re)starts
            return False
        if self.provisional and rep is not None and rep.reached and self._still_return(metrics, rep):
            return True
        settled = self._settled()
        if settled is None:
            return False
        if self.reference is None:
            # The view the start was learnt in: the first settled moment in the start position (a
            # set armed on its first rep, in a clip that begins just before it, learns it after).
            if self._rest_since is not None and self._rest_since <= self._recent[0].t:
                self.reference = settled
            return False
        moved = np.abs(settled - self.reference)[TRUNK]
        if not np.any(moved[np.isfinite(moved)] > CHANGE):
            self._old_view_t = t
            return False
        # The person was at rest in the old view, and stayed at rest while the view changed: a
        # person who moves (legs hugged, a rep begun) changes how the trunk looks too.
        if self._rest_since is None or self._rest_since > self._old_view_t:
            return False
        if rep is not None and rep.reached:
            return False
        columns = {n: [s.values[n] for s in self._recent] for n in names}
        if any(math.isnan(v) for c in columns.values() for v in c):
            return False
        self._reader.baseline = {n: float(np.median(c)) for n, c in columns.items()}
        self.reference, self.provisional = settled, True
        self.changes.append(t)
        self._board.say(
            t, "view_changed", "The camera's view changed: learning your start position again.", "info"
        )
        self._board.warn_once(
            f"The camera's view of you changed at {t:.1f} s (another camera angle, or the camera moved): "
            "the start position was learnt again there."
        )
        return True

    def _still_return(self, metrics: dict[str, float], rep: Rep) -> bool:
        """After a change of view: the rep came back and holds still out of the target, nearer the
        provisional start than its peak, outside the rest band; that reading is the start."""
        reader, mv, key = self._reader, self._movement, self._reader.key
        if key not in self._arming.tolerance:
            return False  # the key metric is absolute: its return says nothing of the relative start
        if reader.holds(mv.target, metrics) or reader.holds(mv.rest, metrics):
            return False
        recent = self._recent
        if recent[-1].t - recent[0].t < 0.8 * STEADY_S:
            return False
        columns = {n: np.array([s.values[n] for s in recent]) for n in self._arming.tolerance}
        tolerance = self._arming.tolerance
        if any(not np.isfinite(c).all() or np.ptp(c) > tolerance[n] / 2 for n, c in columns.items()):
            return False  # not still: half the tolerance, as a still moment at the start
        start = {n: float(np.median(c)) for n, c in columns.items()}
        if abs(start[key] - reader.baseline.get(key, math.nan)) >= abs(start[key] - rep.peak):
            return False  # nearer the peak: a pause in the rep, not the start
        reader.baseline, self.provisional = start, False
        return True

    def _settled(self) -> np.ndarray | None:
        """The median view reading over the last STEADY_S if it held still, else None."""
        recent = self._recent
        if len(recent) < 3 or recent[-1].t - recent[0].t < 0.8 * STEADY_S:
            return None
        readings = np.array([s.reading for s in recent])
        seen = np.isfinite(readings).all(0)
        if not seen.any() or np.ptp(readings[:, seen], axis=0).max() > STEADY_TOL:
            return None
        return np.where(seen, np.median(readings, axis=0), math.nan)
