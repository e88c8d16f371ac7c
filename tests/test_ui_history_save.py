"""The analyse page's "Save in my history": what is kept agrees with the analysis (as ``analyze
--save``), it is kept once, and a history that cannot be written is one warning line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from posecheck.analyze import analyze_track
from posecheck.coach.loader import load_rules
from posecheck.history import HistoryStore
from posecheck.history.export import as_json
from posecheck.track import Track
from posecheck.ui.history_save import keep, to_keep

REPO = Path(__file__).resolve().parents[1]
TRACK = REPO / "sample_videos" / "tracks" / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
RULES = REPO / "rules" / "bridge.toml"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], object]:
    result = analyze_track(Track.load(TRACK), load_rules(RULES), tmp_path_factory.mktemp("out"))
    return result.report, result.summary


def test_kept_result_agrees_with_report_json(
    analysed: tuple[dict[str, object], object], tmp_path: Path
) -> None:
    report, summary = analysed
    extra = to_keep(summary, RULES, report)  # type: ignore[arg-type]
    outcome = keep(
        extra["summary"], extra["rules_path"], "ann", extra["partial"], extra["still"], tmp_path / "h.db"
    )
    assert outcome.kind == "saved" and outcome.session_id == 1
    assert outcome.message == f"Saved in the history for ann as session 1 ({tmp_path / 'h.db'})."
    with HistoryStore.open(tmp_path / "h.db") as store:
        (record,) = store.sessions("ann")
    saved = as_json(record)
    assert saved["reps"] == report["reps"] and saved["source"] == "video" and saved["partial"] is False
    assert [(r["side"], r["start_s"], r["end_s"], r["faults"]) for r in saved["rep_events"]] == [
        (r["side"], r["start_s"], r["end_s"], r["faults"])
        for r in report["rep_events"]  # type: ignore[attr-defined]
    ]
    assert saved["rules"]["path"] == str(RULES)


def test_a_picture_is_not_kept(analysed: tuple[dict[str, object], object], tmp_path: Path) -> None:
    _, summary = analysed
    outcome = keep(summary, RULES, None, False, True, tmp_path / "h.db")  # type: ignore[arg-type]
    assert outcome.kind == "info" and "nothing was saved" in outcome.message
    assert not (tmp_path / "h.db").exists()


def test_a_broken_history_is_one_warning_line(
    analysed: tuple[dict[str, object], object], tmp_path: Path
) -> None:
    _, summary = analysed
    bad = tmp_path / "h.db"
    bad.write_bytes(b"garbage, not SQLite\n" * 300)
    outcome = keep(summary, RULES, None, False, False, bad)  # type: ignore[arg-type]
    assert outcome.kind == "warning" and "\n" not in outcome.message
    # The same words as 'posecheck analyze --save' prints after "warning: ".
    assert outcome.message.startswith(f"Not saved in the history: {bad}: not a readable history database")
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    outcome = keep(summary, RULES, None, False, False, folder)  # type: ignore[arg-type]
    assert outcome.kind == "warning" and "is a folder" in outcome.message


# The widgets in a real Streamlit script run (AppTest): tick the box, rerun twice, one session is kept.
SCRIPT = """
import streamlit as st
from pathlib import Path
from posecheck.analyze import analyze_track
from posecheck.coach.loader import load_rules
from posecheck.track import Track
from posecheck.ui.history_save import offer, save_choice, to_keep
from posecheck.ui.history_ui import profile_box
profile_box()
if "extra" not in st.session_state:
    rules = load_rules(Path(RULES))
    result = analyze_track(Track.load(Path(TRACK)), rules, Path(OUT), force=True)
    st.session_state.extra = to_keep(result.summary, Path(RULES), result.report)
save, profile = save_choice()
offer(st.session_state.extra, save, profile)
"""

RUN = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_string(sys.argv[1], default_timeout=120).run()
shown = [at.success, at.warning, at.info]
before = sum(len(x) for x in shown)
at.text_input(key="profile").set_value("ann")
at.checkbox(key="analyze_save").check().run()
at.run()  # a rerun (any widget) must not save it again
print(json.dumps({"before": before, "success": [s.value for s in at.success], "warning": [w.value for w in at.warning],
                  "exc": [str(e.value) for e in at.exception]}))
"""


def test_the_checkbox_keeps_the_result_once(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    script = SCRIPT.replace("RULES", repr(str(RULES))).replace("TRACK", repr(str(TRACK)))
    script = script.replace("OUT", repr(str(tmp_path / "out")))
    env = {**os.environ, "POSECHECK_DB": str(db), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", RUN, script], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    page = json.loads(proc.stdout.strip().splitlines()[-1])
    assert page["exc"] == [] and page["before"] == 0  # nothing kept until the box is ticked
    assert page["success"] == [f"Saved in the history for ann as session 1 ({db})."] and page["warning"] == []
    with HistoryStore.open(db) as store:
        assert [(r.profile, r.source) for r in store.sessions()] == [("ann", "video")]
