"""Storage writes in the background, in order per user, so that no reply waits for them.

A write for a user starts only after that user's previous write has finished, so /forget
(which flushes first) cannot be overtaken by a question recorded just before it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Write = Callable[[], Awaitable[object]]


class Recorder:
    def __init__(self) -> None:
        self._last: dict[int, asyncio.Task[None]] = {}

    def submit(self, user_id: int, write: Write) -> None:
        """Run `write()` after the user's earlier writes; failures are logged, never raised."""
        task = asyncio.create_task(self._after(self._last.get(user_id), write))
        self._last[user_id] = task
        task.add_done_callback(lambda done: self._finished(user_id, done))

    async def flush(self, user_id: int) -> None:
        """Wait until every write submitted for this user is done."""
        task = self._last.get(user_id)
        if task is not None:
            await asyncio.wait([task])

    async def drain(self) -> None:
        """Wait for every pending write (at shutdown, and in tests)."""
        while self._last:
            await asyncio.wait(list(self._last.values()))

    @staticmethod
    async def _after(previous: asyncio.Task[None] | None, write: Write) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        try:
            await write()
        except Exception:  # storage methods do not raise; this is the last line of defence
            log.exception("a storage write failed")

    def _finished(self, user_id: int, task: asyncio.Task[None]) -> None:
        if self._last.get(user_id) is task:
            del self._last[user_id]
