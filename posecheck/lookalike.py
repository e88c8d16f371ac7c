"""Look-alikes that counting cannot tell apart: the deep-abdominal hold and the supine pelvic tilt.

Both are done lying on the back with the knees bent. The deep-abdominal rules time any 5 s of
lying still in that position as a hold (the camera cannot see the tummy drawn in), and the
pelvic-tilt rules, shared with the all-fours tilt, do not count a gentle supine tilt (it moves the
hips less than resting hips wander on all fours). So recognition finds the hold wherever someone
lies still with the knees bent, tilting or not. A stretch found as the hold is looked at again for
the hips sliding toward the head and back (:mod:`posecheck.tilt_seen`): with such slides it is the
pelvic tilt, without them it stays the hold. Either way the other is named as the alternative and
the confidence is at most ``LOOKALIKE_CONFIDENCE``: the two are told apart by a few pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from posecheck.coach.schema import RuleSet
from posecheck.tilt_seen import MIN_HELD_S, tilts_seen
from posecheck.track import Track

if TYPE_CHECKING:
    from posecheck.recognise import Segment

HOLD = "deep_abdominal"
TILT = "pelvic_tilt"
NONE = "none"
# At most this sure of either: a 16-20 px slide of the hip point on a 425 px torso decides it.
LOOKALIKE_CONFIDENCE = 0.5
# Slides this close to the stretch found as the hold belong to it (a rest of a breath or two
# between tilts; the hold's timer, which found the stretch, stops at the first tilts).
CHAIN_GAP_S = 6.0
MIN_SET = 2  # slides in a run found outside a timed hold: a set of tilts, not one shift of the hips
EDGE_S = 1.0  # the segment reaches this far beyond the first and last slide (as recognise's growth)

Count = Callable[[Track, "Segment", Mapping[str, RuleSet]], "Segment"]


def tell_apart(
    track: Track, segments: list[Segment], rules: Mapping[str, RuleSet], count: Count
) -> list[Segment]:
    """``segments`` with each stretch found as the hold told apart from the pelvic tilt.

    ``count`` counts a segment with its own rules (``recognise.count_segment``). A pelvic-tilt
    segment reaches over the ``none`` beside it to its slides; its reps stay what its rules
    count, and the slides seen are listed in ``seen_s``.
    """
    if TILT not in rules or HOLD not in rules:
        return segments
    out = list(segments)
    for n, seg in enumerate(segments):
        if seg.exercise == HOLD:
            out = _tell(track, out, n, rules, count)
    out = [s for s in out if s.end_s > s.start_s]
    out = [part for seg in out for part in _tilts_in_none(track, seg, rules, count)]
    return _joined(track, out, rules, count)


def _joined(
    track: Track, segments: list[Segment], rules: Mapping[str, RuleSet], count: Count
) -> list[Segment]:
    """Neighbouring segments of the same exercise as one, counted again over the whole stretch.

    A stretch told apart here can end where the next segment, found as that exercise by its own
    counts (the supine tilt's rules count the slides), begins: one set, not two.
    """
    out: list[Segment] = []
    for seg in segments:
        prev = out[-1] if out else None
        if prev is None or seg.exercise == NONE or prev.exercise != seg.exercise or prev.end_s < seg.start_s:
            out.append(seg)
            continue
        whole = count(track, replace(prev, end_s=seg.end_s), rules)
        out[-1] = replace(
            whole,
            confidence=min(prev.confidence, seg.confidence),
            alternatives=tuple(dict.fromkeys((*prev.alternatives, *seg.alternatives))),
            seen_s=(*prev.seen_s, *seg.seen_s),
        )
    return out


def _tilts_in_none(track: Track, seg: Segment, rules: Mapping[str, RuleSet], count: Count) -> list[Segment]:
    """A ``none`` stretch split round a set of ``MIN_SET`` or more chained slides (else as it was).

    Where no hold was timed (a relative rule carried over from a lying exercise before keeps the
    hold's timer from starting), a run of tilts still shows; one slide alone is not taken (a
    bridge lowered or feet put down again can read as one).
    """
    from posecheck.recognise import sub_track  # recognise imports this module

    if seg.exercise != NONE or seg.end_s - seg.start_s < 2 * MIN_HELD_S * MIN_SET:
        return [seg]
    spans = tilts_seen(sub_track(track, seg.start_s, seg.end_s), rules[HOLD])
    groups: list[list[tuple[float, float]]] = []
    for span in spans:
        if groups and span[0] - groups[-1][-1][1] <= CHAIN_GAP_S:
            groups[-1].append(span)
        else:
            groups.append([span])
    best = max(groups, key=len, default=[])
    if len(best) < MIN_SET:
        return [seg]
    start, end = max(seg.start_s, best[0][0] - EDGE_S), min(seg.end_s, best[-1][1] + EDGE_S)
    start = seg.start_s if start - seg.start_s < EDGE_S else start  # no slivers
    end = seg.end_s if seg.end_s - end < EDGE_S else end
    tilt = count(track, replace(seg, exercise=TILT, start_s=start, end_s=end), rules)
    found = replace(tilt, confidence=LOOKALIKE_CONFIDENCE, alternatives=(HOLD,), seen_s=tuple(best))
    before, after = replace(seg, end_s=start), replace(seg, start_s=end)
    return [s for s in (before, found, after) if s.end_s > s.start_s]


def _tell(
    track: Track, segs: list[Segment], n: int, rules: Mapping[str, RuleSet], count: Count
) -> list[Segment]:
    from posecheck.recognise import sub_track  # recognise imports this module

    seg = segs[n]
    lo = segs[n - 1].start_s if n and segs[n - 1].exercise == NONE else seg.start_s
    hi = segs[n + 1].end_s if n + 1 < len(segs) and segs[n + 1].exercise == NONE else seg.end_s
    # The hold's own stretch decides (its baselines are this person's, lying here); the stretch
    # with the "none" beside it only places the edges, as other footage there shifts baselines.
    inside = tilts_seen(sub_track(track, seg.start_s, seg.end_s), rules[HOLD])
    spans = _chained(tilts_seen(sub_track(track, lo, hi), rules[HOLD]), seg.start_s, seg.end_s) or inside
    if not inside:
        spans = []
    confidence = min(seg.confidence, LOOKALIKE_CONFIDENCE)
    out = list(segs)
    if not spans:
        out[n] = replace(seg, confidence=confidence, alternatives=(TILT,))
        return out
    start = max(lo, min(seg.start_s, spans[0][0] - EDGE_S))
    end = min(hi, max(seg.end_s, spans[-1][1] + EDGE_S))
    start, end = (lo if start - lo < EDGE_S else start), (hi if hi - end < EDGE_S else end)  # no slivers
    tilt = count(track, replace(seg, exercise=TILT, start_s=start, end_s=end), rules)
    out[n] = replace(tilt, confidence=confidence, alternatives=(HOLD,), seen_s=tuple(spans))
    if start < seg.start_s:
        out[n - 1] = replace(segs[n - 1], end_s=start)
    if end > seg.end_s:
        out[n + 1] = replace(segs[n + 1], start_s=end)
    return out


def _chained(spans: list[tuple[float, float]], start: float, end: float) -> list[tuple[float, float]]:
    """The slides inside [start, end] and those chained to them by gaps of ``CHAIN_GAP_S`` or less."""
    inside = [i for i, (a, b) in enumerate(spans) if b > start and a < end]
    if not inside:
        return []
    first, last = inside[0], inside[-1]
    while first > 0 and spans[first][0] - spans[first - 1][1] <= CHAIN_GAP_S:
        first -= 1
    while last + 1 < len(spans) and spans[last + 1][0] - spans[last][1] <= CHAIN_GAP_S:
        last += 1
    return spans[first : last + 1]
