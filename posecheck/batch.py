"""One input of a batch: the pure task that the loop, the process pool and Ray all run.

``run_one(task) -> row`` analyses one video (or re-scores one track) into its own result folder
and returns one summary row; every problem with the input becomes an error row, never an
exception, so the rest of the batch goes on. Landmark tracks are the cache unit: a result folder
remembers (in ``batch.json``) the input's size and modification time and the rule file's
SHA-256, so a re-run skips what is unchanged and re-scores the stored ``track.npz`` when only
the rules changed (the pose model is not run again).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError

STAMP = "batch.json"
# Summary columns, in order (summary.csv's header; summary.json's rows have the same keys).
COLUMNS = (
    "path", "exercise", "profile", "status", "error", "action", "reps_total", "reps_left",
    "reps_right", "holds", "uncounted", "video_s", "wall_s", "result", "note",
)  # fmt: skip
# What happened to an input (the "action" column).
ANALYSED = "analysed"  # the pose model ran over the video
TRACK_INPUT = "track input"  # the input was a landmark track: scored, no model
TRACK_REUSED = "track reused"  # the result folder's track.npz was re-scored with other rules: no model
SKIPPED = "skipped"  # the result folder was already complete for this input and these rules
TIMING_COLUMNS = ("wall_s",)


@dataclass(frozen=True)
class BatchTask:
    """Everything one input's analysis needs, picklable for a process pool or a Ray task.

    The rule file travels as text (``rules_text``, read once by the caller), so cluster nodes
    need not see the caller's rule file; ``rules_source`` names it in messages.
    """

    path: str  # absolute path of the video or track
    exercise: str
    profile: str
    rules_text: str
    rules_source: str
    result_dir: str  # absolute path of this input's result folder
    annotate: bool = True


def result_name(path: str | Path, exercise: str) -> str:
    """Stable, collision-free folder name: the file stem, the exercise, a hash of the absolute path."""
    absolute = str(Path(path).resolve())
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(path).stem).strip("_")[:48] or "input"
    digest = hashlib.sha256(f"{absolute}\n{exercise}".encode()).hexdigest()[:10]
    return f"{stem}.{exercise}-{digest}"


def rules_sha256(rules_text: str) -> str:
    """SHA-256 of a rule file's bytes (UTF-8 text decoded and encoded again is the same bytes)."""
    return hashlib.sha256(rules_text.encode("utf-8")).hexdigest()


def _input_stamp(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"input": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _previous(task: BatchTask, stamp_now: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """What an earlier run left: 'complete' (skip), 'track' (re-score its track.npz) or 'none'."""
    folder = Path(task.result_dir)
    stamp = _read_json(folder / STAMP)
    report = _read_json(folder / "report.json")
    if stamp is None or report is None or stamp.get("exercise") != task.exercise:
        return "none", None
    if any(stamp.get(k) != stamp_now[k] for k in ("input", "size", "mtime_ns")):
        return "none", None  # another recording under the same name: its track is not this one's
    same_rules = stamp.get("rules_sha256") == stamp_now["rules_sha256"]
    # A re-scored folder has no annotated video by design (that needs the model): not a reason to redo it.
    video_ok = (
        not task.annotate
        or task.exercise == "auto"  # a recognising analysis draws no video (see recognise_run)
        or stamp.get("kind") != "video"
        or any(stamp.get(k) for k in ("annotated", "rescored"))
    )
    if same_rules and video_ok:
        return "complete", report
    # Other rules: the video's track is re-scored. Same rules but the annotated video wanted and
    # missing: only the model can draw it, so the video is analysed again. A picture's reading
    # needs the picture (one inference), so only a video's track is reused.
    if not same_rules and stamp.get("kind") == "video" and (folder / "track.npz").is_file():
        return "track", None
    return "none", None


def _swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` with the finished ``staging`` folder (an old result is removed after)."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def _analyse(task: BatchTask, mode: str, staging: Path) -> tuple[dict[str, Any], str, str, str]:
    """Write the outputs into ``staging``; return the report, the action, a note and the input's kind."""
    from posecheck.analyze import analyze, analyze_track
    from posecheck.coach.loader import parse_rules
    from posecheck.track import Track
    from posecheck.video import check_input_path

    if task.exercise == "auto":
        from posecheck.batch_auto import analyse_auto

        path = check_input_path(task.path)
        report, action, kind = analyse_auto(
            task.rules_text, task.rules_source, path, mode, Path(task.result_dir), staging
        )
        return report, action, "", kind
    rules = parse_rules(task.rules_text, task.rules_source)
    if rules.exercise != task.exercise:
        raise PosecheckError(f"{task.rules_source} is for '{rules.exercise}', not '{task.exercise}'")
    path = check_input_path(task.path)
    if mode == "track":
        stored = Path(task.result_dir) / "track.npz"
        # The old angles.png is copied when the new rules change nothing it shows (its digest says).
        old_plot = Path(task.result_dir) / "angles.png"
        result = analyze_track(Track.load(stored), rules, staging, force=True, previous_plot=old_plot)
        # The track is the cache: keep it (a hard link costs nothing when the folder allows it).
        try:
            os.link(stored, staging / "track.npz")
        except OSError:
            shutil.copy2(stored, staging / "track.npz")
        note = "annotated.mp4 not remade (re-scored without the model)" if task.annotate else ""
        return result.report, TRACK_REUSED, note, "video"
    result = analyze(path, rules, staging, force=True, annotate=task.annotate)
    kind = str(result.report.get("input_kind", "video"))  # video, image or track
    return result.report, TRACK_INPUT if kind == "track" else ANALYSED, "", kind


def _row(task: BatchTask, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
    row.update(
        path=task.path, exercise=task.exercise, profile=task.profile, result=Path(task.result_dir).name
    )
    row.update(values)
    return row


def _report_columns(report: dict[str, Any]) -> dict[str, Any]:
    if "segments" in report:  # --exercise auto
        from posecheck.batch_auto import auto_columns

        return auto_columns(report)
    reps = report.get("reps", {})
    note = f"partial: {report.get('stop_reason', '')}" if report.get("partial") else ""
    return {
        "reps_total": reps.get("total"),
        "reps_left": reps.get("left"),
        "reps_right": reps.get("right"),
        "holds": len(report.get("holds", [])),
        "uncounted": len(report.get("uncounted", [])),
        "video_s": round(float(report.get("duration_s") or 0.0), 3),
        "note": note,
    }


def one_line(exc: BaseException) -> str:
    """The message of an error as one line (what analyze prints after 'posecheck: error:')."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip().splitlines()
    if isinstance(exc, PosecheckError):
        return text[0] if text else type(exc).__name__
    # Not a problem we foresaw: name it, so the row is still useful to whoever reads it.
    return f"{type(exc).__name__}: {text[0] if text else 'no message'}"


def run_one(task: BatchTask) -> dict[str, Any]:
    """Analyse one input into ``task.result_dir`` and return its summary row (never raises for bad input).

    An unchanged input with the same rules is skipped (its earlier report fills the row); with
    other rules its stored track is re-scored; otherwise it is analysed from scratch. Outputs are
    made in a staging folder beside the result folder and swapped in when complete.
    """
    start = time.perf_counter()
    final = Path(task.result_dir)
    staging = final.with_name(f".work-{final.name}-{os.getpid()}")
    try:
        from posecheck.video import check_input_path

        # Missing, empty or unreadable: the message analyze gives, before anything is read.
        stamp = _input_stamp(check_input_path(task.path)) | {"rules_sha256": rules_sha256(task.rules_text)}
        mode, report = _previous(task, stamp)
        if mode == "complete" and report is not None:
            return _row(task, status="ok", action=SKIPPED, wall_s=0.0, **_report_columns(report))
        shutil.rmtree(staging, ignore_errors=True)
        report, action, note, kind = _analyse(task, mode, staging)
        stamp.update(
            exercise=task.exercise,
            rules_source=task.rules_source,
            kind=kind,
            rescored=action == TRACK_REUSED,
            annotated=(staging / "annotated.mp4").is_file(),
        )
        _write_json(staging / STAMP, stamp)
        final.parent.mkdir(parents=True, exist_ok=True)
        _swap_in(staging, final)
    except Exception as exc:  # one broken input is a row, never the end of the batch
        shutil.rmtree(staging, ignore_errors=True)
        wall = round(time.perf_counter() - start, 3)
        return _row(task, status="error", error=one_line(exc), wall_s=wall)
    columns = _report_columns(report)
    columns["note"] = "; ".join(n for n in (columns["note"], note) if n)
    return _row(task, status="ok", action=action, wall_s=round(time.perf_counter() - start, 3), **columns)
