"""End to end: every page from its own address, and a two-exercise routine done with the fake camera.

Its own app (not conftest's ``app_url``): the history goes to a temporary SQLite file
(``POSECHECK_DB``) and programmes come from a temporary folder (``POSECHECK_PROGRAMMES_DIR``) holding
a test programme of two exercises with small doses. The fake camera loops the real bridge clip
(3 reps in 13.5 s), so the routine must move on by itself when each dose is done.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (  # type: ignore[import-not-found]
    REPO,
    record,
    running_app,
    shot,
)
from test_app_e2e import metric_int, wait_for, webrtc_frame  # type: ignore[import-not-found]

from posecheck.history import HistoryStore

pytestmark = pytest.mark.browser

PROGRAMME = """\
schema_version = 1
id = "e2e"
title = "Two short bridges"
rest_between_s = 3

[[exercises]]
exercise = "bridge"
reps = 1

[[exercises]]
exercise = "bridge"
reps = 2
"""


@pytest.fixture(scope="module")
def routine_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app with a temporary history file and a folder holding only the test programme."""
    folder = tmp_path_factory.mktemp("routine")
    (folder / "programmes").mkdir()
    (folder / "programmes" / "e2e.toml").write_text(PROGRAMME, encoding="utf-8")
    db = folder / "history.db"
    programmes = str(folder / "programmes")
    with running_app(
        "streamlit-routine-e2e.log", POSECHECK_DB=str(db), POSECHECK_PROGRAMMES_DIR=programmes
    ) as url:
        yield url, db


ADDRESSES = [
    ("/", "Live coach", "1. Lower back stretch"),
    ("/?exercise=bridge", "Live coach", "5. Bridge"),
    ("/live?exercise=pelvic_tilt", "Live coach", "4. Pelvic tilt"),
    ("/analyze?exercise=bird_dog", "Analyse a video", "6. Bird dog"),
    ("/tune?exercise=bridge", "Tune thresholds", "5. Bridge"),
    ("/routine?programme=nope", "Routine", None),
    ("/routine?programme=e2e", "Routine", None),
]


def test_every_page_opens_from_its_own_address(
    routine_app: tuple[str, Path], new_page: Callable[..., Any]
) -> None:
    url, _ = routine_app
    page = new_page(1300, 1000)
    for address, title, exercise in ADDRESSES:
        page.goto(url + address)
        wait_for(
            f"the '{title}' page at {address}", lambda t=title: t in page.locator("h1").first.inner_text(), 60
        )
        assert "Page not found" not in page.inner_text("body"), address
        if "nope" in address:  # a mistyped link says so, and opens the programme there is
            wait_for(
                "the warning", lambda: "No programme 'nope' (from the address)" in page.inner_text("body"), 30
            )
            time.sleep(2)  # after the reruns that correct the address
            assert "No programme 'nope'" in page.inner_text("body"), "the warning stays"
        if exercise is not None:
            box = page.get_by_role("combobox", name="Exercise")
            wait_for(f"{exercise} picked from {address}", lambda b=box, e=exercise: b.input_value() == e, 30)
    assert page.get_by_role("combobox", name="Programme").input_value() == "e2e", "programme from the address"
    wait_for("the programme's title", lambda: "Two short bridges" in page.inner_text("body"), 30)


def test_the_routine_moves_on_by_itself_and_every_set_is_saved(
    routine_app: tuple[str, Path], new_page: Callable[..., Any]
) -> None:
    url, db = routine_app
    page = new_page(1400, 1400)
    page.goto(f"{url}/routine?programme=e2e")
    wait_for("the first exercise", lambda: "exercise 1 of 2" in page.inner_text("body"), 60)
    from posecheck.coach.loader import load_exercise

    assert f"Then: {load_exercise('bridge').title}" in page.inner_text("body"), "the next exercise is named"
    frame = webrtc_frame(page)
    frame.get_by_role("button", name="START").click()
    t0 = time.monotonic()
    wait_for(
        "the rest before exercise 2", lambda: "exercise 2 of 2" in page.inner_text("body"), 240, every_s=0.3
    )
    first_done_s = time.monotonic() - t0
    shot(page, "routine-rest")
    spoken: list[str] = []

    def finished() -> bool:
        spoken[:] = page.evaluate("window.__posecheckSpoken || []")
        return "Routine summary" in page.inner_text("body")

    try:
        wait_for("the routine summary", finished, 240, every_s=0.3)
    except AssertionError:
        shot(page, "routine-timeout")  # what the page showed instead
        raise
    all_done_s = time.monotonic() - t0
    assert wait_for("two exercises done", lambda: metric_int(page, "Done") == 2, 30, every_s=0.2)
    assert metric_int(page, "Skipped") == 0
    body = page.inner_text("body")
    counted = [(int(a), int(b)) for a, b in re.findall(r"\b(\d+) of (\d+)\b", body)]
    assert [b for _, b in counted] == [1, 2] and all(a >= b for a, b in counted), (
        f"counts vs doses: {counted}"
    )
    shot(page, "routine-summary")
    assert any("Next: Bridge" in s for s in spoken), f"the transition is spoken (said: {spoken})"
    assert not frame.is_detached(), (
        "one camera connection for the whole routine (the video was never remounted)"
    )
    frame.get_by_role("button", name="STOP").click()

    # The history holds both sets, written while they ran and closed when the dose was done.
    deadline = time.monotonic() + 30
    while True:
        with HistoryStore.open(db) as store:
            sets = store.sessions()
        if (len(sets) == 2 and all(s.finished_at for s in sets)) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert [(s.exercise, s.source, s.programme, s.partial) for s in sets] == [
        ("bridge", "routine", "e2e", False),
        ("bridge", "routine", "e2e", False),
    ]
    assert sets[0].reps_total >= 1 and sets[1].reps_total >= 2
    assert all(len(s.reps) == s.reps_total for s in sets)
    # `posecheck history --json` says the same
    out = subprocess.run(
        [sys.executable, "-m", "posecheck", "history", "--json"],
        env=dict(os.environ, POSECHECK_DB=str(db), PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    listed = json.loads(out.stdout)
    rows = listed["sessions"] if isinstance(listed, dict) else listed
    assert [(r["source"], r["reps"]["total"]) for r in rows] == [(s.source, s.reps_total) for s in sets]
    record(
        "routine",
        {
            "seconds_from_start_to_exercise_2": round(first_done_s, 1),
            "seconds_from_start_to_summary": round(all_done_s, 1),
            "reps_saved": [s.reps_total for s in sets],
            "spoken": spoken,
        },
    )


def test_a_live_set_is_saved_as_it_is_counted(
    routine_app: tuple[str, Path], new_page: Callable[..., Any]
) -> None:
    url, db = routine_app
    with HistoryStore.open(db) as store:
        before = {s.id for s in store.sessions()}
    page = new_page(1400, 1300)
    page.goto(f"{url}/live?exercise=bridge&profile=ann")
    frame = webrtc_frame(page)
    frame.get_by_role("button", name="START").wait_for(timeout=60_000)
    assert page.get_by_role("textbox", name="Profile (optional)").input_value() == "ann", (
        "profile from the address"
    )
    frame.get_by_role("button", name="START").click()
    wait_for("a first rep", lambda: (metric_int(page, "Reps") or 0) >= 1, 240, every_s=0.3)

    def running() -> list[Any]:  # before STOP: already in the file, marked partial
        with HistoryStore.open(db) as store:
            return [s for s in store.sessions() if s.id not in before]

    (open_set,) = wait_for("the set in the history while it runs", running, 30)
    assert (open_set.source, open_set.profile, open_set.partial) == ("live", "ann", True)
    assert open_set.reps_total >= 1 and open_set.finished_at is None
    frame.get_by_role("button", name="STOP").click()
    in_set = wait_for("the set's count", lambda: metric_int(page, "Reps in the set"), 30, every_s=0.2)

    def finished() -> list[Any]:
        return [s for s in running() if s.finished_at is not None]

    (done,) = wait_for("the set finished in the history", finished, 30)
    assert (done.id, done.partial, done.reps_total) == (open_set.id, False, in_set)


def test_a_broken_history_is_one_line_and_coaching_goes_on(
    tmp_path: Path, new_page: Callable[..., Any]
) -> None:
    bad = tmp_path / "history.db"
    junk = b"not a database, a person's notes" * 64
    bad.write_bytes(junk)
    with running_app("streamlit-broken-history.log", POSECHECK_DB=str(bad)) as url:
        page = new_page(1400, 1300)
        page.goto(f"{url}/live?exercise=bridge")
        frame = webrtc_frame(page)
        frame.get_by_role("button", name="START").click()
        wait_for("a first rep", lambda: (metric_int(page, "Reps") or 0) >= 1, 240, every_s=0.3)
        warning = wait_for(
            "the history's one line",
            lambda: [t for t in page.locator('[data-testid="stAlert"]').all_inner_texts() if "history" in t],
            30,
        )
        shot(page, "live-broken-history")
        frame.get_by_role("button", name="STOP").click()
    (alert,) = warning
    line = alert[alert.index("Not saved in the history:") :].strip()  # after the alert's icon
    assert "not a readable history database" in line and line.endswith("Coaching goes on.")
    assert "\n" not in line and "Traceback" not in page.inner_text("body")
    assert bad.read_bytes() == junk, "the file was left as it was"
