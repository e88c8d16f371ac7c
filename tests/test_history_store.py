"""The history store on real SQLite files: sessions, reps and holds, migrations, and the bad cases
(missing, corrupt, locked, from a newer posecheck, two writers at once)."""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import tomllib
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import LargeBinary, PickleType, create_engine

from posecheck.coach.feedback import HoldEvent, RepEvent, SessionSummary
from posecheck.errors import HistoryError, PosecheckError
from posecheck.history import HistoryStore, default_location
from posecheck.history.database import alembic_config
from posecheck.history.models import Base

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules" / "bridge.toml"


def summary(
    reps: int = 3, holds: int = 1, sides: bool = False, faults: tuple[str, ...] = ()
) -> SessionSummary:
    side_of = (lambda i: "left" if i % 2 == 0 else "right") if sides else (lambda i: None)
    rep_events = [RepEvent(side_of(i), 2.0 * i, 2.0 * i + 1.5, faults, 170.0, 0.4) for i in range(reps)]
    hold_events = [HoldEvent(side_of(i), 1.0 + i, 21.0 + i, 20.0, True) for i in range(holds)]
    left = sum(r.side == "left" for r in rep_events) if sides else None
    right = sum(r.side == "right" for r in rep_events) if sides else None
    return SessionSummary("bridge", 30.0, reps, left, right, rep_events, hold_events, [], 300, 300, [], [])


def one_line(exc: pytest.ExceptionInfo[HistoryError]) -> str:
    message = str(exc.value)
    assert "\n" not in message and isinstance(exc.value, PosecheckError)
    return message


def db_revision(path: Path) -> str | None:
    with sqlite3.connect(path) as con:
        return con.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_missing_database_is_made_with_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "history.db"
    with HistoryStore.open(path) as store:
        assert store.sessions() == [] and store.count() == 0
        assert store.location == str(path)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert path.is_file() and db_revision(path) == head
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_where_the_history_lives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POSECHECK_DB", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_location() == str(tmp_path / "home" / ".local" / "share" / "posecheck" / "history.db")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_location() == str(tmp_path / "xdg" / "posecheck" / "history.db")
    with HistoryStore.open() as store:
        store.save_summary(summary(), RULES)
    assert (tmp_path / "xdg" / "posecheck" / "history.db").is_file()
    # POSECHECK_DB takes a path or an SQLAlchemy URL.
    monkeypatch.setenv("POSECHECK_DB", f"sqlite:///{tmp_path / 'by_url.db'}")
    with HistoryStore.open() as store:
        assert store.location == str(tmp_path / "by_url.db") and store.count() == 0
    assert (tmp_path / "by_url.db").is_file()
    monkeypatch.setenv("POSECHECK_DB", str(tmp_path / "by_path.db"))
    with HistoryStore.open() as store:
        store.save_summary(summary(), RULES)
    assert (tmp_path / "by_path.db").is_file()


def test_a_live_session_rep_by_rep(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.db") as store:
        sid = store.start_session("bridge", RULES, source="live", profile="ann", programme="handout")
        store.add_rep(sid, 1, RepEvent(None, 1.0, 3.0, ("hips_low",), 160.0, 0.3))
        store.add_hold(sid, HoldEvent(None, 1.5, 2.5, 1.0, False))
        # Written as they happen: a session cut short (a closed tab) keeps what was done.
        (open_session,) = store.sessions()
        assert open_session.finished_at is None and len(open_session.reps) == 1
        assert open_session.reps[0].faults == ("hips_low",) and open_session.holds[0].seconds == 1.0
        store.finish_session(sid, summary(reps=2, holds=1, faults=("hips_low",)), partial=False)
        (done,) = store.sessions()
    assert done.finished_at is not None and done.finished_at >= done.started_at
    assert (done.reps_total, done.reps_left, done.reps_right) == (2, None, None)
    assert [r.index for r in done.reps] == [1, 2] and len(done.holds) == 1
    assert done.faults == {"hips_low": 2}
    assert (done.source, done.profile, done.programme, done.partial) == ("live", "ann", "handout", False)
    assert done.rules_path == str(RULES) and done.rules_sha256 == file_digest(RULES)
    assert done.started_at.tzinfo == timezone.utc


def test_save_summary_filters_and_fault_counts(tmp_path: Path) -> None:
    day = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)
    with HistoryStore.open(tmp_path / "h.db") as store:
        store.save_summary(summary(sides=True), RULES, profile="ann", started_at=day - timedelta(days=5))
        store.save_summary(summary(faults=("too_fast",)), RULES, profile="ann", started_at=day)
        store.save_summary(
            summary(reps=1, faults=("hips_low",)), RULES, profile="bob", started_at=day, partial=True
        )
        assert len(store.sessions()) == 3
        assert [s.profile for s in store.sessions(profile="ann")] == ["ann", "ann"]
        recent = store.sessions(since=date(2025, 3, 9))
        assert [(s.profile, s.partial) for s in recent] == [("ann", False), ("bob", True)]
        assert store.sessions(profile="ann", since=date(2025, 3, 9))[0].faults == {"too_fast": 3}
        assert store.fault_counts() == {"too_fast": 3, "hips_low": 1}
        assert store.fault_counts(profile="bob") == {"hips_low": 1}
        sided = store.sessions(profile="ann")[0]
        assert (sided.reps_total, sided.reps_left, sided.reps_right) == (3, 2, 1)
        assert store.delete_all(profile="bob") == 1 and store.count() == 2
        assert store.delete_all() == 2 and store.count() == 0


def test_only_numbers_are_stored() -> None:
    # Never frames: no binary column anywhere.
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            kind = getattr(column.type, "impl", column.type)
            assert not isinstance(kind, LargeBinary | PickleType), (table.name, column.name)


def test_a_corrupt_file_is_one_line_saying_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(b"this is not an SQLite database, it was overwritten by something else\n" * 200)
    before = file_digest(path)
    with pytest.raises(HistoryError) as info:
        HistoryStore.open(path)
    message = one_line(info)
    assert message.startswith(f"{path}: not a readable history database")
    assert "delete it" in message and "POSECHECK_DB" in message
    assert file_digest(path) == before


def test_a_truncated_database_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore.open(path) as store:
        for _ in range(40):
            store.save_summary(summary(reps=12, holds=4), RULES)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(HistoryError) as info, HistoryStore.open(path) as store:
        store.sessions()
    assert "not a readable history database" in one_line(info)


def test_another_programs_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(HistoryError) as info:
        HistoryStore.open(path)
    assert "holds other tables and no posecheck history" in one_line(info)


LOCKER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
con.execute("INSERT INTO sessions (started_at, exercise, rules_path, rules_sha256, source, partial, reps_total)"
            " VALUES ('2025-01-01 00:00:00', 'bridge', 'x', 'y', 'live', 0, 0)")
print("locked", flush=True)
sys.stdin.read()
con.execute("COMMIT")
"""


def test_locked_by_another_process_beyond_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    store = HistoryStore.open(path, timeout_s=0.5)
    sid = store.start_session("bridge", RULES, source="live")
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        with pytest.raises(HistoryError) as info:
            store.add_rep(sid, 1, RepEvent(None, 1.0, 2.0))
        waited = time.monotonic() - t0
        message = one_line(info)
        assert message.startswith(f"{path}: locked by another program for more than 0.5 s while saving a rep")
        assert 0.4 <= waited < 5, waited
        # Readers are not blocked by a writer (WAL): the list still shows.
        assert len(store.sessions()) == 1
        with pytest.raises(HistoryError) as info:
            HistoryStore.open(path, timeout_s=0.3)
        assert "locked by another program" in one_line(info)
    finally:
        assert locker.stdin is not None
        locker.stdin.close()
        locker.wait(timeout=10)
    store.add_rep(sid, 1, RepEvent(None, 1.0, 2.0))  # the lock is gone: writing works again
    assert len(store.sessions()) == 2
    store.close()


def test_two_writers_at_once_both_succeed(tmp_path: Path) -> None:
    # Two browser tabs: two stores on one file, writing rep by rep at the same time.
    path = tmp_path / "h.db"
    HistoryStore.open(path).close()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def tab(name: str) -> None:
        try:
            with HistoryStore.open(path, timeout_s=10) as store:
                start.wait()
                sid = store.start_session("bridge", RULES, source="live", profile=name)
                for i in range(1, 41):
                    store.add_rep(sid, i, RepEvent(None, float(i), i + 0.5))
                    store.sessions(profile=name)
                store.finish_session(sid, summary(reps=40, holds=0), partial=False)
        except BaseException as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(n,)) for n in ("ann", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with HistoryStore.open(path) as store:
        assert sorted((s.profile, s.reps_total, len(s.reps)) for s in store.sessions()) == [
            ("ann", 40, 40),
            ("bob", 40, 40),
        ]


def test_two_new_stores_opening_one_new_file_at_once(tmp_path: Path) -> None:
    # Both find no schema; the write lock taken on open lets only one of them create it.
    path = tmp_path / "new.db"
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def opener() -> None:
        try:
            start.wait()
            HistoryStore.open(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def test_written_by_a_newer_posecheck_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with HistoryStore.open(path) as store:
        store.save_summary(summary(), RULES)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        con.execute("CREATE TABLE routines (id INTEGER PRIMARY KEY)")
    before = file_digest(path)
    with pytest.raises(HistoryError) as info:
        HistoryStore.open(path)
    message = one_line(info)
    assert message == (
        f"{path}: written by a newer posecheck (schema revision 9999_from_the_future is unknown to this "
        "one); nothing was changed: upgrade posecheck, or set POSECHECK_DB to another file"
    )
    assert file_digest(path) == before
    assert db_revision(path) == "9999_from_the_future"


def test_first_revision_data_survives_the_upgrade_to_head(tmp_path: Path) -> None:
    # A database made by the first release (revision 0001), with data written then.
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    engine.dispose()
    with sqlite3.connect(path) as con:
        con.execute(
            "INSERT INTO sessions (id, started_at, exercise, rules_path, rules_sha256, source, profile, "
            "programme, partial, reps_total, reps_left, reps_right, finished_at) VALUES "
            "(7, '2025-02-01 09:30:00.000000', 'lower_tummy', '/r/lower_tummy.toml', 'abc', 'live', 'ann', "
            "'handout', 0, 2, 1, 1, '2025-02-01 09:35:00.000000')"
        )
        con.execute(
            'INSERT INTO reps (session_id, "index", side, start_s, end_s, hold_s, faults) VALUES '
            "(7, 1, 'left', 1.0, 3.0, 0.5, '[\"too_fast\"]'), (7, 2, 'right', 4.0, 6.0, 0.4, '[]')"
        )
        con.execute(
            "INSERT INTO holds (session_id, side, start_s, seconds, reached_target) VALUES (7, 'left', 1.2, 0.5, 1)"
        )
    assert db_revision(path) == "0001"
    with HistoryStore.open(path) as store:
        (old,) = store.sessions()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert db_revision(path) == head
    assert (old.id, old.exercise, old.profile, old.programme) == (7, "lower_tummy", "ann", "handout")
    assert (old.reps_total, old.reps_left, old.reps_right) == (2, 1, 1)
    assert old.started_at == datetime(2025, 2, 1, 9, 30, tzinfo=timezone.utc)
    assert [(r.side, r.faults) for r in old.reps] == [("left", ("too_fast",)), ("right", ())]
    assert old.holds[0].seconds == 0.5 and old.holds[0].reached_target is True


def test_the_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    # And back down to nothing and up again (revisions are reversible during development).
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()


def test_the_migrations_are_package_data() -> None:
    migrations = importlib.resources.files("posecheck.history") / "migrations"
    assert (migrations / "env.py").is_file() and (migrations / "script.py.mako").is_file()
    versions = [p.name for p in (migrations / "versions").iterdir() if p.name.endswith(".py")]
    assert "0001_initial_schema.py" in versions
    # The .py files ship with the packages setuptools finds; the template needs package-data.
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "posecheck*" in config["packages"]["find"]["include"]
    assert "migrations/script.py.mako" in config["package-data"]["posecheck.history"]


def installed_copy(site: Path) -> None:
    """Copy what a wheel of posecheck holds (its packages' .py files and package data) into ``site``."""
    from setuptools import find_namespace_packages

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    data = config.get("package-data", {})
    for package in find_namespace_packages(str(REPO), include=config["packages"]["find"]["include"]):
        src = REPO.joinpath(*package.split("."))
        dst = site.joinpath(*package.split("."))
        dst.mkdir(parents=True, exist_ok=True)
        for py in src.glob("*.py"):
            shutil.copy2(py, dst / py.name)
        for pattern in data.get(package, []):
            for file in src.glob(pattern):
                (dst / file.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, dst / file.relative_to(src))


def test_migrations_run_from_an_installed_package(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    installed_copy(site)
    db = tmp_path / "elsewhere" / "history.db"
    code = (
        "import posecheck, sys; from posecheck.history import HistoryStore; "
        f"assert posecheck.__file__.startswith({str(site)!r}), posecheck.__file__; "
        f"HistoryStore.open({str(db)!r}).close(); print('ok')"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
    # every shipped revision was found in the installed copy, up to the newest
    assert db_revision(db) == ScriptDirectory.from_config(alembic_config()).get_current_head() == "0002"


def test_only_the_history_package_imports_sqlalchemy() -> None:
    # DESIGN: the store is a small interface; SQLAlchemy and Alembic stay behind it.
    package = REPO / "posecheck"
    for source in package.rglob("*.py"):
        if source.is_relative_to(package / "history"):
            continue
        text = source.read_text(encoding="utf-8")
        assert "import sqlalchemy" not in text and "from sqlalchemy" not in text, source
        assert "from alembic" not in text and "import alembic" not in text, source
