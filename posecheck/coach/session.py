"""Running a coach over a whole recorded track (analysis, evaluation, tuning)."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field

import numpy as np

from posecheck.coach.engine import Coach, wanted_postures
from posecheck.coach.feedback import Feedback, SessionSummary
from posecheck.coach.prepare import PreparedFrame, prepare_arrays
from posecheck.coach.schema import Filter, RuleSet
from posecheck.coach.setup_checks import needed_sides
from posecheck.filters import OneEuroSettings
from posecheck.metrics import MetricDef, compute_all
from posecheck.track import Track


@dataclass
class PreparedTrack:
    """A track after side resolution, smoothing and gating (depends only on filter settings)."""

    frames: list[PreparedFrame]
    filter: Filter
    postures: tuple[str, ...] = ()
    loop_s: float | None = None  # one play's length when the track holds a looping animation played twice
    # Per-frame values that depend only on the frames, by what they were computed for (metric
    # definitions, needed parts): a control change re-scores the same prepared track again and again,
    # and stacking 18,000 frames each time cost more than running the metrics on them.
    _metrics: dict[tuple[MetricDef, ...], dict[str, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _seen: dict[tuple[str, ...], list[tuple[bool, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, 33, 2) xy, (N,) near_is_left and (N, 33) z arrays."""
        xy = np.stack([f.xy for f in self.frames]) if self.frames else np.zeros((0, 33, 2))
        near = np.array([f.near_is_left for f in self.frames], dtype=bool)
        z = np.stack([f.z for f in self.frames]) if self.frames else np.zeros((0, 33))
        return xy, near, z

    def metric_values(self, defs: list[MetricDef]) -> dict[str, np.ndarray]:
        """:func:`compute_all` over every frame (computed once per definitions; the caller gets copies)."""
        key = tuple(defs)
        values = self._metrics.get(key)
        if values is None:
            xy, near, z = self.stacked()
            values = compute_all(defs, xy, near, z) if self.frames else {}
            self._metrics[key] = values
        return {name: column.copy() for name, column in values.items()}

    def parts_seen(self, needs: list[str]) -> list[tuple[bool, ...]]:
        """Per frame, whether each needed part is seen on either side (see :class:`SetupChecks`)."""
        key = tuple(needs)
        seen = self._seen.get(key)
        if seen is None:
            xy = np.stack([f.xy[:, 0] for f in self.frames]) if self.frames else np.zeros((0, 33))
            columns = [~(np.isnan(xy[:, li]) & np.isnan(xy[:, ri])) for li, ri in needed_sides(needs)]
            seen = list(zip(*(c.tolist() for c in columns))) if columns else [()] * len(self.frames)
            self._seen[key] = seen
        return seen


def person_frames(
    track: Track, i: int
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, int]:
    """Raw landmarks of the tracked person in frame ``i`` (None when nobody), and the people count."""
    people = int(np.sum(~np.isnan(track.xy[i, :, 0, 0])))
    if np.isnan(track.xy[i, 0, 0, 0]):
        return None, None, None, people
    return track.xy[i, 0], track.z[i, 0], track.visibility[i, 0], people


def prepare_track(track: Track, settings: Filter, postures: tuple[str, ...] = ()) -> PreparedTrack:
    """Prepare every frame of ``track`` once (the slow, threshold-independent part).

    ``postures`` are the ones the exercise needs (to notice a camera on its side);
    the result depends only on ``settings`` and ``postures``, never on thresholds.
    """
    frames = prepare_arrays(
        track.t,
        track.xy[:, 0],
        track.z[:, 0],
        track.visibility[:, 0],
        track.people,
        track.width,
        track.height,
        OneEuroSettings(min_cutoff=settings.min_cutoff, beta=settings.beta),
        settings.min_visibility,
        postures,
        camera_turns(track),
    )
    return PreparedTrack(frames, settings, postures, loop_seconds(track))


def camera_turns(track: Track) -> int | None:
    """Quarter turns of a camera on its side, when found from the picture as the track was made."""
    value = track.meta.get("camera_turns")
    return int(value) % 4 if isinstance(value, int) else None


def loop_seconds(track: Track) -> float | None:
    """One play's length when ``track`` holds a looping animation played more than once, else None."""
    value = track.meta.get("loop_s")
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def count_last_play(summary: SessionSummary, loop_s: float) -> SessionSummary:
    """What a looping animation shows in one loop: the reps, holds and uncounted reps ending in the last play.

    The animation was played more than once (time running on), so a rep across the loop's seam is
    seen whole; counting only what ends after ``loop_s`` counts each rep of the loop once (and
    reports each movement that was not counted once, too). A hold
    is at most one loop long (a pose held through the seam would otherwise grow with every play).
    Times stay the played ones, as in the annotated video.
    """
    reps = [r for r in summary.rep_events if r.end_s >= loop_s]
    holds = [
        dataclasses.replace(
            h,
            seconds=min(h.seconds, loop_s),
            positions=tuple(p for p in h.positions if p.end_s >= loop_s),  # each place once, too
        )
        for h in summary.holds
        if h.end_s >= loop_s
    ]
    # A rep still out when the second play ends is the one the first play's end began: counted there.
    uncounted = [u for u in summary.uncounted if u.end_s >= loop_s and u.reason != "ended_before_rest"]
    note = (
        f"a looping animation: played twice ({loop_s:.2f} s a loop) so a rep across the loop's seam is "
        "seen whole; the counts are one loop's (what ends in the second play)"
    )
    return dataclasses.replace(
        summary,
        reps_total=len(reps),
        reps_left=None if summary.reps_left is None else sum(r.side == "left" for r in reps),
        reps_right=None if summary.reps_right is None else sum(r.side == "right" for r in reps),
        rep_events=reps,
        holds=holds,
        uncounted=uncounted,
        warnings=[*summary.warnings, note],
    )


def prepare_for(track: Track, rules: RuleSet) -> PreparedTrack:
    """:func:`prepare_track` with the settings and postures of ``rules`` (what scoring needs)."""
    return prepare_track(track, rules.filter, wanted_postures(rules))


@dataclass
class ScoredSession:
    """Result of scoring a track: the summary and the per-frame key series for plots."""

    summary: SessionSummary
    t: np.ndarray
    series: dict[str, np.ndarray]
    feedback: list[Feedback] | None


def score_prepared(rules: RuleSet, prepared: PreparedTrack, keep_feedback: bool = False) -> ScoredSession:
    """Run the coach's state machines over a prepared track (fast: metrics are vectorised)."""
    coach = Coach(rules)
    values = prepared.metric_values(rules.metric_defs())
    names = list(values)
    # Python floats once per column, then one row per frame: indexing numpy per value was slow.
    columns = [np.asarray(values[n], dtype=np.float64).tolist() for n in names]
    rows = zip(*columns) if columns else itertools.repeat(())
    feedback: list[Feedback] = []
    for frame, row, seen in zip(prepared.frames, rows, prepared.parts_seen(rules.needs)):
        metrics = dict(zip(names, row)) if frame.person_found else {}
        if keep_feedback:
            feedback.append(coach.step(frame, metrics, seen))
        else:
            coach.advance(frame, metrics, seen)
    t = np.array([f.t for f in prepared.frames])
    summary = coach.summary()
    if prepared.loop_s is not None:
        summary = count_last_play(summary, prepared.loop_s)
    return ScoredSession(summary, t, values, feedback if keep_feedback else None)


def score_track(rules: RuleSet, track: Track, keep_feedback: bool = False) -> ScoredSession:
    """Prepare and score a track in one go."""
    return score_prepared(rules, prepare_for(track, rules), keep_feedback)
