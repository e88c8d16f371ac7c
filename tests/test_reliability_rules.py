"""Broken rule files: one line that names the file, the place and what to do; exit 2 from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.coach.loader import load_exercise, parse_rules
from posecheck.errors import RuleError

BRIDGE_TRACK = "bridge/ndnam0109-fitness-content__glute_bridges.npz"

# A small, valid rule file (independent of the shipped one, which physiotherapists tune).
GOOD = """\
schema_version = 1
exercise = "bridge"
title = "Bridge"
handout_number = 5
kind = "reps"
sides = "none"
instructions = "Lift your hips."
needs = ["shoulder", "hip", "knee"]

[camera]
placement = "Side-on, floor height."
view_cue = "Turn side-on."

[posture]
required = "supine"
cue = "Lie on your back."

[dose]
reps = [8, 12]

[[metrics]]
name = "hip_line"
kind = "angle"
points = ["shoulder", "hip", "knee"]

[[metrics]]
name = "knee_bend"
kind = "angle"
points = ["hip", "knee", "ankle"]

[movement]
metric = "hip_line"
rest = [{ metric = "hip_line", below = 150 }]
target = [{ metric = "hip_line", above = 160 }]

[[checks]]
id = "hips_low"
at = "rep_peak"
when = [{ metric = "hip_line", below = 165 }]
cue = "Lift your hips higher."
"""


def broken(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (case id, rule-file text, the message after "<file>: ")
CASES = [
    (
        "syntax_error",
        broken('kind = "reps"', 'kind "reps"'),
        "line 5, column 6: TOML syntax error (Expected '=' after a key in a key/value pair): "
        '`kind "reps"`; fix that line',
    ),
    (
        "unknown_key",
        broken('metric = "hip_line"\nrest', 'metric = "hip_line"\nmin_rest_secs = 2\nrest'),
        "movement.min_rest_secs: unknown key 'min_rest_secs'; did you mean 'min_rest_s'? allowed here: "
        "calibrate_s, max_gap_s, metric, min_rest_s, min_target_s, pick, rest, side_from_rest, side_metric, "
        "side_pick, target, throughout",
    ),
    (
        "unknown_metric",
        broken('[movement]\nmetric = "hip_line"', '[movement]\nmetric = "hip_angle"'),
        "movement.metric: unknown metric 'hip_angle'; did you mean 'hip_line'? known: hip_line, knee_bend "
        "(define it under [[metrics]])",
    ),
    (
        "unknown_landmark",
        broken('points = ["hip", "knee", "ankle"]', 'points = ["hip", "kne", "ankle"]'),
        "metrics[1]: unknown landmark 'kne' (did you mean 'knee'?); use a body part such as hip, knee, "
        "ankle, shoulder, wrist, ear, foot_index, heel, elbow or nose, optionally prefixed "
        "'other:' or 'mid:'",
    ),
    (
        "wrong_type",
        broken("reps = [8, 12]", 'reps = ["eight", 12]'),
        "dose.reps[0]: input should be a valid integer, unable to parse string as an integer (got 'eight'); "
        "fix the value",
    ),
    (
        "wrong_choice",
        broken('kind = "reps"', 'kind = "rep"'),
        "kind: input should be 'reps', 'hold' or 'guided_hold' (got 'rep'); fix the value",
    ),
    (
        "target_overlaps_rest",
        broken(
            'target = [{ metric = "hip_line", above = 160 }]',
            'target = [{ metric = "hip_line", above = 140 }]',
        ),
        "movement: target 'hip_line above 140' overlaps rest 'hip_line below 150': raise the target or lower "
        "the rest threshold so a gap is left between them",
    ),
    (
        "above_greater_than_below",
        broken(
            'when = [{ metric = "hip_line", below = 165 }]',
            'when = [{ metric = "hip_line", above = 170, below = 165 }]',
        ),
        "checks[0].when[0]: 'above' (170.0) is greater than 'below' (165.0): nothing can match; "
        "swap the two numbers",
    ),
    (
        "missing_cue",
        broken('cue = "Lift your hips higher."\n', ""),
        "checks[0].cue: missing; write the words the coach should say here",
    ),
    (
        "empty_cue",
        broken('cue = "Lift your hips higher."', 'cue = ""'),
        "checks[0].cue: is empty or too short (at least 3 characters); write the words the user should see",
    ),
    (
        "newer_schema",
        broken("schema_version = 1", "schema_version = 2\nnew_feature = true"),
        "this rule file is schema version 2, made by a newer posecheck; this posecheck reads version 1: "
        "upgrade posecheck, or start again from this version's rules/",
    ),
    (
        "older_schema",
        broken("schema_version = 1", "schema_version = 0"),
        "this rule file is schema version 0, made by an older posecheck; this posecheck reads version 1: "
        "start from this version's rules/bridge.toml and copy your numbers over",
    ),
    (
        "no_schema_version",
        broken("schema_version = 1\n", ""),
        "schema_version: missing; add 'schema_version = 1' at the top of the file",
    ),
    (
        "form_in_a_posture_not_allowed",
        GOOD + '\n[forms.quadruped.movement]\nmetric = "hip_line"\n'
        'rest = [{ metric = "hip_line", below = 150 }]\ntarget = [{ metric = "hip_line", above = 160 }]\n',
        "forms.quadruped: 'quadruped' is not in posture.also_allowed; add it there or remove the form",
    ),
    (
        "form_with_an_unknown_metric",
        broken('cue = "Lie on your back."', 'cue = "Lie on your back."\nalso_allowed = ["quadruped"]')
        + '\n[forms.quadruped.movement]\nmetric = "hip_lin"\n'
        'rest = [{ metric = "hip_line", below = 150 }]\ntarget = [{ metric = "hip_line", above = 160 }]\n',
        "forms.quadruped.movement.metric: unknown metric 'hip_lin'; did you mean 'hip_line'? known: "
        "hip_line, knee_bend (define it under [[metrics]])",
    ),
]


def test_the_good_file_is_good() -> None:
    assert parse_rules(GOOD, "good.toml").exercise == "bridge"


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_rules_says_what_is_wrong_and_what_to_do(text: str, expected: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_rules(text, "bad.toml")
    assert str(err.value) == f"bad.toml: {expected}"


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_analyze_with_a_bad_rule_file_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path, text: str, expected: str
) -> None:
    bad = tmp_path / "BAD.toml"
    bad.write_text(text)
    out = tmp_path / "out"
    code = main(
        ["analyze", str(tracks_dir / BRIDGE_TRACK), "-e", "bridge", "--rules", str(bad), "-o", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert err.splitlines() == [f"posecheck: error: {bad}: {expected}"]
    assert not out.exists(), "a bad rule file must be reported before anything is written"


def test_rule_file_for_another_exercise(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tracks_dir: Path
) -> None:
    other = tmp_path / "other.toml"
    other.write_text(GOOD)
    code = main(["analyze", str(tracks_dir / BRIDGE_TRACK), "-e", "bird_dog", "--rules", str(other), "-o",
                 str(tmp_path / "o")])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        f"posecheck: error: {other}: this rule file is for 'bridge', not 'bird_dog'; "
        "pass --exercise bridge or another file"
    ]


def test_missing_and_folder_rule_files(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=r"^rule file not found: .*nope\.toml; check the path$"):
        load_exercise("bridge", tmp_path / "nope.toml")
    with pytest.raises(RuleError, match=r"^rule file .* is a folder; pass a \.toml rule file$"):
        load_exercise("bridge", tmp_path)


def test_binary_rule_file(tmp_path: Path) -> None:
    blob = tmp_path / "rules.toml"
    blob.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RuleError, match=r"not a text file \(not UTF-8\); pass a \.toml rule file$"):
        load_exercise("bridge", blob)


def test_missing_shipped_rule_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSECHECK_RULES_DIR", str(tmp_path))
    with pytest.raises(RuleError) as err:
        load_exercise("bridge")
    assert str(err.value) == (
        f"no rule file for 'bridge' in {tmp_path} (this install lacks it); "
        "reinstall posecheck or pass --rules FILE"
    )
