"""The app's side of the history: the profile box, each browser session's writer, its one-line problem.

Everything lives in ``st.session_state``: two browser sessions never share a writer or a profile.
"""

from __future__ import annotations

from pathlib import Path

from posecheck.history.live_sets import HistoryWriter, SetInfo

PROFILE_KEY = "profile"
WRITER_KEY = "history_writer"


def profile_box() -> None:
    """Sidebar: an optional profile name saved with every set (``?profile=`` fills it in)."""
    import streamlit as st

    if PROFILE_KEY not in st.session_state:
        st.session_state[PROFILE_KEY] = st.query_params.get(PROFILE_KEY, "")
    st.sidebar.text_input(
        "Profile (optional)",
        key=PROFILE_KEY,
        max_chars=64,
        help="A name saved with each set in the history, e.g. when a physiotherapist coaches several "
        "people on one computer. Leave empty for just you.",
    )


def current_profile() -> str | None:
    """The profile name typed in the sidebar, or None."""
    import streamlit as st

    name = str(st.session_state.get(PROFILE_KEY) or "").strip()
    return name or None


def history_writer() -> HistoryWriter:
    """This browser session's history writer (made on first use; the database is checked at once)."""
    import streamlit as st

    writer = st.session_state.get(WRITER_KEY)
    if not isinstance(writer, HistoryWriter):
        writer = HistoryWriter()
        writer.check()
        st.session_state[WRITER_KEY] = writer
    return writer


def set_info(exercise: str, rules_path: Path, source: str, programme: str | None = None) -> SetInfo:
    """What the next live set is saved with: exercise, rule file, source, profile, programme."""
    return SetInfo(exercise, rules_path, source, current_profile(), programme)


def history_line(writer: HistoryWriter) -> None:
    """The history's problem, if any, as one line (coaching goes on without it)."""
    import streamlit as st

    if writer.error:
        st.warning(f"Not saved in the history: {writer.error}. Coaching goes on.", icon=":material/database:")
