"""Stored sessions as JSON, CSV rows or a readable table (plain data in, text out)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from posecheck.history.records import SessionRecord

CSV_FIELDS = (
    "id",
    "started_at",
    "finished_at",
    "exercise",
    "source",
    "profile",
    "programme",
    "partial",
    "reps_total",
    "reps_left",
    "reps_right",
    "holds",
    "holds_reached",
    "hold_seconds",
    "faults",
    "rules_path",
    "rules_sha256",
)
DECIMALS = 3  # as report.json


def _num(value: float) -> float | None:
    return round(value, DECIMALS) if math.isfinite(value) else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def as_json(record: SessionRecord) -> dict[str, Any]:
    """One session in the shape of report.json where they overlap (``reps``, ``holds``, ``rep_events``)."""
    return {
        "id": record.id,
        "started_at": _iso(record.started_at),
        "finished_at": _iso(record.finished_at),
        "exercise": record.exercise,
        "source": record.source,
        "profile": record.profile,
        "programme": record.programme,
        "partial": record.partial,
        "reps": {"total": record.reps_total, "left": record.reps_left, "right": record.reps_right},
        "holds": [
            {
                "side": h.side,
                "start_s": _num(h.start_s),
                "seconds": _num(h.seconds),
                "reached_target": h.reached_target,
            }
            for h in record.holds
        ],
        "rep_events": [
            {
                "index": r.index,
                "side": r.side,
                "start_s": _num(r.start_s),
                "end_s": _num(r.end_s),
                "hold_s": _num(r.hold_s),
                "faults": list(r.faults),
            }
            for r in record.reps
        ],
        "faults": record.faults,
        "rules": {"path": record.rules_path, "sha256": record.rules_sha256},
    }


def csv_row(record: SessionRecord) -> dict[str, Any]:
    """One flat CSV row per session (faults as ``id:count`` joined by ';')."""
    return {
        "id": record.id,
        "started_at": _iso(record.started_at),
        "finished_at": _iso(record.finished_at) or "",
        "exercise": record.exercise,
        "source": record.source,
        "profile": record.profile or "",
        "programme": record.programme or "",
        "partial": "true" if record.partial else "false",
        "reps_total": record.reps_total,
        "reps_left": "" if record.reps_left is None else record.reps_left,
        "reps_right": "" if record.reps_right is None else record.reps_right,
        "holds": len(record.holds),
        "holds_reached": sum(h.reached_target for h in record.holds),
        "hold_seconds": f"{sum(h.seconds for h in record.holds):.{DECIMALS}f}",
        "faults": ";".join(f"{k}:{n}" for k, n in record.faults.items()),
        "rules_path": record.rules_path,
        "rules_sha256": record.rules_sha256,
    }


def to_csv(records: Sequence[SessionRecord]) -> str:
    """CSV text with a header row."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(csv_row(record))
    return buf.getvalue()


def to_table(records: Sequence[SessionRecord]) -> str:
    """A readable table: one line per session, times in local time."""
    if not records:
        return "no sessions saved yet"
    header = ("id", "started", "exercise", "source", "profile", "reps", "left/right", "holds", "faults")
    lines = [header]
    for r in records:
        sides = "-" if r.reps_left is None else f"{r.reps_left}/{r.reps_right}"
        reached = sum(h.reached_target for h in r.holds)
        holds = f"{len(r.holds)} ({reached} full)" if r.holds else "0"
        faults = ", ".join(f"{k} x{n}" for k, n in r.faults.items()) or "-"
        partial = " (partial)" if r.partial else ""
        lines.append(
            (
                str(r.id),
                r.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                r.exercise,
                r.source,
                r.profile or "-",
                f"{r.reps_total}{partial}",
                sides,
                holds,
                faults,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line[:-1], widths)) + "  " + line[-1] for line in lines
    )
