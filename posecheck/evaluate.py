"""Accuracy on labelled footage: counts, sides and hold times against ground truth.

Each labelled clip is scored as recorded and in variants that make it look like footage we do
not have (see :mod:`posecheck.variants`): mirrored, rotated 90 degrees without rotation metadata,
resampled to 15 fps, trimmed to the reps, performed 0.6x and 1.5x as fast, at 360 px, filmed
from 20 degrees round the person either way or from 20 degrees above, with twice the model's
jitter, and with a duplicated frame every sixth frame. From a video the variants are made on the
frames and the pose model runs again (jitter: on the model's track of the untransformed video);
from a saved track (``--tracks``) they are made on the landmarks, which is quicker but does not
re-test the model. The moved cameras (orbit+20, orbit-20, raised20) are tracks only: a camera
elsewhere sees the body from another side, which no transform of the picture can show; their
track form turns the model's 3D world landmarks instead.
"""

from __future__ import annotations

import functools
import hashlib
import json
import statistics
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from posecheck.coach.engine import wanted_postures
from posecheck.coach.feedback import SessionSummary
from posecheck.coach.loader import EXERCISES, load_exercise
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import loop_seconds, score_track
from posecheck.errors import InputError
from posecheck.track import Track
from posecheck.variants import (
    FROM_ORIGINAL_VARIANTS,
    NO_VIDEO_FORM,
    TRACK_ONLY_VARIANTS,
    TRACK_VARIANTS,
    VARIANTS,
    Window,
    looped_labels,
    trim_window,
    variant_labels,
)
from posecheck.variants import mirror_track as mirror_track  # "as": kept importable from here (tests)
from posecheck.variants import resample_track as resample_track
from posecheck.variants import rotate_track as rotate_track
from posecheck.video_variants import video_variant_track

VIDEO_SUFFIXES = {".mp4", ".webm", ".mov", ".gif", ".avi", ".mkv"}


@dataclass
class ClipResult:
    """One clip in one variant: labelled against measured."""

    clip: str
    exercise: str
    variant: str
    matches: str  # "true", "variant" or "false" (labels' matches_exercise)
    label_reps: int | None
    reps: int
    label_left: int
    label_right: int
    left: int | None
    right: int | None
    sided_reps: int  # labelled one-sided reps
    sided_right: int  # of those, matched in time by a counted rep of the same side
    hold_errors: list[float] = field(default_factory=list)  # |measured - labelled| seconds per labelled hold
    label_holds_s: list[float] = field(default_factory=list)
    holds_s: list[float] = field(default_factory=list)


@dataclass
class NegativeResult:
    """One rule set run on a clip of another exercise: it should count nothing."""

    clip: str
    rules: str
    reps: int
    holds: int
    posture_cue: bool


@dataclass
class StillResult:
    """One labelled picture of an exercise: the position it shows against the one posecheck read."""

    still: str
    exercise: str
    labelled: str  # the label's position: start, end, or e.g. "transition (almost end)"
    read: str  # start | target | between | other_posture | unknown (see posecheck.coach.still)
    right: bool | None  # None: posecheck said one picture cannot tell


# What each labelled position may be read as (a transition may be read either side of the target).
_STILL_READS = {"start": ("start",), "end": ("target",), "transition": ("target", "between")}


def _labelled_position(lab: dict[str, Any]) -> str:
    """The label's position word: "transition (almost end)" -> "transition"."""
    return str(lab.get("position", "")).split(" ")[0]


def load_labels(path: str | Path) -> dict[str, dict[str, Any]]:
    """The labels file (``labels.json``) as a dict keyed by clip path."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"labels file not found: {p}; pass --labels PATH/labels.json")
    try:
        data = json.loads(p.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{p} is not valid JSON ({exc})") from None
    return dict(data)


def labelled_stills(labels: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Pictures of the ten exercises labelled with the position they show."""
    for clip, lab in sorted(labels.items()):
        if Path(clip).suffix.lower() in VIDEO_SUFFIXES or lab.get("exercise") not in EXERCISES:
            continue
        if _labelled_position(lab) in _STILL_READS:
            yield clip, lab


def labelled_clips(labels: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Video clips of the ten exercises that have a rep count."""
    for clip, lab in sorted(labels.items()):
        if Path(clip).suffix.lower() not in VIDEO_SUFFIXES:
            continue
        if lab.get("exercise") in EXERCISES and lab.get("rep_count") is not None:
            yield clip, lab


@functools.cache
def pose_stage_fingerprint() -> str:
    """What a model track of a clip depends on besides the clip: the model, mediapipe's version and
    posecheck's code from the video file to the landmarks (a cached track made with others is stale)."""
    import mediapipe

    from posecheck.pose.model import default_model_path

    digest = hashlib.sha256()
    digest.update(default_model_path().name.encode())  # the name carries the model files' hash
    digest.update(str(getattr(mediapipe, "__version__", "")).encode())
    package = Path(__file__).resolve().parent
    # video_variants.py: how each variant's frames are made (a changed transform makes its tracks again).
    sources = [*(package / "pose").glob("*.py"), package / "video.py", package / "extract.py"]
    for source in sorted([*sources, package / "video_variants.py"]):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _cached_video_track(
    videos_dir: Path,
    clip: str,
    variant: str,
    cache_dir: str | Path | None,
    wanted: tuple[str, ...] = (),
    window: Window | None = None,
) -> Track:
    """The model's track of ``clip`` in ``variant``, from ``cache_dir`` when it is there and was made
    from the same video by the same model and pose code, and for "trimmed" the same ``window``
    (else it is made again and replaces it)."""
    if cache_dir is None:
        return video_variant_track(videos_dir / clip, variant, wanted, window=window)
    video = (videos_dir / clip).stat()
    made_by = f"{pose_stage_fingerprint()}:{video.st_size}:{video.st_mtime_ns}"
    if window is not None:
        made_by += f":{window[0]:.3f}-{window[1]:.3f}"
    cached = Path(cache_dir) / Path(clip).with_suffix(f".{variant}.npz")
    if cached.is_file():
        track = Track.load(cached)
        if track.meta.get("made_by") == made_by:
            return track
    track = video_variant_track(videos_dir / clip, variant, wanted, window=window)
    track.meta["made_by"] = made_by
    cached.parent.mkdir(parents=True, exist_ok=True)
    track.save(cached)
    return track


# ----- scoring --------------------------------------------------------------------------------------
def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _swap(side: str | None) -> str | None:
    return {"left": "right", "right": "left"}.get(side or "", side)


def compare(
    clip: str, lab: dict[str, Any], variant: str, summary: SessionSummary, loop_s: float | None = None
) -> ClipResult:
    """Labelled vs measured for one clip (mirroring swaps the expected sides).

    For a looping animation (played twice, counted in the second play) the labels, made on one
    play, are moved into the second play (see :func:`posecheck.variants.looped_labels`).
    """
    mirrored = variant == "mirrored"
    if loop_s is not None:
        lab = looped_labels(lab, loop_s)
    by_side = lab.get("rep_count_by_side") or {}
    label_left, label_right = int(by_side.get("left", 0)), int(by_side.get("right", 0))
    if mirrored:
        label_left, label_right = label_right, label_left
    sided = right = 0
    for rep in lab.get("reps", []):
        if rep.get("partial"):
            continue
        side = _swap(rep.get("side")) if mirrored else rep.get("side")
        if side not in ("left", "right"):
            continue
        sided += 1
        best = max(
            summary.rep_events,
            key=lambda r: _overlap(r.start_s, r.end_s, rep["start_s"], rep["end_s"]),
            default=None,
        )
        if (
            best
            and _overlap(best.start_s, best.end_s, rep["start_s"], rep["end_s"]) > 0
            and best.side == side
        ):
            right += 1
    hold_errors, label_holds = [], []
    for hold in lab.get("holds", []):
        want = float(hold["end_s"]) - float(hold["start_s"])
        label_holds.append(want)
        # A hold told apart into static positions (rule files with [positions]) is measured by
        # them: the labels time each static position as a hold of its own.
        held = [
            p.seconds
            for h in summary.holds
            for p in (h.positions or (h,))
            if _overlap(p.start_s, p.end_s, hold["start_s"], hold["end_s"]) > 0
        ]
        if not held:
            # Exercises without a hold dose (knee rolls) report each rep's time at the end of the
            # movement (reps.csv "hold") instead of hold events: that is the measured hold then.
            held = [
                r.hold_s
                for r in summary.rep_events
                if r.hold_s > 0 and _overlap(r.start_s, r.end_s, hold["start_s"], hold["end_s"]) > 0
            ]
        got = max(held, default=0.0)
        hold_errors.append(abs(got - want))
    return ClipResult(
        clip=clip,
        exercise=str(lab["exercise"]),
        variant=variant,
        matches=str(lab.get("matches_exercise")).lower(),
        label_reps=lab.get("rep_count"),
        reps=summary.reps_total,
        label_left=label_left,
        label_right=label_right,
        left=summary.reps_left,
        right=summary.reps_right,
        sided_reps=sided,
        sided_right=right,
        hold_errors=hold_errors,
        label_holds_s=label_holds,
        holds_s=[h.seconds for h in summary.holds],
    )


def summarise(results: list[ClipResult]) -> dict[str, Any]:
    """Share exact, mean absolute error, within-one share, side accuracy, median hold error."""
    scored = [r for r in results if r.label_reps is not None]
    if not scored:
        return {"clips": 0}
    errors = [abs(r.reps - int(r.label_reps or 0)) for r in scored]
    sided = sum(r.sided_reps for r in scored)
    hold_errors = [e for r in scored for e in r.hold_errors]
    return {
        "clips": len(scored),
        "exact_share": sum(e == 0 for e in errors) / len(errors),
        "mean_abs_error": sum(errors) / len(errors),
        "within_one_share": sum(e <= 1 for e in errors) / len(errors),
        "sided_reps": sided,
        "side_right_share": (sum(r.sided_right for r in scored) / sided) if sided else None,
        "holds": len(hold_errors),
        "median_hold_error_s": statistics.median(hold_errors) if hold_errors else None,
        "holds_within_1_5s_share": (sum(e <= 1.5 for e in hold_errors) / len(hold_errors))
        if hold_errors
        else None,
    }


def track_path_for(tracks_dir: Path, clip: str) -> Path:
    """Where ``sample_videos/tracks`` keeps the track of ``clip``."""
    return tracks_dir / Path(clip).with_suffix(".npz")


def evaluate(
    labels_path: str | Path,
    tracks_dir: str | Path | None,
    variants: tuple[str, ...] = VARIANTS,
    rules: dict[str, RuleSet] | None = None,
    progress: Callable[[str], None] | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Score every labelled clip in each variant, and every rule set on other exercises' clips.

    With ``cache_dir``, tracks the model produced from the video are saved there and reused on the
    next run, so a change to the coach can be re-scored on the model's own variant tracks quickly.
    From video the moved cameras (``TRACK_ONLY_VARIANTS``) are skipped: no transform of the picture
    shows the other side of the body that a camera elsewhere sees; their summaries have 0 clips.
    """
    labels_file = Path(labels_path)
    labels = load_labels(labels_file)
    videos_dir = labels_file.parent
    rules = rules or {ex: load_exercise(ex) for ex in EXERCISES}
    labels = {
        k: v
        for k, v in labels.items()
        if v.get("exercise") in rules or v.get("folder") == "other" or v.get("exercise") not in EXERCISES
    }
    results: list[ClipResult] = []
    originals: dict[str, Track] = {}
    for clip, lab in labelled_clips(labels):
        ex = str(lab["exercise"])
        source = _ClipSource(videos_dir, tracks_dir, cache_dir, wanted_postures(rules[ex]))
        for variant in variants:
            if tracks_dir is None and variant in TRACK_ONLY_VARIANTS:
                continue  # no video form (see the module's docstring)
            if progress:
                progress(f"{clip} [{variant}]")
            track = source.variant_track(clip, lab, variant, originals)
            summary = score_track(rules[ex], track).summary
            results.append(compare(clip, variant_labels(variant, lab, track), variant, summary,
                                   loop_seconds(track)))  # fmt: skip
    negatives = _negatives(labels, videos_dir, tracks_dir, rules, originals, progress, cache_dir)
    stills = _stills(labels, videos_dir, tracks_dir, rules, progress)
    report: dict[str, Any] = {
        "clips": [asdict(r) for r in results],
        "negatives": [asdict(n) for n in negatives],
        "stills": [asdict(r) for r in stills],
    }
    report["summary"] = {}
    for variant in variants:
        for group, keep in (("handout", ("true",)), ("variant", ("variant",))):
            chosen = [r for r in results if r.variant == variant and r.matches in keep]
            report["summary"][f"{variant}/{group}"] = summarise(chosen)
    fired = [n for n in negatives if n.reps or n.holds]
    report["summary"]["negatives"] = {"pairs": len(negatives), "fired": len(fired)}
    report["summary"]["stills"] = {
        "pictures": len(stills),
        "right": sum(r.right is True for r in stills),
        "wrong": sum(r.right is False for r in stills),
        "cannot_tell": sum(r.right is None for r in stills),
    }
    return report


@dataclass(frozen=True)
class _ClipSource:
    """Where a clip's tracks come from: saved tracks, or the model run on the (cached) video."""

    videos_dir: Path
    tracks_dir: str | Path | None
    cache_dir: str | Path | None
    wanted: tuple[str, ...]

    def variant_track(
        self, clip: str, lab: dict[str, Any], variant: str, originals: dict[str, Track]
    ) -> Track:
        """The track of ``clip`` in ``variant``; ``originals`` keeps each clip's untransformed track."""
        if self.tracks_dir is not None or variant in FROM_ORIGINAL_VARIANTS:
            base = originals.get(clip) or self._original(clip)
            originals[clip] = base
            return TRACK_VARIANTS[variant](base, lab)
        window = trim_window(lab) if variant == "trimmed" else None
        track = _cached_video_track(self.videos_dir, clip, variant, self.cache_dir, self.wanted, window)
        if variant == "original":
            originals[clip] = track
        return track

    def _original(self, clip: str) -> Track:
        if self.tracks_dir is not None:
            return Track.load(track_path_for(Path(self.tracks_dir), clip))
        return _cached_video_track(self.videos_dir, clip, "original", self.cache_dir, self.wanted)


def _stills(
    labels: dict[str, dict[str, Any]],
    videos_dir: Path,
    tracks_dir: str | Path | None,
    rules: dict[str, RuleSet],
    progress: Callable[[str], None] | None,
) -> list[StillResult]:
    """Each labelled picture read as ``posecheck analyze`` reads it (from its track or the image)."""
    from posecheck.coach.still import read_picture
    from posecheck.extract import extract_track

    out = []
    for clip, lab in labelled_stills(labels):
        ex = str(lab["exercise"])
        if ex not in rules:
            continue
        if progress:
            progress(f"{clip} [still]")
        if tracks_dir is not None:
            track = Track.load(track_path_for(Path(tracks_dir), clip))
        else:
            track = extract_track(videos_dir / clip)
        feedback = score_track(rules[ex], track, keep_feedback=True).feedback
        _, reading = read_picture(rules[ex], feedback[-1]) if feedback else ("", None)
        read = reading.position if reading else "unknown"
        want = _STILL_READS[_labelled_position(lab)]
        right = None if read == "unknown" else read in want
        out.append(StillResult(clip, ex, str(lab["position"]), read, right))
    return out


def _negatives(
    labels: dict[str, dict[str, Any]],
    videos_dir: Path,
    tracks_dir: str | Path | None,
    rules: dict[str, RuleSet],
    cache: dict[str, Track],
    progress: Callable[[str], None] | None,
    cache_dir: str | Path | None = None,
) -> list[NegativeResult]:
    out = []
    for clip, lab in sorted(labels.items()):
        if Path(clip).suffix.lower() not in VIDEO_SUFFIXES:
            continue
        own = lab.get("exercise") if lab.get("matches_exercise") not in (False, "false") else None
        track = cache.get(clip)
        if track is None:
            if tracks_dir is not None:
                track = Track.load(track_path_for(Path(tracks_dir), clip))
            else:
                if progress:
                    progress(f"{clip} [negatives]")
                track = _cached_video_track(videos_dir, clip, "original", cache_dir)
            cache[clip] = track
        for ex, rule in rules.items():
            if ex == own:
                continue
            s = score_track(rule, track).summary
            out.append(
                NegativeResult(clip, ex, s.reps_total, len(s.holds), any(c.id == "posture" for c in s.cues))
            )
    return out


def format_table(report: dict[str, Any]) -> str:
    """A plain-text table of the evaluation for people."""
    lines = [
        f"{'clip':<58} {'variant':<9} {'reps':>9} {'left':>7} {'right':>7} {'sides ok':>8}  "
        "holds (labelled s/error s)"
    ]
    for r in report["clips"]:
        name = r["clip"].split("/")[-1][:56]
        mark = "" if r["matches"] == "true" else f" ({r['matches']})"
        holds = ", ".join(f"{lab:.1f}/{err:+.1f}" for lab, err in zip(r["label_holds_s"], r["hold_errors"]))
        lines.append(
            f"{(name + mark)[:58]:<58} {r['variant']:<9} {r['label_reps']!s:>4}/{r['reps']:<4} "
            f"{r['label_left']!s:>3}/{r['left']!s:<3} {r['label_right']!s:>3}/{r['right']!s:<3} "
            f"{r['sided_right']:>3}/{r['sided_reps']:<4}  {holds}"
        )
    lines.append("")
    for key, s in report["summary"].items():
        if key == "stills":
            lines.append(
                f"stills: {s['right']} of {s['pictures']} pictures read in the labelled position, "
                f"{s['wrong']} in another, {s['cannot_tell']} where one picture cannot tell"
            )
            continue
        if key == "negatives":
            lines.append(
                f"negatives: {s['fired']} of {s['pairs']} (rule set, other clip) pairs counted something"
            )
            continue
        if not s.get("clips"):
            variant, _, group = key.partition("/")
            if variant in TRACK_ONLY_VARIANTS and group == "handout":
                lines.append(f"{variant:<20} tracks only (run with --tracks): {NO_VIDEO_FORM}")
            continue
        side = "n/a" if s["side_right_share"] is None else f"{s['side_right_share']:.0%}"
        hold = "n/a" if s["median_hold_error_s"] is None else f"{s['median_hold_error_s']:.2f} s"
        within = (
            ""
            if s["holds_within_1_5s_share"] is None
            else f", {s['holds_within_1_5s_share']:.0%} within 1.5 s"
        )
        lines.append(
            f"{key:<20} clips {s['clips']:>2}  exact {s['exact_share']:.0%}  MAE {s['mean_abs_error']:.2f}  "
            f"within one {s['within_one_share']:.0%}  side right {side} of {s['sided_reps']}  "
            f"median hold error {hold} ({s['holds']} holds{within})"
        )
    fired = [n for n in report["negatives"] if n["reps"] or n["holds"]]
    for n in fired:
        lines.append(f"  fired: {n['rules']} on {n['clip']}: {n['reps']} reps, {n['holds']} holds")
    for r in report.get("stills", []):
        if r["right"] is not True:
            lines.append(f"  still {r['still']}: labelled {r['labelled']}, read {r['read']}")
    return "\n".join(lines)
