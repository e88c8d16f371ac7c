"""The rule files' [tuning] ranges: declared in all ten, validated like every other key."""

from pathlib import Path

import pytest

from posecheck.coach.loader import EXERCISES, load_exercise, parse_rules, rules_dir
from posecheck.coach.ranges import parse_key
from posecheck.errors import RuleError
from posecheck.ui.tuning import apply_values, to_toml, tunable_fields

BRIDGE = (rules_dir() / "bridge.toml").read_text(encoding="utf-8")


def with_tuning(lines: str) -> str:
    head, _, _ = BRIDGE.partition("\n[tuning]")
    return head + "\n[tuning]\n" + lines + "\n"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_shipped_file_declares_ranges_of_its_key_numbers(exercise: str) -> None:
    rules = load_exercise(exercise)
    keys = {f.key: f for f in tunable_fields(rules)}
    assert len(rules.tuning) >= 4
    for key, (low, high) in rules.tuning.items():
        assert key in keys, f"{key} is a tunable number"
        assert low < high and low <= keys[key].value <= high
    text = (rules_dir() / f"{exercise}.toml").read_text(encoding="utf-8").partition("\n[tuning]")[2]
    assert all("#" in line for line in text.splitlines() if "=" in line), "each range says why"


@pytest.mark.parametrize(
    "lines, says",
    [
        (
            '"movement.target[0].above" = [165, 175]',
            "'movement.target[0].above' = 160 is outside its own range",
        ),
        ('"movement.targt[0].above" = [150, 175]', "'movement.targt[0].above' is not a number of this file"),
        ('"movement.target[7].above" = [150, 175]', "'movement.target[7].above' is not a number"),
        ('"movement.metric" = [1, 2]', "'movement.metric' is not a number"),
        ('"handout_number" = [1, 10]', "'handout_number' is not a number"),
        ('"movement.target[0].above" = [175, 150]', "low 175 is greater than high 150; swap them"),
        ('"movement..above" = [1, 2]', "is not a key such as movement.target[0].above"),
        ('"movement.min_rest_s" = [0.1]', "tuning.movement.min_rest_s"),
    ],
)
def test_bad_ranges_are_one_line_errors_naming_file_and_key(lines: str, says: str) -> None:
    with pytest.raises(RuleError) as exc:
        parse_rules(with_tuning(lines), "my-bridge.toml")
    message = str(exc.value)
    assert message.startswith("my-bridge.toml: tuning") and says in message and "\n" not in message


def test_a_default_value_may_have_a_range_too() -> None:
    rules = parse_rules(with_tuning('"movement.max_gap_s" = [0.5, 2.0]'), "x.toml")
    assert rules.tuning == {"movement.max_gap_s": (0.5, 2.0)}


def test_tuned_values_stay_inside_the_declared_range_and_survive_saving(tmp_path: Path) -> None:
    bridge = load_exercise("bridge")
    with pytest.raises(RuleError, match=r"'movement.min_rest_s' = 2 is outside its own range \[0.1, 1\]"):
        apply_values(bridge, {"movement.min_rest_s": 2.0})
    tuned = apply_values(bridge, {"movement.min_rest_s": 0.5})
    text = to_toml(tuned, bridge, "rules/bridge.toml")
    again = parse_rules(text, "tuned.toml")
    assert again.tuning == bridge.tuning and again.movement.min_rest_s == 0.5


def test_keys_parse_like_the_tuning_page_spells_them() -> None:
    assert parse_key("movement.target[0].above") == ("movement", "target", 0, "above")
    assert parse_key("dose.reps[1]") == ("dose", "reps", 1)
