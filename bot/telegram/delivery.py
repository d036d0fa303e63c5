"""No question lost in a crash: an update is confirmed to Telegram only once it is handled.

Telegram keeps an update until a getUpdates call with a higher `offset` confirms it. PTB's
polling confirms each batch as soon as it has queued it, before a single update in it is
handled, so a crash (SIGKILL, out of memory, power cut) lost every message in flight: up to a
hundred questions that nobody answers. Here the offset stays at the oldest update still being
handled, so Telegram still holds everything not answered yet and hands it to the restarted bot.

Telegram then also hands back the updates answered after that oldest one; storage remembers
those (`Storage.record_handled`) and the restarted bot skips them. What remains is the moment
between a reply going out and that mark being written: a crash just then sends the reply a
second time. The Bot API has no idempotency key, so either "maybe lost" or "maybe twice" must
stay; a patient who gets an answer twice is better off than one who gets none.

The price: while the oldest update is being handled the bot sees at most `LIMIT` updates
beyond it (Telegram's largest batch); and as Telegram answers a poll at once while unconfirmed
updates wait, `UpdateLedger` paces the polls itself then (long polling resumes when nothing is
being handled).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.storage import Storage
from bot.telegram.http import AiohttpRequest

log = logging.getLogger(__name__)

LIMIT = 100  # Telegram's largest getUpdates batch
PACE = 0.1  # seconds: the longest a poll waits for room, or for an update to be handled


class UpdateLedger:
    """Which updates are being handled, which are done, and the offset that follows."""

    def __init__(self, *, pace: float = PACE) -> None:
        self.pace = pace
        self._in_flight: set[int] = set()
        self._unconfirmed: set[int] = set()  # received and not yet confirmed to Telegram
        self._answered_before: frozenset[int] = frozenset()  # by the process before a restart
        self._next = 0  # one past the newest update received; 0: none yet
        self.polled = 0  # updates in Telegram's last answer, before `unseen` left some out
        self._confirmed = 0  # the last offset Telegram accepted
        self._changed = asyncio.Event()
        self._storage: Storage | None = None
        self._unsaved: set[int] = set()
        self._saving: asyncio.Task[None] | None = None

    async def open(self, storage: Storage) -> None:
        """Keep the marks in `storage`, and learn what was answered before a restart."""
        self._storage = storage
        self._answered_before = await storage.handled_updates() or frozenset()
        if self._answered_before:
            log.info("%d update(s) answered before the restart will be skipped if Telegram "
                     "sends them again", len(self._answered_before))

    @property
    def offset(self) -> int:
        """The offset for the next getUpdates: the oldest update still being handled, else
        one past the newest received (0: nothing received yet)."""
        return min(self._in_flight) if self._in_flight else self._next

    @property
    def room(self) -> int:
        """How many new updates the next getUpdates can bring."""
        offset = self.offset
        return LIMIT - sum(1 for update_id in self._unconfirmed if update_id >= offset)

    def unseen(self, raw: list[Any]) -> list[Any]:
        """Telegram's answer to getUpdates (JSON) without the updates received before.

        Under load most of a poll's updates are still being handled; leaving them out here
        spares PTB building objects that `take` would drop anyway.
        """
        self.polled = len(raw)
        return [update for update in raw
                if not (isinstance(update, dict)
                        and update.get("update_id") in self._unconfirmed)]

    def take(self, offset: int, updates: Sequence[Update]) -> list[Update]:
        """Telegram answered a getUpdates with `offset`: the updates in it to handle now.

        The others are being handled already, or were answered before a restart.
        """
        self._confirm(offset)
        fresh = []
        for update in updates:
            update_id = update.update_id
            self._next = max(self._next, update_id + 1)
            if update_id in self._unconfirmed:
                continue
            self._unconfirmed.add(update_id)
            if update_id in self._answered_before:
                log.info("update %d was answered before the restart; skipped", update_id)
                continue
            self._in_flight.add(update_id)
            fresh.append(update)
        return fresh

    def handled(self, update_id: int) -> None:
        """The update is handled (answered, refused, or failed with a sorry): mark it."""
        if update_id not in self._in_flight:
            return
        oldest = update_id == min(self._in_flight)
        self._in_flight.discard(update_id)
        if oldest:  # the offset moves on: a waiting poll may go
            self._notify()
        if self._storage is None:
            return
        self._unsaved.add(update_id)
        if self._saving is None or self._saving.done():
            self._saving = asyncio.create_task(self._save(self._storage))

    async def flush(self) -> None:
        """Wait until every mark is written (at shut-down). Marks confirmed since are deleted
        by the next run's first write, or a day later: harmless until then."""
        if self._saving is not None:
            await self._saving

    async def wait_for_room(self) -> None:
        """Before a poll: wait until half a batch of new updates fits, but at most `pace`."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.pace):
                while self.room < LIMIT // 2:
                    await self._changed.wait()

    async def wait_for_progress(self, sent: int) -> None:
        """After a poll with offset `sent` brought nothing new: wait until the offset has
        moved on from `sent` (maybe it already has), at most `pace`.

        Telegram answers at once while an unconfirmed update waits, so polling again without
        a pause would spin.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.pace):
                while self.offset == sent:
                    await self._changed.wait()

    def _confirm(self, offset: int) -> None:
        if offset <= 0:
            return
        self._confirmed = offset
        # Telegram never sends these again: nothing more to remember about them.
        self._unconfirmed = {u for u in self._unconfirmed if u >= offset}
        self._answered_before = frozenset(u for u in self._answered_before if u >= offset)

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _save(self, storage: Storage) -> None:
        # One writer at a time; marks made while it writes go in its next batch, so under load
        # a single transaction carries many marks.
        while self._unsaved:
            batch, self._unsaved = self._unsaved, set()
            await storage.record_handled(batch, confirmed_below=self._confirmed or None)


class LedgerBot(ExtBot[Any]):
    """The bot, its getUpdates driven by an `UpdateLedger` instead of PTB's own offset."""

    __slots__ = ("_ledger",)

    def __init__(self, ledger: UpdateLedger, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ledger = ledger  # PTB freezes a bot's public attributes

    @property
    def ledger(self) -> UpdateLedger:
        return self._ledger

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | dt.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        **kwargs: Any,  # the request timeouts and api_kwargs, passed on as they are
    ) -> tuple[Update, ...]:
        """Only updates not handled yet; PTB's `offset` is replaced by the ledger's.

        PTB's own offset would confirm updates before they are handled (see the module).
        """
        ledger = self.ledger
        once = _seconds(timeout) == 0  # PTB's last call when it stops polling: no waiting
        while True:
            if not once:
                await ledger.wait_for_room()
            sent = ledger.offset
            updates = await super().get_updates(
                offset=sent or None, limit=limit, timeout=timeout,
                allowed_updates=allowed_updates, **kwargs)
            fresh = ledger.take(sent, updates)
            if fresh or not ledger.polled or once:
                return tuple(fresh)
            await ledger.wait_for_progress(sent)

    async def confirm_handled(self) -> None:
        """Confirm every handled update to Telegram (when the bot stops), so that a restart
        does not receive them again even if storage could not remember them."""
        sent = self.ledger.offset
        if not sent:
            return
        try:
            await super().get_updates(offset=sent, limit=1, timeout=0)
        except TelegramError as exc:
            log.warning("could not confirm the handled updates to Telegram (%s)", exc)
            return
        self.ledger.take(sent, ())


class UnseenUpdatesRequest(AiohttpRequest):
    """The HTTP client for getUpdates, passing on only updates the ledger has not seen."""

    __slots__ = ("_ledger",)

    def __init__(self, ledger: UpdateLedger, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ledger = ledger

    # PTB calls this as `self.parse_json_payload(...)` and documents overriding it; it is a
    # staticmethod there, and this one needs the ledger.
    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        data = super().parse_json_payload(payload)
        if isinstance(data.get("result"), list):
            data["result"] = self._ledger.unseen(data["result"])
        return data


def _seconds(timeout: int | dt.timedelta | None) -> float | None:
    if isinstance(timeout, dt.timedelta):
        return timeout.total_seconds()
    return None if timeout is None else float(timeout)
