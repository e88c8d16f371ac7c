"""End to end in headless Chromium: the Progress page of a history with two sets on two days,
its calendar, the CSV download, and the physiotherapist's report printed to one PDF page.

Run: ``pytest tests/browser -k progress``. The history is a temporary SQLite file the app reads
through ``POSECHECK_DB`` (conftest); the sets are saved through HistoryStore as the app saves them.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

import pytest
from conftest import record, shot  # type: ignore[import-not-found]

from posecheck.coach.feedback import HoldEvent, RepEvent, SessionSummary
from posecheck.history import HistoryStore

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
PROFILE = "e2e_progress"  # other browser tests may save sets too: this test looks at its own profile
TODAY = date.today()
DAYS = (TODAY - timedelta(days=2), TODAY - timedelta(days=1))


def fill(db: Path) -> None:
    """Ten bridges (three with sagging hips) two days ago; hip stretch holds yesterday."""
    reps = [RepEvent(None, 3.0 * i, 3.0 * i + 2, ("hips_low",) if i < 3 else ()) for i in range(10)]
    bridge = SessionSummary("bridge", 35.0, 10, None, None, reps, [], [], 900, 900, [], [])
    holds = [HoldEvent(side, 40.0 * i, 40.0 * i + 25, 25.0, True) for i, side in enumerate(["left", "right"])]  # type: ignore[arg-type]
    stretch = SessionSummary("hip_stretch", 90.0, 0, None, None, [], holds, [], 900, 900, [], [])
    with HistoryStore.open(db) as store:
        for summary, day in ((bridge, DAYS[0]), (stretch, DAYS[1])):
            started = datetime.combine(day, day_time(12)).astimezone()
            store.save_summary(
                summary,
                REPO / "rules" / f"{summary.exercise}.toml",
                source="live",
                profile=PROFILE,
                started_at=started,
            )


def wait_for(what: str, check: Callable[[], Any], timeout_s: float, every_s: float = 0.5) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if last := check():
            return last
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def pages_in(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def test_progress_page_lists_both_sets_and_prints_the_report(
    app_url: str, history_db: Path, new_page: Callable[..., Any], tmp_path: Path
) -> None:
    fill(history_db)
    page = new_page(1400, 2200)
    page.goto(f"{app_url}/progress?profile={PROFILE}")
    page.wait_for_selector("table.pc-cal", timeout=90_000)
    body = page.inner_text("body")
    assert "Page not found" not in body
    assert "2 of 28 days exercised, 2 sets saved" in body
    # The calendar: the two days are marked, with their share of the handout programme.
    marked = page.eval_on_selector_all(
        "table.pc-cal td.done", "cells => cells.map(c => [c.dataset.day, Number(c.dataset.share)])"
    )
    assert [day for day, _ in marked] == [d.isoformat() for d in DAYS]
    assert marked[0][1] == pytest.approx(0.1, abs=1e-3)  # a whole bridge dose: 1 of the 10 exercises
    assert marked[1][1] == pytest.approx(0.05, abs=1e-3)  # half the hip stretch (2 of 4 holds)
    for heading in ("Bridge", "Hip stretch"):
        page.get_by_role("heading", name=heading).first.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length >= 4", timeout=60_000
    )
    shot(page, "progress")

    with page.expect_download() as info:
        page.get_by_role("button", name="Sets as CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert [(r["exercise"], r["profile"], r["reps_total"], r["holds"]) for r in rows] == [
        ("bridge", PROFILE, "10", "0"),
        ("hip_stretch", PROFILE, "0", "2"),
    ]

    with page.expect_download() as info:
        page.get_by_role("button", name="Report for the physiotherapist (print-ready HTML)").click()
    report = tmp_path / "report.html"
    Path(info.value.path()).replace(report)
    printed = new_page(900, 1200)
    printed.goto(report.as_uri())
    text = printed.inner_text("body")
    assert f"Exercise report: {PROFILE}" in text and "hips low (3)" in text
    assert printed.locator("svg").count() == 2
    pdf = printed.pdf(format="A4")
    assert pages_in(pdf) == 1, "the report prints on one page"
    shot(printed, "progress-report")
    record(
        "progress", {"report_bytes": report.stat().st_size, "pdf_pages": pages_in(pdf), "pdf_bytes": len(pdf)}
    )


def test_analysed_video_saved_from_the_analyse_page_shows_on_progress(
    app_url: str, history_db: Path, new_page: Callable[..., Any]
) -> None:
    from conftest import BRIDGE_CLIP  # type: ignore[import-not-found]

    who = "e2e_analyse"
    page = new_page(1400, 2000)
    # The profile comes from the address into the sidebar's box, as a physiotherapist's link would set it.
    page.goto(f"{app_url}/analyze?exercise=bridge&profile={who}")
    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=60_000)
    profile = page.locator('[data-testid="stSidebar"] input[aria-label="Profile (optional)"]')
    assert profile.input_value() == who
    # A click while the page is still being redrawn after loading can be lost: tick until it shows.
    box = page.get_by_role("checkbox", name="Save in my history")

    def ticked() -> bool:
        if not box.is_checked():
            page.get_by_text("Save in my history", exact=True).click()
        return box.is_checked()

    wait_for("the box to be ticked", ticked, 60, every_s=2)
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(BRIDGE_CLIP))
    page.get_by_role("button", name="Analyse", exact=True).click()
    page.get_by_text(f"Saved in the history for {who} as session").wait_for(timeout=300_000)
    with HistoryStore.open(history_db) as store:
        (saved,) = store.sessions(who)
    assert saved.source == "video" and saved.exercise == "bridge" and saved.reps_total > 0
    # A rerun (another widget) does not save it twice.
    profile.fill(who + "_x")
    profile.press("Enter")
    page.wait_for_timeout(2000)
    with HistoryStore.open(history_db) as store:
        assert len(store.sessions(who)) == 1 and store.sessions(who + "_x") == []

    page.goto(f"{app_url}/progress?profile={who}")
    page.wait_for_selector("table.pc-cal", timeout=90_000)
    page.get_by_role("heading", name="Bridge").first.wait_for()
    assert "1 of 28 days exercised, 1 set saved" in page.inner_text("body")
    shot(page, "progress-after-analyse")
