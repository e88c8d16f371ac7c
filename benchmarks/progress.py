"""Section 9: the Progress page and the physiotherapist's report on a long history.

A history of ``progress_days`` days (a year in the full run), every day the whole handout
programme (ten sets, ten reps each with their faults, two holds each), saved through
HistoryStore into a temporary SQLite file. Timed: reading the whole history; what one draw of
the Progress page computes (read the last four weeks, shape them, the plotly figures of every
exercise); making the four-week report (ten SVG charts); and the report of the whole range.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from benchmarks.common import Config, median, say

PAGE_MAX_S = 1.0  # one redraw of the page after a filter change
REPORT_MAX_S = 5.0  # the four-week report, from the click to the file


@dataclass
class ProgressResult:
    """Figures of section 9 (seconds; each timing repeated)."""

    days: int
    sessions: int
    reps: int
    fill_s: float  # saving the whole history, set by set (one transaction each)
    load_all_s: list[float]
    page_s: list[float]
    report_s: list[float]
    report_bytes: int
    report_all_s: float
    report_all_bytes: int


def _fill(path: Path, days: int) -> tuple[int, int]:
    from posecheck.coach.feedback import HoldEvent, RepEvent, SessionSummary
    from posecheck.history import HistoryStore
    from posecheck.programme import load_programme

    programme = load_programme("handout")
    sessions = reps_n = 0
    with HistoryStore.open(path) as store:
        for k in range(days):
            started = datetime.combine(date.today() - timedelta(days=k), day_time(12)).astimezone()
            for entry in programme.entries:
                sided = entry.dose.sides != "none"
                reps = [
                    RepEvent(("left" if i % 2 else "right") if sided else None, 3.0 * i, 3.0 * i + 2,
                             ("fault_a",) if (i + k) % 4 == 0 else ())
                    for i in range(10)
                ]  # fmt: skip
                holds = [
                    HoldEvent("left" if sided else None, 40.0 * i, 40.0 * i + 25, 25.0, True)
                    for i in range(2)
                ]
                left = 5 if sided else None
                summary = SessionSummary(
                    entry.exercise, 90.0, 10, left, left, reps, holds, [], 2700, 2700, [], []
                )
                store.save_summary(
                    summary, entry.rules_path, source="routine", programme="handout", started_at=started
                )
                sessions += 1
                reps_n += len(reps)
    return sessions, reps_n


def bench_progress(config: Config, workdir: Path) -> ProgressResult:
    """Fill a history of ``config.progress_days`` days, then time the page's and the report's work."""
    from posecheck.programme import load_programme
    from posecheck.progress import build_view, default_range, select
    from posecheck.progress_load import load_history
    from posecheck.progress_report import report_html
    from posecheck.ui.progress_figures import done_figure, faults_figure

    db = workdir / "progress-history.db"
    say(f"\n== 9. Progress page and report: a history of {config.progress_days} days ==")
    t0 = time.perf_counter()
    sessions, reps = _fill(db, config.progress_days)
    fill_s = time.perf_counter() - t0
    programme = load_programme("handout")
    start, end = default_range()
    load_all, page, report = [], [], []
    text = ""
    for _ in range(config.repeats):
        t0 = time.perf_counter()
        everything = load_history(db)
        load_all.append(time.perf_counter() - t0)
        assert everything.error is None and len(everything.records) == sessions
        t0 = time.perf_counter()
        loaded = load_history(db, since=start)
        view = build_view(select(loaded.records, None, start, end), programme, start, end)
        figures: list[Any] = [
            f(ex, start, end) for ex in view.exercises for f in (done_figure, faults_figure)
        ]
        page.append(time.perf_counter() - t0)
        assert len(figures) == 2 * len(programme.entries)
        t0 = time.perf_counter()
        text = report_html(view, str(db))
        report.append(time.perf_counter() - t0)
    first = end - timedelta(days=config.progress_days - 1)
    t0 = time.perf_counter()
    whole = report_html(build_view(everything.records, programme, first, end), str(db))
    report_all_s = time.perf_counter() - t0
    return ProgressResult(
        config.progress_days, sessions, reps, fill_s, load_all, page, report, len(text.encode()), report_all_s,
        len(whole.encode()),
    )  # fmt: skip


def print_progress(r: ProgressResult) -> None:
    """Section 9's figures."""
    say(f"history: {r.sessions} sets, {r.reps} reps over {r.days} days; saved set by set in {r.fill_s:.1f} s "
        f"({1000 * r.fill_s / max(1, r.sessions):.1f} ms per set)")  # fmt: skip
    say(f"read the whole history:                  {median(r.load_all_s):.2f} s")
    say(f"one page draw (4 weeks, 20 figures):     {median(r.page_s):.2f} s")
    say(
        f"4-week report (10 SVG charts):           {median(r.report_s):.2f} s, {r.report_bytes / 1024:.0f} KiB"
    )
    say(
        f"report of all {r.days} days:                {r.report_all_s:.2f} s, {r.report_all_bytes / 1024:.0f} KiB"
    )


def progress_targets(r: ProgressResult) -> list[dict[str, Any]]:
    """PASS/MISS rows of section 9."""
    page, report = median(r.page_s), median(r.report_s)
    return [
        {"target": f"Progress page draw < {PAGE_MAX_S:g} s ({r.days} days saved)", "measured": f"{page:.2f} s",
         "ok": page < PAGE_MAX_S},
        {"target": f"4-week report < {REPORT_MAX_S:g} s", "measured": f"{report:.2f} s", "ok": report < REPORT_MAX_S},
    ]  # fmt: skip
