"""Analyse a recorded video, image or landmark track: the offline flow end to end.

source -> pose -> coach -> sinks (annotated video, report.json, reps.csv, angles.png, track.npz)

Reliability rules: the input (and the model) are checked before the output
folder is touched; frames are streamed, never all held; every output file is
written atomically and ``report.json`` last, so its presence means a complete
set; a video that breaks off, or Ctrl-C, still leaves a complete report of what
was analysed, marked ``partial: true`` with ``stop_reason``.
"""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import tempfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.coach.engine import Coach, wanted_postures
from posecheck.coach.feedback import Cue, Feedback, SessionSummary
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import count_last_play, prepare_for, score_prepared
from posecheck.coach.still import read_picture
from posecheck.errors import InputError, Interrupted
from posecheck.extract import Source, load_estimator, open_source
from posecheck.pipeline import Background, Prefetch
from posecheck.pose.estimator import PoseEstimator, PoseOptions
from posecheck.pose.upright import UprightPose
from posecheck.tilt_seen import note_tilts_seen, notes_tilts
from posecheck.track import Track, TrackBuilder
from posecheck.video import check_input_path, resize_long_side, sniff

ProgressFn = Callable[[int, int], None]
OUTPUT_FILES = ("report.json", "reps.csv", "angles.png", "annotated.mp4", "track.npz")
# Temporary files our atomic writers leave behind only when the process was killed outright.
_STALE_TEMP = re.compile(
    r"^(\.(report\.json|reps\.csv|angles\.png|annotated\.mp4|track\.npz)\..*\.part|tmp.*\.npz\.tmp)$"
)
NO_PERSON_CUE = "I can't see you: step into the camera's view."
# Mean brightness (0-255) under which a frame counts as very dark; a lit room films at 80-160.
DARK_LEVEL = 35.0
# Below this share of frames with a person the results are unreliable enough to say so.
LOW_PRESENCE = 0.5
# The annotated video is drawn at the size the model sees (PoseOptions.inference_long_side):
# frames are decoded once at that size, so nothing is resized twice, and x264 encodes half
# the pixels of 1280 px (measured: ~5 vs ~10 CPU ms per frame, as much as the rest of
# posecheck's own work together).
ANNOTATED_LONG_SIDE = 960


@dataclass
class AnalysisResult:
    """What an analysis produced (paths are inside the output folder)."""

    report: dict[str, Any]
    summary: SessionSummary
    files: dict[str, Path] = field(default_factory=dict)


def _is_stale_temp(path: Path) -> bool:
    return bool(_STALE_TEMP.match(path.name))


def prepare_output_dir(out_dir: str | Path, force: bool) -> Path:
    """Refuse to overwrite earlier results unless ``force``; create the folder.

    Temporary files left by a killed run are ours and worthless: they are removed
    and do not make the folder count as non-empty.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"output {out} exists and is not a folder; choose another --out")
    try:
        if out.is_dir():
            for stale in [p for p in out.iterdir() if _is_stale_temp(p)]:
                stale.unlink(missing_ok=True)
            if any(out.iterdir()) and not force:
                raise InputError(
                    f"output folder {out} is not empty; pass --force to overwrite or choose another --out"
                )
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create output folder {out} ({exc.strerror}); choose another --out"
        ) from None
    return out


def _remove_stale_outputs(out: Path, written: dict[str, Path]) -> None:
    """After a forced re-run, drop our outputs of the earlier run that this run did not make.

    An old annotated.mp4 beside a new report.json would describe another input.
    """
    for name in OUTPUT_FILES:
        if name not in written:
            (out / name).unlink(missing_ok=True)


def write_reports(
    out: Path,
    rules: RuleSet,
    summary: SessionSummary,
    t: np.ndarray,
    values: dict[str, np.ndarray],
    partial: bool,
    stop_reason: str,
    extra: dict[str, Any],
    previous_plot: Path | None = None,
) -> tuple[dict[str, Any], dict[str, Path]]:
    """reps.csv, angles.png and then report.json, each written atomically.

    report.json comes last: when it exists, every other output of the run is complete.
    ``previous_plot``: an earlier angles.png, copied when what it shows has not changed.
    """
    from posecheck.report import (
        plot_metrics,
        plot_series,
        plot_thresholds,
        summary_to_dict,
        write_json,
        write_reps_csv,
    )

    report = summary_to_dict(summary, partial=partial, stop_reason=stop_reason, extra=extra)
    files = {
        "report.json": out / "report.json",
        "reps.csv": out / "reps.csv",
        "angles.png": out / "angles.png",
    }
    write_reps_csv(files["reps.csv"], summary)
    plot_metrics(
        files["angles.png"],
        plot_series(rules, t, values),
        plot_thresholds(rules),
        summary.rep_events,
        summary.holds,
        f"{rules.title}: {summary.reps_total} reps",
        reuse=previous_plot,
    )
    write_json(files["report.json"], report)
    return report, files


def _add_findings(summary: SessionSummary, notes: list[str]) -> None:
    """Warnings about the input as a whole: nobody in view, few frames with a person, misnamed files."""
    for note in notes:
        if note and note not in summary.warnings:
            summary.warnings.append(note)
    if summary.frames_total and summary.frames_with_pose == 0:
        summary.warnings.insert(
            0,
            "no person was found in any frame: put the camera where it sees your whole body in a lit room, "
            "then record again",
        )
        if not any(c.id == "no_person" for c in summary.cues):
            # The coach raises this cue only after a second without a person; a still image or a
            # short clip never gets there, yet the report must say why nothing was counted.
            summary.cues.insert(0, Cue("no_person", NO_PERSON_CUE, "warn", 0.0))
    elif summary.frames_total and summary.frames_with_pose < LOW_PRESENCE * summary.frames_total:
        share = 100.0 * summary.frames_with_pose / summary.frames_total
        summary.warnings.append(
            f"a person was found in only {share:.0f}% of the frames: counts may be low; keep your whole body "
            "in the picture"
        )


def analyze_track(
    track: Track, rules: RuleSet, out_dir: str | Path, force: bool = False, previous_plot: Path | None = None
) -> AnalysisResult:
    """Re-score a saved landmark track (no model, no video); ``previous_plot`` as in :func:`write_reports`."""
    out = prepare_output_dir(out_dir, force)
    scored = score_prepared(rules, prepare_for(track, rules))
    note_tilts_seen(track, rules, scored.summary)
    _add_findings(scored.summary, [])
    extra = {"source": track.meta.get("source", ""), "input_kind": "track", "rules": rules.exercise}
    report, files = write_reports(
        out, rules, scored.summary, scored.t, scored.series,
        bool(track.meta.get("partial", False)), str(track.meta.get("stop_reason", "")), extra, previous_plot,
    )  # fmt: skip
    _remove_stale_outputs(out, files)
    return AnalysisResult(report, scored.summary, files)


def _brightness(image: np.ndarray) -> float:
    """Mean brightness 0-255 of a sparse pixel sample (a full 4K mean would cost ~10 ms a frame)."""
    step = max(1, max(image.shape[:2]) // 160)
    return float(image[::step, ::step].mean())


def _for_drawing(image: np.ndarray, fb: Feedback, frame_size: tuple[int, int]) -> tuple[np.ndarray, Feedback]:
    """The frame at the annotated video's size, with landmarks (in ``frame_size`` pixels) scaled to it.

    Drawing a 4K frame costs several times more than drawing the small frame the
    writer would shrink it to anyway; the overlay scales with the image, so it looks the same.
    """
    if max(image.shape[:2]) > ANNOTATED_LONG_SIDE:
        image = resize_long_side(image, ANNOTATED_LONG_SIDE, fast=True)
    width, height = frame_size
    h, w = image.shape[:2]
    if fb.landmarks is None or (w, h) == (width, height):
        return image, fb
    scale = np.array([w / width, h / height])
    return image, dataclasses.replace(fb, landmarks=np.asarray(fb.landmarks) * scale)


@dataclass
class _Run:
    """What the frame loop collects (all O(frames) in small numbers, never pixels)."""

    t: array = field(default_factory=lambda: array("d"))
    series: dict[str, array] = field(default_factory=dict)
    dark_frames: int = 0
    last: Feedback | None = None

    def add(self, fb: Feedback) -> None:
        n = len(self.t)
        self.t.append(fb.t)
        for name, value in fb.metrics.items():
            column = self.series.get(name)
            if column is None:
                column = self.series[name] = array("d", [math.nan]) * n
            column.append(value)
        for column in self.series.values():
            if len(column) < n + 1:
                column.append(math.nan)
        self.last = fb

    def values(self) -> dict[str, np.ndarray]:
        """Series as arrays of exactly one value per time (an interrupt may hit between appends)."""
        n = len(self.t)
        out = {}
        for name, column in self.series.items():
            v = np.asarray(column[:n], dtype=np.float64)
            if v.size < n:
                v = np.concatenate([v, np.full(n - v.size, np.nan)])
            out[name] = v
        return out


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
    says ``partial: true`` and where it stopped, and the annotated video keeps
    what was read. Ctrl-C does the same and then raises :class:`Interrupted`.
    """
    # Frames are decoded straight to the size both the model and the annotated video use.
    work_size = max((pose_options or PoseOptions()).inference_long_side, ANNOTATED_LONG_SIDE)
    # PoseEstimator is looked up here at call time, so tests and benchmarks can stand in for it.
    with open_source(path, work_size) as src, load_estimator(pose_options, PoseEstimator) as estimator:
        out = prepare_output_dir(out_dir, force)
        return _analyze_frames(src, estimator, rules, out, progress, annotate)


def _analyze_frames(
    src: Source,
    estimator: PoseEstimator,
    rules: RuleSet,
    out: Path,
    progress: ProgressFn | None,
    annotate: bool,
) -> AnalysisResult:
    from posecheck.draw import draw_feedback
    from posecheck.writer import VideoWriter

    # The track goes to a spool file as it grows: memory stays flat however long the video.
    builder = TrackBuilder(
        src.width, src.height, src.fps, {"source": src.path.name, "still": src.still}, spool=True
    )
    # A picture that needs turning upright is found from the picture itself (see UprightPose).
    pose = UprightPose(estimator, wanted_postures(rules), (src.width, src.height), probe=not src.still)
    coach = Coach(rules, src.width, src.height, orientation_from_picture=not src.still)
    run = _Run()
    writer = VideoWriter(out / "annotated.mp4") if annotate else None

    def draw_and_write(image: np.ndarray, fb: Feedback, t: float) -> None:
        assert writer is not None
        image, drawn = _for_drawing(image, fb, (src.width, src.height))
        writer.write(draw_feedback(image, drawn, has_sides=rules.has_sides), t)

    # Decoding, and drawing plus encoding, run in threads beside inference (both cores);
    # their queues are short, so memory stays flat however long the video is.
    frames = Prefetch(src.frames, depth=4)
    encoder = Background(draw_and_write, depth=4) if writer is not None else None
    interrupted = False
    try:
        for frame in frames:
            people = pose.detect(frame.image, frame.t)
            if pose.just_decided:
                coach.fix_orientation(pose.turns)
                builder.meta["camera_turns"] = pose.turns
            tracked = people[0] if people else None
            fb = coach.update(
                frame.t,
                tracked.xy if tracked else None,
                tracked.z if tracked else None,
                tracked.visibility if tracked else None,
                len(people),
            )
            if _brightness(frame.image) < DARK_LEVEL:
                run.dark_frames += 1
            builder.append(frame.t, people)
            run.add(fb)
            if encoder is not None:
                encoder.submit(frame.image, fb, frame.t)
            if progress:
                progress(frame.index + 1, src.frame_count)
    except KeyboardInterrupt:
        # Keep what was analysed: the outputs below are written as a partial result.
        interrupted = True
    finally:
        frames.close()
        try:
            if encoder is not None:
                encoder.close()
        finally:
            if writer is not None:
                writer.close()
    if not run.t:
        if interrupted:
            raise Interrupted(saved=None, at_s=0.0)
        raise InputError(f"{src.path}: no frame could be decoded; the file is damaged or not a video")
    partial, stop_reason = src.partial, src.stop_reason
    if interrupted:
        partial, stop_reason = True, f"interrupted by the user at {run.t[-1]:.2f} s"
    try:
        files = _write_outputs(src, rules, out, coach, run, builder, partial, stop_reason, writer is not None)
    finally:
        builder.close()
    if interrupted:
        raise Interrupted(saved=out, at_s=run.t[-1])
    return files


def _write_outputs(
    src: Source,
    rules: RuleSet,
    out: Path,
    coach: Coach,
    run: _Run,
    builder: TrackBuilder,
    partial: bool,
    stop_reason: str,
    annotated: bool,
) -> AnalysisResult:
    builder.meta.update(partial=partial, stop_reason=stop_reason)
    if not src.still:
        # Never settled from the picture: the coach took it as filmed, and so must a re-score.
        builder.meta.setdefault("camera_turns", 0)
    summary = coach.summary()
    if src.loop_s is not None:
        builder.meta["loop_s"] = src.loop_s
        summary = count_last_play(summary, src.loop_s)
    files: dict[str, Path] = {"track.npz": builder.save(out / "track.npz")}
    if annotated and (out / "annotated.mp4").is_file():
        files["annotated.mp4"] = out / "annotated.mp4"
    notes = [src.note]
    if src.skipped_packets and not partial:
        notes.append(
            f"{src.skipped_packets} damaged packets of the video were skipped (a few frames are missing)"
        )
    if run.dark_frames >= 0.5 * len(run.t):
        notes.append(
            "the video is very dark: light the room or turn the camera away from the window, "
            "then record again"
        )
    if not src.still and notes_tilts(rules):  # only then the whole track is gathered in memory
        note_tilts_seen(builder.build(), rules, summary)
    _add_findings(summary, notes)
    extra: dict[str, Any] = {
        "source": src.path.name,
        "input_kind": "image" if src.still else "video",
        "rules": rules.exercise,
    }
    last = run.last
    if src.still and last is not None:
        posture, reading = read_picture(rules, last)
        extra["still"] = {
            "posture": posture,
            "view": last.view,
            "person_found": last.person_found,
            "position": reading.position,
            "note": reading.note,
            "cues": list(reading.cues),
        }
    report, more = write_reports(
        out, rules, summary, np.asarray(run.t), run.values(), partial, stop_reason, extra
    )
    files.update(more)
    _remove_stale_outputs(out, files)
    return AnalysisResult(report, summary, files)


def analyze(
    input_path: str | Path,
    rules: RuleSet,
    out_dir: str | Path,
    force: bool = False,
    pose_options: PoseOptions | None = None,
    progress: ProgressFn | None = None,
    annotate: bool = True,
) -> AnalysisResult:
    """Analyse a video, an image or a saved ``.npz`` track, whichever ``input_path`` holds.

    ``annotate=False`` skips the annotated video (drawing and H.264 encoding are about a
    sixth of the CPU of an analysis on one core); every other output is written.
    """
    p = check_input_path(input_path)
    if sniff(p).kind == "track":
        return analyze_track(Track.load(p), rules, out_dir, force)
    if p.suffix.lower() == ".npz":
        raise InputError(
            f"{p} is not a posecheck landmark track (not an .npz archive); make one with 'posecheck extract'"
        )
    return analyze_media(p, rules, out_dir, force, pose_options, progress, annotate)


def safe_tempdir(prefix: str = "posecheck-") -> Path:
    """A private temporary folder (removed by the caller with :func:`remove_tree`)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_tree(path: Path) -> None:
    """Remove a temporary folder, ignoring errors (best effort clean-up)."""
    shutil.rmtree(path, ignore_errors=True)
