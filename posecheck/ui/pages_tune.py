"""Page 3: tune a rule file's thresholds on a recorded session and save the result as TOML.

Controls are generated from the rule schema (posecheck.ui.tuning), so every
number in the file can be tuned. The recorded session's landmarks are
prepared once per smoothing setting; each change only re-runs the coach's state
machines (tens of milliseconds), so results follow the controls at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from posecheck.analyze import remove_tree, safe_tempdir
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import PreparedTrack, ScoredSession, prepare_for, score_prepared
from posecheck.errors import PosecheckError
from posecheck.report import plot_series, plot_thresholds
from posecheck.track import Track
from posecheck.ui import display_path, pick_exercise, pick_rules
from posecheck.ui.history_ui import current_profile
from posecheck.ui.pages_analyze import TRACKS_KEY, AnalysedTrack
from posecheck.ui.tune_agreement import section as agreement_section
from posecheck.ui.tune_saved import saved_sessions
from posecheck.ui.tuning import (
    SECTION_TITLES,
    Tunable,
    apply_values,
    changes,
    repo_root,
    save_rules_text,
    to_toml,
    tunable_fields,
    tuned_path,
    tuned_rules_dir,
)

PREPARED_KEY = "tune_prepared"
MAX_PREPARED = 4  # prepared tracks kept per browser session (one per track and smoothing setting)


def sample_tracks_dir() -> Path:
    """Landmark tracks of the project's test clips."""
    return repo_root() / "sample_videos" / "tracks"


@st.cache_resource(show_spinner=False, max_entries=32)
def _load_track(path: str, mtime: float) -> Track:
    # Tracks are only read after loading, so one copy can serve every session.
    del mtime  # part of the cache key: a rewritten file is loaded again
    return Track.load(path)


def _track_from_bytes(data: bytes) -> Track:
    # Track.load reads a file; the upload lives in memory, so it passes through a private temporary file.
    tmp = safe_tempdir("posecheck-track-")
    try:
        path = tmp / "track.npz"
        path.write_bytes(data)
        return Track.load(path)
    finally:
        remove_tree(tmp)


def _same(track: Track) -> Track:
    return track


def saved_files(exercise: str) -> dict[str, Path]:
    """Label -> track file of the history's sessions of ``exercise`` that kept a track (the sidebar's
    profile's only, if one is set); a history that cannot be read is one caption."""
    files, error = saved_sessions(exercise, current_profile())
    if error:
        st.caption(f"Saved sessions are not listed: {error}")
    return files


def recorded_sessions(
    exercise: str, saved: dict[str, Path] | None = None
) -> dict[str, tuple[str, Callable[[], Track]]]:
    """Label -> (cache id, loader) of the sessions that can be tuned on (``saved``: label -> file)."""
    out: dict[str, tuple[str, Callable[[], Track]]] = {}
    folder = sample_tracks_dir() / exercise
    files = [(f"recorded: {p.stem}", p) for p in sorted(folder.glob("*.npz"))] if folder.is_dir() else []
    for label, path in [*files, *(saved or {}).items()]:
        try:
            mtime = path.stat().st_mtime
        except OSError:  # deleted since it was listed
            continue
        out[label] = (f"{path}:{mtime}", partial(_load_track, str(path), mtime))
    analysed: dict[str, AnalysedTrack] = st.session_state.get(TRACKS_KEY, {})
    for uid, item in analysed.items():
        if item.exercise == exercise:
            out[f"analysed: {item.name}"] = (uid, partial(_same, item.track))
    uploaded: dict[str, tuple[str, Track]] = st.session_state.get("tune_uploaded_tracks", {})
    for uid, (name, track) in uploaded.items():
        out[f"uploaded: {name}"] = (uid, partial(_same, track))
    return out


def prepared(track_id: str, track: Track, rules: RuleSet) -> PreparedTrack:
    """The track prepared with ``rules.filter`` (cached per track and smoothing setting)."""
    cache: dict[tuple[str, Any, str], PreparedTrack] = st.session_state.setdefault(PREPARED_KEY, {})
    key = (track_id, rules.filter, rules.posture.required)
    if key not in cache:
        while len(cache) >= MAX_PREPARED:
            cache.pop(next(iter(cache)))
        with st.spinner("Preparing landmarks (once per smoothing setting)…"):
            cache[key] = prepare_for(track, rules)
    return cache[key]


def _format(f: Tunable) -> str:
    return "%d" if f.kind == "int" else {1.0: "%.1f", 0.1: "%.2f"}.get(f.step, "%.3f")


def controls(fields: list[Tunable], prefix: str) -> dict[str, float]:
    """One number input per tunable field, grouped by section; returns the values that differ."""
    values: dict[str, float] = {}
    sections: dict[str, list[Tunable]] = {}
    for f in fields:
        sections.setdefault(f.section, []).append(f)
    order = ["movement", "checks", "timing", "dose", "posture", "positions", "filter"]
    for section in sorted(sections, key=lambda s: order.index(s) if s in order else len(order)):
        items = sections[section]
        with st.expander(SECTION_TITLES.get(section, section), expanded=section in ("movement", "checks")):
            cols = st.columns(2)
            for i, f in enumerate(items):
                key = f"{prefix}{f.key}"
                with cols[i % 2]:
                    if f.kind == "int":
                        value: float = (
                            st.number_input(
                                f.label,
                                value=int(f.value),
                                min_value=None if f.minimum is None else int(f.minimum),
                                max_value=None if f.maximum is None else int(f.maximum),
                                step=1,
                                key=key,
                                help=f"{f.key}" + (f": {f.help}" if f.help else ""),
                            )
                            or 0
                        )
                    else:
                        value = (
                            st.number_input(
                                f.label,
                                value=float(f.value),
                                min_value=f.minimum,
                                max_value=f.maximum,
                                step=f.step,
                                format=_format(f),
                                key=key,
                                help=f"{f.key}" + (f": {f.help}" if f.help else ""),
                            )
                            or 0.0
                        )
                if float(value) != f.value:
                    values[f.key] = float(value)
    return values


def _result_column(title: str, scored: ScoredSession, rules: RuleSet, suffix: str, base: int | None) -> None:
    s = scored.summary
    st.markdown(f"**{title}**")
    delta = None if base is None else s.reps_total - base
    st.metric(f"Reps ({suffix})", s.reps_total, delta=delta if delta else None)
    st.metric(
        f"Not counted ({suffix})",
        len(s.uncounted),
        help="movements seen but not counted (the analyse page and report.json say why)",
    )
    if rules.has_sides:
        st.metric(f"Left ({suffix})", s.reps_left or 0)
        st.metric(f"Right ({suffix})", s.reps_right or 0)
    st.metric(f"Holds ({suffix})", len(s.holds))
    faults = Counter(f for r in s.rep_events for f in r.faults)
    st.caption("Faults: " + (", ".join(f"{k} ×{v}" for k, v in faults.items()) if faults else "none"))
    why = Counter(u.text or u.reason for u in s.uncounted)
    if why:
        st.caption("Not counted: " + ", ".join(f"{text} ×{n}" for text, n in why.most_common()))
    cues = Counter(c.text for c in s.cues)
    if cues:
        st.markdown("\n".join(f"- {text} (×{n})" for text, n in cues.most_common()))
    else:
        st.caption("No cues.")


def _figure(rules: RuleSet, scored: ScoredSession, title: str) -> Any:
    from posecheck.report import metrics_figure

    s = scored.summary
    return metrics_figure(
        plot_series(rules, scored.t, scored.series), plot_thresholds(rules), s.rep_events, s.holds, title
    )


def _save_section(tuned: RuleSet, base: RuleSet, base_path: Path, exercise: str) -> None:
    text = to_toml(tuned, base, display_path(base_path))
    st.subheader("Save")
    diff = changes(base, tuned)
    if diff:
        st.dataframe(
            [{"setting": k, "file": old, "tuned": new} for k, old, new in diff],
            hide_index=True,
            width="stretch",
        )
    cols = st.columns([3, 1, 2])
    name = cols[0].text_input(
        f"File name in {display_path(tuned_rules_dir())}/",
        value=f"{exercise}-tuned.toml",
        key="tune_save_name",
    )
    overwrite = cols[1].checkbox("Overwrite", key="tune_overwrite")
    if cols[2].button("Save rule file", type="primary", key="tune_save"):
        try:
            target = save_rules_text(text, tuned_path(name), overwrite=overwrite)
        except PosecheckError as exc:
            st.error(str(exc))
        else:
            st.success(
                f"Saved {display_path(target)}. Choose it under 'Rule file' on any page, or run "
                f"`posecheck analyze VIDEO --exercise {exercise} --rules {display_path(target)}`."
            )
    st.download_button(
        "Download the tuned rule file (TOML)", text, f"{exercise}-tuned.toml", "application/toml"
    )


def page() -> None:
    """The threshold tuning page."""
    st.title("Tune thresholds")
    top = st.columns(2)
    with top[0]:
        exercise = pick_exercise("tune")
    if exercise is None:
        return
    with top[1]:
        picked = pick_rules(exercise, "tune")
    if picked is None:
        return
    base, base_path = picked
    saved = saved_files(exercise)
    sessions = recorded_sessions(exercise, saved)
    row = st.columns([3, 2])
    with row[1]:
        upload = st.file_uploader(
            "…or a landmark track (.npz from 'posecheck extract')", type=["npz"], key="tune_npz"
        )
        if upload is not None:
            store: dict[str, tuple[str, Track]] = st.session_state.setdefault("tune_uploaded_tracks", {})
            uid = f"npz:{upload.name}:{upload.size}:{upload.file_id}"
            if uid not in store:
                try:
                    store[uid] = (upload.name, _track_from_bytes(upload.getvalue()))
                except PosecheckError as exc:
                    st.error(f"{upload.name}: {exc}")
            sessions = recorded_sessions(exercise, saved)
    with row[0]:
        if not sessions:
            st.info(
                f"No recorded session for {exercise}: analyse a video on the 'Analyse a video' page (tick "
                "'Save in my history' to find it here later), or upload a landmark track."
            )
            return
        label = st.selectbox("Recorded session", list(sessions), key=f"tune_session_{exercise}")
    track_id, load = sessions[label]
    try:
        track = load()
    except PosecheckError as exc:
        st.error(str(exc))
        return
    st.caption(f"{len(track)} frames, {track.t[-1] - track.t[0] if len(track) else 0:.1f} s.")

    fields = tunable_fields(base)
    prefix = f"tune:{base_path}:"

    def reset() -> None:
        for f in fields:
            st.session_state.pop(f"{prefix}{f.key}", None)

    ctrl, res = st.columns([3, 2], gap="large")
    with ctrl:
        st.button("Reset to the file's values", on_click=reset, key="tune_reset")
        values = controls(fields, prefix)
    tuned: RuleSet | None = base
    if values:
        try:
            tuned = apply_values(base, values)
        except PosecheckError as exc:
            with res:
                st.error(f"These values do not make a valid rule file: {exc}")
            tuned = None
    default_scored = score_prepared(base, prepared(track_id, track, base))
    tuned_scored = None if tuned is None else score_prepared(tuned, prepared(track_id, track, tuned))
    with res:
        st.subheader("Results on this session")
        st.caption(f"{label}, rules from {display_path(base_path)}")
        left, right = st.columns(2)
        with left:
            _result_column("File's values", default_scored, base, "file", None)
        if tuned is not None and tuned_scored is not None:
            with right:
                _result_column(
                    "Your values" if values else "Your values (none changed yet)",
                    tuned_scored,
                    tuned,
                    "tuned",
                    default_scored.summary.reps_total,
                )
    tabs = st.tabs(["Plot with your values", "Plot with the file's values"])
    if tuned is not None and tuned_scored is not None:
        with tabs[0]:
            st.plotly_chart(
                _figure(tuned, tuned_scored, f"Your values: {tuned_scored.summary.reps_total} reps"),
                width="stretch",
            )
    with tabs[1]:
        st.plotly_chart(
            _figure(base, default_scored, f"File's values: {default_scored.summary.reps_total} reps"),
            width="stretch",
        )
    if tuned is not None:
        _save_section(tuned, base, base_path, exercise)
    agreement_section(exercise, base, base_path, tuned, sessions, sample_tracks_dir() / exercise, saved)
