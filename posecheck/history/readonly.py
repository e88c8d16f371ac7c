"""Reading a history that cannot be written (a read-only file, folder or disk): shown, never changed."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from posecheck.errors import HistoryError
from posecheck.history.database import alembic_config, explain
from posecheck.history.store import DEFAULT_TIMEOUT_S, HistoryStore


def open_read_only(path: str | Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> HistoryStore:
    """Open an existing SQLite history for reading only; no migration, no write, no file created.

    In a folder that cannot be written SQLite cannot make its shared-memory file either, so
    the file is opened as immutable there (nobody can be writing it).
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise HistoryError(f"{p}: no history database there to read")
    flags = "mode=ro" if os.access(p.parent, os.W_OK) else "mode=ro&immutable=1"
    uri = f"file:{quote(str(p.resolve()))}?{flags}"
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, timeout=timeout_s, check_same_thread=False),
    )
    store = HistoryStore(engine, str(p), timeout_s)
    store.file = p  # its tracks folder is beside it
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise HistoryError(explain(exc, str(p), timeout_s, "reading the history")) from None
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    head = script.get_current_head()
    if current not in known:
        engine.dispose()
        raise HistoryError(
            f"{p}: written by a newer posecheck (schema revision {current} is unknown to this one); "
            "nothing was changed: upgrade posecheck, or set POSECHECK_DB to another file"
        )
    if current != head:
        # An older schema would need its migrations, which cannot be written here.
        engine.dispose()
        raise HistoryError(
            f"{p}: an older history that must be upgraded before it is shown, which cannot be done while it is "
            "read-only or being written; make it writable, close other posecheck windows and reload"
        )
    return store
