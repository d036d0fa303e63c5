"""Who handles an update, and in which order: `claims.turn(update_id, user_id)`.

    async with claims.turn(update.update_id, user_id) as fresh:
        if fresh:
            ...handle it...

`SharedClaims` (PostgreSQL, several instances) claims the id in the database (see
`bot.storage.shared.SharedStore.claim`). `LocalClaims` is for one process on SQLite: a lock
per user and the ids handled in the last day, in memory; a restart forgets them, so an
update redelivered across a restart may be answered twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from bot.storage.shared import UPDATE_LIFETIME, SharedStore, Turn

REMEMBERED = 100_000  # ids kept by LocalClaims; Telegram redelivers within minutes
REPLIES_REMEMBERED = 1_000  # of those, the latest with the reply given in the response


class Claims(Protocol):
    def turn(self, update_id: int,
             user_id: int | None) -> AbstractAsyncContextManager[Turn]: ...


class SharedClaims:
    def __init__(self, shared: SharedStore) -> None:
        self._shared = shared

    def turn(self, update_id: int, user_id: int | None) -> AbstractAsyncContextManager[Turn]:
        return self._shared.claim(update_id, user_id)


class LocalClaims:
    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._max = remembered
        self._handled: OrderedDict[int, float] = OrderedDict()
        self._replies: OrderedDict[int, str] = OrderedDict()  # a few kB each: the latest only
        self._locks: dict[int | None, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, update_id: int, user_id: int | None) -> AsyncIterator[Turn]:
        lock, users = self._locks.get(user_id, (asyncio.Lock(), 0))
        self._locks[user_id] = (lock, users + 1)
        try:
            async with lock:
                if update_id in self._handled:
                    yield Turn(False, None, None, self._replies.get(update_id))
                    return
                turn = Turn(True, None, None)
                yield turn
                self._remember(update_id, turn.reply)
        finally:
            lock, users = self._locks[user_id]
            if users == 1:
                del self._locks[user_id]
            else:
                self._locks[user_id] = (lock, users - 1)

    def _remember(self, update_id: int, reply: str | None) -> None:
        now = time.monotonic()
        self._handled[update_id] = now
        oldest = now - UPDATE_LIFETIME.total_seconds()
        while self._handled and (len(self._handled) > self._max
                                 or next(iter(self._handled.values())) < oldest):
            self._replies.pop(self._handled.popitem(last=False)[0], None)
        if reply is not None:
            self._replies[update_id] = reply
            while len(self._replies) > REPLIES_REMEMBERED:
                self._replies.popitem(last=False)
