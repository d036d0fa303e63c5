"""Many users at once, each user's updates one after another and in order.

With PTB's plain `concurrent_updates`, a quick second message (or a button press) of the
same person could be answered before the first, and two updates could race on that
person's conversation state. A lock per user, held while the update is handled, prevents
both; it is dropped as soon as nobody waits for it, so the map stays as small as the number
of users being served at this moment.

When an update's handler has returned, `on_handled(update_id)` is told, so that it can be
confirmed to Telegram (`delivery.py`) unless its reply still waits to be sent (`outbox.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 256


class _Slot:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class PerUserOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES, *,
                 on_handled: Callable[[int], None] | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._slots: dict[int, _Slot] = {}
        self._on_handled = on_handled

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._in_turn(update, coroutine)
        except asyncio.CancelledError:
            raise  # stopped half-way, so not handled: Telegram sends it again after a restart
        except Exception:
            # PTB hands handler errors to the error handler, so this is hardly reachable; an
            # update that fails like this is not tried again, or it could fail forever.
            self._handled(update)
            raise
        self._handled(update)

    def _handled(self, update: object) -> None:
        if self._on_handled is not None and isinstance(update, Update):
            self._on_handled(update.update_id)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        slot = self._slots.setdefault(user.id, _Slot())
        slot.users += 1
        try:
            async with slot.lock:
                await coroutine
        finally:
            slot.users -= 1
            if not slot.users:
                del self._slots[user.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
