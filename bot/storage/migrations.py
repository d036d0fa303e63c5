"""Schema migrations: an ordered list of steps and a one-row `schema_version` table.

Each step runs in its own transaction and bumps the version with it, so a crash between steps
leaves a database that the next start-up continues from. Steps are frozen history: never edit
one that has shipped; add a new one (and update `schema.py` to the result).

Alembic would add a tool, a folder and an `env.py` for what is, here, a list of a few
statements; we can move to it if the schema ever needs branching or downgrades.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.schema import schema_version


class MigrationError(Exception):
    """The database cannot be brought to this program's schema (e.g. it is newer)."""


@dataclass(frozen=True)
class Step:
    version: int
    what: str
    apply: Callable[[AsyncConnection], Awaitable[None]]


def _v1_tables() -> MetaData:
    """The first schema, spelt out here (not imported) so later edits to schema.py
    cannot change what v1 was."""
    meta = MetaData()
    Table("users", meta,
          Column("key", String(64), primary_key=True),
          Column("language", String(8), nullable=True),
          Column("first_seen", DateTime(timezone=True), nullable=False),
          Column("last_seen", DateTime(timezone=True), nullable=False))
    Table("events", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("user_key", String(64), ForeignKey("users.key"), nullable=False, index=True),
          Column("kind", String(16), nullable=False),
          Column("entry_id", String(100), nullable=True),
          Column("score", Float, nullable=False),
          Column("language", String(8), nullable=False),
          Column("at", DateTime(timezone=True), nullable=False, index=True),
          Column("question", Text, nullable=True))
    Table("feedback", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("event_id", Integer, ForeignKey("events.id"), nullable=True, index=True),
          Column("user_key", String(64), ForeignKey("users.key"), nullable=False, index=True),
          Column("entry_id", String(100), nullable=False),
          Column("helpful", Boolean, nullable=False),
          Column("comment", Text, nullable=True),
          Column("at", DateTime(timezone=True), nullable=False))
    return meta


async def _v1(conn: AsyncConnection) -> None:
    await conn.run_sync(_v1_tables().create_all)


async def _v2(conn: AsyncConnection) -> None:
    # Plain SQL that SQLite and PostgreSQL both accept; nullable columns need no default.
    await conn.execute(text("ALTER TABLE users ADD COLUMN clinic VARCHAR(64)"))
    await conn.execute(text("ALTER TABLE events ADD COLUMN clinic VARCHAR(64)"))
    await conn.execute(text("CREATE INDEX ix_events_clinic_at ON events (clinic, at)"))


async def _v3(conn: AsyncConnection) -> None:
    meta = MetaData()
    Table("handled_updates", meta,
          Column("update_id", BigInteger, primary_key=True, autoincrement=False),
          Column("at", DateTime(timezone=True), nullable=False))
    await conn.run_sync(meta.create_all)


async def _v4(conn: AsyncConnection) -> None:
    await conn.execute(text("ALTER TABLE events ADD COLUMN update_id BIGINT"))
    await conn.execute(text("CREATE UNIQUE INDEX ux_events_update_id ON events (update_id)"))
    meta = MetaData()
    Table("pending_updates", meta,
          Column("update_id", BigInteger, primary_key=True, autoincrement=False),
          Column("received_at", DateTime(timezone=True), nullable=False),
          Column("payload", Text, nullable=False),
          Column("reply", Text, nullable=True))
    await conn.run_sync(meta.create_all)


async def _v5(conn: AsyncConnection) -> None:
    meta = MetaData()
    Table("users", meta, Column("key", String(64), primary_key=True))
    Table("quiz_answers", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("user_key", String(64), ForeignKey("users.key"), nullable=False, index=True),
          Column("entry_id", String(100), nullable=False),
          Column("answer", String(16), nullable=False),
          Column("correct", Boolean, nullable=True),
          Column("phase", String(16), nullable=False),
          Column("language", String(8), nullable=False),
          Column("clinic", String(64), nullable=True),
          Column("at", DateTime(timezone=True), nullable=False, index=True))
    await conn.run_sync(lambda sync: meta.tables["quiz_answers"].create(sync))


async def _v6(conn: AsyncConnection) -> None:
    meta = MetaData()
    Table("users", meta, Column("key", String(64), primary_key=True))
    Table("followups", meta,
          Column("user_key", String(64), ForeignKey("users.key"), primary_key=True),
          Column("consent", Boolean, nullable=True),
          Column("asked_at", DateTime(timezone=True), nullable=False),
          Column("answered_at", DateTime(timezone=True), nullable=True),
          Column("chat_id", BigInteger, nullable=True),
          Column("language", String(8), nullable=True),
          Column("statements", String(400), nullable=True),
          Column("before_answered", Integer, nullable=False),
          Column("after_answered", Integer, nullable=False),
          Column("status", String(16), nullable=True),
          Column("due", DateTime(timezone=True), nullable=True),
          Column("claimed_by", String(64), nullable=True),
          Column("claimed_at", DateTime(timezone=True), nullable=True),
          Index("ix_followups_status_due", "status", "due"))
    await conn.run_sync(lambda sync: meta.tables["followups"].create(sync))


async def _v7(conn: AsyncConnection) -> None:
    meta = MetaData()
    Table("conversation_states", meta,
          Column("user_key", String(64), primary_key=True),
          Column("state", Text, nullable=False),
          Column("updated_at", DateTime(timezone=True), nullable=False, index=True))
    Table("rate_windows", meta,
          Column("user_key", String(64), primary_key=True),
          Column("started_at", DateTime(timezone=True), nullable=False),
          Column("count", Integer, nullable=False))
    Table("knowledge_reloads", meta,
          Column("version", Integer, primary_key=True, autoincrement=True),
          Column("at", DateTime(timezone=True), nullable=False))
    await conn.run_sync(meta.create_all)


async def _v8(conn: AsyncConnection) -> None:
    await conn.execute(text("ALTER TABLE handled_updates ADD COLUMN reply TEXT"))


STEPS: tuple[Step, ...] = (
    Step(1, "users, events and feedback", _v1),
    Step(2, "clinic of each user and event (QR codes / deep links)", _v2),
    Step(3, "Telegram updates handled but not yet confirmed (no reply twice after a crash)", _v3),
    Step(4, "updates waiting for their reply (outages), events once per update", _v4),
    Step(5, "answers to quiz statements (the quiz, beliefs before and after)", _v5),
    Step(6, "opt-in follow-up: consent and the scheduled second round of statements", _v6),
    Step(7, "what several instances share: conversation states, rate limits, reloads", _v7),
    Step(8, "the reply given inside a webhook's response, kept with the update's claim", _v8),
)
LATEST = STEPS[-1].version


async def current_version(conn: AsyncConnection) -> int:
    """0 for an empty database."""
    await conn.run_sync(lambda sync: schema_version.create(sync, checkfirst=True))
    found = (await conn.execute(select(schema_version.c.version))).scalar_one_or_none()
    return found or 0


async def migrate(engine: AsyncEngine, target: int = LATEST) -> int:
    """Apply every step above the database's version up to `target`; the version reached."""
    async with engine.begin() as conn:
        version = await current_version(conn)
        if version == 0:
            await conn.execute(schema_version.insert().values(version=0))
    if version > LATEST:
        raise MigrationError(f"the database has schema version {version}, newer than this "
                             f"program knows ({LATEST}): upgrade mythbot")
    for step in STEPS:
        if version < step.version <= target:
            async with engine.begin() as conn:
                await step.apply(conn)
                await conn.execute(schema_version.update().values(version=step.version))
            version = step.version
    return version
