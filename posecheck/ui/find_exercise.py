"""The analyse page's "Find the exercise": a recording of one or several exercises, split into segments.

The upload lives in a private temporary folder only while it is analysed (as on the rest of the
page); the segments are kept in this browser session's state, never in a module global.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from posecheck.analyze import remove_tree, safe_tempdir
from posecheck.errors import PosecheckError

FIND_KEY = "find_result"
VIDEO_TYPES = ["mp4", "mov", "m4v", "webm", "mkv", "avi", "gif"]


def segment_rows(report: dict[str, Any], titles: dict[str, str]) -> list[dict[str, Any]]:
    """The segments of a recognising report.json as table rows."""
    rows = []
    for seg in report.get("segments", []):
        none = seg["exercise"] == "none"
        rows.append(
            {
                "exercise": "none (setting up, resting, other)"
                if none
                else titles.get(seg["exercise"], seg["exercise"]),
                "from (s)": round(seg["start_s"], 1),
                "to (s)": round(seg["end_s"], 1),
                "reps": "" if none else seg["reps"],
                "holds": "" if none else seg["holds"],
                "confidence": round(seg["confidence"], 2),
                # A look-alike the landmarks cannot rule out, and movements seen but too small to count:
                # the person should know the answer is a guess, and that their tilts were seen.
                "or perhaps": ", ".join(titles.get(a, a) for a in seg.get("alternatives") or []),
                "seen, too small to count": ", ".join(
                    f"{a:.1f}-{b:.1f} s" for a, b in seg.get("seen_s") or []
                ),
            }
        )
    return rows


def find_section(max_upload_mb: int) -> None:
    """Upload, find the exercises, and show the segments table of this session's last recording."""
    from posecheck.coach.loader import load_all
    from posecheck.recognise_run import analyze_auto
    from posecheck.ui.pages_analyze import _progress_bar, _safe_name

    uploaded = st.file_uploader(
        f"Recording of one or several exercises (up to {max_upload_mb} MB; mp4, mov, webm, avi, mkv, gif)",
        type=VIDEO_TYPES,
        key="find_upload",
        help="posecheck tells which of the ten exercises you do, and when. The file is deleted after.",
    )
    if uploaded is not None and uploaded.size > max_upload_mb * 1024 * 1024:
        st.error(f"{uploaded.name} is {uploaded.size / 1e6:.0f} MB; the limit is {max_upload_mb} MB.")
        return
    if uploaded is not None and st.button("Find the exercises", type="primary", key="find_run"):
        tmp = safe_tempdir("posecheck-find-")
        try:
            source = tmp / _safe_name(uploaded.name)
            source.write_bytes(uploaded.getvalue())
            result = analyze_auto(
                source, tmp / "out", force=True, progress=_progress_bar("Finding the body:")
            )
            json_bytes = result.files["report.json"].read_bytes()
        except PosecheckError as exc:
            st.error(str(exc))
            return
        finally:
            remove_tree(tmp)
        st.session_state[FIND_KEY] = {"name": uploaded.name, "report": result.report, "json": json_bytes}
        st.rerun()
    found: dict[str, Any] | None = st.session_state.get(FIND_KEY)
    if found is None:
        return
    report = found["report"]
    titles = {ex: rules.title for ex, rules in load_all().items()}
    segments = [s for s in report.get("segments", []) if s["exercise"] != "none"]
    st.subheader(f"Exercises in {found['name']}")
    cols = st.columns(2)
    cols[0].metric("Exercises found", len(segments))
    cols[1].metric("Reps in all", sum(int(s.get("reps") or 0) for s in segments))
    st.table(segment_rows(report, titles))  # a few rows: a plain table (readable as text, too)
    st.caption(
        "Analyse one segment's exercise on its own (switch 'Find the exercise' off) for its video and cues."
    )
    stem = Path(found["name"]).stem
    st.download_button("report.json", found["json"], f"{stem}-segments.json", "application/json")
