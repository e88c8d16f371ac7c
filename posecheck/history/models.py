"""The history's tables as typed SQLAlchemy models (the schema the migrations build)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

SOURCES = ("live", "video", "routine")
SIDES = ("left", "right")

# Named constraints, so a later migration can alter them on SQLite (batch mode recreates tables by name).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime; SQLite keeps no zone, so it is stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware datetimes only, converted to naive UTC (a naive one would be a silent local time)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("history times must be timezone-aware (UTC)")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """The stored naive UTC value as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of the history tables."""

    metadata = MetaData(naming_convention=NAMING)


class SessionRow(Base):
    """One set of one exercise: live, an analysed video, or a step of a routine."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("source IN ('live', 'video', 'routine')", name="source"),
        CheckConstraint("reps_total >= 0", name="reps_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    exercise: Mapped[str] = mapped_column(String(40))
    rules_path: Mapped[str] = mapped_column(Text)
    rules_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10))
    profile: Mapped[str | None] = mapped_column(String(64), index=True)
    programme: Mapped[str | None] = mapped_column(String(64))
    partial: Mapped[bool] = mapped_column(default=False)
    reps_total: Mapped[int] = mapped_column(default=0)
    reps_left: Mapped[int | None]
    reps_right: Mapped[int | None]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The landmark track's file, relative to the tracks folder beside the database (history/tracks.py).
    track_path: Mapped[str | None] = mapped_column(Text)

    reps: Mapped[list[RepRow]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="RepRow.index"
    )
    holds: Mapped[list[HoldRow]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="HoldRow.id"
    )


class RepRow(Base):
    """One completed rep, written as it happens."""

    __tablename__ = "reps"

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(primary_key=True)  # 1, 2, ... within the session
    side: Mapped[str | None] = mapped_column(String(5))
    start_s: Mapped[float]
    end_s: Mapped[float]
    hold_s: Mapped[float] = mapped_column(default=0.0)
    faults: Mapped[list[str]] = mapped_column(JSON, default=list)  # check ids, e.g. ["hips_low"]

    session: Mapped[SessionRow] = relationship(back_populates="reps")


class HoldRow(Base):
    """One hold: seconds actually held and whether the dose's hold time was reached."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    side: Mapped[str | None] = mapped_column(String(5))
    start_s: Mapped[float]
    seconds: Mapped[float]
    reached_target: Mapped[bool]

    session: Mapped[SessionRow] = relationship(back_populates="holds")
