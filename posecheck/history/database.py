"""Where the history lives and how its database is opened: paths or URLs, folders, SQLite settings,
migrations, and database errors told as one line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from posecheck.errors import HistoryError

MIGRATIONS = "posecheck.history:migrations"  # alembic's package-resource form: found wherever installed
READ_ONLY = "posecheck_read"  # execution option of a transaction that only reads (plain BEGIN)


def default_location() -> str:
    """``POSECHECK_DB``, else ``$XDG_DATA_HOME/posecheck/history.db`` (``~/.local/share`` by default)."""
    override = os.environ.get("POSECHECK_DB")
    if override:
        return override
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(data_home) / "posecheck" / "history.db")


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration for the shipped migrations: no alembic.ini needed."""
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def resolve(url_or_path: str | Path) -> tuple[URL, Path | None]:
    """The SQLAlchemy URL and, for an SQLite file, its path."""
    text = str(url_or_path)
    if "://" in text:
        try:
            url = make_url(text)
        except ArgumentError:
            raise HistoryError(
                f"POSECHECK_DB={text}: neither a file path nor an SQLAlchemy URL; "
                "give a path such as ~/history.db or a URL such as sqlite:////path/history.db"
            ) from None
        database = url.database or ""
        is_file = url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
        return url, (Path(database).expanduser() if is_file else None)
    path = Path(text).expanduser()
    return URL.create("sqlite", database=str(path)), path


def make_folder(path: Path) -> None:
    """Create the database's folders; refuse a folder, or a place that cannot be written, up front."""
    if path.is_dir():
        raise HistoryError(f"{path}: is a folder; set POSECHECK_DB to a file such as {path / 'history.db'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(
            f"{path}: cannot create the folder {path.parent} ({exc.strerror}); "
            "set POSECHECK_DB to a file in a writable folder"
        ) from None
    # SQLite writes beside the file too (its write-ahead log), so the folder must be writable;
    # saying so now beats SQLite's "unable to open database file" later.
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        what = "the file or its folder is read-only" if path.exists() else f"{path.parent} is read-only"
        raise HistoryError(
            f"{path}: cannot write the history ({what}); make it writable or set POSECHECK_DB "
            "to a file in a writable folder"
        )


def sqlite_settings(engine: Engine, timeout_s: float) -> None:
    """Busy timeout, foreign keys, and write transactions that take the write lock when they begin."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # posecheck emits BEGIN itself (below); pysqlite's own implicit BEGIN would come too late.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A write transaction that began as a reader cannot wait for the lock in WAL mode (SQLite
        # fails it at once when another tab wrote meanwhile): writers take the lock up front and
        # wait up to the busy timeout for it. Readers never block anyone.
        read = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def enable_wal(engine: Engine) -> None:
    """Write-ahead log: readers do not block the writer (a second tab), and the writer not readers."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
    finally:
        raw.close()


def explain(exc: SQLAlchemyError, location: str, timeout_s: float, doing: str) -> str:
    """A database error as one line: the file, what went wrong while ``doing`` what, what to do."""
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    low = reason.lower()
    where = f"{location}: "
    if "locked" in low or "busy" in low:
        return (
            f"{where}locked by another program for more than {timeout_s:g} s while {doing}; "
            "close the other posecheck window or tab and try again"
        )
    if "not a database" in low or "malformed" in low or "encrypted" in low:
        return (
            f"{where}not a readable history database ({reason}); move it away or delete it "
            "(posecheck then starts a new one), or set POSECHECK_DB to another file"
        )
    if "readonly" in low or "read-only" in low:
        return (
            f"{where}cannot write to it (read-only file or folder) while {doing}; make it writable "
            "or set POSECHECK_DB to a file in a writable folder"
        )
    if "unable to open" in low:
        return (
            f"{where}cannot open the database file while {doing}; check that its folder exists "
            "and is writable, or set POSECHECK_DB to another file"
        )
    if "disk" in low or "full" in low:
        return f"{where}{reason} while {doing}; check the free disk space"
    return f"{where}history database error while {doing} ({reason}); set POSECHECK_DB to another file"
