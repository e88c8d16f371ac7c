"""The Progress page: the adherence calendar, each exercise over time, CSV and a printable report.

Reads the history (``POSECHECK_DB``) each time it is drawn and keeps nothing between sessions:
the filters live in the browser session's widgets and the address (``?programme=&profile=&from=&to=``).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from posecheck.errors import PosecheckError
from posecheck.history.export import to_csv
from posecheck.programme import DEFAULT_PROGRAMME, load_programme, shipped_programmes
from posecheck.progress import ProgressView, build_view, default_range, profiles, select
from posecheck.progress_load import load_history
from posecheck.progress_report import calendar_html, report_html, summary_line
from posecheck.ui.progress_figures import done_figure, faults_figure

EVERYONE = "everyone"


def _pick(label: str, options: list[str], param: str, key: str) -> str:
    """A selectbox that starts from the address's ``param`` and writes its choice back there."""
    wanted = st.query_params.get(param)
    if key not in st.session_state:
        st.session_state[key] = wanted if wanted in options else options[0]

    def changed() -> None:
        st.query_params[param] = st.session_state[key]

    return str(st.selectbox(label, options, key=key, on_change=changed))


def _day_param(name: str) -> date | None:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


def _dates() -> tuple[date, date] | None:
    """The days shown: the address's ``?from=&to=`` (a link to the same view), else the last four weeks."""
    start, end = default_range()
    asked = (_day_param("from") or start, _day_param("to") or end)
    if "progress_days" not in st.session_state:
        st.session_state["progress_days"] = asked if asked[0] <= asked[1] else (start, end)

    def changed() -> None:
        picked = st.session_state["progress_days"]
        if isinstance(picked, tuple) and len(picked) == 2:
            st.query_params["from"], st.query_params["to"] = picked[0].isoformat(), picked[1].isoformat()

    picked = st.date_input("Days", key="progress_days", format="YYYY-MM-DD", on_change=changed)
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.caption("Pick the last day too.")
        return None
    return picked[0], picked[1]


def _sets_table(view: ProgressView) -> None:
    rows = [
        {
            "day": d.day.isoformat(),
            "exercise": ex.title,
            "sets": d.sessions,
            "reps": d.reps_total,
            "holds": len(d.hold_seconds),
            "counted / dose": f"{d.counted} / {d.needed}" if ex.plan is not None else str(d.counted),
            "faults": ", ".join(f"{k} x{n}" for k, n in d.faults.items()) or "none",
            "note": "broken off" if d.partial else "",
        }
        for ex in view.exercises
        for d in ex.days
    ]
    rows.sort(key=lambda r: r["day"], reverse=True)
    st.dataframe(rows, hide_index=True, width="stretch", key="progress_sets")


def page() -> None:
    """The Progress page."""
    st.title("Progress")
    top = st.columns([2, 1, 2])
    with top[2]:
        days = _dates()
    if days is None:
        return
    # Only the chosen days are read: a year of daily sets takes seconds to load whole.
    loaded = load_history(since=days[0])
    if loaded.error:
        st.error(loaded.error)
    elif loaded.notice:
        st.info(loaded.notice)
    records = loaded.records
    with top[0]:
        shipped = shipped_programmes() or [DEFAULT_PROGRAMME]
        name = _pick("Programme", shipped, "programme", "progress_programme")
    with top[1]:
        # The profiles of these days, and the one asked for even when it has nothing in them.
        asked = st.session_state.get("progress_profile") or st.query_params.get("profile")
        names = sorted({*profiles(records), *([asked] if asked and asked != EVERYONE else [])})
        who = _pick("Profile", [EVERYONE, *names], "profile", "progress_profile")
    try:
        programme = load_programme(name)
    except PosecheckError as exc:
        st.error(str(exc))
        programme = None
    profile = None if who == EVERYONE else who
    chosen = select(records, profile, *days)
    view = build_view(chosen, programme, days[0], days[1], profile)
    st.markdown(f"**{summary_line(view)}.**")
    st.html(calendar_html(view))
    d = st.columns(2)
    stem = f"posecheck-{profile or 'all'}-{days[0]}-{days[1]}"
    d[0].download_button(
        "Sets as CSV",
        to_csv(chosen),
        f"{stem}.csv",
        "text/csv",
        icon=":material/download:",
        key="progress_csv",
        on_click="ignore",
    )
    d[1].download_button(
        "Report for the physiotherapist (print-ready HTML)",
        # Made when asked for (its charts take a few tenths of a second each), not at every redraw.
        lambda: report_html(view, loaded.location),
        f"{stem}-report.html",
        "text/html",
        icon=":material/print:",
        key="progress_report",
        on_click="ignore",
        help="Open the file in a browser and print it (one page), or save it as PDF from the print dialog.",
    )
    if not view.exercises:
        st.caption("No set was saved in these days.")
        return
    _sets_table(view)
    for ex in view.exercises:
        st.subheader(ex.title)
        note = "" if ex.in_programme else " (not in this programme: the rule file's dose)"
        st.caption(f"Dose: {ex.dose}{note}")
        c = st.columns(2)
        c[0].plotly_chart(done_figure(ex, *days), width="stretch", key=f"progress_done_{ex.exercise}")
        c[1].plotly_chart(faults_figure(ex, *days), width="stretch", key=f"progress_faults_{ex.exercise}")
