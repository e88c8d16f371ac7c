"""Running a coach over a whole recorded track (analysis, evaluation, tuning)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecheck.coach.engine import Coach, wanted_postures
from posecheck.coach.feedback import Feedback, SessionSummary
from posecheck.coach.prepare import PreparedFrame, prepare_arrays
from posecheck.coach.schema import Filter, RuleSet
from posecheck.filters import OneEuroSettings
from posecheck.metrics import compute_all
from posecheck.track import Track


@dataclass
class PreparedTrack:
    """A track after side resolution, smoothing and gating (depends only on filter settings)."""

    frames: list[PreparedFrame]
    filter: Filter
    postures: tuple[str, ...] = ()

    def stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, 33, 2) xy, (N,) near_is_left and (N, 33) z arrays."""
        xy = np.stack([f.xy for f in self.frames]) if self.frames else np.zeros((0, 33, 2))
        near = np.array([f.near_is_left for f in self.frames], dtype=bool)
        z = np.stack([f.z for f in self.frames]) if self.frames else np.zeros((0, 33))
        return xy, near, z


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
    )
    return PreparedTrack(frames, settings, postures)


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
    xy, near, z = prepared.stacked()
    values = compute_all(rules.metric_defs(), xy, near, z) if len(prepared.frames) else {}
    names = list(values)
    columns = [values[n] for n in names]
    feedback: list[Feedback] = []
    for i, frame in enumerate(prepared.frames):
        metrics = {n: float(col[i]) for n, col in zip(names, columns)} if frame.person_found else {}
        fb = coach.step(frame, metrics)
        if keep_feedback:
            feedback.append(fb)
    t = np.array([f.t for f in prepared.frames])
    return ScoredSession(coach.summary(), t, values, feedback if keep_feedback else None)


def score_track(rules: RuleSet, track: Track, keep_feedback: bool = False) -> ScoredSession:
    """Prepare and score a track in one go."""
    return score_prepared(rules, prepare_for(track, rules), keep_feedback)
