"""``posecheck batch --exercise auto``: each input split into exercises (see :mod:`posecheck.recognise`).

The task's rule text is every rule set at once (JSON: exercise -> rule file text, a tuned file in
place of its exercise's), so a tuned rule file changes its SHA-256 and a re-run re-scores the
stored tracks without the model, as for one exercise.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from posecheck.coach.schema import RuleSet
from posecheck.errors import PosecheckError

AUTO = "auto"


def auto_rules_text(rules_file: str | None) -> tuple[str, str]:
    """(rule text, its name) of a recognising task: all ten rule files, ``rules_file`` for its own."""
    from posecheck.coach.loader import EXERCISES, load_exercise, load_rules, rules_dir

    tuned = load_rules(rules_file).exercise if rules_file else None
    texts = {}
    for exercise in EXERCISES:
        path = Path(rules_file) if exercise == tuned and rules_file else rules_dir() / f"{exercise}.toml"
        load_exercise(exercise, path)  # a broken rule file is bad usage, not one error row per input
        texts[exercise] = path.read_bytes().decode("utf-8")
    source = f"the ten rule sets{f' with {rules_file}' if rules_file else ''}"
    return json.dumps(texts, sort_keys=True), source


def parse_all(rules_text: str, source: str) -> dict[str, RuleSet]:
    """The rule sets of :func:`auto_rules_text`'s text."""
    from posecheck.coach.loader import parse_rules

    try:
        texts = json.loads(rules_text)
    except ValueError:
        raise PosecheckError(f"{source}: not the rule sets of a recognising batch") from None
    return {ex: parse_rules(text, f"{source} ({ex})") for ex, text in texts.items()}


def analyse_auto(
    rules_text: str, source: str, path: Path, mode: str, result_dir: Path, staging: Path
) -> tuple[dict[str, Any], str, str]:
    """Write a recognising analysis into ``staging``; return the report, the action and the input's kind."""
    from posecheck.batch import ANALYSED, TRACK_INPUT, TRACK_REUSED
    from posecheck.recognise_run import analyze_auto

    rules = parse_all(rules_text, source)
    if mode == "track":
        stored = result_dir / "track.npz"
        staging.mkdir(parents=True, exist_ok=True)
        try:  # the track is the cache: keep it (a hard link costs nothing when the folder allows it)
            os.link(stored, staging / "track.npz")
        except OSError:
            shutil.copy2(stored, staging / "track.npz")
        result = analyze_auto(staging / "track.npz", staging, force=True, rules=rules)
        result.report["source"] = path.name
        return result.report, TRACK_REUSED, "video"
    result = analyze_auto(path, staging, force=True, rules=rules)
    kind = str(result.report.get("input_kind", "video"))
    return result.report, TRACK_INPUT if kind == "track" else ANALYSED, kind


def auto_columns(report: dict[str, Any]) -> dict[str, Any]:
    """Summary columns of a recognising report: totals over its exercise segments, which in the note."""
    found = [s for s in report.get("segments", []) if s.get("exercise") != "none"]
    note = ", ".join(
        f"{s['exercise']} {s['start_s']:.0f}-{s['end_s']:.0f} s: {s['reps']} reps" for s in found
    )
    if report.get("partial"):
        note = "; ".join(n for n in (f"partial: {report.get('stop_reason', '')}", note) if n)
    return {
        "reps_total": sum(int(s.get("reps") or 0) for s in found),
        "reps_left": None,
        "reps_right": None,
        "holds": sum(int(s.get("holds") or 0) for s in found),
        "uncounted": None,
        "video_s": round(float(report.get("duration_s") or 0.0), 3),
        "note": note or "no exercise found",
    }
