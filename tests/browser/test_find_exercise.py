"""The analyse page's "Find the exercise" in headless Chromium: a real two-part recording is split."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BRIDGE_CLIP, BRIDGE_REPS, VIDEOS, shot  # type: ignore[import-not-found]
from test_app_e2e import metric_int, wait_for  # type: ignore[import-not-found]

from tests.conftest import ffmpeg

pytestmark = pytest.mark.browser
SQUATS = VIDEOS / "other" / "trajnovd-workout-app__goblet_squats.mp4"


def test_find_the_exercise_shows_the_segments(
    app_url: str, new_page: Callable[..., Any], tmp_path: Path
) -> None:
    video = tmp_path / "squats_then_bridges.mp4"
    scale = ";".join(f"[{i}:v]scale=540:960,setsar=1,fps=30[v{i}]" for i in range(2))
    ffmpeg("-i", str(SQUATS), "-i", str(BRIDGE_CLIP), "-filter_complex",
           f"{scale};[v0][v1]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           str(video))  # fmt: skip
    page = new_page(1400, 1600)
    page.goto(f"{app_url}/analyze")
    page.get_by_text("Find the exercise", exact=True).click()
    # The page's own uploader may linger for a moment after the switch: take the one of this section.
    uploader = page.get_by_role("region", name="Recording of one or several exercises")
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(video), timeout=60_000)
    page.get_by_role("button", name="Find the exercises").click()
    found = wait_for("the segments", lambda: metric_int(page, "Exercises found"), 300)
    assert found == 1
    assert metric_int(page, "Reps in all") == BRIDGE_REPS
    table = page.locator('[data-testid="stTable"]').inner_text()
    assert "Bridge" in table and "none" in table
    shot(page, "find-exercise")
