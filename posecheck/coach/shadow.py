"""Reps the posture gate blocks: watched for while the set is not armed, so none is dropped in silence.

While the person is not in the posture the exercise needs, the rep counter does not run; but the
exercise's own movement (rest -> target -> rest, by the rule's absolute conditions) may still be
seen: a seated look-alike, or the right exercise with a posture the camera misreads. Such a movement
is kept as an uncounted candidate that says what posture was seen instead. Rules whose conditions
are relative to the person's own start cannot be read before the start is learned, so they are not
watched.
"""

from __future__ import annotations

from posecheck.coach.feedback import Side, UncountedRep
from posecheck.coach.reading import MetricReader
from posecheck.coach.schema import RuleSet

POSTURE_WORDS = {
    "supine": "lying on your back",
    "prone": "lying on your front",
    "quadruped": "on all fours",
    "half_kneeling": "kneeling on one knee",
    "kneeling": "kneeling",
    "sitting": "sitting",
    "standing": "standing",
    "unknown": "in a position I could not make out",
}


class ShadowReps:
    """The rule's movement seen while the posture gate is closed."""

    def __init__(self, rules: RuleSet, reader: MetricReader) -> None:
        mv = rules.movement
        self._reader = reader
        self._rest, self._target = mv.rest, mv.target
        self._min_target_s = mv.min_target_s
        self._needed = POSTURE_WORDS.get(rules.posture.required, rules.posture.required)
        self.watching = not any(c.relative for c in [*mv.rest, *mv.target])
        self.reset()

    def reset(self) -> None:
        """Forget any movement in progress (the set was armed, or the person left the picture)."""
        self._rested = False
        self._left_rest: float | None = None
        self._target_since: float | None = None
        self._seen_posture: str | None = None  # the posture seen when the target was reached

    def update(self, t: float, metrics: dict[str, float], posture: str, blocked: bool) -> UncountedRep | None:
        """Feed one setup frame (``blocked``: the posture gate is closed, ``posture`` is what it sees);
        returns a candidate when a blocked movement came back to rest."""
        if not self.watching:
            return None
        at_rest = self._reader.holds(self._rest, metrics)
        if at_rest:
            candidate = self._candidate(t)
            self._rested, self._left_rest, self._target_since = True, t, None
            self._seen_posture = None
            return candidate
        if not self._rested:
            return None  # the movement's start was not seen
        if self._reader.holds(self._target, metrics):
            self._target_since = t if self._target_since is None else self._target_since
            if t - self._target_since >= self._min_target_s and self._seen_posture is None and blocked:
                self._seen_posture = posture
        elif self._seen_posture is None:
            self._target_since = None
        return None

    def _candidate(self, t: float) -> UncountedRep | None:
        if self._seen_posture is None or self._left_rest is None:
            return None
        seen = POSTURE_WORDS.get(self._seen_posture, self._seen_posture)
        side: Side | None = None
        return UncountedRep(
            side,
            self._left_rest,
            t,
            "posture",
            f"It looked like the exercise, but you seemed to be {seen}: it is done {self._needed}.",
        )
