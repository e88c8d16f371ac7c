"""The adherence calendar and the physiotherapist's one-page report, as self-contained HTML.

The report is one A4 page made to be printed (or saved as PDF from the browser's print dialog):
the calendar, and per exercise its dose, what was done and a chart (inline SVG). Nothing in it
is fetched from anywhere: no scripts, no fonts, no images outside the file.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from posecheck.errors import HistoryError, PosecheckError
from posecheck.history.records import SessionRecord
from posecheck.progress import ExerciseProgress, ProgressView, build_view, default_range, select
from posecheck.progress_charts import exercise_svg

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

CALENDAR_CSS = """
.pc-cal{border-collapse:collapse;font:12px sans-serif;margin:4px 0}
.pc-cal th{font-weight:normal;color:#555;padding:2px 4px}
.pc-cal td{width:3.2em;height:2.6em;border:1px solid #ccc;text-align:center;vertical-align:middle;
  padding:1px;color:#222}
.pc-cal td.out{background:#f4f4f4;color:#bbb}
.pc-cal td small{display:block;font-size:10px}
.pc-legend{font:11px sans-serif;color:#444}
"""


def _tint(share: float, exercised: bool) -> str:
    """A cell's background: white (nothing), grey (not the programme), greener as more was done."""
    if not exercised:
        return "#ffffff"
    if share <= 0:
        return "#e3e3e3"
    light, dark = (232, 245, 236), (47, 125, 79)
    rgb = [round(a + (b - a) * share) for a, b in zip(light, dark)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def calendar_html(view: ProgressView) -> str:
    """The days as a week-by-week table (Monday first); a cell's shade is the share of the programme done."""
    by_day = {d.day: d for d in view.days}
    first = view.start - timedelta(days=view.start.weekday())
    last = view.end + timedelta(days=6 - view.end.weekday())
    head = "".join(f"<th>{d}</th>" for d in WEEKDAYS)
    rows, day = [], first
    while day <= last:
        cells = []
        for _ in range(7):
            a = by_day.get(day)
            if a is None:
                cells.append(f'<td class="out">{day.day}</td>')
            else:
                exercised = a.sessions > 0
                pct = f"{round(100 * a.share)} %" if exercised and view.programme_size else ""
                what = ", ".join(a.exercises) if exercised else "nothing saved"
                tip = html.escape(f"{day.isoformat()}: {what}" + (f"; {pct} of the programme" if pct else ""))
                color = "#fff" if a.share > 0.6 else "#222"
                cells.append(
                    f'<td class="pc-day{" done" if exercised else ""}" data-day="{day.isoformat()}" '
                    f'data-share="{a.share:.3f}" data-sets="{a.sessions}" title="{tip}" '
                    f'style="background:{_tint(a.share, exercised)};color:{color}">'
                    f"{day.day}{f'<small>{pct}</small>' if pct else ''}</td>"
                )
            day += timedelta(days=1)
        rows.append(f"<tr>{''.join(cells)}</tr>")
    legend = (
        '<div class="pc-legend">Shade: share of the programme\'s doses done that day '
        "(grey: exercised, but nothing of this programme).</div>"
    )
    return (
        f"<style>{CALENDAR_CSS}</style>"
        f'<table class="pc-cal" aria-label="Adherence calendar"><tr>{head}</tr>{"".join(rows)}</table>'
        f"{legend}"
    )


def summary_line(view: ProgressView) -> str:
    """Days exercised and the mean share of the programme, as one sentence."""
    n_days = len(view.days)
    share = f"; on those days {round(100 * view.mean_share)} % of the programme on average"
    return (
        f"{view.days_exercised} of {n_days} days exercised, {view.sessions} "
        f"set{'' if view.sessions == 1 else 's'} saved"
        + (share if view.programme_size and view.sessions else "")
    )


def _exercise_block(ex: ExerciseProgress, view: ProgressView) -> str:
    full = sum(d.share >= 1 for d in ex.days)
    faults = ", ".join(f"{k.replace('_', ' ')} ({n})" for k, n in list(ex.faults.items())[:3]) or "none"
    partial = sum(d.partial for d in ex.days)
    note = f", {partial} with a set broken off" if partial else ""
    unit = "holds" if ex.plan is not None and ex.plan.counts_holds else "reps"
    done = sum(d.counted for d in ex.days)
    extra = "" if ex.in_programme else " (not in this programme)"
    return (
        f'<div class="ex" data-exercise="{html.escape(ex.exercise)}">'
        f"<h3>{html.escape(ex.title)}{extra}</h3>"
        f'<p class="dose">Dose: {html.escape(ex.dose)}</p>'
        f"<p>{len(ex.days)} day{'' if len(ex.days) == 1 else 's'}{note}; full dose on {full}; {done} {unit} counted. "
        f"Faults: {html.escape(faults)}</p>"
        f"{exercise_svg(ex, view.start, view.end)}</div>"
    )


REPORT_CSS = """
@page{size:A4;margin:11mm}
body{font:11px sans-serif;color:#111;margin:0 auto;max-width:190mm}
h1{font-size:17px;margin:0 0 2px}
h2{font-size:13px;margin:8px 0 2px}
h3{font-size:11.5px;margin:0}
p{margin:1px 0}
.meta{color:#444}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:4px 10px}
.ex{break-inside:avoid;border-top:1px solid #ddd;padding-top:3px}
.ex svg{display:block;height:auto}
.dose{color:#2f7d4f}
.foot{color:#666;font-size:9px;margin-top:6px}
@media screen{body{padding:12px}}
"""


def report_html(view: ProgressView, location: str = "", now: datetime | None = None) -> str:
    """The whole one-page report as an HTML document (print it, or save it as PDF from the browser)."""
    made = (now or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M")
    who = html.escape(view.profile) if view.profile else "everyone in this history"
    blocks = "".join(_exercise_block(ex, view) for ex in view.exercises)
    if not blocks:
        blocks = "<p>No set was saved in these days.</p>"
    source = f" from {html.escape(location)}" if location else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>posecheck report: {who}, {view.start} to {view.end}</title>"
        f"<style>{REPORT_CSS}{CALENDAR_CSS}</style></head><body>"
        f"<h1>Exercise report: {who}</h1>"
        f'<p class="meta">{view.start:%d %b %Y} to {view.end:%d %b %Y}. '
        f"Programme: {html.escape(view.programme_title)}.</p>"
        f"<p><b>{html.escape(summary_line(view))}.</b></p>"
        f"<h2>Days exercised</h2>{calendar_html(view)}"
        "<h2>Per exercise</h2>"
        '<p class="meta">Green: reps per day (bars) or seconds of each hold (dots), the band is the dose; '
        "red: form faults per rep.</p>"
        f'<div class="grid">{blocks}</div>'
        f'<p class="foot">Made by posecheck on {made}{source}. Counts from a camera: a guide, not a '
        "measurement; numbers only, no pictures are kept.</p></body></html>"
    )


def report_command(
    path: str | Path,
    records: Sequence[SessionRecord],
    profile: str | None,
    since: date | None,
    location: str = "",
    programme: str = "handout",
) -> int:
    """``posecheck history --report FILE.html``: the report from ``since`` (or four weeks ago) to today; exit code 0."""
    from posecheck.programme import load_programme

    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise PosecheckError(f"--report {out}: the report is HTML; give a name ending in .html")
    start, end = default_range()
    if since is not None:
        start = since
    chosen = select(records, profile, start, end)
    view = build_view(chosen, load_programme(programme), start, end, profile)
    try:
        out.write_text(report_html(view, location), encoding="utf-8")
    except OSError as exc:
        raise HistoryError(
            f"--report {out}: cannot write it ({exc.strerror}); choose another place"
        ) from None
    print(f"wrote {out} ({len(chosen)} sets, {view.days_exercised} days exercised)")
    return 0
