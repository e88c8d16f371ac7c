"""``posecheck analyze --save`` and ``posecheck history``: what is saved agrees with report.json,
and a history that cannot be used is one line, never a failed analysis."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from posecheck.cli import main

REPO = Path(__file__).resolve().parents[1]
TRACK = REPO / "sample_videos" / "tracks" / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
SIDED_TRACK = (
    REPO / "sample_videos" / "tracks" / "butt_stretch" / "ndnam0109-fitness-content__figure_four_stretch.npz"
)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "history.db"
    monkeypatch.setenv("POSECHECK_DB", str(path))
    return path


def one_line(err: str, start: str = "posecheck: error: ") -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith(start), lines[0]
    return lines[0]


def history_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["history", "--json", *args]) == 0
    data: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return data


@pytest.mark.parametrize(("track", "exercise"), [(TRACK, "bridge"), (SIDED_TRACK, "butt_stretch")])
def test_saved_analysis_agrees_with_report_json(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], track: Path, exercise: str
) -> None:
    out = tmp_path / "out"
    assert main(["analyze", str(track), "-e", exercise, "-o", str(out), "--save"]) == 0
    printed = capsys.readouterr()
    assert "saved in the history as session 1" in printed.out and "not saved" not in printed.err
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (session,) = history_json(capsys)
    assert session["reps"] == report["reps"]
    assert session["holds"] == [
        {k: h[k] for k in ("side", "start_s", "seconds", "reached_target")} for h in report["holds"]
    ]
    assert [(r["side"], r["start_s"], r["end_s"], r["faults"]) for r in session["rep_events"]] == [  # type: ignore[attr-defined]
        (r["side"], r["start_s"], r["end_s"], r["faults"]) for r in report["rep_events"]
    ]
    assert session["exercise"] == exercise and session["source"] == "video"
    assert session["partial"] is report["partial"] is False
    assert session["rules"]["path"] == str(REPO / "rules" / f"{exercise}.toml")  # type: ignore[index]


def test_history_table_csv_profile_and_since(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history"]) == 0
    assert capsys.readouterr().out.startswith("no sessions saved yet\n(0 sessions in ")
    assert db.is_file()  # made, with its folder, on first use
    for n, profile in enumerate(("ann", "bob")):
        args = [
            "analyze",
            str(TRACK),
            "-e",
            "bridge",
            "-o",
            str(tmp_path / f"o{n}"),
            "--save",
            "--profile",
            profile,
        ]
        assert main(args) == 0
    capsys.readouterr()
    assert main(["history"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == [
        "id",
        "started",
        "exercise",
        "source",
        "profile",
        "reps",
        "left/right",
        "holds",
        "faults",
    ]
    assert table[1].split()[0] == "1" and table[1].split()[3:8] == ["bridge", "video", "ann", "3", "-"]
    assert table[-1] == f"(2 sessions in {db})"
    assert main(["history", "--csv", "--profile", "bob"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["id"], r["profile"], r["reps_total"], r["reps_left"]) for r in rows] == [("2", "bob", "3", "")]
    assert [s["profile"] for s in history_json(capsys, "--since", "2000-01-01")] == ["ann", "bob"]
    assert history_json(capsys, "--since", "2999-01-01") == []


def test_bad_arguments_are_one_line(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--since", "01/02/2025"]) == 2
    assert "--since 01/02/2025: not a date; write YYYY-MM-DD" in one_line(capsys.readouterr().err)
    assert main(["analyze", str(TRACK), "-e", "bridge", "-o", str(tmp_path / "o"), "--profile", "ann"]) == 2
    assert "use it with --save" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_delete_all_needs_yes(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TRACK), "-e", "bridge", "-o", str(tmp_path / "o"), "--save"]) == 0
    capsys.readouterr()
    assert main(["history", "--delete-all"]) == 2
    assert f"would delete 1 sessions from {db}; add --yes to confirm" in one_line(capsys.readouterr().err)
    assert len(history_json(capsys)) == 1
    assert main(["history", "--delete-all", "--yes"]) == 0
    assert capsys.readouterr().out.strip() == f"deleted 1 sessions from {db}"
    assert history_json(capsys) == []


def test_a_corrupt_history_warns_and_the_analysis_is_still_written(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"\x00garbage, not SQLite\n" * 100)
    out = tmp_path / "out"
    assert main(["analyze", str(TRACK), "-e", "bridge", "-o", str(out), "--save"]) == 0
    captured = capsys.readouterr()
    warning = one_line(captured.err, start="warning: not saved in the history: ")
    assert str(db) in warning and "delete it" in warning
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["reps"]["total"] == 3
    assert "Bridge: 3 reps" in captured.out
    assert main(["history"]) == 2
    assert "not a readable history database" in one_line(capsys.readouterr().err)


def run_read_only(folder: Path, argv: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    """Run ``posecheck argv`` with ``folder`` read-only.

    As a normal user the folder's permissions do it; root ignores permissions, so there the
    folder is bind-mounted read-only in a private mount namespace (nothing else sees it).
    """
    cmd = [sys.executable, "-m", "posecheck", *argv]
    env = {**os.environ, "POSECHECK_DB": str(db)}
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare(1): cannot make a read-only folder")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(folder), *cmd],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 and ("unshare:" in proc.stderr or "mount:" in proc.stderr):
        pytest.skip(f"cannot make a read-only mount here: {proc.stderr.strip()}")
    return proc


def test_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    proc = run_read_only(folder, ["history"], folder / "sub" / "history.db")
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    assert f"cannot create the folder {folder / 'sub'}" in line and "POSECHECK_DB" in line
    out = tmp_path / "out"
    proc = run_read_only(
        folder, ["analyze", str(TRACK), "-e", "bridge", "-o", str(out), "--save"], folder / "h.db"
    )
    assert proc.returncode == 0, proc.stderr
    warning = one_line(proc.stderr, start="warning: not saved in the history: ")
    assert f"{folder / 'h.db'}: cannot write the history ({folder} is read-only)" in warning
    assert (out / "report.json").is_file()


def test_a_read_only_database_file(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TRACK), "-e", "bridge", "-o", str(tmp_path / "o1"), "--save"]) == 0
    out = tmp_path / "o2"
    proc = run_read_only(db.parent, ["analyze", str(TRACK), "-e", "bridge", "-o", str(out), "--save"], db)
    assert proc.returncode == 0, proc.stderr
    warning = one_line(proc.stderr, start="warning: not saved in the history: ")
    assert f"{db}: cannot write the history (the file or its folder is read-only)" in warning
    assert (out / "report.json").is_file()
    capsys.readouterr()
    assert len(history_json(capsys)) == 1  # the earlier session is intact
