"""The Progress page on a history in a bad state: missing (created), corrupt, locked, read-only,
from a newer posecheck. Each is at most one line, and the page still draws."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, time
from pathlib import Path

import pytest

from posecheck.coach.feedback import RepEvent, SessionSummary
from posecheck.history import HistoryStore
from posecheck.progress_load import load_history

REPO = Path(__file__).resolve().parents[1]
BRIDGE = REPO / "rules" / "bridge.toml"

# The page in a fresh interpreter (streamlit's AppTest), with its errors, notices and headings as JSON.
PAGE = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_string("from posecheck.ui.pages_progress import page\\npage()", default_timeout=120)
at.run()
print(json.dumps({
    "exception": [str(e.value) for e in at.exception],
    "error": [e.value for e in at.error],
    "info": [e.value for e in at.info],
    "title": [t.value for t in at.title],
    "subheader": [s.value for s in at.subheader],
    "markdown": [m.value for m in at.markdown],
}))
"""


def render_page(db: str, wrap: list[str] | None = None) -> dict[str, list[str]]:
    env = {**os.environ, "POSECHECK_DB": db, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [*(wrap or []), sys.executable, "-c", PAGE], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    page: dict[str, list[str]] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert page["exception"] == [] and page["title"] == ["Progress"], page
    return page


def saved(path: Path, n: int = 2) -> Path:
    with HistoryStore.open(path) as store:
        for reps in range(3, 3 + n):
            events = [RepEvent(None, float(i), i + 1.0) for i in range(reps)]
            summary = SessionSummary("bridge", 10.0, reps, None, None, events, [], [], 10, 10, [], [])
            store.save_summary(
                summary, BRIDGE, started_at=datetime.combine(datetime.now().date(), time(12)).astimezone()
            )
    return path


def test_a_missing_history_is_made_and_said_once(tmp_path: Path) -> None:
    path = tmp_path / "new" / "history.db"
    loaded = load_history(path)
    assert loaded.error is None and loaded.records == []
    assert loaded.notice == f"No history yet: a new one was made at {path}; sets you save go there."
    assert path.is_file()
    assert load_history(path).notice is None  # the second time it simply exists
    page = render_page(str(tmp_path / "other" / "h.db"))
    assert page["error"] == [] and len(page["info"]) == 1 and "No history yet" in page["info"][0]


def test_a_history_with_sets_draws_them(tmp_path: Path) -> None:
    path = saved(tmp_path / "h.db")
    loaded = load_history(path)
    assert (loaded.error, loaded.notice, len(loaded.records)) == (None, None, 2)
    page = render_page(str(path))
    assert page["error"] == [] and page["info"] == [] and page["subheader"] == ["Bridge"]
    assert page["markdown"][0].startswith("**1 of 28 days exercised, 2 sets saved")


def test_a_corrupt_history_is_one_line_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"not a database at all\n" * 300)
    before = path.read_bytes()
    loaded = load_history(path)
    assert loaded.records == [] and loaded.error is not None and "\n" not in loaded.error
    assert loaded.error.startswith(f"{path}: not a readable history database")
    page = render_page(str(path))
    assert page["error"] == [loaded.error] and page["subheader"] == []
    assert path.read_bytes() == before


def test_a_newer_history_is_refused_untouched(tmp_path: Path) -> None:
    path = saved(tmp_path / "h.db")
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = 'zz_future'")
    con.commit()
    con.close()  # the last connection folds the write-ahead log into the file: the bytes compared are final
    before = path.read_bytes()
    loaded = load_history(path)
    assert loaded.records == [] and loaded.error is not None
    assert loaded.error.startswith(f"{path}: written by a newer posecheck (schema revision zz_future")
    assert render_page(str(path))["error"] == [loaded.error]
    assert path.read_bytes() == before


def test_a_bad_address_is_one_line() -> None:
    loaded = load_history("nosuchdb+driver://x:y@/z")
    assert loaded.error is not None and "\n" not in loaded.error and "POSECHECK_DB" in loaded.error


LOCKER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
con.execute("DELETE FROM reps")
print("locked", flush=True)
sys.stdin.read()
con.execute("ROLLBACK")
"""


def test_a_history_locked_by_another_program_is_still_shown(tmp_path: Path) -> None:
    path = saved(tmp_path / "h.db")
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        loaded = load_history(path, timeout_s=0.3)
        assert loaded.error is None and len(loaded.records) == 2
        assert all(len(r.reps) > 0 for r in loaded.records)  # the other program's change is not seen
        assert loaded.notice is not None and "another program" in loaded.notice and "\n" not in loaded.notice
        page = render_page(str(path))
        assert (
            page["error"] == [] and page["subheader"] == ["Bridge"] and "another program" in page["info"][0]
        )
    finally:
        assert locker.stdin is not None
        locker.stdin.close()
        locker.wait(timeout=10)


def read_only_wrap(folder: Path) -> list[str]:
    """A command prefix that runs with ``folder`` read-only (root ignores permissions: a private
    read-only bind mount; nothing else sees it)."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1): cannot make a read-only folder")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(folder), "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    return ["unshare", "-m", "sh", "-c", script, str(folder)]


LOAD = """
import json, sys
from posecheck.progress_load import load_history
l = load_history(sys.argv[1])
print(json.dumps({"error": l.error, "notice": l.notice, "sets": len(l.records)}))
"""


def test_a_read_only_history_is_shown_but_not_written(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = saved(folder / "h.db")
    before = path.read_bytes()
    if os.geteuid() == 0:
        wrap = read_only_wrap(folder)
    else:  # a normal user: the permissions do it
        folder.chmod(0o555)
        path.chmod(0o444)
        wrap = []
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.run(
            [*wrap, sys.executable, "-c", LOAD, str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        loaded = json.loads(proc.stdout)
        assert loaded["error"] is None and loaded["sets"] == 2
        assert loaded["notice"].startswith(f"{path}: read-only: shown here, but new sets cannot be saved")
        page = render_page(str(path), wrap)
        assert page["error"] == [] and page["subheader"] == ["Bridge"] and "read-only" in page["info"][0]
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["h.db"]  # no journal or lock file was made


def test_the_address_chooses_the_days_and_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from streamlit.testing.v1 import AppTest

    path = tmp_path / "h.db"
    old = datetime.combine(datetime.now().date() - timedelta(days=40), time(12)).astimezone()
    with HistoryStore.open(path) as store:
        events = [RepEvent(None, float(i), i + 1.0) for i in range(9)]
        summary = SessionSummary("bridge", 10.0, 9, None, None, events, [], [], 10, 10, [], [])
        store.save_summary(summary, BRIDGE, profile="ann", started_at=old)
        store.save_summary(summary, BRIDGE, profile="bob", started_at=old)
    monkeypatch.setenv("POSECHECK_DB", str(path))
    script = "from posecheck.ui.pages_progress import page\npage()"
    default = AppTest.from_string(script, default_timeout=120).run()
    assert default.subheader == [] and default.markdown[0].value.startswith("**0 of 28 days exercised")
    linked = AppTest.from_string(script, default_timeout=120)
    day = old.date()
    linked.query_params.update(
        {"from": (day - timedelta(days=1)).isoformat(), "to": day.isoformat(), "profile": "ann"}
    )
    linked.run()
    assert [s.value for s in linked.subheader] == ["Bridge"]
    assert linked.markdown[0].value.startswith("**1 of 2 days exercised, 1 set saved")
    assert linked.selectbox(key="progress_profile").value == "ann"


def test_reading_only_refuses_what_it_cannot_show_as_is(tmp_path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from posecheck.errors import HistoryError
    from posecheck.history.database import alembic_config
    from posecheck.history.readonly import open_read_only

    with pytest.raises(HistoryError, match="no history database there to read"):
        open_read_only(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()
    path = saved(tmp_path / "h.db", n=1)
    with open_read_only(path) as store:
        assert len(store.sessions()) == 1
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = 'zz_future'")
    con.commit()
    con.close()
    with pytest.raises(HistoryError, match="written by a newer posecheck"):
        open_read_only(path)
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    if len(revisions) < 2:
        return  # one schema revision so far: nothing older to refuse
    older = tmp_path / "old.db"
    command.upgrade(alembic_config(url=f"sqlite:///{older}"), revisions[-1].revision)
    with pytest.raises(HistoryError, match="an older history that must be upgraded"):
        open_read_only(older)
