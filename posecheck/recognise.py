"""Which of the ten exercises a recording shows, and where: a routine split into segments.

No learned model: every rule set is run over the whole track (the cheap re-scoring of
:mod:`posecheck.coach.session`), and where a rule set counts a rep or a hold is the evidence
that its exercise is being done there; the posture each rule set asks for (``body.py``'s
reading) adds a little. Per window of ``HOP_S`` seconds each exercise, and ``none``, gets a
score; a segmental dynamic programme picks the best sequence of segments at least
``MIN_SEGMENT_S`` long with a penalty per switch. An exercise segment then grows outward over
the frames in its posture (setting up before the first rep, the last rep's return), and each
segment is scored with its own rule set on its part of the track for the reps and holds.

Look-alikes (four exercises lie on the back) are told apart by the movement: a rule set counts
only its own movement (``tests/test_lookalikes.py``); where two still count on the same
stretch, a counted rep outweighs a hold (holding still lying down is what the deep abdominal
hold looks like from the side, whatever the person does with the pelvis). A stretch found as the
deep abdominal hold is then looked at for the supine pelvic tilt's hip slides
(:mod:`posecheck.lookalike`), and either answer names the other as its alternative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from posecheck.coach.schema import RuleSet
from posecheck.coach.session import PreparedTrack, prepare_for, score_prepared
from posecheck.lookalike import tell_apart
from posecheck.track import Track

NONE = "none"
HOP_S = 1.0  # window length: the boundaries come out at this resolution before refinement
MIN_SEGMENT_S = 2.0  # shorter segments are merged into their neighbours
SWITCH_PENALTY = 1.5  # score a new segment must earn over staying (in window-scores)
REP_WEIGHT = 1.0  # score of a window covered by a counted rep of the exercise
HOLD_WEIGHT = 0.8  # ... by a counted hold (a still lying person is many holds' start position)
# A rep longer than this (without a hold in it) weighs less per second: one count spread thin. A
# relative rule that learnt its start on other footage can "count" one slow drift of 20 s across
# another exercise's reps (knee rolls across glute bridges after a dead bug); real reps take 2-6 s.
REP_FULL_S = 6.0
POSTURE_WEIGHT = 0.25  # ... by the exercise's posture alone (never enough on its own: see COST)
COST = 0.5  # what a window costs an exercise: without movement evidence "none" wins
EXTEND_MAX_S = 1.0  # how far a segment may grow over its posture beyond its counted movement
EXTEND_GAP_S = 0.5  # frames out of the posture tolerated while growing (a wobbly reading)
COUNT_FROM_S = (0.0, 1.0, 2.0)  # a segment is counted from its start and from these seconds later


@dataclass(frozen=True)
class Segment:
    """A stretch of the recording: the exercise done there (or ``none``), with its counts."""

    exercise: str
    start_s: float
    end_s: float
    confidence: float  # 0..1: the winner's evidence over the runner-up's
    reps: int | None = None  # None for "none" segments
    holds: int | None = None
    hold_s: tuple[float, ...] = field(default=())
    alternatives: tuple[str, ...] = ()  # look-alikes the landmarks cannot rule out
    seen_s: tuple[tuple[float, float], ...] = ()  # movements seen but too small to count

    def as_dict(self) -> dict[str, object]:
        """The segment as report.json stores it."""
        return {
            "exercise": self.exercise,
            "start_s": round(self.start_s, 2),
            "end_s": round(self.end_s, 2),
            "confidence": round(self.confidence, 2),
            "reps": self.reps,
            "holds": self.holds,
            "hold_s": [round(s, 2) for s in self.hold_s],
            "alternatives": list(self.alternatives),
            "seen_s": [[round(a, 2), round(b, 2)] for a, b in self.seen_s],
        }


@dataclass
class Evidence:
    """Per-window scores: ``scores[k, w]`` for ``states[k]`` (last state is ``none``) in window ``w``."""

    states: list[str]
    starts: np.ndarray  # (W,) window start times
    scores: np.ndarray  # (S, W)
    frame_t: np.ndarray  # (N,) frame times
    in_posture: dict[str, np.ndarray]  # exercise -> (N,) frame is in its posture


def _mark(t: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    out = np.zeros(len(t), dtype=bool)
    for a, b in spans:
        out |= (t >= a) & (t <= b)
    return out


def _prepared(track: Track, rules: RuleSet, cache: dict[object, PreparedTrack]) -> PreparedTrack:
    """Preparation depends only on filter settings and postures: shared by rule sets that agree."""
    key = (rules.filter.model_dump_json(), rules.posture.required)
    if key not in cache:
        cache[key] = prepare_for(track, rules)
    return cache[key]


def evidence(track: Track, rules: Mapping[str, RuleSet]) -> Evidence:
    """Score every exercise (and ``none``) in every ``HOP_S`` window of ``track``."""
    t = np.asarray(track.t, dtype=float)
    t0 = float(t[0]) if len(t) else 0.0
    n_win = max(1, int(np.ceil(((float(t[-1]) - t0) if len(t) else 0.0) / HOP_S + 1e-9)))
    win = np.minimum(((t - t0) / HOP_S).astype(int), n_win - 1) if len(t) else np.zeros(0, int)
    per_win = np.maximum(np.bincount(win, minlength=n_win), 1)
    states = [*sorted(rules), NONE]
    scores = np.zeros((len(states), n_win))
    cache: dict[object, PreparedTrack] = {}
    postures: dict[str, np.ndarray] = {}
    for k, ex in enumerate(states[:-1]):
        rule = rules[ex]
        prepared = _prepared(track, rule, cache)
        summary = score_prepared(rule, prepared).summary
        moving = np.zeros(len(t))
        for r in summary.rep_events:
            weight = REP_WEIGHT * min(1.0, REP_FULL_S / max(r.end_s - r.start_s, 1e-6))
            moving = np.maximum(moving, weight * _mark(t, [(r.start_s, r.end_s)]))
        holding = HOLD_WEIGHT * _mark(t, [(h.start_s, h.end_s) for h in summary.holds])
        allowed = {rule.posture.required, *rule.posture.also_allowed}
        posture = np.array([f.posture in allowed for f in prepared.frames], dtype=bool)
        postures[ex] = posture
        frame_score = np.maximum(moving, holding) + POSTURE_WEIGHT * posture - COST
        scores[k] = np.bincount(win, weights=frame_score, minlength=n_win) / per_win
    return Evidence(states, t0 + HOP_S * np.arange(n_win), scores, t, postures)


def best_path(scores: np.ndarray, min_windows: int, penalty: float) -> list[tuple[int, int, int]]:
    """Segments (state, first window, end window) maximising the summed scores minus ``penalty`` per
    segment, each at least ``min_windows`` long (unless the whole input is shorter)."""
    n_states, n = scores.shape
    if n <= min_windows:
        return [(int(np.argmax(scores.sum(axis=1))), 0, n)]
    cum = np.concatenate([np.zeros((n_states, 1)), np.cumsum(scores, axis=1)], axis=1)
    best = np.full(n + 1, -np.inf)
    best[0] = 0.0
    back: list[tuple[int, int]] = [(-1, -1)] * (n + 1)
    for j in range(min_windows, n + 1):
        starts = np.arange(0, j - min_windows + 1)
        gains = cum[:, j][:, None] - cum[:, starts] + best[starts][None, :] - penalty  # (S, I)
        flat = int(np.argmax(gains))
        row, col = divmod(flat, gains.shape[1])
        best[j], back[j] = float(gains[row, col]), (row, int(starts[col]))
    out: list[tuple[int, int, int]] = []
    end = n
    while end > 0:
        state, begin = back[end]
        out.append((state, begin, end))
        end = begin
    out.reverse()
    merged: list[tuple[int, int, int]] = []
    for k, i, j in out:  # two touching segments of one state are one
        if merged and merged[-1][0] == k:
            merged[-1] = (k, merged[-1][1], j)
        else:
            merged.append((k, i, j))
    return merged


def _grow(ev: Evidence, ex: str, start: float, end: float, lo: float, hi: float) -> tuple[float, float]:
    """Move a segment's edges outward over frames in the exercise's posture, within [lo, hi]."""
    t, inside = ev.frame_t, ev.in_posture[ex]
    idx = np.flatnonzero((t >= lo) & (t <= hi))

    def walk(edge: float, order: np.ndarray) -> float:
        last_in = edge
        for i in order:
            if abs(float(t[i]) - edge) > EXTEND_MAX_S:
                break
            if inside[i]:
                last_in = float(t[i])
            elif abs(float(t[i]) - last_in) > EXTEND_GAP_S:
                break
        return last_in

    before, after = idx[t[idx] < start][::-1], idx[t[idx] > end]
    return min(start, walk(start, before)), max(end, walk(end, after))


def segment(ev: Evidence, end_s: float) -> list[Segment]:
    """The segments (without counts) that the evidence supports best."""
    min_w = max(1, round(MIN_SEGMENT_S / HOP_S))
    path = best_path(ev.scores, min_w, SWITCH_PENALTY)
    edges = [float(ev.starts[i]) for _, i, _ in path] + [end_s]
    names = [ev.states[k] for k, _, _ in path]
    starts, ends = edges[:-1], edges[1:]
    # Grow each exercise over its posture into the "none" beside it (never into another exercise).
    for n, name in enumerate(names):
        if name == NONE:
            continue
        lo = starts[n - 1] if n and names[n - 1] == NONE else starts[n]
        hi = ends[n + 1] if n + 1 < len(names) and names[n + 1] == NONE else ends[n]
        starts[n], ends[n] = _grow(ev, name, starts[n], ends[n], lo, hi)
        if n:
            ends[n - 1] = min(ends[n - 1], starts[n])
        if n + 1 < len(names):
            starts[n + 1] = max(starts[n + 1], ends[n])
    return [
        Segment(name, a, b, _confidence(ev.scores, k, i, j))
        for name, a, b, (k, i, j) in zip(names, starts, ends, path)
        if b > a
    ]


def _confidence(scores: np.ndarray, k: int, i: int, j: int) -> float:
    """Mean margin of state ``k`` over the best other state in windows [i, j), as 0..1."""
    mean = scores[:, i:j].mean(axis=1)
    other = np.delete(mean, k).max() if len(mean) > 1 else mean[k] - 1.0
    return float(np.clip((mean[k] - other) / COST, 0.0, 1.0))


def sub_track(track: Track, start_s: float, end_s: float) -> Track:
    """The frames of ``track`` in [start_s, end_s] (times kept), without a looping animation's note."""
    idx = np.flatnonzero((track.t >= start_s - 1e-6) & (track.t <= end_s + 1e-6))
    meta = {k: v for k, v in track.meta.items() if k != "loop_s"}
    return Track(track.t[idx], track.xy[idx], track.z[idx], track.visibility[idx], track.world[idx],
                 track.width, track.height, track.fps, meta)  # fmt: skip


def count_segment(track: Track, seg: Segment, rules: Mapping[str, RuleSet]) -> Segment:
    """``seg`` with the reps and holds its own rule set counts on its part of the track."""
    if seg.exercise == NONE:
        return seg
    rule = rules[seg.exercise]
    if _whole(track, seg):
        summary = score_prepared(rule, prepare_for(track, rule)).summary
    else:
        # The first second may still be the footage before (its start position would be learnt by
        # a relative rule): counted from each of the first seconds, the most reps found is kept.
        tries = []
        for late in COUNT_FROM_S:
            if seg.start_s + late < seg.end_s - MIN_SEGMENT_S / 2:
                part = sub_track(track, seg.start_s + late, seg.end_s)
                tries.append(score_prepared(rule, prepare_for(part, rule)).summary)
        summary = max(tries, key=lambda s: (s.reps_total, len(s.holds)))
    holds = tuple(h.seconds for h in summary.holds)
    return Segment(
        seg.exercise, seg.start_s, seg.end_s, seg.confidence, summary.reps_total, len(holds), holds
    )


def _counts(rule: RuleSet, seg: Segment) -> bool:
    """Whether the rules counted what their exercise is made of on ``seg`` (reps, or holds too)."""
    return bool(seg.reps) or (rule.kind != "reps" and bool(seg.holds))


def _whole(track: Track, seg: Segment) -> bool:
    """Whether ``seg`` covers all of ``track`` (a looping animation is then counted as one loop)."""
    return (
        len(track) > 0 and seg.start_s <= float(track.t[0]) + 1e-6 and seg.end_s >= float(track.t[-1]) - 1e-6
    )


def recognise(track: Track, rules: Mapping[str, RuleSet] | None = None) -> list[Segment]:
    """Split ``track`` into segments of the ten exercises (or ``none``), each counted with its rules."""
    from posecheck.coach.loader import load_all

    rules = rules if rules is not None else load_all()
    if len(track) == 0:
        return []
    end_s = float(track.t[-1])
    if len(track) == 1:  # a picture has no movement to tell the exercise by
        return [Segment(NONE, float(track.t[0]), end_s, 0.0)]
    ev = evidence(track, rules)
    counted = [count_segment(track, s, rules) for s in segment(ev, end_s)]
    # A segment on which its own rules, run on it alone, count nothing got its evidence from a rule
    # carried over from the footage before: that evidence is dropped and the segments found again.
    empty = [s for s in counted if s.exercise != NONE and not _counts(rules[s.exercise], s)]
    if empty:
        for s in empty:
            k = ev.states.index(s.exercise)
            inside = (ev.starts >= s.start_s - HOP_S) & (ev.starts < s.end_s)
            ev.scores[k, inside] = np.minimum(ev.scores[k, inside], POSTURE_WEIGHT - COST)
        counted = [count_segment(track, s, rules) for s in segment(ev, end_s)]
    return tell_apart(track, counted, rules, count_segment)
