"""Section 5: re-scoring a 10-minute session as the tuning page does.

The track looped to 18,000 frames with increasing timestamps; ``prepare_track`` once (timed), then
``score_prepared`` with the key metric's target bound moved, repeated; the shipped rules once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from benchmarks.common import loop_track, median, say
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import PreparedTrack, prepare_track, score_prepared
from posecheck.track import Track


def changed_rules(rules: RuleSet) -> tuple[RuleSet, str]:
    """``rules`` with the key metric's target bound moved (a tuning-page edit), and what changed."""
    mv = rules.movement
    targets = list(mv.target)
    order = sorted(range(len(targets)), key=lambda i: targets[i].metric != mv.metric)
    for i in order:
        c = targets[i]
        if c.relative:
            continue
        for key in ("above", "below"):
            bound = getattr(c, key)
            if bound is None:
                continue
            step = 5.0 if abs(bound) >= 20 else 0.05
            new = bound + step if key == "above" else bound - step
            targets[i] = c.model_copy(update={key: new})
            changed = rules.model_copy(update={"movement": mv.model_copy(update={"target": targets})})
            return changed, f"movement.target {c.metric} {key} {bound:g} -> {new:g}"
    return rules, "no absolute target bound to change"


def _prepare_for(track: Track, rules: RuleSet) -> PreparedTrack:
    """``prepare_track`` as ``score_track`` calls it (with the exercise's postures when supported)."""
    from posecheck.coach import session

    prepare_for = getattr(session, "prepare_for", None)
    if prepare_for is not None:
        return prepare_for(track, rules)
    try:
        from posecheck.coach.engine import wanted_postures
    except ImportError:
        return prepare_track(track, rules.filter)
    return prepare_track(track, rules.filter, wanted_postures(rules))


@dataclass
class RescoreResult:
    """prepare_track once, then score_prepared with the shipped and with changed thresholds."""

    frames: int
    session_s: float
    prepare_s: float
    score_s: list[float]  # changed thresholds, each repeat (wall)
    score_cpu_s: list[float]  # the same, CPU of the calling thread
    score_original_s: float
    change: str
    reps_original: int
    reps_changed: int


def rescore(track: Track, rules: RuleSet, n_frames: int, repeats: int) -> RescoreResult:
    """Time re-scoring an ``n_frames`` session: prepare once, then score with edited rules."""
    long = loop_track(track, n_frames)
    a = time.perf_counter()
    prepared = _prepare_for(long, rules)
    prepare_s = time.perf_counter() - a
    a = time.perf_counter()
    original = score_prepared(rules, prepared)
    score_original_s = time.perf_counter() - a
    changed, what = changed_rules(rules)
    times: list[float] = []
    cpu_times: list[float] = []
    reps_changed = 0
    for _ in range(repeats):
        a, cpu = time.perf_counter(), time.thread_time()
        scored = score_prepared(changed, prepared)
        times.append(time.perf_counter() - a)
        cpu_times.append(time.thread_time() - cpu)
        reps_changed = scored.summary.reps_total
    return RescoreResult(
        frames=len(long),
        session_s=float(long.t[-1] - long.t[0]),
        prepare_s=prepare_s,
        score_s=times,
        score_cpu_s=cpu_times,
        score_original_s=score_original_s,
        change=what,
        reps_original=original.summary.reps_total,
        reps_changed=reps_changed,
    )


def print_rescore(result: RescoreResult) -> None:
    """Section 5."""
    say(f"\n== 5. re-scoring a {result.session_s / 60:.1f}-minute session ({result.frames} frames) ==")
    say(
        f"   prepare_track once: {result.prepare_s:.2f} s "
        f"({1e6 * result.prepare_s / result.frames:.0f} us/frame)"
    )
    say(
        f"   score_prepared with {result.change}: {median(result.score_s):.3f} s median "
        f"({', '.join(f'{x:.3f}' for x in result.score_s)}); shipped rules {result.score_original_s:.3f} s"
    )
    say(
        f"   score CPU {median(result.score_cpu_s):.3f} s; "
        f"reps {result.reps_original} shipped -> {result.reps_changed} changed"
    )
