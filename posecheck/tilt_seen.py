"""Supine pelvic tilts seen in the landmarks: the hip point sliding toward the head and back.

Lying on the back with the feet planted, a posterior pelvic tilt rolls the pelvis about the sacrum
on the floor; the hip joints sit above that contact, so they move toward the head, about 1.5-2.5 cm
(0.03-0.05 of a 50 cm torso) for a 10-15 degree tilt, while the feet stay where they are. Measured
along the body's own axis from the ankle (``along`` metric), the HonzaCzSk clip's two labelled
tilts read +0.046 and +0.037 torso lengths (19 and 16 px on a 422 px torso) over the rests before
and after; lying still the same reading has a standard deviation of 0.003 (0.5 s medians; 1.3 px)
and the three rests differ by 0.007 (3 px). (The shoulder-hip-knee angle, which the counting rules
use, moves +2.8 and +1.6 degrees against rests 0.9 degrees apart.) Where the feet were lifted and
put down again the rests differ more: 0.06 between the knee-roll clip's rests. The deep-abdominal
hold is done in the same position without moving the pelvis, so a slide held for a breath out
tells the two apart where the rule engine cannot count it: the counting rules are shared with the
all-fours tilt, whose resting hips wander by more than a supine tilt moves them (1 s ranges of
0.016-0.03 there; see sample_videos/README.md).

Used by :mod:`posecheck.lookalike` on stretches found as the deep-abdominal hold only, and by
``analyze`` to report the tilts it saw but the pelvic-tilt rules did not count (``uncounted``).
"""

from __future__ import annotations

import numpy as np

from posecheck.coach.feedback import SessionSummary, UncountedRep
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import prepare_for
from posecheck.metrics import MetricDef, compute_all
from posecheck.track import Track

HIP_SLIDE = MetricDef(
    "hip_slide", "along", ("hip", "ankle", "mid:shoulder", "mid:hip"), "near", ("mid:shoulder", "mid:hip")
)
KNEE_BEND = MetricDef("knee_bend", "angle", ("hip", "knee", "ankle"), "near")
HIP_ANGLE = MetricDef("hip_angle", "angle", ("shoulder", "hip", "knee"), "near")
TORSO = ("mid:shoulder", "mid:hip")
HIP_HEIGHT = MetricDef("hip_height", "height", ("mid:hip", "mid:shoulder"), "mid", TORSO)
FOOT_HEIGHT = MetricDef("foot_height", "height", ("ankle", "mid:hip"), "near", TORSO)
# Torso lengths toward the head: below the 0.03 of the smallest tilt the body makes (above), 3.5x the
# rests' spread and 8x their standard deviation.
SLIDE_TORSO = 0.025
BACK_TORSO = 0.012  # back within this of the start: the tilt is over (4x the still standard deviation)
MIN_HELD_S = 1.0  # a tilt is held through a breath out; a leg passing through takes less
SMOOTH_S = 0.5  # median window: the model's frame-to-frame jumps are shorter
# A tilt opens the knee and the shoulder-hip-knee angle 1-4 degrees (the labelled clip); more is the
# legs moving (a knee roll opens the hip angle by 35), not the pelvis.
STEADY_DEG = 8.0
# The pelvis stays on the floor (the labelled tilts move the hip point up or down 0.008 torso lengths
# at most; a bridge lifts it 0.3) and the feet stay planted (the deep-abdominal rules' feet-down
# band ends 0.05 above the hips; a dead bug's feet are a thigh length up).
HIPS_DOWN_TORSO = 0.05
FEET_DOWN_TORSO = 0.1
BASELINE_QUANTILE = 0.2  # the start position is the low end: a posterior tilt only lengthens the slide


def _rolling_median(x: np.ndarray, n: int) -> np.ndarray:
    """Centred running median over ``n`` frames, NaN-aware (NaN where the window saw nothing)."""
    if n <= 1 or len(x) == 0:
        return x.copy()
    half = n // 2
    padded = np.concatenate([np.full(half, np.nan), x, np.full(n - 1 - half, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, n)
    out = np.full(len(x), np.nan)
    seen = ~np.all(np.isnan(windows), axis=1)
    out[seen] = np.nanmedian(windows[seen], axis=1)
    return out


def tilts_seen(track: Track, rules: RuleSet) -> list[tuple[float, float]]:
    """(start_s, end_s) of each supine hip slide held ``MIN_HELD_S`` or more with the legs still.

    ``rules`` gives the smoothing and the posture reading (a supine rule set: frames in other
    postures never count).
    """
    if len(track) < 2:
        return []
    prepared = prepare_for(track, rules)
    if not prepared.frames:
        return []
    xy, near, z = prepared.stacked()
    values = compute_all([HIP_SLIDE, KNEE_BEND, HIP_ANGLE, HIP_HEIGHT, FOOT_HEIGHT], xy, near, z)
    t = np.array([f.t for f in prepared.frames])
    supine = np.array([f.posture == "supine" for f in prepared.frames])
    fps = (len(t) - 1) / max(float(t[-1] - t[0]), 1e-6)
    n = max(1, round(SMOOTH_S * fps))
    slide = _rolling_median(np.where(supine, values["hip_slide"], np.nan), n)
    steady = np.ones(len(t), dtype=bool)
    for name in ("knee_bend", "hip_angle"):
        angle = _rolling_median(np.where(supine, values[name], np.nan), n)
        if np.all(np.isnan(angle)):
            return []
        steady &= np.abs(angle - np.nanmedian(angle)) <= STEADY_DEG
    hips = _rolling_median(np.where(supine, values["hip_height"], np.nan), n)
    feet = _rolling_median(np.where(supine, values["foot_height"], np.nan), n)
    with np.errstate(invalid="ignore"):
        on_floor = np.abs(hips - np.nanquantile(hips, BASELINE_QUANTILE)) <= HIPS_DOWN_TORSO  # lowest = down
        steady &= on_floor & (feet <= FEET_DOWN_TORSO)
    usable = steady & ~np.isnan(slide)
    if not usable.any():
        return []
    rise = slide - float(np.quantile(slide[usable], BASELINE_QUANTILE))
    spans: list[tuple[float, float]] = []
    start: float | None = None
    for i in range(len(t)):
        if start is None:
            if usable[i] and rise[i] >= SLIDE_TORSO:
                start = float(t[i])
        elif not usable[i] or rise[i] < BACK_TORSO:
            if float(t[i]) - start >= MIN_HELD_S:
                spans.append((start, float(t[i])))
            start = None
    if start is not None and float(t[-1]) - start >= MIN_HELD_S:
        spans.append((start, float(t[-1])))
    return spans


TILT_EXERCISE = "pelvic_tilt"
SEEN_REASON = "too_small_to_count"
SEEN_TEXT = (
    "Your hips slid as in a pelvic tilt, by a few pixels only: too small for me to count reliably "
    "(count it yourself if you tilted)."
)


def notes_tilts(rules: RuleSet) -> bool:
    """Whether :func:`note_tilts_seen` looks for tilts with these rules (the pelvic tilt's only)."""
    return rules.exercise == TILT_EXERCISE


def note_tilts_seen(track: Track, rules: RuleSet, summary: SessionSummary) -> None:
    """List each supine tilt seen but not counted in ``summary.uncounted`` (pelvic-tilt rules only).

    The report then says, per stretch of time, what was seen where the count is 0: a near miss
    of the same movement (``not_far_enough``) is replaced by the slide's own stretch.
    """
    if not notes_tilts(rules):
        return
    counted = [(r.start_s, r.end_s) for r in summary.rep_events]
    for start, end in tilts_seen(track, rules):
        if any(a < end and start < b for a, b in counted):
            continue
        summary.uncounted = [
            u
            for u in summary.uncounted
            if not (u.reason == "not_far_enough" and u.start_s < end and start < u.end_s)
        ]
        summary.uncounted.append(UncountedRep(None, start, end, SEEN_REASON, SEEN_TEXT))
    summary.uncounted.sort(key=lambda u: u.start_s)
