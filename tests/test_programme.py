"""Programme files: the handout's programme, other programmes, one-line errors."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.coach.loader import EXERCISES, load_all, rules_dir
from posecheck.dose import plan_from_rules
from posecheck.errors import PosecheckError, ProgrammeError
from posecheck.programme import load_programme, programmes_dir

HEADER = 'schema_version = 1\nid = "mine"\ntitle = "My programme"\n'


def write(folder: Path, body: str, name: str = "mine.toml") -> Path:
    path = folder / name
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return path


def error_of(path: Path | str) -> str:
    with pytest.raises(ProgrammeError) as info:
        load_programme(path)
    message = str(info.value)
    assert "\n" not in message and isinstance(info.value, PosecheckError)
    return message


def test_handout_has_the_ten_in_order_with_the_rule_files_doses() -> None:
    programme = load_programme("handout")
    assert programme.id == "handout"
    assert tuple(e.exercise for e in programme.entries) == EXERCISES
    rules = load_all()
    for entry in programme.entries:
        shipped = plan_from_rules(rules[entry.exercise])
        assert entry.dose.reps == shipped.reps, entry.exercise
        assert entry.dose.hold_s == shipped.hold_s, entry.exercise
        assert entry.dose.rest_s == shipped.rest_s, entry.exercise
        assert entry.dose.sets == 1 and not entry.tuned
        assert entry.rules_path == rules_dir() / f"{entry.exercise}.toml"
        assert entry.rules.handout_number == EXERCISES.index(entry.exercise) + 1


def test_found_beside_rules_or_where_the_variable_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("POSECHECK_PROGRAMMES_DIR", raising=False)
    monkeypatch.delenv("POSECHECK_RULES_DIR", raising=False)
    # The same place rules/ is found: beside the package, in the repository or an editable install.
    assert programmes_dir() == rules_dir().parent / "programmes"
    assert (programmes_dir() / "handout.toml").is_file()
    write(tmp_path, '[[exercises]]\nexercise = "bridge"\n', name="short.toml")
    monkeypatch.setenv("POSECHECK_PROGRAMMES_DIR", str(tmp_path))
    assert load_programme("short").id == "mine"
    assert "shipped: short" in error_of("handout")


def test_a_subset_in_another_order_with_other_doses(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[exercises]]
        exercise = "spine_stretch"
        reps = 6

        [[exercises]]
        exercise = "bridge"
        reps = [10, 15]
        sets = 2
        set_rest_s = 45

        [[exercises]]
        exercise = "hip_stretch"
        hold_s = 30
        note = "Gently."
        """,
    )
    programme = load_programme(path)
    spine, bridge, hip = programme.entries
    assert spine.dose.reps == (6, 6) and spine.dose.sides == "alternate"
    assert bridge.dose.reps == (10, 15) and bridge.dose.sets == 2 and bridge.dose.set_rest_s == 45
    assert hip.dose.hold_s == (30, 30) and hip.dose.reps == (2, 2) and hip.note == "Gently."
    # The coach gets the programme's hold time (its "hold a little longer" cue depends on it).
    assert hip.coach_rules().dose.hold_s == (30, 30)
    assert hip.coach_rules().movement == hip.rules.movement


def test_a_tuned_rule_file_relative_to_the_programme(tmp_path: Path) -> None:
    (tmp_path / "tuned").mkdir()
    text = (rules_dir() / "bridge.toml").read_text(encoding="utf-8")
    (tmp_path / "tuned" / "bridge.toml").write_text(
        text.replace('title = "Bridge"', 'title = "Bridge (tuned)"'), encoding="utf-8"
    )
    path = write(tmp_path, '[[exercises]]\nexercise = "bridge"\nrules = "tuned/bridge.toml"\n')
    (entry,) = load_programme(str(path)).entries
    assert entry.tuned and entry.rules_path == tmp_path / "tuned" / "bridge.toml"
    assert entry.rules.title == "Bridge (tuned)"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[[exercises]]\nexercise = "bridge"\nrep = 5\n',
            "mine.toml: exercises[0].rep: unknown key 'rep'; did you mean 'reps'? allowed here: exercise, "
            "hold_s, note, reps, rest_s, rules, set_rest_s, sets",
        ),
        (
            '[[exercises]]\nexercise = "bridges"\n',
            "mine.toml: exercises[0].exercise: unknown exercise 'bridges'; did you mean 'bridge'? known: ",
        ),
        (
            '[[exercises]]\nexercise = "bridge"\nreps = "ten"\n',
            "mine.toml: exercises[0].reps: 'ten' is not a number of reps; write a number (5) or [min, max] ([6, 8])",
        ),
        (
            '[[exercises]]\nexercise = "bridge"\nreps = [12, 8]\n',
            "exercises[0]: reps: min 12 is greater than max 8; swap them",
        ),
        (
            '[[exercises]]\nexercise = "bridge"\nsets = 0\n',
            "exercises[0].sets: input should be greater than or equal to 1",
        ),
        ("", "mine.toml: exercises: missing; this key is required"),
        ('[[exercises]]\nexercise = "bridge"\ncolour = "red"\n', "unknown key 'colour'; allowed here:"),
        ('[[exercises]\nexercise = "bridge"\n', "mine.toml: line 4, column "),
        (
            '[[exercises]]\nexercise = "bridge"\nrules = "nowhere/bridge.toml"\n',
            "mine.toml: exercises[0].rules: rule file not found: ",
        ),
        (
            '[[exercises]]\nexercise = "hip_stretch"\nhold_s = 0\n',
            "mine.toml: exercises[0].hold_s: hip_stretch is a hold exercise and needs a hold time",
        ),
    ],
)
def test_mistakes_are_one_line_naming_file_key_and_what_is_allowed(
    tmp_path: Path, body: str, expected: str
) -> None:
    message = error_of(write(tmp_path, body))
    assert str(tmp_path / "mine.toml") in message
    assert expected in message, message


def test_version_and_top_level_keys(tmp_path: Path) -> None:
    path = tmp_path / "new.toml"
    path.write_text('schema_version = 2\nid = "x"\ntitle = "New one"\n[[exercises]]\nexercise = "bridge"\n')
    assert "version 2; this posecheck reads version 1: upgrade posecheck" in error_of(path)
    path.write_text('id = "x"\ntitle = "No version"\n[[exercises]]\nexercise = "bridge"\n')
    assert "schema_version: missing; add 'schema_version = 1' at the top of the file" in error_of(path)
    path.write_text(
        'schema_version = 1\nid = "x"\ntitle = "T x"\nname = "y"\n[[exercises]]\nexercise = "bridge"\n'
    )
    allowed = "about, exercises, id, rest_between_s, schema_version, title"
    assert f"unknown key 'name'; allowed here: {allowed}" in error_of(path)


def test_rest_between_exercises(tmp_path: Path) -> None:
    path = tmp_path / "rest.toml"
    body = 'schema_version = 1\nid = "x"\ntitle = "T x"\n{rest}[[exercises]]\nexercise = "bridge"\n'
    path.write_text(body.format(rest=""))
    assert load_programme(path).rest_between_s == 20.0, "the default"
    path.write_text(body.format(rest="rest_between_s = 5\n"))
    assert load_programme(path).rest_between_s == 5.0
    path.write_text(body.format(rest="rest_between_s = -1\n"))
    assert "rest_between_s" in error_of(path)


def test_a_rule_file_for_another_exercise(tmp_path: Path) -> None:
    shutil.copy(rules_dir() / "bridge.toml", tmp_path / "other.toml")
    path = write(tmp_path, '[[exercises]]\nexercise = "pelvic_tilt"\nrules = "other.toml"\n')
    assert "exercises[0].rules: " in error_of(path) and "for 'bridge', not 'pelvic_tilt'" in error_of(path)


def test_missing_programme_and_folder(tmp_path: Path) -> None:
    assert "programme not found: " in error_of(tmp_path / "none.toml")
    assert "is a folder" in error_of(tmp_path)


def test_cli_lists_a_programme_or_says_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["programme"]) == 0
    out = capsys.readouterr().out
    assert " 7. Hip stretch (half-kneeling hip flexor stretch): hold 20-30 s, 2 each side" in out
    assert " 3. Deep abdominal strengthening: hold 5-10 s, 5 times, 10 s rest between" in out
    bad = write(tmp_path, '[[exercises]]\nexercise = "brige"\n')
    assert main(["programme", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("posecheck: error: ") and "\n" not in err and "did you mean 'bridge'" in err
