"""Tune page, part 2: agreement with the physiotherapist's own counts on several sessions, and
suggested thresholds with a left-one-session-out figure (posecheck.agreement, posecheck.suggest).

Counts are per browser session (st.session_state); "Save my counts" writes them beside recorded
tracks (posecheck.physio_labels). posecheck's count with the file's values is cached per session
and rule set, so a change to a control re-scores only the "your values" column.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from posecheck.agreement import (
    Agreement,
    Counted,
    compare_session,
    counted_from_label,
    counted_from_summary,
    label_from_counted,
    overall,
)
from posecheck.coach.engine import wanted_postures
from posecheck.coach.schema import RuleSet
from posecheck.coach.session import PreparedTrack, prepare_for, score_prepared
from posecheck.errors import PosecheckError
from posecheck.physio_labels import read_label, save_label
from posecheck.rep_marks import RepMark, counted_from_marks, label_reps, marks_from_label
from posecheck.suggest import Session, Suggestion, suggest
from posecheck.track import Track
from posecheck.ui import display_path
from posecheck.ui.tune_marks import marks_editor
from posecheck.ui.tuning import save_rules_text, to_toml, tuned_path, tuned_rules_dir

Sessions = dict[str, tuple[str, Callable[[], Track]]]
COUNTS_KEY, PREPARED_KEY, SUGGEST_KEY = "agree_counts", "agree_prepared", "agree_suggestion"
MAX_SESSIONS = 10  # prepared tracks kept per browser session: ten 10-minute sessions stay responsive


def _prepared(track_id: str, load: Callable[[], Track], rules: RuleSet) -> PreparedTrack:
    cache: dict[tuple[str, Any, tuple[str, ...]], PreparedTrack] = st.session_state.setdefault(
        PREPARED_KEY, {}
    )
    key = (track_id, rules.filter, wanted_postures(rules))
    if key not in cache:
        while len(cache) >= MAX_SESSIONS:
            cache.pop(next(iter(cache)))
        cache[key] = prepare_for(load(), rules)
    return cache[key]


def _rules_id(rules: RuleSet) -> str:
    return hashlib.sha1(rules.model_dump_json().encode()).hexdigest()


def counted(track_id: str, load: Callable[[], Track], rules: RuleSet) -> Counted:
    """posecheck's counts on one session with ``rules`` (cached per session and rule set)."""
    cache: dict[tuple[str, str], Counted] = st.session_state.setdefault(COUNTS_KEY, {})
    key = (track_id, _rules_id(rules))
    if key not in cache:
        while len(cache) >= 20 * MAX_SESSIONS:
            cache.pop(next(iter(cache)))
        cache[key] = counted_from_summary(score_prepared(rules, _prepared(track_id, load, rules)).summary)
    return cache[key]


def _track_file(label: str, folder: Path, saved: dict[str, Path]) -> Path | None:
    """The track file of a recorded or saved session (analysed and uploaded ones live only in this
    browser session); a saved session's counts go to labels.json in the history's tracks folder."""
    prefix = "recorded: "
    if label in saved:
        return saved[label]
    return folder / f"{label.removeprefix(prefix)}.npz" if label.startswith(prefix) else None


def _seconds(text: str) -> tuple[float, ...] | None:
    try:
        return tuple(float(x) for x in text.replace(";", ",").split(",") if x.strip())
    except ValueError:
        return None


def _count_inputs(label: str, rules: RuleSet, stored: dict[str, Any] | None, key: str) -> Counted | None:
    """The physiotherapist's counts for one session (None until the total is entered)."""
    first = counted_from_label(stored) if stored and stored.get("rep_count") is not None else None
    cols = st.columns([3, 1, 1, 1, 2] if rules.has_sides else [3, 1, 2])
    cols[0].markdown(f"**{label.split(': ', 1)[-1]}**")
    reps = cols[1].number_input(
        "Reps you counted", 0, 500, first.reps if first else None, 1, key=f"{key}:reps"
    )
    left = right = None
    if rules.has_sides:
        left = cols[2].number_input("Left", 0, 500, first.left if first else None, 1, key=f"{key}:left")
        right = cols[3].number_input("Right", 0, 500, first.right if first else None, 1, key=f"{key}:right")
    shown = ", ".join(f"{s:g}" for s in first.holds_s) if first else ""
    holds = cols[-1].text_input("Hold seconds (e.g. 20, 25)", shown, key=f"{key}:holds")
    seconds = _seconds(holds)
    if seconds is None:
        cols[-1].error("Hold seconds: numbers separated by commas")
        seconds = ()
    if reps is None:
        return None
    sided = left is not None or right is not None
    return Counted(int(reps), int(left or 0) if sided else None, int(right or 0) if sided else None, seconds)


def _marks(
    label: str,
    track_id: str,
    load: Callable[[], Track],
    rules: RuleSet,
    stored: dict[str, Any] | None,
    key: str,
) -> list[RepMark]:
    """The reps marked on the session's timeline (in an expander; none until some are marked)."""
    with st.expander(f"Mark the reps on the timeline: {label.split(': ', 1)[-1]}"):
        marks = marks_editor(key, _prepared(track_id, load, rules), rules, marks_from_label(stored))
        if marks:
            st.caption(f"Counted from your {len(marks)} marks: they replace the reps typed above.")
    return marks


def _label(exercise: str, counted: Counted, marks: list[RepMark]) -> dict[str, Any]:
    lab = label_from_counted(exercise, counted, "tune page")
    if marks:
        lab["reps"] = label_reps(marks)
    return lab


def _fmt(c: Counted | None) -> str:
    if c is None:
        return ""
    return f"{c.reps}" + (f" (L{c.left} R{c.right})" if c.left is not None and c.right is not None else "")


def _summary_row(title: str, a: Agreement) -> dict[str, Any]:
    return {
        "": title,
        "exact": f"{a.exact}/{a.sessions} ({a.exact_rate or 0:.0%})",
        "MAE (reps)": round(a.mae or 0.0, 2),
        "sides": "" if a.side_rate is None else f"{a.side_rate:.0%} of {a.sided}",
        "hold error (s)": "" if a.hold_mae_s is None else round(a.hold_mae_s, 1),
    }


def _diff(base: RuleSet, suggested: RuleSet, source: str) -> str:
    before = to_toml(base, base, source).splitlines()
    after = to_toml(suggested, base, source).splitlines()
    return "\n".join(difflib.unified_diff(before, after, source, "suggested", lineterm="", n=1))


def _suggestion_section(base: RuleSet, base_path: Path, exercise: str, found: Suggestion) -> None:
    st.markdown("**Suggested thresholds** (searched inside the ranges the rule file declares)")
    if not found.values:
        st.info("No change inside the declared ranges agrees better: the file's values are kept.")
        return
    st.code(_diff(base, found.rules, display_path(base_path)), language="diff")
    cols = st.columns([3, 1, 2])
    name = cols[0].text_input(
        f"Suggested file name in {display_path(tuned_rules_dir())}/",
        f"{exercise}-suggested.toml",
        key="agree_save_name",
    )
    overwrite = cols[1].checkbox("Overwrite", key="agree_overwrite")
    if cols[2].button("Save the suggestion", key="agree_save"):
        try:
            text = to_toml(found.rules, base, display_path(base_path))
            target = save_rules_text(text, tuned_path(name), overwrite=overwrite)
        except PosecheckError as exc:
            st.error(str(exc))
        else:
            st.success(f"Saved {display_path(target)}: `posecheck analyze VIDEO --exercise {exercise} "
                       f"--rules {display_path(target)}` uses it.")  # fmt: skip


def section(
    exercise: str,
    base: RuleSet,
    base_path: Path,
    tuned: RuleSet | None,
    sessions: Sessions,
    folder: Path,
    saved: dict[str, Path] | None = None,
) -> None:
    """The agreement table for the sessions chosen, and the Suggest button (``saved``: label -> track
    file of the history's sessions)."""
    st.subheader("Agreement with your own counts")
    st.caption(
        "Choose sessions you counted yourself and enter your counts: the table compares posecheck with "
        "you on all of them. 'Save my counts' keeps them beside recorded and saved sessions' tracks "
        "(labels.json)."
    )
    chosen = st.multiselect("Sessions you counted", list(sessions), key=f"agree_sessions_{exercise}")
    rows, pairs = [], []
    marked: dict[str, list[RepMark]] = {}
    for label in chosen[:MAX_SESSIONS]:
        track_id, load = sessions[label]
        path = _track_file(label, folder, saved or {})
        stored = read_label(path) if path else None
        physio = _count_inputs(label, base, stored, f"agree:{exercise}:{label}")
        marks = _marks(label, track_id, load, base, stored, f"agree:{exercise}:{label}")
        if marks:
            physio = counted_from_marks(marks, base.has_sides, physio.holds_s if physio else ())
        file_count = counted(track_id, load, base)
        yours = counted(track_id, load, tuned) if tuned is not None else None
        rows.append({"session": label, "you": _fmt(physio), "posecheck, file's values": _fmt(file_count),
                     "posecheck, your values": _fmt(yours)})  # fmt: skip
        if physio is not None:
            pairs.append((label, physio, file_count, yours, path))
            marked[label] = marks
    if len(chosen) > MAX_SESSIONS:
        st.warning(f"Only the first {MAX_SESSIONS} sessions are used.")
    if not pairs:
        return
    if st.button("Save my counts", key="agree_save_counts"):
        written = [save_label(p, _label(exercise, c, marked.get(n, []))) for n, c, _, _, p in pairs if p]
        where = ", ".join(sorted({display_path(w) for w in written}))
        st.success(f"Saved {len(written)} sessions' counts" + (f" in {where}" if written else ""))
    file_a = overall([compare_session(n, c, f) for n, c, f, _, _ in pairs])
    summary = [_summary_row("File's values", file_a)]
    if tuned is not None:
        summary.append(
            _summary_row("Your values", overall([compare_session(n, c, y) for n, c, _, y, _ in pairs if y]))
        )
    signature = (str(base_path), _rules_id(base), tuple((n, c) for n, c, *_ in pairs))
    if st.button("Suggest thresholds", type="primary", key="agree_suggest"):
        chosen_sessions = [Session(n, sessions[n][1](), c) for n, c, *_ in pairs]
        with st.spinner("Searching the declared ranges, then once per session left out…"):
            try:
                st.session_state[SUGGEST_KEY] = (signature, suggest(base, chosen_sessions))
            except PosecheckError as exc:
                st.error(str(exc))
    stored = st.session_state.get(SUGGEST_KEY)
    found: Suggestion | None = stored[1] if stored and stored[0] == signature else None
    if found is not None:
        by_name = {a.name: (a, b) for a, b in zip(found.after, found.left_out)}
        for row in rows:
            after, out = by_name.get(row["session"], (None, None))
            row["posecheck, suggested"] = _fmt(after.posecheck) if after else ""
            row["left-one-out"] = _fmt(out.posecheck) if out else ""
        summary += [_summary_row("Suggested, in sample", found.summary["after"]),
                    _summary_row("Suggested, left-one-session-out", found.summary["left_one_out"])]  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")
    cols = st.columns(3)
    cols[0].metric("Exact agreement (file)", f"{file_a.exact}/{file_a.sessions}")
    if found is not None:
        after_a, out_a = found.summary["after"], found.summary["left_one_out"]
        cols[1].metric("Exact agreement (suggested)", f"{after_a.exact}/{after_a.sessions}")
        cols[2].metric("Exact agreement (left-one-out)", f"{out_a.exact}/{out_a.sessions}")
    st.dataframe(summary, hide_index=True, width="stretch")
    if found is not None:
        _suggestion_section(base, base_path, exercise, found)
    elif stored is not None:
        st.caption("Counts or sessions changed since the last suggestion: press 'Suggest thresholds' again.")
