"""End to end: a session saved in the history with its track is listed on the tune page (the sidebar
profile's only), counted there, and "Save my counts" writes labels.json in the history's tracks folder.

Run alone: ``pytest -m browser tests/browser -k saved``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, shot  # type: ignore[import-not-found]
from test_app_e2e import metric_int, wait_for  # type: ignore[import-not-found]

from posecheck.cli import main
from posecheck.history import HistoryStore

pytestmark = pytest.mark.browser

GLUTE = REPO / "sample_videos" / "tracks" / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
WHO, OTHER = "e2e_tune_saved", "e2e_tune_other"


def test_a_saved_session_is_listed_counted_and_its_counts_saved_beside_its_track(
    app_url: str,
    history_db: Path,
    new_page: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSECHECK_DB", str(history_db))  # the app's history, as `analyze --save` would
    for who in (WHO, OTHER):
        out = tmp_path / who
        args = [
            "analyze",
            str(GLUTE),
            "-e",
            "bridge",
            "-o",
            str(out),
            "--save",
            "--profile",
            who,
            "--no-video",
        ]
        assert main(args) == 0
    with HistoryStore.open(history_db) as store:
        (mine,) = store.sessions(WHO)
    assert mine.track_path is not None and mine.reps_total == 3
    page = new_page(1400, 2400)
    page.goto(f"{app_url}/tune?exercise=bridge&profile={WHO}")
    wait_for("the tune page", lambda: metric_int(page, "Reps (file)") is not None, 90)
    page.get_by_role("combobox", name="Sessions you counted").click()
    options = page.get_by_role("option")
    wait_for("the session list", lambda: options.count() > 0, 30)
    saved = [t for t in options.all_inner_texts() if t.startswith("saved: ")]
    assert saved == [f"saved: {mine.started_at.astimezone():%Y-%m-%d %H:%M} bridge (profile {WHO}, 3 reps, "
                     f"session {mine.id})"], "the sidebar profile's saved session only"  # fmt: skip
    options.filter(has_text=saved[0]).first.click()
    page.keyboard.press("Escape")
    box = page.get_by_role("spinbutton", name="Reps you counted")
    wait_for("the count box", lambda: box.count() == 1, 60)
    box.fill("2")
    box.press("Enter")
    time.sleep(0.5)
    wait_for("posecheck's 3 against your 2", lambda: metric_int(page, "Exact agreement (file)") == 0, 60)
    page.get_by_role("button", name="Save my counts").click()
    wait_for("the saved message", lambda: "Saved 1 sessions' counts" in page.inner_text("body"), 30)
    shot(page, "tune-saved-session")
    labels = json.loads((history_db.parent / "history-tracks" / "labels.json").read_text(encoding="utf-8"))
    assert labels[mine.track_path]["rep_count"] == 2 and labels[mine.track_path]["exercise"] == "bridge"
