"""The camera advice says one thing everywhere: README's placement section, each rule file's
``[camera]`` and ``posecheck exercises`` (they disagreed once about the knee rolls)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.coach.loader import EXERCISES, load_all

README = Path(__file__).resolve().parents[1] / "README.md"


def placement_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Placing the camera\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md has no '## Placing the camera' section"
    return match.group(1)


def readme_exceptions() -> set[str]:
    """Exercise ids the README's side-on line lists after 'Exceptions:' (backticked), or none."""
    section = placement_section()
    bullet = next((b for b in re.split(r"\n(?=- )", section) if "**Side-on**" in b), None)
    assert bullet, "the placement section has no **Side-on** line"
    match = re.search(r"Exceptions:\s*(.*?)\.", " ".join(bullet.split()))
    assert match, "the **Side-on** line must say 'Exceptions: none.' or list `exercise_id`s"
    listed = match.group(1)
    ids = set(re.findall(r"`([a-z_]+)`", listed))
    assert ids or listed.strip() == "none", f"cannot read the exceptions {listed!r}"
    unknown = ids - set(EXERCISES)
    assert not unknown, f"README names unknown exercises as exceptions: {unknown}"
    return ids


def test_readme_exceptions_match_rule_files() -> None:
    exceptions = readme_exceptions()
    for ex, rules in load_all().items():
        if ex in exceptions:
            assert rules.camera.view != "side", f"README says {ex} is not filmed side-on; its rule file does"
            assert not rules.camera.placement.lower().startswith("side-on"), ex
        else:
            assert rules.camera.view == "side", f"{ex}: README says side-on, rule says {rules.camera.view}"
            assert rules.camera.placement.startswith("Side-on"), f"{ex}: {rules.camera.placement!r}"


def test_the_knee_rolls_are_filmed_side_on() -> None:
    # The decision, stated once: the knee-roll rules are measured from the side.
    assert "spine_stretch" not in readme_exceptions()
    assert "feet end works best" not in placement_section()


def test_exercises_command_prints_each_rule_files_placement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exercises"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for ex, rules in load_all().items():
        assert f"camera: {' '.join(rules.camera.placement.split())}" in out, ex
