"""Alembic migrations of the history database, run by :meth:`HistoryStore.open` (no alembic.ini).

To write the next revision after changing ``models.py``::

    from alembic import command
    from posecheck.history.database import alembic_config
    command.revision(alembic_config(url="sqlite:////tmp/dev.db"), "what changed", autogenerate=True)

(upgrade ``/tmp/dev.db`` to head first), then read and edit the generated file in ``versions/``;
``tests/test_history_store.py`` checks that the models and the migrations agree.
"""
