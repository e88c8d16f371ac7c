"""``posecheck tune``: agreement before and after, the tuned file written and usable by analyze."""

import json
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.coach.loader import load_exercise
from tests.test_suggest import bridges


def tune_args(labels: Path, tracks: Path, out: Path) -> list[str]:
    """``posecheck tune`` for the bridge with these labels, tracks and output file."""
    return [
        "tune",
        "--exercise",
        "bridge",
        "--labels",
        str(labels),
        "--tracks",
        str(tracks),
        "--out",
        str(out),
    ]


@pytest.fixture()
def labelled(tmp_path: Path) -> tuple[Path, Path]:
    """Tracks of half and full bridges, and a labels.json counting only the full ones."""
    tracks = tmp_path / "tracks"
    (tracks / "bridge").mkdir(parents=True)
    labels = {}
    for name, amps, count in (
        ("mixed", (1.0, 0.7, 1.0, 0.7), 2),
        ("full", (1.0, 1.0, 1.0), 3),
        ("half", (0.7, 0.7), 0),
    ):
        bridges(amps).save(tracks / "bridge" / f"{name}.npz")
        labels[f"bridge/{name}.mp4"] = {"exercise": "bridge", "rep_count": count}
    labels["bridge/still.jpg"] = {"exercise": "bridge", "position": "start"}  # no count: skipped
    labels["lower_tummy/other.mp4"] = {"exercise": "lower_tummy", "rep_count": 6}  # another exercise
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(labels), encoding="utf-8")
    return path, tracks


def test_tune_prints_agreement_and_writes_a_file_analyze_uses(
    labelled: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels, tracks = labelled
    out = tmp_path / "tuned.toml"
    args = tune_args(labels, tracks, out)
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "tuning bridge on 3 sessions" in printed
    assert "before (file's values)   exact 1/3 (33%), MAE 1.33" in printed
    assert "after, in sample         exact 3/3 (100%), MAE 0.00" in printed
    assert "after, left-one-out      exact 3/3 (100%)" in printed
    assert "changed: movement.target[0].above 160 -> " in printed
    tuned = load_exercise("bridge", out)
    assert tuned.movement.target[0].above is not None and tuned.movement.target[0].above > 160
    assert "# Changed from the original:" in out.read_text(encoding="utf-8")

    result = tmp_path / "analysed"
    code = main(["analyze", str(tracks / "bridge" / "mixed.npz"), "-e", "bridge", "--rules", str(out),
                 "-o", str(result), "--no-video"])  # fmt: skip
    assert code == 0
    report = json.loads((result / "report.json").read_text(encoding="utf-8"))
    assert report["reps"]["total"] == 2, "the tuned file counts what the physiotherapist counted"


def test_tune_refuses_to_overwrite_without_force(
    labelled: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels, tracks = labelled
    out = tmp_path / "tuned.toml"
    out.write_text("mine", encoding="utf-8")
    args = tune_args(labels, tracks, out)
    assert main(args) == 2
    assert "tuned.toml exists; pass --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    "change, says",
    [
        ("missing_track", "no track for bridge/full.mp4"),
        ("no_sessions", "has no session of bridge with a rep_count"),
        ("bad_count", "rep_count must be a whole number"),
        ("no_labels", "labels file not found"),
    ],
)
def test_tune_bad_input_is_one_line(
    labelled: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str, says: str
) -> None:
    labels, tracks = labelled
    data = json.loads(labels.read_text(encoding="utf-8"))
    if change == "missing_track":
        (tracks / "bridge" / "full.npz").unlink()
    elif change == "no_sessions":
        labels.write_text(
            json.dumps({k: v for k, v in data.items() if "rep_count" not in v}), encoding="utf-8"
        )
    elif change == "bad_count":
        data["bridge/half.mp4"]["rep_count"] = "none"
        labels.write_text(json.dumps(data), encoding="utf-8")
    else:
        labels.unlink()
    args = tune_args(labels, tracks, tmp_path / "t.toml")
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("posecheck: error: ") and says in err and "\n" not in err
    assert not (tmp_path / "t.toml").exists()
