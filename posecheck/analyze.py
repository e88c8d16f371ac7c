"""Analyse a recorded video, image or landmark track: the offline flow end to end.

source -> pose -> coach -> sinks (annotated video, report.json, reps.csv, angles.png, track.npz)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.coach.engine import Coach
from posecheck.coach.feedback import Feedback, SessionSummary
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import prepare_track, score_prepared
from posecheck.errors import InputError
from posecheck.extract import iter_frames
from posecheck.pose.estimator import PoseEstimator, PoseOptions
from posecheck.track import Track, TrackBuilder
from posecheck.video import VideoReader, check_input_path

ProgressFn = Callable[[int, int], None]
OUTPUT_FILES = ("report.json", "reps.csv", "angles.png", "annotated.mp4", "track.npz")


@dataclass
class AnalysisResult:
    """What an analysis produced (paths are inside the output folder)."""

    report: dict[str, Any]
    summary: SessionSummary
    files: dict[str, Path] = field(default_factory=dict)


def prepare_output_dir(out_dir: str | Path, force: bool) -> Path:
    """Refuse to overwrite earlier results unless ``force``; create the folder."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"output {out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError(f"output folder {out} is not empty; pass --force to overwrite or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _thresholds(rules: RuleSet) -> list[tuple[str, float, str]]:
    lines = []
    mv = rules.movement
    for label, conditions in (("rest", mv.rest), ("target", mv.target)):
        for c in conditions:
            if c.relative:
                continue
            for bound in (c.above, c.below):
                if bound is not None:
                    lines.append((c.metric, float(bound), label))
    return lines


def _series_for_plot(rules: RuleSet, t: np.ndarray, values: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    used = {rules.movement.metric} | {c.metric for c in [*rules.movement.rest, *rules.movement.target]}
    out = {}
    for name, v in values.items():
        if name.split(".")[0] in used:
            out[name] = (t, v)
    return out


def write_reports(
    out: Path,
    rules: RuleSet,
    summary: SessionSummary,
    t: np.ndarray,
    values: dict[str, np.ndarray],
    partial: bool,
    stop_reason: str,
    extra: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Path]]:
    """report.json, reps.csv and angles.png (each written atomically)."""
    from posecheck.report import plot_metrics, summary_to_dict, write_json, write_reps_csv

    report = summary_to_dict(summary, partial=partial, stop_reason=stop_reason, extra=extra)
    files = {"report.json": out / "report.json", "reps.csv": out / "reps.csv", "angles.png": out / "angles.png"}
    write_json(files["report.json"], report)
    write_reps_csv(files["reps.csv"], summary)
    plot_metrics(
        files["angles.png"],
        _series_for_plot(rules, t, values),
        _thresholds(rules),
        summary.rep_events,
        summary.holds,
        f"{rules.title}: {summary.reps_total} reps",
    )
    return report, files


def analyze_track(track: Track, rules: RuleSet, out_dir: str | Path, force: bool = False) -> AnalysisResult:
    """Re-score a saved landmark track (no model, no video)."""
    out = prepare_output_dir(out_dir, force)
    scored = score_prepared(rules, prepare_track(track, rules.filter))
    extra = {"source": track.meta.get("source", ""), "input_kind": "track", "rules": rules.exercise}
    report, files = write_reports(
        out, rules, scored.summary, scored.t, scored.series,
        bool(track.meta.get("partial", False)), str(track.meta.get("stop_reason", "")), extra,
    )  # fmt: skip
    return AnalysisResult(report, scored.summary, files)


def analyze_media(
    path: str | Path,
    rules: RuleSet,
    out_dir: str | Path,
    force: bool = False,
    pose_options: PoseOptions | None = None,
    progress: ProgressFn | None = None,
    annotate: bool = True,
) -> AnalysisResult:
    """Run pose + coach over a video or image and write every output.

    A video that breaks off part-way is analysed up to the break: the report
    says ``partial: true`` and the annotated video keeps what was read.
    """
    from posecheck.draw import draw_feedback
    from posecheck.writer import VideoWriter

    check_input_path(path)
    out = prepare_output_dir(out_dir, force)
    frames, info = iter_frames(path)
    width, height, fps = int(info["width"]), int(info["height"]), float(info["fps"])  # type: ignore[call-overload]
    total = int(info["frame_count"])  # type: ignore[call-overload]
    builder = TrackBuilder(width, height, fps, {"source": Path(path).name, "still": info["still"]})
    coach = Coach(rules, width, height)
    t_list: list[float] = []
    series: dict[str, list[float]] = {}
    writer = VideoWriter(out / "annotated.mp4") if annotate else None
    last: Feedback | None = None
    try:
        with PoseEstimator(pose_options) as estimator:
            for frame in frames:
                people = estimator.detect(frame.image, frame.t)
                builder.append(frame.t, people)
                tracked = people[0] if people else None
                fb = coach.update(
                    frame.t,
                    tracked.xy if tracked else None,
                    tracked.z if tracked else None,
                    tracked.visibility if tracked else None,
                    len(people),
                )
                last = fb
                t_list.append(fb.t)
                for name, value in fb.metrics.items():
                    series.setdefault(name, [np.nan] * (len(t_list) - 1)).append(value)
                for name, column in series.items():
                    if len(column) < len(t_list):
                        column.append(np.nan)
                if writer is not None:
                    writer.write(draw_feedback(frame.image, fb, has_sides=rules.has_sides), frame.t)
                if progress:
                    progress(frame.index + 1, total)
    finally:
        if writer is not None:
            writer.close()
        reader = info.get("reader")
        if isinstance(reader, VideoReader):
            reader.close()
    reader = info.get("reader")
    partial = bool(reader.partial) if isinstance(reader, VideoReader) else False
    stop_reason = reader.stop_reason if isinstance(reader, VideoReader) else ""
    if not t_list:
        raise InputError(f"{path}: no frame could be decoded; the file is damaged or not a video")
    track = builder.build()
    track.meta.update(partial=partial, stop_reason=stop_reason)
    files: dict[str, Path] = {}
    track_path = track.save(out / "track.npz")
    files["track.npz"] = track_path
    if writer is not None:
        files["annotated.mp4"] = out / "annotated.mp4"
    summary = coach.summary()
    extra = {"source": Path(path).name, "input_kind": "image" if info["still"] else "video", "rules": rules.exercise}
    if info["still"] and last is not None:
        extra["still"] = {"posture": last.posture, "view": last.view, "person_found": last.person_found}
    values = {k: np.asarray(v, dtype=np.float64) for k, v in series.items()}
    report, more = write_reports(out, rules, summary, np.asarray(t_list), values, partial, stop_reason, extra)
    files.update(more)
    return AnalysisResult(report, summary, files)


def analyze(
    input_path: str | Path,
    rules: RuleSet,
    out_dir: str | Path,
    force: bool = False,
    pose_options: PoseOptions | None = None,
    progress: ProgressFn | None = None,
) -> AnalysisResult:
    """Analyse a video, an image or a saved ``.npz`` track, whichever ``input_path`` is."""
    p = check_input_path(input_path)
    if p.suffix.lower() == ".npz":
        return analyze_track(Track.load(p), rules, out_dir, force)
    return analyze_media(p, rules, out_dir, force, pose_options, progress)


def safe_tempdir(prefix: str = "posecheck-") -> Path:
    """A private temporary folder (removed by the caller with :func:`remove_tree`)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_tree(path: Path) -> None:
    """Remove a temporary folder, ignoring errors (best effort clean-up)."""
    shutil.rmtree(path, ignore_errors=True)
