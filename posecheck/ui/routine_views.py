"""What the Routine page shows beside the video: the current exercise's progress and the end summary."""

from __future__ import annotations

import streamlit as st

from posecheck.coach.schema import RuleSet
from posecheck.dose import Counts, DosePlan, dose_text, left_text, status
from posecheck.routine import Outcome, RoutineSummary
from posecheck.ui import exercise_label
from posecheck.ui.live import LiveSession
from posecheck.ui.pages_live import _check_list, _cue_box

OUTCOME_WORDS = {"done": "done", "partial": "partly done", "skipped": "skipped"}


def live_counts(session: LiveSession) -> Counts:
    """What the live session has counted toward the dose so far."""
    snap = session.snapshot()
    sides = snap.has_sides
    return Counts(
        snap.reps_total, snap.reps_left if sides else None, snap.reps_right if sides else None, snap.holds
    )


def progress(rules: RuleSet, plan: DosePlan, session: LiveSession) -> None:
    """The current exercise beside the video: counts, hold timer, what is left of the dose, cue, camera check."""
    snap = session.snapshot()
    counts = live_counts(session)
    cols = st.columns(3 if rules.has_sides else 1)
    cols[0].metric("Reps", snap.reps_total, help=f"dose: {dose_text(plan)}")
    if rules.has_sides:
        cols[1].metric("Left", snap.reps_left)
        cols[2].metric("Right", snap.reps_right)
    if plan.counts_holds:
        st.caption(f"Full holds: {status(plan, counts).counted}")
    if plan.hold_s[1] > 0:
        target = plan.hold_s[0]
        st.progress(
            min(1.0, snap.hold_s / target) if target else 0.0,
            text=f"Hold {snap.hold_s:.1f} s of {target:g} s",
        )
    st.markdown(f"**Dose:** {dose_text(plan)} · **{left_text(plan, status(plan, counts))}**")
    _cue_box(snap)
    if snap.check is not None and snap.phase == "setup":
        _check_list(snap.check, rules)


def summary_view(result: RoutineSummary) -> None:
    """The end of the routine: how many done, partly done, skipped; each exercise; the top form notes."""
    st.subheader("Routine summary")
    cols = st.columns(3)
    outcomes: tuple[Outcome, ...] = ("done", "partial", "skipped")
    for col, outcome in zip(cols, outcomes, strict=True):
        col.metric(OUTCOME_WORDS[outcome].capitalize(), len(result.of(outcome)))
    # A plain table (not a data grid): it is read at a glance, printed and found by the browser test.
    rows = ["| exercise | outcome | counted | form notes |", "|---|---|---|---|"]
    for r in result.results:
        notes = ", ".join(f"{k.replace('_', ' ')} ×{v}" for k, v in r.faults.items()) or "–"
        rows.append(
            f"| {exercise_label(r.exercise)} | {OUTCOME_WORDS[r.outcome]} | {r.counted} of {r.needed} | {notes} |"
        )
    st.markdown("\n".join(rows))
    if result.top_faults:
        st.write(
            "Most common form notes: "
            + ", ".join(f"{k.replace('_', ' ')} ×{v}" for k, v in result.top_faults)
        )
    else:
        st.write("No form faults seen.")
