"""``analyze --exercise auto``: a recording's landmark track, split into exercises, to an output folder.

Writes ``track.npz`` (so a re-run with tuned rules never runs the model again) and then
``report.json`` with ``segments: [{exercise, start_s, end_s, confidence, reps, holds}]``; no
annotated video (each segment has other rules; analyse a segment's exercise for that).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck.coach.schema import RuleSet
from posecheck.errors import InputError
from posecheck.recognise import NONE, Segment, recognise
from posecheck.track import Track

AUTO = "auto"
PICTURE = (
    "a single picture has no movement to tell the exercise by; pass the exercise with --exercise ID "
    "(see 'posecheck exercises')"
)


@dataclass
class AutoResult:
    """What a recognising analysis produced."""

    report: dict[str, Any]
    segments: list[Segment]
    files: dict[str, Path]


def rules_with(rules_file: str | Path | None) -> dict[str, RuleSet]:
    """The shipped rule sets, with ``rules_file`` (a tuned rule file) in place of its exercise's."""
    from posecheck.coach.loader import load_all, load_rules

    rules = load_all()
    if rules_file:
        tuned = load_rules(rules_file)
        rules[tuned.exercise] = tuned
    return rules


def load_or_extract(
    path: str | Path, pose_options: Any = None, progress: Callable[[int, int], None] | None = None
) -> Track:
    """The landmark track of a video or a saved ``.npz`` track; a picture is a clear error."""
    from posecheck.video import check_input_path, sniff

    p = check_input_path(path)
    kind = sniff(p).kind
    if kind == "track":
        return Track.load(p)
    if kind == "image":
        raise InputError(f"{p.name}: {PICTURE}")
    if p.suffix.lower() == ".npz":
        raise InputError(
            f"{p} is not a posecheck landmark track (not an .npz archive); make one with 'posecheck extract'"
        )
    from posecheck.extract import extract_track

    return extract_track(p, pose_options, progress)


def analyze_auto(
    input_path: str | Path,
    out_dir: str | Path,
    force: bool = False,
    rules: dict[str, RuleSet] | None = None,
    pose_options: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> AutoResult:
    """Recognise the exercises in ``input_path`` and write track.npz and report.json to ``out_dir``."""
    from posecheck.analyze import prepare_output_dir
    from posecheck.report import posecheck_version, write_json

    track = load_or_extract(input_path, pose_options, progress)
    out = prepare_output_dir(out_dir, force)
    files = {"track.npz": out / "track.npz"}
    if Path(input_path).resolve() != files["track.npz"].resolve():
        track.save(files["track.npz"])
    segments = recognise(track, rules if rules is not None else rules_with(None))
    report = auto_report(track, segments, Path(input_path).name)
    report["version"] = posecheck_version()
    files["report.json"] = out / "report.json"
    for stale in ("reps.csv", "angles.png", "annotated.mp4"):  # an earlier single-exercise run's
        (out / stale).unlink(missing_ok=True)
    write_json(files["report.json"], report)
    return AutoResult(report, segments, files)


def auto_report(track: Track, segments: list[Segment], source: str) -> dict[str, Any]:
    """report.json of a recognising analysis: the segments and what the input was."""
    with_pose = int((track.people > 0).sum()) if len(track) else 0
    found = [s for s in segments if s.exercise != NONE]
    return {
        "source": source,
        "input_kind": "track" if source.endswith(".npz") else "video",
        "rules": AUTO,
        "duration_s": round(float(track.t[-1] - track.t[0]), 3) if len(track) else 0.0,
        "frames": {"total": len(track), "with_pose": with_pose},
        "partial": bool(track.meta.get("partial", False)),
        "stop_reason": str(track.meta.get("stop_reason", "")),
        "segments": [s.as_dict() for s in segments],
        "exercises_found": sorted({s.exercise for s in found}),
        "reps_total": sum(s.reps or 0 for s in found),
    }


def segment_lines(segments: list[Segment], titles: dict[str, str]) -> list[str]:
    """One line per segment for people: times, exercise and counts."""
    lines = []
    for s in segments:
        span = f"{s.start_s:7.1f}-{s.end_s:7.1f} s"
        if s.exercise == NONE:
            lines.append(f"{span}  none (setting up, resting or another exercise)")
            continue
        holds = f", {s.holds} holds" if s.holds else ""
        also = "".join(f"; or {titles.get(a, a)}" for a in s.alternatives)
        seen = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in s.seen_s)
        seen = f"; seen but too small to count: {seen}" if seen else ""
        lines.append(
            f"{span}  {titles.get(s.exercise, s.exercise)}: {s.reps} reps{holds} "
            f"(confidence {s.confidence:.2f}{also}){seen}"
        )
    return lines
