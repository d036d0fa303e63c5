"""Turning `storage.url` into an engine: SQLite (WAL, short lock wait) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

SQLITE = "sqlite+aiosqlite"
POSTGRES = "postgresql+asyncpg"


class StorageConfigError(Exception):
    """`storage.url` (or the folder it names) cannot be used; the message says why."""


@dataclass(frozen=True)
class Target:
    """What a storage URL points at; `sqlite_file` is None for servers and in-memory SQLite."""

    url: URL
    sqlite_file: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"


def parse_url(raw: str) -> Target:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise StorageConfigError(f"storage.url is not a database URL: {_redacted(raw)}") from None
    driver = f"{url.get_backend_name()}+{url.get_driver_name()}"
    if driver not in (SQLITE, POSTGRES):
        raise StorageConfigError(
            f"storage.url uses {driver!r}; use {SQLITE}:///path/to/file.sqlite3 "
            f"or {POSTGRES}://user:password@host/database")
    database = url.database or ""
    if driver == POSTGRES or database in ("", ":memory:"):
        return Target(url, None)
    if str(url.query.get("uri", "")).lower() in ("true", "1"):
        database = database.removeprefix("file:")
    return Target(url, Path(database))


def create_engine(target: Target, timeout: float) -> AsyncEngine:
    """An engine whose every wait (lock, connect, statement) gives up after about `timeout`s.

    Relative SQLite paths are taken from the working directory; the folder is created.
    """
    if target.sqlite_file is not None:
        try:
            target.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageConfigError(f"cannot create the folder {target.sqlite_file.parent} "
                                     f"for the database ({exc.strerror})") from None
    if target.is_sqlite:
        connect_args: dict[str, Any] = {"timeout": timeout}
    else:
        connect_args = {"timeout": timeout, "command_timeout": timeout}
    engine = create_async_engine(
        target.url,
        connect_args=connect_args,
        pool_timeout=timeout,
        pool_pre_ping=not target.is_sqlite,  # a restarted server must not cost one failure
        hide_parameters=True,  # errors would otherwise quote question texts and user keys
    )
    if target.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the report read while the bot writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows (a /forget, an answered question waiting in pending_updates) are
        # overwritten with zeros instead of lingering in free pages of the file.
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def _redacted(raw: str) -> str:
    """The URL without a password, fit for messages."""
    head, at, tail = raw.rpartition("@")
    if not at:
        return raw
    scheme, sep, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{tail}"


def insert_for(dialect: str) -> Callable[[Any], sqlite.Insert | postgresql.Insert]:
    """`insert` with ON CONFLICT of `dialect` (SQLite or PostgreSQL). PostgreSQL's dialect is
    imported only when it is used: for SQLite it would be a tenth of the bot's start-up."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert
