"""posecheck's web app: ``streamlit run app.py`` (or ``posecheck app``).

Only page routing lives here; the pages are in ``posecheck/ui``. Live coaching
is the default page; every page reads the exercise from the address
(``/?exercise=bridge``).
"""

from __future__ import annotations

import streamlit as st

from posecheck.errors import PosecheckError
from posecheck.ui import pages_analyze, pages_live, pages_progress, pages_tune

# An emoji icon is drawn by the browser itself; a ":material/...:" page icon would be fetched from Google.
st.set_page_config(page_title="posecheck: exercise coach", page_icon="🧘", layout="wide")


navigation = st.navigation(
    [
        st.Page(
            pages_live.page, title="Live coach", icon=":material/videocam:", url_path="live", default=True
        ),
        st.Page(pages_analyze.page, title="Analyse a video", icon=":material/movie:", url_path="analyze"),
        st.Page(pages_tune.page, title="Tune thresholds", icon=":material/tune:", url_path="tune"),
        st.Page(pages_progress.page, title="Progress", icon=":material/calendar_month:", url_path="progress"),
    ]
)
try:
    navigation.run()
except PosecheckError as exc:  # a problem the user can fix: its message, never a traceback
    st.error(str(exc))
