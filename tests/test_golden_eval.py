"""Golden accuracy: the evaluation on the committed tracks must never get worse.

The baseline (sample_videos/eval_baseline.json) is what `posecheck eval --tracks`
measured when it was last improved. A change that makes any clip's count error,
side accuracy or hold error worse, or makes a rule set fire on another
exercise's clip, fails here. After a real improvement, refresh the baseline with
`python tools/update_eval_baseline.py` and commit it with the change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from posecheck.evaluate import VARIANTS, evaluate

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "sample_videos" / "eval_baseline.json"
HOLD_SLACK_S = 0.05  # float noise between numpy versions, far below the 1.5 s target


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return evaluate(REPO / "sample_videos" / "labels.json", REPO / "sample_videos" / "tracks")


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    return json.loads(BASELINE.read_text())


def test_every_variant_of_every_clip_has_a_baseline(report: dict[str, Any], baseline: dict[str, Any]) -> None:
    assert {c["variant"] for c in report["clips"]} == set(VARIANTS)
    missing = [k for c in report["clips"] if (k := f"{c['clip']}|{c['variant']}") not in baseline["clips"]]
    assert not missing, f"not in {BASELINE.name} (run tools/update_eval_baseline.py): {missing}"


def test_no_clip_counts_worse(report: dict[str, Any], baseline: dict[str, Any]) -> None:
    worse = []
    for c in report["clips"]:
        key = f"{c['clip']}|{c['variant']}"
        was = baseline["clips"][key]
        error = abs(c["reps"] - c["label_reps"])
        if error > was["count_error"]:
            worse.append(f"{key}: count error {error} (was {was['count_error']})")
        if c["sided_right"] < was["sided_right"]:
            worse.append(f"{key}: {c['sided_right']} reps with the right side (was {was['sided_right']})")
        for now, before in zip(c["hold_errors"], was["hold_errors"]):
            if now > before + HOLD_SLACK_S:
                worse.append(f"{key}: hold error {now:.2f} s (was {before:.2f} s)")
    assert not worse, "\n".join(worse)


def test_summary_figures_do_not_drop(report: dict[str, Any], baseline: dict[str, Any]) -> None:
    for key, now in report["summary"].items():
        was = baseline["summary"][key]
        if key == "negatives":
            assert now["fired"] <= was["fired"]
            continue
        if key == "stills":
            assert now["right"] >= was["right"] and now["wrong"] <= was["wrong"], now
            continue
        assert now["exact_share"] >= was["exact_share"], key
        assert now["mean_abs_error"] <= was["mean_abs_error"] + 1e-9, key
        assert now["holds_within_1_5s_share"] >= was["holds_within_1_5s_share"] - 1e-9, key


def test_no_new_false_counts_on_other_exercises(report: dict[str, Any], baseline: dict[str, Any]) -> None:
    fired = {f"{n['rules']}|{n['clip']}" for n in report["negatives"] if n["reps"] or n["holds"]}
    assert fired <= set(baseline["negatives_fired"])


def test_handout_clips_meet_the_targets_on_recorded_footage(report: dict[str, Any]) -> None:
    """The targets that are met today are kept (see sample_videos/README.md for the rest)."""
    s = report["summary"]["original/handout"]
    assert s["within_one_share"] >= 0.9
    assert s["side_right_share"] >= 0.9
    assert s["median_hold_error_s"] <= 1.5
    assert s["holds_within_1_5s_share"] >= 0.9  # the misses: the pelvic tilt no camera sees
    negatives = [n for n in report["negatives"] if n["reps"] and n["rules"] != "deep_abdominal"]
    assert not negatives  # deep_abdominal: a still person lying on their back is its position
