"""SQLite writes in turns, many to a transaction (a "group commit").

SQLite lets one transaction write at a time. Writers that find the database busy wait in its
busy handler, which sleeps and polls (up to 100 ms a turn) and gives up after the timeout: under
a burst of questions, writes failed with "database is locked", held every pooled connection so
that reads timed out too, and one question in twenty or more went unrecorded. Here writes queue
instead, and the writer takes every write queued by then into one transaction: one BEGIN and
COMMIT, and one turn of the event loop per statement, for many writes, so storage keeps up
however busy the bot is. PostgreSQL writes concurrently and does not need this.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

T = TypeVar("T")
Work = Callable[[AsyncConnection], Awaitable[T]]
_Queued = tuple[Work[Any], "asyncio.Future[Any]"]


@dataclass(frozen=True)
class Rows:
    """A write that is fixed statements, each run once with this write's parameters.

    Queued writes with the very same `statements` run together as one executemany per
    statement: a statement costs the same for one row or a hundred (about 0.3 ms of the event
    loop's time through SQLAlchemy and aiosqlite), so the questions of a busy minute cost
    hardly more than one. Elsewhere (PostgreSQL, or alone) it runs as a plain `Work`.
    """

    statements: tuple[Executable, ...]
    params: Mapping[str, Any]

    async def __call__(self, conn: AsyncConnection) -> bool:
        for statement in self.statements:
            await conn.execute(statement, dict(self.params))
        return True


class WriteQueue:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._queued: list[_Queued] = []
        self._writing: asyncio.Task[None] | None = None

    async def run(self, work: Work[T]) -> T:
        """`work(conn)` in a transaction, with the writes queued alongside it.

        A caller that stops waiting (its timeout) takes its write out, if not yet begun.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append((work, future))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_queued())
        return await future

    async def drain(self) -> None:
        """Wait until every queued write is done (before the engine is closed)."""
        while self._writing is not None and not self._writing.done():
            await asyncio.wait([self._writing])

    async def _write_queued(self) -> None:
        while self._queued:
            batch = [(work, future) for work, future in self._queued if not future.done()]
            self._queued = []
            if len(batch) > 1 and await self._together(batch):
                continue
            # Alone: one write, or a batch that failed, so that only the failing write fails.
            for work, future in batch:
                if not future.done():
                    await self._alone(work, future)

    async def _together(self, batch: list[_Queued]) -> bool:
        results: list[Any] = []
        try:
            async with self._engine.begin() as conn:
                for _, group in itertools.groupby(batch, key=_kind):
                    works = [work for work, _ in group]
                    first = works[0]
                    if isinstance(first, Rows):
                        for statement in first.statements:
                            await conn.execute(statement, [dict(rows.params) for rows in
                                                           works if isinstance(rows, Rows)])
                        results += [True] * len(works)
                    else:
                        results += [await work(conn) for work in works]
        except Exception:  # all undone; each is tried alone
            return False
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
        return True

    async def _alone(self, work: Work[Any], future: asyncio.Future[Any]) -> None:
        try:
            async with self._engine.begin() as conn:
                result = await work(conn)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(result)


def _kind(queued: _Queued) -> int:
    """What may run together: `Rows` with the same statements (the same tuple, built once);
    any other work on its own. Identities, as SQLAlchemy gives `==` a meaning of its own."""
    work = queued[0]
    return id(work.statements) if isinstance(work, Rows) else id(queued)
