"""End to end: counts for two sessions on the tune page, Suggest, the diff, save, and analyze uses it.

Run alone: ``pytest -m browser tests/browser -k agreement``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, record, shot  # type: ignore[import-not-found]
from test_app_e2e import metric_int, wait_for  # type: ignore[import-not-found]

from posecheck.cli import main

pytestmark = pytest.mark.browser

# posecheck counts 3 and 0 with the shipped file; a physiotherapist who wants the line nearer straight
# counts 2 and 1 (what the shipped file's target of 176 degrees gives: the search can get there).
GLUTE = "ndnam0109-fitness-content__glute_bridges"
POSE = "nhien021299-project_yoga_gym__bridge_pose"
COUNTS = {GLUTE: 2, POSE: 1}


def pick(page: Any, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option").filter(has_text=option).first.click()
    page.keyboard.press("Escape")


def test_counts_for_two_sessions_suggest_diff_save_and_analyze_uses_it(
    app_url: str, new_page: Callable[..., Any], tuned_dir: Path, tmp_path: Path
) -> None:
    stored = [REPO / "sample_videos" / "tracks" / "bridge" / "labels.json"]
    assert not stored[0].exists(), "the test must not meet counts saved by someone else"
    page = new_page(1400, 2600)
    page.goto(f"{app_url}/tune?exercise=bridge")
    wait_for("the tune page", lambda: metric_int(page, "Reps (file)") is not None, 90)
    boxes = page.get_by_role("spinbutton", name="Reps you counted")
    for picked, name in enumerate(COUNTS, start=1):
        pick(page, "Sessions you counted", f"recorded: {name}")
        # The app reruns on each pick: the next pick waits for this one's count box, or a pick made
        # during the rerun can be lost (CI once saw one box of two).
        wait_for(f"a count box for {name}", lambda n=picked: boxes.count() == n, 60)
    for i, count in enumerate(COUNTS.values()):
        boxes.nth(i).fill(str(count))
        boxes.nth(i).press("Enter")
        time.sleep(0.5)
    wait_for("agreement with the file's values", lambda: metric_int(page, "Exact agreement (file)") == 0, 60)

    page.get_by_role("button", name="Suggest thresholds").click()
    t0 = time.monotonic()
    wait_for("the suggestion", lambda: metric_int(page, "Exact agreement (suggested)") == 2, 180)
    suggest_s = time.monotonic() - t0
    left_out = wait_for(
        "left-one-out", lambda: metric_int(page, "Exact agreement (left-one-out)") is not None, 30
    )
    assert metric_int(page, "Exact agreement (file)") == 0, "the file's figure stays beside the suggestion"
    code = page.locator('[data-testid="stCode"]').first.inner_text()
    assert "+#   movement." in code and " -> " in code, "the diff names the changed numbers"
    shot(page, "tune-agreement-suggested")

    name = page.get_by_role("textbox", name="Suggested file name")
    name.fill("e2e-suggested.toml")
    name.press("Enter")
    page.get_by_role("button", name="Save the suggestion").click()
    wait_for(
        "the saved message",
        lambda: "Saved" in page.inner_text("body") and "e2e-suggested" in page.inner_text("body"),
        30,
    )
    saved = tuned_dir / "e2e-suggested.toml"
    assert saved.is_file()

    for track, want in COUNTS.items():
        out = tmp_path / track
        args = ["analyze", str(REPO / "sample_videos" / "tracks" / "bridge" / f"{track}.npz"), "-e", "bridge",
                "--rules", str(saved), "-o", str(out), "--no-video"]  # fmt: skip
        assert main(args) == 0
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert report["reps"]["total"] == want, f"{track}: the saved file counts what was entered"
    assert not stored[0].exists(), "counts are only written beside the tracks when asked"
    record("tune_agreement", {"seconds_to_suggestion": round(suggest_s, 1), "left_one_out_exact": left_out})


def drag_over(page: Any, chart: int, start_s: float, end_s: float) -> None:
    """Drag a box across ``start_s``..``end_s`` on the ``chart``-th plotly chart, as a person would."""
    page.locator(".js-plotly-plot").nth(chart).scroll_into_view_if_needed()
    box = page.evaluate(
        """([i, a, b]) => {
            const gd = document.querySelectorAll('.js-plotly-plot')[i];
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            const r = gd.getBoundingClientRect();
            return {x0: r.left + xa._offset + xa.l2p(a), x1: r.left + xa._offset + xa.l2p(b),
                    y: r.top + ya._offset + ya._length / 2};
        }""",
        [chart, start_s, end_s],
    )
    page.mouse.move(box["x0"], box["y"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y"] + 10, steps=8)
    page.mouse.up()


def test_marking_reps_on_the_timeline_counts_them(app_url: str, new_page: Callable[..., Any]) -> None:
    labels = json.loads((REPO / "sample_videos" / "labels.json").read_text(encoding="utf-8"))
    reps = labels[f"bridge/{GLUTE}.mp4"]["reps"]  # the three reps as labelled from the frames
    page = new_page(1400, 2200)
    page.goto(f"{app_url}/tune?exercise=bridge")
    wait_for("the tune page", lambda: metric_int(page, "Reps (file)") is not None, 90)
    pick(page, "Sessions you counted", f"recorded: {GLUTE}")
    page.get_by_text("Mark the reps on the timeline").click()
    charts = page.locator(".js-plotly-plot")
    wait_for("the timeline chart", lambda: charts.count() >= 3, 60)  # the two plot tabs, then the timeline
    timeline = charts.count() - 1
    for n, rep in enumerate(reps[:2], 1):
        drag_over(page, timeline, rep["start_s"], rep["end_s"])
        wait_for("the span read back", lambda: "Selected " in page.inner_text("body"), 30)
        page.get_by_role("button", name="Add this rep").click()
        wait_for(f"{n} marks", lambda n=n: f"Counted from your {n} marks" in page.inner_text("body"), 30)
    # posecheck counts 3 with the shipped file: two marks disagree, the third makes them agree.
    wait_for("disagreement at two marks", lambda: metric_int(page, "Exact agreement (file)") == 0, 30)
    drag_over(page, timeline, reps[2]["start_s"], reps[2]["end_s"])
    page.get_by_role("button", name="Add this rep").click()
    wait_for("agreement at three marks", lambda: metric_int(page, "Exact agreement (file)") == 1, 30)
    shot(page, "tune-marks")
    page.get_by_role("button", name="Undo").click()
    wait_for("undo", lambda: metric_int(page, "Exact agreement (file)") == 0, 30)
