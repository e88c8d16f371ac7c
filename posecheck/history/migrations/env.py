"""Alembic's entry point: migrates the connection :func:`posecheck.history.store.alembic_config` gives.

The store opens the database (busy timeout, one writer at a time) and hands its connection over in
``config.attributes["connection"]``; a bare URL (``sqlalchemy.url``) is for writing revisions.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from posecheck.history.models import Base

config = context.config


def _migrate(connection: Connection) -> None:
    # Batch mode: SQLite alters a table by copying it, so later revisions can change columns.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Run the migrations on the store's connection, or on ``sqlalchemy.url``."""
    if context.is_offline_mode():
        raise RuntimeError("posecheck's history migrations run on a live connection, not as SQL scripts")
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("give alembic_config() a connection or a url")
    with create_engine(url).begin() as conn:
        _migrate(conn)


run()
