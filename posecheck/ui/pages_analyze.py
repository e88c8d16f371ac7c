"""Page 2: analyse an uploaded video (annotated video, per-rep table, plot, cues, downloads).

The upload is written to a private temporary folder that is removed as soon as
the analysis is over; results are kept in the browser session as bytes. The
landmark track is kept too, so analysing again with other rules (a tuned file)
re-scores the saved landmarks and redraws the video without running the model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from posecheck.analyze import analyze, analyze_track, remove_tree, safe_tempdir
from posecheck.coach.engine import Coach
from posecheck.coach.feedback import SessionSummary
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import person_frames, prepare_for, score_prepared
from posecheck.errors import PosecheckError
from posecheck.report import doubt_lines, plot_series, plot_thresholds, uncounted_lines
from posecheck.track import Track
from posecheck.ui import display_path, pick_exercise, pick_rules
from posecheck.ui.history_save import offer, save_choice, to_keep
from posecheck.ui.live import key_label_unit

MAX_UPLOAD_MB = 500  # keep equal to server.maxUploadSize in .streamlit/config.toml
UPLOAD_TYPES = ["mp4", "mov", "m4v", "webm", "mkv", "avi", "gif", "jpg", "jpeg", "png"]
RESULT_KEY = "analysis_result"
TRACKS_KEY = "analysed_tracks"  # upload id -> AnalysedTrack; the tuning page lists these too
ProgressFn = Callable[[int, int], None]


@dataclass
class AnalysedTrack:
    """Landmarks of an uploaded video, kept for re-analysis and tuning."""

    name: str
    exercise: str
    track: Track


@dataclass
class AnalysisView:
    """Everything the results section shows, as plain data and bytes."""

    name: str
    exercise: str
    rules_label: str
    rules: RuleSet
    report: dict[str, Any]
    files: dict[str, bytes]
    figure: Any
    reused_landmarks: bool
    extra: dict[str, Any] = field(default_factory=dict)


def upload_id(name: str, data: bytes) -> str:
    """Stable id of an upload (same file, same id) for the landmark cache."""
    return f"{name}:{len(data)}:{hashlib.sha1(data).hexdigest()[:16]}"


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name).name).strip("._") or "upload"
    return stem[-100:]


def annotate_from_track(video: Path, track: Track, rules: RuleSet, out: Path, progress: ProgressFn) -> None:
    """Draw the coach overlay on ``video`` using its saved landmarks (no pose model)."""
    from posecheck.draw import draw_feedback
    from posecheck.extract import iter_frames
    from posecheck.video import VideoReader
    from posecheck.writer import VideoWriter

    frames, info = iter_frames(video)
    coach = Coach(rules, track.width, track.height)
    label, unit = key_label_unit(rules)
    try:
        with VideoWriter(out) as writer:
            for frame in frames:
                if frame.index >= len(track):
                    break
                xy, z, vis, people = person_frames(track, frame.index)
                fb = coach.update(float(track.t[frame.index]), xy, z, vis, people)
                writer.write(
                    draw_feedback(frame.image, fb, key_label=label, key_unit=unit, has_sides=rules.has_sides),
                    frame.t,
                )
                progress(frame.index + 1, len(track))
    finally:
        reader = info.get("reader")
        if isinstance(reader, VideoReader):
            reader.close()


def _figure(rules: RuleSet, track: Track, report_title: str) -> Any:
    from posecheck.report import metrics_figure

    scored = score_prepared(rules, prepare_for(track, rules))
    s = scored.summary
    return metrics_figure(
        plot_series(rules, scored.t, scored.series),
        plot_thresholds(rules),
        s.rep_events,
        s.holds,
        report_title,
    )


def run_analysis(
    name: str, data: bytes, rules: RuleSet, cached: Track | None, progress: ProgressFn
) -> tuple[dict[str, Any], dict[str, bytes], Track, SessionSummary]:
    """Analyse uploaded bytes in a temporary folder (removed afterwards): report, files, track and summary."""
    tmp = safe_tempdir("posecheck-upload-")
    try:
        source = tmp / _safe_name(name)
        source.write_bytes(data)
        out = tmp / "out"
        if cached is None:
            result = analyze(source, rules, out, force=True, progress=progress)
            track = Track.load(result.files["track.npz"])
        else:
            result = analyze_track(cached, rules, out, force=True)
            track = cached
            if not track.meta.get("still"):
                annotate_from_track(source, track, rules, out / "annotated.mp4", progress)
                result.files["annotated.mp4"] = out / "annotated.mp4"
        files = {k: p.read_bytes() for k, p in result.files.items() if k != "track.npz" and p.is_file()}
        return result.report, files, track, result.summary
    finally:
        remove_tree(tmp)


def _progress_bar(label: str) -> ProgressFn:
    bar = st.progress(0.0, text=label)
    last = [-1]

    def update(done: int, total: int) -> None:
        # Every frame would flood the browser with messages; whole percents are plenty.
        pct = int(100 * done / total) if total > 0 else 0
        if pct != last[0]:
            last[0] = pct
            bar.progress(min(pct, 100) / 100, text=f"{label} frame {done} of {total or '?'}")

    return update


def hold_rows(holds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The holds of a report.json as table rows; a hold made of several positions lists them."""
    rows = []
    for number, hold in enumerate(holds, start=1):
        positions = hold.get("positions") or []
        rows.append(
            {
                "hold": number,
                "start (s)": round(hold["start_s"], 1),
                "held (s)": round(hold["seconds"], 1),
                "long enough": "yes" if hold.get("reached_target") else "no",
                "positions (s)": ", ".join(f"{p['seconds']:.1f}" for p in positions)
                if len(positions) > 1
                else "",
            }
        )
    return rows


def not_counted_lines(report: dict[str, Any]) -> list[str]:
    """A line per movement of a report.json seen but not counted, and per counted rep with doubts,
    with why (none in an older report)."""
    return uncounted_lines(report.get("uncounted") or []) + doubt_lines(report.get("rep_events") or [])


def _tables(report: dict[str, Any], has_sides: bool) -> None:
    def num(x: Any, digits: int) -> Any:
        return round(x, digits) if isinstance(x, int | float) else x

    rows = []
    for n, r in enumerate(report.get("rep_events", []), start=1):
        row = {"rep": n, "side": r.get("side") or ""} if has_sides else {"rep": n}
        row |= {
            "start (s)": num(r.get("start_s"), 1),
            "duration (s)": num((r.get("end_s") or 0) - (r.get("start_s") or 0), 1),
            "hold (s)": num(r.get("hold_s"), 1),
            "peak": num(r.get("peak"), 1),
            "faults": ", ".join(r.get("faults", [])) or "none",
            "confidence": num(r.get("confidence", 1.0), 2),
        }
        rows.append(row)
    st.markdown("**Repetitions**")
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.caption("No complete repetition was found.")
    for line in not_counted_lines(report):
        st.info(line, icon=":material/info:")
    holds = hold_rows(report.get("holds", []))
    if holds:
        st.markdown("**Holds**")
        st.dataframe(holds, hide_index=True, width="stretch")
    cues = report.get("cues", [])
    st.markdown(f"**Cues** ({len(cues)})")
    if cues:
        st.dataframe(
            [
                {"time (s)": num(c.get("t_s"), 1), "severity": c.get("severity"), "cue": c.get("text")}
                for c in cues
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No cue was given.")


def results(view: AnalysisView, rules_now: RuleSet) -> None:
    """Show one analysis: counts, video, per-rep table, plot, cues and downloads."""
    report = view.report
    st.subheader(f"Results: {view.name}")
    note = " (saved landmarks re-scored: the pose model did not run again)" if view.reused_landmarks else ""
    st.caption(f"Exercise {view.exercise} with {view.rules_label}{note}.")
    if view.rules != rules_now:
        st.info(
            "These results are for other rules than the ones selected: press the button above to re-analyse."
        )
    reps = report.get("reps", {})
    has_sides = reps.get("left") is not None
    cols = st.columns(5 if has_sides else 3)
    cols[0].metric(
        "Reps", reps.get("total", 0), help=f"handout: {view.rules.dose.reps[0]}-{view.rules.dose.reps[1]}"
    )
    i = 1
    if has_sides:
        cols[1].metric("Left", reps.get("left", 0))
        cols[2].metric("Right", reps.get("right", 0))
        i = 3
    holds = report.get("holds", [])
    cols[i].metric("Holds", len(holds), help="held positions (stretches, static holds)")
    frames = report.get("frames", {})
    total = frames.get("total") or 0
    cols[i + 1].metric(
        "Frames with a person", f"{100 * (frames.get('with_pose') or 0) / total:.0f} %" if total else "-"
    )
    still = report.get("still")
    if still:  # a picture: which position it shows, and what to correct
        st.info(still.get("note", ""))
        for cue in still.get("cues", []):
            st.warning(cue)
    for warning in report.get("warnings", []):
        st.warning(warning)
    for text in report.get("notes", []):
        st.caption(text)
    if report.get("partial"):
        st.warning(
            f"The video broke off part-way ({report.get('stop_reason', '')}): results cover what was read."
        )
    video = view.files.get("annotated.mp4")
    # A portrait phone video at full page width would be taller than the screen: it gets a column.
    vcol, tcol = st.columns([2, 3], gap="large")
    if video:
        vcol.video(video, format="video/mp4")
    with tcol:
        _tables(report, has_sides)
    if view.figure is not None:
        st.plotly_chart(view.figure, width="stretch")
    stem = Path(view.name).stem
    d = st.columns(3)
    icon = ":material/download:"
    if "report.json" in view.files:
        d[0].download_button(
            "report.json", view.files["report.json"], f"{stem}-report.json", "application/json", icon=icon
        )
    if "reps.csv" in view.files:
        d[1].download_button("reps.csv", view.files["reps.csv"], f"{stem}-reps.csv", "text/csv", icon=icon)
    if video:
        d[2].download_button("Annotated video", video, f"{stem}-annotated.mp4", "video/mp4", icon=icon)


def page() -> None:
    """The video analysis page."""
    st.title("Analyse a video")
    if st.toggle("Find the exercise", key="find_exercise", help="a recording of one or several exercises"):
        from posecheck.ui.find_exercise import find_section

        return find_section(MAX_UPLOAD_MB)
    top = st.columns(2)
    with top[0]:
        exercise = pick_exercise("analyze")
    if exercise is None:
        return
    with top[1]:
        picked = pick_rules(exercise, "analyze")
    if picked is None:
        return
    rules, rules_path = picked
    uploaded = st.file_uploader(
        f"Video of the exercise (up to {MAX_UPLOAD_MB} MB; mp4, mov, webm, avi, mkv, gif, or a photo)",
        type=UPLOAD_TYPES,
        key="analyze_upload",
        help="The file is kept in a temporary folder only while it is analysed, then deleted. Nothing is "
        "uploaded to the internet: this app runs on your computer.",
    )
    save, profile = save_choice()
    if uploaded is not None:
        if uploaded.size > MAX_UPLOAD_MB * 1024 * 1024:
            st.error(
                f"{uploaded.name} is {uploaded.size / 1e6:.0f} MB; the limit is {MAX_UPLOAD_MB} MB. Trim or "
                "re-encode it (or run 'posecheck analyze' on the command line, which has no limit)."
            )
            return
        data = uploaded.getvalue()
        uid = upload_id(uploaded.name, data)
        tracks: dict[str, AnalysedTrack] = st.session_state.setdefault(TRACKS_KEY, {})
        cached = tracks.get(uid)
        label = "Analyse" if cached is None else "Analyse again with the selected rules"
        if cached is not None:
            st.caption(
                "Landmarks of this video are saved: analysing again re-scores them without the pose model."
            )
        if st.button(label, type="primary", key="analyze_run"):
            try:
                first = "Finding the body:" if cached is None else "Redrawing:"
                report, files, track, summary = run_analysis(
                    uploaded.name, data, rules, cached.track if cached else None, _progress_bar(first)
                )
                tracks[uid] = AnalysedTrack(uploaded.name, exercise, track)
                title = f"{rules.title}: {report.get('reps', {}).get('total', 0)} reps"
                st.session_state[RESULT_KEY] = AnalysisView(
                    name=uploaded.name,
                    exercise=exercise,
                    rules_label=display_path(rules_path),
                    rules=rules,
                    report=report,
                    files=files,
                    figure=_figure(rules, track, title),
                    reused_landmarks=cached is not None,
                    extra=to_keep(summary, rules_path, report, track),
                )
            except PosecheckError as exc:
                st.error(str(exc))
                return
            st.rerun()  # draw the page again from the saved state (button label, results)
    view: AnalysisView | None = st.session_state.get(RESULT_KEY)
    if view is not None and view.exercise == exercise:
        offer(view.extra, save, profile)
        results(view, rules)
    elif view is not None:
        st.caption(f"The last analysis ({view.name}) was for {view.exercise}.")
