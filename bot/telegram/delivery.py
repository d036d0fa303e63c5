"""No question lost in a crash or an outage, and no one held up by another's slow update.

Telegram keeps an update until a getUpdates call with a higher `offset` confirms it. PTB's
polling confirms each batch as soon as it has queued it, before a single update in it is
handled, so a crash (SIGKILL, out of memory, power cut) lost every message in flight. Here an
update is confirmed to Telegram only once it is handled, or once it is kept in the database
(`Storage.record_pending`, the update without names) until it is: then a restart finds it
there and handles it (or sends the reply kept with it, see `outbox.py`). Whatever is neither,
Telegram still holds and hands to the restarted bot.

So one slow update (a reply waiting out a flood limit, a slow /reload) holds the offset back
only while the database cannot keep it, and the bot goes on fetching and answering the rest.

Updates answered but not yet confirmed to Telegram are marked in the database
(`Storage.record_handled`, in the same step that deletes them from the pending ones), and the
restarted bot skips them if Telegram sends them again. What remains is the moment between a
reply's confirmation and that mark being written: a crash just then sends the reply a second
time. The Bot API has no idempotency key, so either "maybe lost" or "maybe twice" must stay;
a patient who gets an answer twice is better off than one who gets none.

An update PTB cannot read (a "poison" update, e.g. a field missing that it requires) would
make every poll fail on the same batch, forever: it is logged in one line and confirmed.

As Telegram answers a poll at once while unconfirmed updates wait, `UpdateLedger` paces the
polls itself then (long polling resumes when nothing is waiting).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.storage import PendingUpdate, Storage
from bot.telegram.http import AiohttpRequest
from bot.telegram.journal import Journal

log = logging.getLogger(__name__)

LIMIT = 100  # Telegram's largest getUpdates batch
KEEP_AFTER = 0.5  # seconds: an update still in flight after this is kept in the database
PACE = 0.1  # seconds: the longest a poll waits for room, or for an update to be handled


class UpdateLedger:
    """Which updates are being handled, which are done or kept, and the offset that follows."""

    def __init__(self, *, pace: float = PACE) -> None:
        self.pace = pace
        self._in_flight: set[int] = set()
        self._durable: set[int] = set()  # in flight, and kept in the database
        self._deferred: set[int] = set()  # their reply is waiting to be sent (outbox.py)
        self._unconfirmed: set[int] = set()  # received and not yet confirmed to Telegram
        self._answered_before: frozenset[int] = frozenset()  # by the process before a restart
        self._poisoned: set[int] = set()  # unreadable, logged once, to be confirmed
        self._payloads: dict[int, Any] = {}  # fetched, not yet handed on (JSON, no names)
        self._held: dict[int, Any] = {}  # in flight, not (yet) kept in the database
        self._received: dict[int, float] = {}  # in flight: when it arrived (epoch seconds)
        self._next = 0  # one past the newest update received; 0: none yet
        self.polled = 0  # updates in Telegram's last answer, before `unseen` left some out
        self._confirmed = 0  # the last offset Telegram accepted
        self._changed = asyncio.Event()
        self._storage: Storage | None = None
        self._journal = Journal(None)
        self._unstored: dict[int, str] = {}  # to keep: update id -> the update (JSON)
        self._replies: dict[int, str] = {}  # to keep: update id -> the reply to send (JSON)
        self._unsaved: set[int] = set()
        self._syncing: asyncio.Task[None] | None = None

    async def open(self, storage: Storage) -> list[PendingUpdate]:
        """Keep the marks in `storage`, learn what was answered before a restart, and return
        the updates kept then and not answered yet (in flight again from now on)."""
        self._storage = storage
        file = storage.local_file
        self._journal = Journal(file.with_name(file.name + ".handled") if file else None)
        journaled = self._journal.open()
        if journaled and await storage.record_handled(journaled):
            self._journal.empty()
        self._answered_before = (await storage.handled_updates() or frozenset()) | journaled
        if self._answered_before:
            log.info("%d update(s) answered before the restart will be skipped if Telegram "
                     "sends them again", len(self._answered_before))
        pending = await storage.pending() or []
        for kept in pending:
            self._in_flight.add(kept.update_id)
            self._durable.add(kept.update_id)
            self._unconfirmed.add(kept.update_id)  # if Telegram sends it again: skipped
            self._received[kept.update_id] = kept.received_at.timestamp()
        if pending:
            log.info("%d update(s) kept before the restart are answered now", len(pending))
        return pending

    @property
    def offset(self) -> int:
        """The offset for the next getUpdates: the oldest update in flight and not kept in the
        database, else one past the newest received (0: nothing received yet)."""
        held = self._in_flight - self._durable
        return min(held) if held else self._next

    @property
    def room(self) -> int:
        """How many new updates the next getUpdates can bring."""
        offset = self.offset
        return LIMIT - sum(1 for update_id in self._unconfirmed if update_id >= offset)

    def received_at(self, update_id: int) -> float | None:
        """When the bot first received this update (epoch seconds), while it is in flight."""
        return self._received.get(update_id)

    def unseen(self, raw: list[Any]) -> list[Any]:
        """Telegram's answer to getUpdates (JSON) without the updates received before, and
        without those PTB cannot read (logged once and confirmed, see the module).

        Under load most of a poll's updates are still being handled; leaving them out here
        spares PTB building objects that `take` would drop anyway.
        """
        self.polled = len(raw)
        fresh = []
        for update in raw:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            if not isinstance(update_id, int):
                continue  # nothing to confirm it by; Telegram never sends such a thing
            if update_id in self._unconfirmed or update_id in self._poisoned:
                continue
            try:
                Update.de_json(update, None)
            except Exception as exc:  # any failure: PTB would fail the whole batch
                self._poisoned.add(update_id)
                self._next = max(self._next, update_id + 1)
                log.warning("update %d cannot be read (%s); skipped", update_id,
                            exc.__class__.__name__)
                continue
            self._payloads[update_id] = update
            fresh.append(update)
        return fresh

    def take(self, offset: int, updates: Sequence[Update]) -> list[Update]:
        """Telegram answered a getUpdates with `offset`: the updates in it to handle now.

        The others are being handled already, or were answered before a restart.
        """
        self._confirm(offset)
        fresh = []
        now = time.time()
        for update in updates:
            update_id = update.update_id
            self._next = max(self._next, update_id + 1)
            payload = self._payloads.pop(update_id, None)
            if update_id in self._unconfirmed:
                continue
            self._unconfirmed.add(update_id)
            if update_id in self._answered_before:
                log.info("update %d was answered before the restart; skipped", update_id)
                continue
            self._in_flight.add(update_id)
            self._received[update_id] = now
            if payload is not None:
                self._held[update_id] = payload
            fresh.append(update)
        self._payloads.clear()
        if fresh:
            ids = [update.update_id for update in fresh]
            asyncio.get_running_loop().call_later(KEEP_AFTER, self._keep, ids)
        return fresh

    def defer(self, update_id: int, reply: str | None = None) -> None:
        """Its reply waits to be sent (`reply`, JSON, when known; see outbox.py): it is not
        handled when its handler returns, and it is kept in the database now."""
        if update_id not in self._in_flight:
            return
        self._deferred.add(update_id)
        self._keep([update_id])
        if reply is not None and self._storage is not None:
            self._replies[update_id] = reply
            self._sync_soon()

    def finished(self, update_id: int) -> None:
        """Its handler has returned: handled, unless its reply waits to be sent."""
        if update_id not in self._deferred:
            self.handled(update_id)

    def handled(self, update_id: int) -> None:
        """The update is handled (answered, refused, or failed with a sorry): mark it."""
        if update_id not in self._in_flight:
            return
        oldest = update_id == self.offset
        self._in_flight.discard(update_id)
        self._durable.discard(update_id)
        self._deferred.discard(update_id)
        self._received.pop(update_id, None)
        self._held.pop(update_id, None)
        self._unstored.pop(update_id, None)  # handled before it was kept: never kept
        self._replies.pop(update_id, None)
        if oldest:  # the offset moves on: a waiting poll may go
            self._notify()
        if self._storage is None:
            return
        self._journal.write(update_id)  # at once: a kill from now on does not resend it
        self._unsaved.add(update_id)
        self._sync_soon()

    async def flush(self) -> None:
        """Wait until every mark is written (at shut-down). Marks confirmed since are deleted
        by the next run's first write, or a day later: harmless until then."""
        if self._syncing is not None:
            await self._syncing
        self._journal.close()

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
        self._poisoned = {u for u in self._poisoned if u >= offset}
        self._answered_before = frozenset(u for u in self._answered_before if u >= offset)

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _keep(self, ids: list[int]) -> None:
        """Keep these updates in the database if they are still in flight: Telegram may then
        forget them, and the offset moves on (see the module). Most updates are answered
        sooner than `KEEP_AFTER` and never written."""
        for update_id in ids:
            payload = self._held.pop(update_id, None)
            if payload is not None:
                self._unstored[update_id] = json.dumps(_without_names(payload),
                                                       ensure_ascii=False)
        if self._unstored:
            self._sync_soon()

    def _sync_soon(self) -> None:
        if self._storage is not None and (self._syncing is None or self._syncing.done()):
            self._syncing = asyncio.create_task(self._sync(self._storage))

    async def _sync(self, storage: Storage) -> None:
        # One writer at a time, so that an update is kept before its mark deletes it; what
        # arrives while it writes goes in its next batch, so under load one transaction
        # carries many updates or marks.
        while self._unstored or self._replies or self._unsaved:
            if self._unstored or self._replies:
                kept, self._unstored = self._unstored, {}
                replies, self._replies = self._replies, {}
                if await storage.record_pending(kept, replies=replies):
                    self._durable |= kept.keys() & self._in_flight
                    self._notify()  # the offset may move past them now
            if self._unsaved:
                batch, self._unsaved = self._unsaved, set()
                saved = await storage.record_handled(batch,
                                                     confirmed_below=self._confirmed or None)
                if saved and not self._unsaved and self._journal.full:
                    self._journal.empty()  # all its marks are in the database now


_NAMES = ("first_name", "last_name", "username", "title", "bio")
_LEFT_OUT = ("reply_to_message", "external_reply", "quote", "pinned_message")  # others' words


def _without_names(data: Any) -> Any:
    """The update as it is kept until answered: what handling it needs, not who wrote it
    (names and usernames blanked; PTB requires a user's first name to be there)."""
    if isinstance(data, dict):
        return {key: ("" if key in _NAMES else _without_names(value))
                for key, value in data.items() if key not in _LEFT_OUT}
    if isinstance(data, list):
        return [_without_names(item) for item in data]
    return data


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
