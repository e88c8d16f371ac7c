"""``posecheck batch``: inputs, one row per input, errors as rows, re-runs, the pool and Ray agree.

Committed landmark tracks keep these fast (no model); one synthetic video and one real clip run the
model. "The model did not run" is shown without timing: the re-run happens with the model made
impossible to load (``POSECHECK_CACHE`` pointing at a file), which would make any analysis that
needs it an error row.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from posecheck.batch import COLUMNS, TIMING_COLUMNS, BatchTask, result_name, run_one
from posecheck.cli import main
from posecheck.plot_png import DIGEST_KEY

REPO = Path(__file__).resolve().parents[1]
TRACKS = REPO / "sample_videos" / "tracks"
BRIDGES = sorted((TRACKS / "bridge").glob("ndnam0109*.npz"))  # two bridge tracks with reps
BIRD_DOG = TRACKS / "bird_dog" / "HonzaCzSk-polybag__bird_dog.npz"


def summary(out: Path) -> list[dict[str, Any]]:
    rows = json.loads((out / "summary.json").read_text())["rows"]
    with open(out / "summary.csv", newline="") as fh:
        assert [r["path"] for r in csv.DictReader(fh)] == [r["path"] for r in rows]
    return list(rows)


def untimed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in rows]


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """Three committed tracks, two exercises, absolute paths."""
    path = tmp_path / "inputs.csv"
    lines = ["path,exercise,profile", *(f"{p},bridge,ann" for p in BRIDGES), f"{BIRD_DOG},bird_dog,bob"]
    path.write_text("\n".join(lines) + "\n")
    return path


def tuned_rules(tmp_path: Path, exercise: str = "bridge") -> Path:
    """The shipped rule file with one more comment line: other bytes (another SHA-256), same rules."""
    path = tmp_path / f"tuned_{exercise}.toml"
    path.write_text((REPO / "rules" / f"{exercise}.toml").read_text() + "\n# tuned\n")
    return path


def test_one_and_two_workers_give_the_same_rows(manifest: Path, tmp_path: Path) -> None:
    assert main(["batch", str(manifest), "--out", str(tmp_path / "w1"), "--workers", "1"]) == 0
    assert main(["batch", str(manifest), "--out", str(tmp_path / "w2"), "--workers", "2"]) == 0
    one, two = summary(tmp_path / "w1"), summary(tmp_path / "w2")
    assert untimed(one) == untimed(two)
    assert [r["path"] for r in one] == [str(p) for p in [*BRIDGES, BIRD_DOG]]  # input order, not finish order
    assert all(r["status"] == "ok" and r["action"] == "track input" for r in one)
    assert set(one[0]) == set(COLUMNS)
    assert one[0]["reps_total"] == 3 and one[0]["video_s"] > 10
    assert one[2]["exercise"] == "bird_dog" and one[2]["profile"] == "bob"
    for row in one:
        folder = tmp_path / "w1" / row["result"]
        assert {"report.json", "reps.csv", "angles.png", "batch.json"} <= {p.name for p in folder.iterdir()}
        assert json.loads((folder / "report.json").read_text())["reps"]["total"] == row["reps_total"]


def test_a_broken_input_is_an_error_row_and_the_rest_go_on(
    manifest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_text("this is not a video\n")
    out = tmp_path / "out"
    code = main(["batch", str(manifest), str(broken), "-e", "bridge", "--out", str(out), "--workers", "2"])
    assert code == 1
    rows = summary(out)
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "error"]
    error = rows[3]["error"]
    assert "text file, not a video" in error and "\n" not in error
    assert "Traceback" not in capsys.readouterr().err
    assert not (out / rows[3]["result"]).exists()  # nothing half-made for it
    assert not list(out.glob(".work-*"))


def test_rerun_skips_and_changed_rules_rescore(manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["batch", str(manifest), "--out", str(out)]) == 0
    first = summary(out)
    assert main(["batch", str(manifest), "--out", str(out)]) == 0
    again = summary(out)
    assert [r["action"] for r in again] == ["skipped"] * 3
    assert untimed(again) == [dict(r, action="skipped") for r in untimed(first)]
    rules = tuned_rules(tmp_path)
    assert main(["batch", str(manifest), "--out", str(out), "--rules", str(rules)]) == 0
    tuned = summary(out)
    # The tuned bridge file re-scores the bridge inputs; the bird dog's rules did not change.
    assert [r["action"] for r in tuned] == ["track input", "track input", "skipped"]
    stamp = json.loads((out / tuned[0]["result"] / "batch.json").read_text())
    assert stamp["rules_source"] == str(rules)
    assert main(["batch", str(manifest), "--out", str(out), "--rules", str(rules)]) == 0
    assert [r["action"] for r in summary(out)] == ["skipped"] * 3


def test_changed_rules_rescore_the_stored_track_without_the_model(
    make_video: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_video("clip.mp4", n=15)
    out = tmp_path / "out"
    batch = ["batch", str(video), "-e", "bridge", "--out", str(out)]
    assert main([*batch, "--no-video"]) == 0
    (row,) = summary(out)
    folder = out / row["result"]
    assert row["action"] == "analysed" and (folder / "track.npz").is_file()
    assert not (folder / "annotated.mp4").exists()
    # Same rules, but now the annotated video is wanted: only the model can draw it.
    assert main(batch) == 0
    assert summary(out)[0]["action"] == "analysed" and (folder / "annotated.mp4").is_file()
    # From here on the pose model cannot be loaded: any run that needs it is an error row.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("POSECHECK_CACHE", str(blocker))
    rules = tuned_rules(tmp_path)
    assert main([*batch, "--rules", str(rules)]) == 0
    (rescored,) = summary(out)
    assert rescored["status"] == "ok" and rescored["action"] == "track reused"
    assert "annotated.mp4 not remade" in rescored["note"]
    assert (folder / "track.npz").is_file()  # still there for the next re-score
    assert not (folder / "annotated.mp4").exists()  # it showed the old rules' counts and cues
    assert main([*batch, "--rules", str(rules)]) == 0
    assert summary(out)[0]["action"] == "skipped"
    # Other bytes again, same thresholds and reps: re-scored, and the plot copied, not redrawn (shown
    # with a 1-pixel stand-in carrying the old plot's digest: a redraw would replace it).
    with Image.open(folder / "angles.png") as old:
        info = PngImagePlugin.PngInfo()
        info.add_text(DIGEST_KEY, old.text[DIGEST_KEY])
    Image.new("RGB", (1, 1)).save(folder / "angles.png", pnginfo=info)
    stand_in = (folder / "angles.png").read_bytes()
    rules.write_text(rules.read_text() + "# tuned again\n")
    assert main([*batch, "--rules", str(rules)]) == 0
    assert summary(out)[0]["action"] == "track reused"
    assert (folder / "angles.png").read_bytes() == stand_in
    # The control: the same input in a new folder needs the model, and fails for want of it.
    fresh = tmp_path / "fresh"
    assert main(["batch", str(video), "-e", "bridge", "--out", str(fresh), "--no-video"]) == 1
    (failed,) = summary(fresh)
    assert "cannot build the pose model" in failed["error"]


def test_changed_input_is_analysed_again(tmp_path: Path) -> None:
    track = tmp_path / "a.npz"
    shutil.copy2(BRIDGES[0], track)
    out = tmp_path / "out"
    assert main(["batch", str(track), "-e", "bridge", "--out", str(out)]) == 0
    os.utime(track, ns=(0, 1_000_000_000))  # another modification time: another input, as far as we know
    assert main(["batch", str(track), "-e", "bridge", "--out", str(out)]) == 0
    assert summary(out)[0]["action"] == "track input"


def test_manifest_with_relative_paths_and_profiles(tmp_path: Path) -> None:
    data = tmp_path / "archive"
    (data / "sub").mkdir(parents=True)
    shutil.copy2(BRIDGES[0], data / "a.npz")
    shutil.copy2(BIRD_DOG, data / "sub" / "b.npz")
    listing = data / "list.csv"
    listing.write_text(
        "path,exercise,profile\na.npz,bridge,ann\nsub/b.npz,bird_dog,bob\nsub/b.npz,bird_dog,bob\n"
    )
    out = tmp_path / "out"
    assert main(["batch", str(listing), "--out", str(out)]) == 0
    rows = summary(out)
    assert [(r["path"], r["exercise"], r["profile"]) for r in rows] == [
        (str(data / "a.npz"), "bridge", "ann"),
        (str(data / "sub" / "b.npz"), "bird_dog", "bob"),
    ]
    assert rows[0]["result"] == result_name(data / "a.npz", "bridge")
    assert rows[0]["result"].startswith("a.bridge-")


def test_folder_is_read_one_level_deep(tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    (folder / "deeper").mkdir(parents=True)
    shutil.copy2(BRIDGES[0], folder / "a.npz")
    shutil.copy2(BRIDGES[1], folder / "deeper" / "b.npz")
    (folder / "notes.txt").write_text("not an input")
    out = folder / "results"  # inside the input folder: its track.npz files are never inputs
    assert main(["batch", str(folder), "-e", "bridge", "--out", str(out)]) == 0
    assert main(["batch", str(folder), "-e", "bridge", "--out", str(out)]) == 0
    assert [Path(r["path"]).name for r in summary(out)] == ["a.npz"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "pass --exercise ID"),
        (["-e", "brige"], "did you mean 'bridge'"),
        (["-e", "bridge", "--rules", "missing.toml"], "rule file not found"),
        (["-e", "bridge", "--workers", "0"], "--workers 0"),
        (["-e", "bridge", "--ray", str(BRIDGES[1])], "put --ray after the inputs"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["batch", str(BRIDGES[0]), "--out", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_missing_input_or_empty_glob_is_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "nope.mp4"), "-e", "bridge", "--out", str(tmp_path / "o")]) == 2
    assert main(["batch", str(tmp_path / "*.mp4"), "-e", "bridge", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "input not found" in err and "matches no file" in err


def test_missing_manifest_input_is_an_error_row(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(f"path,exercise\ngone.mp4,bridge\n{BRIDGES[0]},bridge\n")
    assert main(["batch", str(listing), "--out", str(tmp_path / "out")]) == 1
    gone, ok = summary(tmp_path / "out")
    assert (
        gone["error"] == f"input not found: {tmp_path / 'gone.mp4'}; check the path" and ok["status"] == "ok"
    )


def test_run_one_is_a_plain_function_of_its_task(tmp_path: Path) -> None:
    text = (REPO / "rules" / "bridge.toml").read_text()
    folder = tmp_path / result_name(BRIDGES[0], "bridge")
    task = BatchTask(str(BRIDGES[0]), "bridge", "", text, "bridge.toml", str(folder), annotate=False)
    row = run_one(task)
    assert row["status"] == "ok" and row["reps_total"] == 3 and row["result"] == folder.name
    assert run_one(task)["action"] == "skipped"


@pytest.mark.slow
def test_ray_runs_the_same_batch_as_the_pool(manifest: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="ray is not installed (pip install 'posecheck[cluster]')")
    assert main(["batch", str(manifest), "--out", str(tmp_path / "pool"), "--workers", "2"]) == 0
    # A fresh interpreter: Ray reads its settings when first imported, and another test in this
    # process may have imported it already.
    script = f"""
import sys
from posecheck.batch_run import start_local_ray
from posecheck.cli import main
ray = start_local_ray(num_cpus=2)  # ray.init on 127.0.0.1 with 2 CPUs, as 'batch --ray' does
try:
    assert ray.cluster_resources().get("CPU") == 2
    assert {{n["NodeManagerAddress"] for n in ray.nodes()}} == {{"127.0.0.1"}}  # the loopback only
    code = main(["batch", {str(manifest)!r}, "--out", {str(tmp_path / "ray")!r}, "--ray"])
finally:
    ray.shutdown()
sys.exit(code)
"""
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert untimed(summary(tmp_path / "ray")) == untimed(summary(tmp_path / "pool"))


@pytest.mark.footage
@pytest.mark.slow
def test_real_video_then_rescore_without_the_model(
    footage: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = footage / "bridge" / "ndnam0109-fitness-content__glute_bridges.mp4"
    out = tmp_path / "out"
    assert main(["batch", str(clip), "-e", "bridge", "--out", str(out), "--no-video"]) == 0
    (row,) = summary(out)
    assert (row["status"], row["action"], row["reps_total"]) == ("ok", "analysed", 3)
    folder = out / row["result"]
    assert {p.name for p in folder.iterdir()} == {
        "report.json",
        "reps.csv",
        "angles.png",
        "track.npz",
        "batch.json",
    }
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("POSECHECK_CACHE", str(blocker))
    rules = tuned_rules(tmp_path)
    assert (
        main(["batch", str(clip), "-e", "bridge", "--out", str(out), "--no-video", "--rules", str(rules)])
        == 0
    )
    (rescored,) = summary(out)
    assert (rescored["action"], rescored["reps_total"]) == ("track reused", 3)


def test_ray_not_installed_is_one_line(
    manifest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what 'import ray' does when it is not installed
    assert main(["batch", str(manifest), "--out", str(tmp_path / "out"), "--ray"]) == 2
    err = capsys.readouterr().err.strip()
    assert "install posecheck[cluster]" in err and len(err.splitlines()) == 1
