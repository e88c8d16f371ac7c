"""The history store: sessions, reps and holds in SQLite (or any SQLAlchemy URL).

Every failure reaches the caller as one :class:`~posecheck.errors.HistoryError` line naming the
database and what to do; the caller prints it and carries on coaching. Opening a database runs the
migrations shipped in this package (``migrations/``), so an older file is brought up to date and
a file from a newer posecheck is refused untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timezone
from pathlib import Path

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, delete, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from posecheck.coach.feedback import HoldEvent, RepEvent, SessionSummary
from posecheck.errors import HistoryError
from posecheck.history.database import (
    READ_ONLY,
    alembic_config,
    default_location,
    enable_wal,
    explain,
    make_folder,
    resolve,
    sqlite_settings,
)
from posecheck.history.models import SOURCES, HoldRow, RepRow, SessionRow
from posecheck.history.records import HoldRecord, RepRecord, SessionRecord

DEFAULT_TIMEOUT_S = 10.0


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (the rule file a session was coached with), hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    if value.tzinfo is None:
        raise ValueError("give times as timezone-aware datetimes")
    return value.astimezone(timezone.utc)


def since_utc(since: date | datetime) -> datetime:
    """The start of ``since`` (a date: local midnight) in UTC."""
    if isinstance(since, datetime):
        return _utc(since)
    return datetime.combine(since, time()).astimezone().astimezone(timezone.utc)


def _record(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        exercise=row.exercise,
        source=row.source,
        profile=row.profile,
        programme=row.programme,
        partial=row.partial,
        reps_total=row.reps_total,
        reps_left=row.reps_left,
        reps_right=row.reps_right,
        rules_path=row.rules_path,
        rules_sha256=row.rules_sha256,
        reps=tuple(
            RepRecord(r.index, r.side, r.start_s, r.end_s, r.hold_s, tuple(r.faults)) for r in row.reps
        ),
        holds=tuple(HoldRecord(h.side, h.start_s, h.seconds, h.reached_target) for h in row.holds),
        track_path=row.track_path,
    )


def _rep_row(index: int, rep: RepEvent) -> RepRow:
    return RepRow(
        index=index,
        side=rep.side,
        start_s=float(rep.start_s),
        end_s=float(rep.end_s),
        hold_s=float(rep.hold_s),
        faults=list(rep.faults),
    )


def _hold_row(hold: HoldEvent) -> HoldRow:
    return HoldRow(
        side=hold.side,
        start_s=float(hold.start_s),
        seconds=float(hold.seconds),
        reached_target=bool(hold.reached_target),
    )


class HistoryStore:
    """Sessions, reps and holds in one database; open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, engine: Engine, location: str, timeout_s: float) -> None:
        """Use :meth:`open`: it prepares the database (folders, migrations, WAL) first."""
        self._engine = engine
        self._read_engine = engine.execution_options(**{READ_ONLY: True})
        self.location = location
        self.timeout_s = timeout_s
        self.file: Path | None = None  # the SQLite file (its tracks folder is beside it); None for a URL

    # ----- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls, url_or_path: str | Path | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> HistoryStore:
        """Open (creating it and its folders if missing) and migrate the history database.

        ``url_or_path``: a file path or an SQLAlchemy URL; default :func:`default_location`.
        ``timeout_s``: how long a write waits for another writer (another tab) before failing.
        """
        url, path = resolve(url_or_path if url_or_path is not None else default_location())
        location = str(path) if path is not None else url.render_as_string(hide_password=True)
        if path is not None:
            make_folder(path)
        try:
            engine = create_engine(url, connect_args={"timeout": timeout_s} if path is not None else {})
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise HistoryError(f"{location}: cannot use this database ({exc}); set POSECHECK_DB") from None
        if url.get_backend_name() == "sqlite":
            sqlite_settings(engine, timeout_s)
        store = cls(engine, location, timeout_s)
        store.file = path
        try:
            store._prepare(sqlite=url.get_backend_name() == "sqlite")
        except BaseException:
            engine.dispose()
            raise
        return store

    def _prepare(self, sqlite: bool) -> None:
        with self._errors("opening the history"):
            cfg = alembic_config()
            script = ScriptDirectory.from_config(cfg)
            known = {rev.revision for rev in script.walk_revisions()}
            head = script.get_current_head()
            # One transaction holding the write lock: two tabs opening a new file do not both migrate.
            with self._engine.begin() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
                if current is None and inspect(conn).get_table_names():
                    raise HistoryError(
                        f"{self.location}: this database holds other tables and no posecheck history; "
                        "set POSECHECK_DB to another file"
                    )
                if current is not None and current not in known:
                    raise HistoryError(
                        f"{self.location}: written by a newer posecheck (schema revision {current} is unknown "
                        "to this one); nothing was changed: upgrade posecheck, or set POSECHECK_DB to another file"
                    )
                if current != head:
                    command.upgrade(alembic_config(conn), "head")
            if sqlite:
                enable_wal(self._engine)

    def close(self) -> None:
        """Close every connection (the SQLite write-ahead log is folded back into the file)."""
        self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Database errors as one line naming the file and what to do."""
        try:
            yield
        except SQLAlchemyError as exc:
            raise HistoryError(explain(exc, self.location, self.timeout_s, doing)) from None
        except OSError as exc:
            raise HistoryError(
                f"{self.location}: {exc.strerror or exc} while {doing}; check the disk and its permissions"
            ) from None

    def _session(self, read: bool = False) -> Session:
        return Session(self._read_engine if read else self._engine, expire_on_commit=False)

    # ----- writing ------------------------------------------------------------------------------
    def start_session(
        self,
        exercise: str,
        rules_file: str | Path,
        *,
        source: str,
        profile: str | None = None,
        programme: str | None = None,
        started_at: datetime | None = None,
    ) -> int:
        """Record that a session began; returns its id (for :meth:`add_rep` and the others).

        It is marked partial until :meth:`finish_session` says otherwise: a set cut short (the
        app killed, the tab closed) is kept as partial with the reps written so far.
        """
        row = self._new_row(exercise, rules_file, source, profile, programme, started_at)
        row.partial = True
        with self._errors("starting a session"), self._session() as s, s.begin():
            s.add(row)
            s.flush()
            return row.id

    def _new_row(
        self,
        exercise: str,
        rules_file: str | Path,
        source: str,
        profile: str | None,
        programme: str | None,
        started_at: datetime | None,
    ) -> SessionRow:
        if source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
        try:
            sha = file_sha256(rules_file)
        except OSError as exc:
            raise HistoryError(
                f"{rules_file}: cannot read the rule file to record it ({exc.strerror}); check the path"
            ) from None
        return SessionRow(
            started_at=_utc(started_at),
            exercise=exercise,
            rules_path=str(Path(rules_file).resolve()),
            rules_sha256=sha,
            source=source,
            profile=profile or None,
            programme=programme or None,
            partial=False,
            reps_total=0,
        )

    def add_rep(self, session_id: int, index: int, rep: RepEvent) -> None:
        """Record rep number ``index`` (1, 2, ...) of a session as it happens; its counts grow with it."""
        with self._errors("saving a rep"), self._session() as s, s.begin():
            row = _rep_row(index, rep)
            row.session_id = session_id
            s.add(row)
            session = s.get(SessionRow, session_id)
            if session is not None:  # the counts of a set cut short are then right too
                session.reps_total += 1
                if rep.side == "left":
                    session.reps_left = (session.reps_left or 0) + 1
                elif rep.side == "right":
                    session.reps_right = (session.reps_right or 0) + 1

    def add_hold(self, session_id: int, hold: HoldEvent) -> None:
        """Record a finished hold of a session as it happens."""
        with self._errors("saving a hold"), self._session() as s, s.begin():
            row = _hold_row(hold)
            row.session_id = session_id
            s.add(row)

    def finish_session(
        self, session_id: int, summary: SessionSummary, partial: bool, finished_at: datetime | None = None
    ) -> None:
        """Close a session with the coach's summary: counts, and its reps and holds as the summary has them.

        The summary is the final word: reps and holds written one by one are replaced by its lists
        (a live coach may recount when it finds the camera on its side).
        """
        with self._errors("finishing a session"), self._session() as s, s.begin():
            row = s.get(SessionRow, session_id)
            if row is None:
                raise HistoryError(f"{self.location}: no session {session_id} to finish")
            _fill(row, summary, partial, _utc(finished_at))

    def save_summary(
        self,
        summary: SessionSummary,
        rules_file: str | Path,
        *,
        source: str = "video",
        profile: str | None = None,
        programme: str | None = None,
        partial: bool = False,
        started_at: datetime | None = None,
    ) -> int:
        """Save a whole analysed session (a video) in one transaction; returns its id."""
        row = self._new_row(summary.exercise, rules_file, source, profile, programme, started_at)
        with self._errors("saving the session"), self._session() as s, s.begin():
            _fill(row, summary, partial, _utc(None))
            s.add(row)
            s.flush()
            return row.id

    def set_track_path(self, session_id: int, track_path: str | None) -> None:
        """Record where a session's landmark track was written (see history/tracks.py)."""
        with self._errors("saving a track's place"), self._session() as s, s.begin():
            row = s.get(SessionRow, session_id)
            if row is not None:
                row.track_path = track_path

    def delete_all(self, profile: str | None = None) -> int:
        """Delete every session (or a profile's) with its reps, holds and track files; returns how many."""
        from posecheck.history.tracks import remove_tracks

        with self._errors("deleting"), self._session() as s, s.begin():
            ids = select(SessionRow.id, SessionRow.track_path)
            if profile is not None:
                ids = ids.where(SessionRow.profile == profile)
            found = [(row[0], row[1]) for row in s.execute(ids)]
            chosen = [sid for sid, _ in found]
            # Bulk deletes skip the ORM cascade: children first.
            s.execute(delete(RepRow).where(RepRow.session_id.in_(chosen)))
            s.execute(delete(HoldRow).where(HoldRow.session_id.in_(chosen)))
            s.execute(delete(SessionRow).where(SessionRow.id.in_(chosen)))
        remove_tracks(self, [p for _, p in found if p])  # after the commit: a failed delete keeps them
        return len(chosen)

    # ----- reading ------------------------------------------------------------------------------
    def sessions(
        self, profile: str | None = None, since: date | datetime | None = None
    ) -> list[SessionRecord]:
        """Sessions oldest first, of one profile and/or from a day on (a date: local midnight)."""
        query = (
            select(SessionRow)
            .options(selectinload(SessionRow.reps), selectinload(SessionRow.holds))
            .order_by(SessionRow.started_at, SessionRow.id)
        )
        if profile is not None:
            query = query.where(SessionRow.profile == profile)
        if since is not None:
            query = query.where(SessionRow.started_at >= since_utc(since))
        with self._errors("reading the history"), self._session(read=True) as s, s.begin():
            return [_record(row) for row in s.scalars(query)]

    def fault_counts(
        self, profile: str | None = None, since: date | datetime | None = None
    ) -> dict[str, int]:
        """How many reps each fault fired in, over the chosen sessions (most frequent first)."""
        query = select(RepRow.faults).join(SessionRow)
        if profile is not None:
            query = query.where(SessionRow.profile == profile)
        if since is not None:
            query = query.where(SessionRow.started_at >= since_utc(since))
        with self._errors("reading the history"), self._session(read=True) as s, s.begin():
            return dict(Counter(f for faults in s.scalars(query) for f in faults).most_common())

    def count(self) -> int:
        """How many sessions are stored."""
        with self._errors("reading the history"), self._session(read=True) as s, s.begin():
            return int(s.scalar(select(func.count(SessionRow.id))) or 0)


def _fill(row: SessionRow, summary: SessionSummary, partial: bool, finished_at: datetime) -> None:
    row.reps_total = summary.reps_total
    row.reps_left = summary.reps_left
    row.reps_right = summary.reps_right
    row.partial = partial
    row.finished_at = finished_at
    row.reps = [_rep_row(i, rep) for i, rep in enumerate(summary.rep_events, start=1)]
    row.holds = [_hold_row(h) for h in summary.holds]
