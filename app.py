"""posecheck's web app: ``streamlit run app.py`` (or ``posecheck app``).

Only page routing lives here; the pages are in ``posecheck/ui``. Every page opens from its own
address with its query (``/live?exercise=bridge``, ``/analyze?exercise=bridge``,
``/routine?programme=handout``); ``/`` opens the live coach too.
"""

from __future__ import annotations

import streamlit as st

from posecheck.errors import PosecheckError
from posecheck.ui import history_ui, pages_analyze, pages_live, pages_progress, pages_routine, pages_tune

# An emoji icon is drawn by the browser itself; a ":material/...:" page icon would be fetched from Google.
st.set_page_config(page_title="posecheck: exercise coach", page_icon="🧘", layout="wide")


def home() -> None:
    """``/``: the live coach (the default page is always served at ``/``, whatever its url_path, so the
    live page proper is a second entry at ``/live``: a physiotherapist's ``/live?exercise=...`` link works)."""
    pages_live.page()


navigation = st.navigation(
    [
        st.Page(home, title="Live coach", icon=":material/videocam:", default=True, visibility="hidden"),
        st.Page(pages_live.page, title="Live coach", icon=":material/videocam:", url_path="live"),
        st.Page(pages_routine.page, title="Routine", icon=":material/checklist:", url_path="routine"),
        st.Page(pages_analyze.page, title="Analyse a video", icon=":material/movie:", url_path="analyze"),
        st.Page(pages_tune.page, title="Tune thresholds", icon=":material/tune:", url_path="tune"),
        st.Page(pages_progress.page, title="Progress", icon=":material/calendar_month:", url_path="progress"),
    ]
)
history_ui.profile_box()
try:
    navigation.run()
except PosecheckError as exc:  # a problem the user can fix: its message, never a traceback
    st.error(str(exc))
