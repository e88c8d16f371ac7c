"""The analyse page's choice to keep a result in the history, as ``posecheck analyze --save`` does.

:func:`keep` is plain Python (tested without Streamlit); :func:`save_choice` and :func:`offer`
are the widgets. The profile is the sidebar's, one per browser session as for live sets. A history
that cannot be written is one warning line: the analysis stays shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from posecheck.coach.feedback import SessionSummary
from posecheck.errors import HistoryError
from posecheck.history import HistoryStore
from posecheck.history.tracks import save_analysed
from posecheck.track import Track

SAVE_KEY = "analyze_save"
OUTCOME = "history"  # key of the outcome in an AnalysisView's ``extra``


@dataclass(frozen=True)
class SaveOutcome:
    """What happened to one result: saved (its session id), not saved (why), or nothing to save."""

    kind: Literal["saved", "warning", "info"]
    message: str
    session_id: int | None = None


def keep(
    summary: SessionSummary,
    rules_file: str | Path,
    profile: str | None,
    partial: bool,
    still: bool,
    location: str | Path | None = None,
    track: Track | None = None,
) -> SaveOutcome:
    """Save an analysed video's result in the history (source "video"), with its landmark track
    (person 0 only; unless ``POSECHECK_KEEP_TRACKS=0``); never raises for the database."""
    if still:
        return SaveOutcome("info", "A single picture is not a session: nothing was saved in the history.")
    try:
        with HistoryStore.open(location) as store:
            session_id, note = save_analysed(
                store, summary, rules_file, profile=profile, partial=partial, track=track
            )
    except HistoryError as exc:
        return SaveOutcome("warning", f"Not saved in the history: {exc}")
    whose = f" for {profile}" if profile else ""
    said = f"Saved in the history{whose} as session {session_id} ({store.location})."
    return (
        SaveOutcome("warning", f"{said} But {note}", session_id)
        if note
        else SaveOutcome("saved", said, session_id)
    )


def to_keep(
    summary: SessionSummary, rules_file: str | Path, report: dict[str, Any], track: Track | None = None
) -> dict[str, Any]:
    """What saving an analysis later needs, kept with it (an AnalysisView's ``extra``)."""
    return {
        "summary": summary,
        "track": track,
        "rules_path": rules_file,
        "partial": bool(report.get("partial")),
        "still": bool(report.get("still")),
    }


def save_choice() -> tuple[bool, str | None]:
    """The checkbox; (save?, the sidebar's profile name or None)."""
    import streamlit as st

    from posecheck.ui.history_ui import current_profile

    profile = current_profile()
    save = st.checkbox(
        "Save in my history",
        key=SAVE_KEY,
        help="Keep the counts of this video for the Progress page, and its tracked person's body "
        "landmarks for re-scoring on the Tune page (never the video). "
        "A physiotherapist analysing several people's videos keeps each person's apart with the "
        "sidebar's profile name.",
    )
    if save:
        st.caption(
            f"Saved under the profile {profile!r} (the sidebar's)." if profile else "Saved without a profile."
        )
    return save, profile if save else None


def offer(extra: dict[str, Any], save: bool, profile: str | None) -> None:
    """Save the shown result once when the box is ticked (before or after analysing), and say how it went."""
    import streamlit as st

    outcome: SaveOutcome | None = extra.get(OUTCOME)
    if outcome is None and save and "summary" in extra:
        outcome = keep(extra["summary"], extra["rules_path"], profile, extra["partial"], extra["still"],
                       track=extra.get("track"))  # fmt: skip
        extra[OUTCOME] = outcome
    if outcome is None:
        return
    show = {"saved": st.success, "warning": st.warning, "info": st.info}[outcome.kind]
    show(outcome.message)
