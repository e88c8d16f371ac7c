"""The "routine" eval: labelled clips of different exercises joined end to end with other footage.

A routine is 3-5 tracks of labelled clips (``matches_exercise`` true, no looping animations, each
of another exercise) in a random order, with a piece of a clip from ``other/`` (at most
``OTHER_MAX_S``) before each, drawn with a fixed seed. Each clip is turned upright and scaled into
one square picture, as one camera would film them; times run on. Measured against the joins:
the exercise found on each labelled clip, how far the found edges are from the clip's, the counts
on each found segment against the counts of the clip scored with its exercise given, and each
``other/`` clip alone found as ``none``.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.coach.schema import RuleSet
from posecheck.coach.session import camera_turns, score_track
from posecheck.evaluate import labelled_clips, load_labels, track_path_for
from posecheck.orientation import rotate_points
from posecheck.recognise import NONE, Segment, recognise
from posecheck.track import Track

CANVAS = 1280  # px: the joined track's square picture
OTHER_MAX_S = 8.0  # seconds of an other/ clip between two exercises
ROUTINES = 12
SEED = 16
BOUNDARY_OK_S = 2.0


@dataclass
class Part:
    """One clip in a routine: where it sits in the joined track."""

    clip: str
    exercise: str  # "none" for other/ footage
    start_s: float
    end_s: float
    label_reps: int | None = None
    given_reps: int | None = None  # the clip scored alone with its exercise given
    act_start_s: float = 0.0  # the labelled exercise: first rep or hold starts ...
    act_end_s: float = 0.0  # ... last one ends (before and after: setting up, i.e. none)


def activity(lab: dict[str, Any]) -> tuple[float, float] | None:
    """From the first labelled rep or hold's start to the last one's end (clip times)."""
    spans = [(float(x["start_s"]), float(x["end_s"])) for key in ("reps", "holds") for x in lab.get(key, [])]
    return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None


def fit_to_canvas(track: Track) -> tuple[np.ndarray, np.ndarray]:
    """xy and z of ``track`` upright and scaled into the ``CANVAS`` square, centred."""
    turns = camera_turns(track) or 0
    w, h = (track.height, track.width) if turns % 2 else (track.width, track.height)
    xy = rotate_points(track.xy.astype(np.float64), turns, track.width, track.height) if turns else track.xy
    scale = CANVAS / max(w, h)
    offset = np.array([(CANVAS - w * scale) / 2, (CANVAS - h * scale) / 2])
    return (xy * scale + offset).astype(np.float32), (track.z * scale).astype(np.float32)


def join_tracks(pieces: list[Track]) -> Track:
    """One track of ``pieces`` played one after another (times run on, each 1/fps after the last)."""
    t_parts, xy_parts, z_parts = [], [], []
    now = 0.0
    for piece in pieces:
        t = piece.t - float(piece.t[0]) + now
        xy, z = fit_to_canvas(piece)
        t_parts.append(t)
        xy_parts.append(xy)
        z_parts.append(z)
        now = float(t[-1]) + 1.0 / max(piece.fps, 1.0)
    return Track(
        np.concatenate(t_parts), np.concatenate(xy_parts), np.concatenate(z_parts),
        np.concatenate([p.visibility for p in pieces]), np.concatenate([p.world for p in pieces]),
        CANVAS, CANVAS, 30.0, {"source": "routine", "camera_turns": 0},
    )  # fmt: skip


def cut(track: Track, start_s: float, seconds: float) -> Track:
    """``seconds`` of ``track`` from ``start_s`` on."""
    idx = np.flatnonzero((track.t >= start_s) & (track.t <= start_s + seconds))
    return Track(track.t[idx], track.xy[idx], track.z[idx], track.visibility[idx], track.world[idx],
                 track.width, track.height, track.fps, dict(track.meta))  # fmt: skip


@dataclass
class Footage:
    """The tracks a routine is made of."""

    clips: dict[str, tuple[Track, dict[str, Any]]]  # labelled clip -> (track, labels)
    others: dict[str, Track]


def load_footage(labels_path: str | Path, tracks_dir: str | Path) -> Footage:
    """Labelled clips of the handout's exercises (no looping animations) and the other/ clips."""
    labels = load_labels(labels_path)
    clips = {}
    for clip, lab in labelled_clips(labels):
        path = track_path_for(Path(tracks_dir), clip)
        if lab.get("matches_exercise") is not True or not path.is_file():
            continue
        track = Track.load(path)
        if len(track) > 1 and not track.meta.get("loop_s"):
            clips[clip] = (track, lab)
    others = {}
    for clip, lab in sorted(labels.items()):
        path = track_path_for(Path(tracks_dir), clip)
        if lab.get("folder") == "other" and path.is_file():
            track = Track.load(path)
            if len(track) > 1 and not track.meta.get("loop_s"):
                others[clip] = track
    return Footage(clips, others)


def make_routine(footage: Footage, rng: random.Random, given: Mapping[str, int]) -> tuple[Track, list[Part]]:
    """A joined track of 3-5 clips of different exercises with other footage before each."""
    by_exercise: dict[str, list[str]] = {}
    for clip, (_, lab) in footage.clips.items():
        by_exercise.setdefault(str(lab["exercise"]), []).append(clip)
    exercises = rng.sample(sorted(by_exercise), rng.randint(3, min(5, len(by_exercise))))
    pieces: list[Track] = []
    parts: list[Part] = []
    now = 0.0
    for ex in exercises:
        other_name = rng.choice(sorted(footage.others))
        other = footage.others[other_name]
        span = float(other.t[-1] - other.t[0])
        start = float(other.t[0]) + rng.uniform(0.0, max(0.0, span - OTHER_MAX_S))
        piece = cut(other, start, OTHER_MAX_S)
        clip = rng.choice(sorted(by_exercise[ex]))
        track, lab = footage.clips[clip]
        for name, p, kind in ((other_name, piece, NONE), (clip, track, ex)):
            length = float(p.t[-1] - p.t[0])
            parts.append(Part(name, kind, now, now + length))
            pieces.append(p)
            now += length + 1.0 / max(p.fps, 1.0)
        last = parts[-1]
        last.label_reps, last.given_reps = lab.get("rep_count"), given[clip]
        first, end = activity(lab) or (0.0, last.end_s - last.start_s)
        last.act_start_s = last.start_s + first - float(track.t[0])
        last.act_end_s = last.start_s + end - float(track.t[0])
    return join_tracks(pieces), parts


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


@dataclass
class SegmentResult:
    """One labelled clip of a routine against the segment found on it."""

    routine: int
    clip: str
    exercise: str
    found: str
    start_error_s: float  # found start - the labelled first rep's start
    end_error_s: float  # found end - the labelled last rep's end
    clip_start_error_s: float  # found start - the clip's first frame (its set-up included)
    clip_end_error_s: float
    label_reps: int | None
    given_reps: int | None
    reps: int | None


def match(routine: int, parts: list[Part], segments: list[Segment]) -> list[SegmentResult]:
    """For each labelled clip, the found segment overlapping it most."""
    out = []
    for part in parts:
        if part.exercise == NONE:
            continue
        best = max(segments, key=lambda s: _overlap(s.start_s, s.end_s, part.act_start_s, part.act_end_s))
        out.append(SegmentResult(
            routine, part.clip, part.exercise, best.exercise, best.start_s - part.act_start_s,
            best.end_s - part.act_end_s, best.start_s - part.start_s, best.end_s - part.end_s,
            part.label_reps, part.given_reps, best.reps,
        ))  # fmt: skip
    return out


def routine_eval(
    labels_path: str | Path,
    tracks_dir: str | Path,
    rules: Mapping[str, RuleSet] | None = None,
    routines: int = ROUTINES,
    seed: int = SEED,
) -> dict[str, Any]:
    """Recognise ``routines`` random routines and every other/ clip alone; results and summary."""
    from posecheck.coach.loader import load_all

    rules = rules if rules is not None else load_all()
    footage = load_footage(labels_path, tracks_dir)
    given = {clip: score_track(rules[str(lab["exercise"])], tr).summary.reps_total
             for clip, (tr, lab) in footage.clips.items()}  # fmt: skip
    rng = random.Random(seed)
    results: list[SegmentResult] = []
    for n in range(routines):
        track, parts = make_routine(footage, rng, given)
        results.extend(match(n, parts, recognise(track, rules)))
    alone = {clip: [s.exercise for s in recognise(tr, rules) if s.exercise != NONE]
             for clip, tr in footage.others.items()}  # fmt: skip
    # Every labelled clip alone, variants and looping animations too: the exercises found in it.
    clips = {clip: (lab["exercise"], [s.exercise for s in recognise(tr, rules) if s.exercise != NONE])
             for clip, (tr, lab) in labelled_tracks(labels_path, tracks_dir).items()}  # fmt: skip
    summary = summarise(results, alone)
    summary["clips_alone"] = len(clips)
    summary["clips_alone_right_share"] = _share([found == [ex] for ex, found in clips.values()])
    return {
        "segments": [asdict(r) for r in results],
        "others": alone,
        "clips_alone": clips,
        "summary": summary,
    }


def labelled_tracks(
    labels_path: str | Path, tracks_dir: str | Path
) -> dict[str, tuple[Track, dict[str, Any]]]:
    """Every labelled video clip of the ten exercises with its committed track (pictures left out)."""
    out = {}
    for clip, lab in labelled_clips(load_labels(labels_path)):
        path = track_path_for(Path(tracks_dir), clip)
        if path.is_file():
            track = Track.load(path)
            if len(track) > 1:
                out[clip] = (track, lab)
    return out


def summarise(results: list[SegmentResult], alone: Mapping[str, list[str]]) -> dict[str, Any]:
    """The routine figures: exercise right, boundary errors, counts, other/ clips found as none."""
    right = [r for r in results if r.found == r.exercise]
    edges = [abs(e) for r in right for e in (r.start_error_s, r.end_error_s)]
    clip_edges = [abs(e) for r in right for e in (r.clip_start_error_s, r.clip_end_error_s)]
    # Where set-up ends is not labelled: a start anywhere from the clip's first frame to the first rep
    # is right (an end likewise), and the error is the distance to that stretch.
    either = [_outside(r.clip_start_error_s, r.start_error_s) for r in right]
    either += [_outside(r.end_error_s, r.clip_end_error_s) for r in right]
    labelled = [r for r in results if r.label_reps is not None]
    return {
        "segments": len(results),
        "exercise_right_share": len(right) / len(results) if results else None,
        # Where the rules see the exercise at all (the clip scored with its exercise given counts reps).
        "exercise_right_where_counted_share": _share(
            [r.found == r.exercise for r in results if r.given_reps]
        ),
        "median_boundary_error_s": statistics.median(edges) if edges else None,
        "boundaries_within_2s_share": sum(e <= BOUNDARY_OK_S for e in edges) / len(edges) if edges else None,
        # A segment found as another exercise (or none) has no count of its own exercise: not exact.
        "edges_within_2s_share": _share([e <= BOUNDARY_OK_S for e in either]),
        "median_edge_error_s": statistics.median(either) if either else None,
        "clip_edges_within_2s_share": sum(e <= BOUNDARY_OK_S for e in clip_edges) / len(clip_edges)
        if clip_edges
        else None,
        "counts_exact_share": sum(r.found == r.exercise and r.reps == r.label_reps for r in labelled)
        / len(labelled)
        if labelled
        else None,
        "given_exact_share": sum(r.given_reps == r.label_reps for r in labelled) / len(labelled)
        if labelled
        else None,
        "counts_as_given_share": sum(r.reps == r.given_reps for r in right) / len(right) if right else None,
        "others": len(alone),
        "others_none_share": sum(not v for v in alone.values()) / len(alone) if alone else None,
    }


def _outside(after_early: float, before_late: float) -> float:
    """How far an edge lies outside the stretch from the earlier labelled edge to the later one, given
    its errors against both (found - earlier, found - later)."""
    return 0.0 if after_early >= 0.0 >= before_late else min(abs(after_early), abs(before_late))


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def format_routine(report: dict[str, Any]) -> str:
    """The routine eval for people: one line per labelled clip, then the figures."""
    lines = [
        f"{'#':>2} {'clip':<52} {'exercise':<19} {'found':<19} {'start':>6} {'end':>6} {'reps l/given/found'}"
    ]
    for r in report["segments"]:
        lines.append(
            f"{r['routine']:>2} {r['clip'].split('/')[-1][:52]:<52} {r['exercise']:<19} {r['found']:<19} "
            f"{r['start_error_s']:+6.1f} {r['end_error_s']:+6.1f} {r['label_reps']}/{r['given_reps']}/{r['reps']}"
        )
    s = report["summary"]

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.0%}"

    lines += [
        "",
        f"routine: {s['segments']} labelled segments; exercise right {pct(s['exercise_right_share'])} "
        f"({pct(s['exercise_right_where_counted_share'])} of those the exercise given counts reps on); "
        f"edges within {BOUNDARY_OK_S:.0f} s {pct(s['edges_within_2s_share'])} of the stretch from the clip's "
        f"edge to its first (last) labelled rep (median {s['median_edge_error_s'] or 0:.2f} s); of the reps' "
        f"edges {pct(s['boundaries_within_2s_share'])}, of the clips' own {pct(s['clip_edges_within_2s_share'])}",
        f"counts: exact {pct(s['counts_exact_share'])} found vs {pct(s['given_exact_share'])} with the exercise "
        f"given; same as given on {pct(s['counts_as_given_share'])} of rightly found segments",
        f"other/ clips alone found as none: {pct(s['others_none_share'])} of {s['others']}",
        f"labelled clips alone (variants and looping animations too) found as their exercise only: "
        f"{pct(s['clips_alone_right_share'])} of {s['clips_alone']}",
    ]
    for clip, found in report["others"].items():
        if found:
            lines.append(f"  other clip {clip}: found {', '.join(found)}")
    for clip, (exercise, found) in report["clips_alone"].items():
        if found != [exercise]:
            lines.append(f"  {exercise} clip {clip} alone: found {', '.join(found) or 'none'}")
    return "\n".join(lines)
