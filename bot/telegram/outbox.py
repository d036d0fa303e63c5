"""Replies that survive Telegram's bad days: sent now when possible, else kept and sent later.

A reply is sent at once, part after part. When Telegram fails in a way that may pass (5xx, a
dropped connection, still so after `RetryingRateLimiter`'s quick retries) or asks this chat
to wait (429 `retry_after`), the parts not sent yet become a `Parcel` in this chat's queue:
kept in the database with its update (`UpdateLedger.defer`), tried again with growing
pauses spread at random, and sent in order before any later reply to the same chat. Only
once the last part is confirmed is the update marked handled (`UpdateLedger.handled`), in
that same step; so a question survives an outage of minutes, or a restart in the middle
of one, and a chat that must wait holds up no other chat.

A part whose call timed out after it reached Telegram (`ReplyTimedOut`) counts as sent:
sending it again would most likely send it twice, and the rest of the reply still follows.
A reply Telegram refuses (4xx) is not tried again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, ReplyParameters
from telegram.error import RetryAfter, TelegramError

from bot.config import Delivery as DeliveryPolicy
from bot.rendering import Button, Reply
from bot.telegram.delivery import UpdateLedger
from bot.telegram.inline import InlineReplies, Slot
from bot.telegram.keyboards import keyboard
from bot.telegram.retrying import RetryingRateLimiter, probably_delivered, worth_retrying
from bot.telegram.splitting import MAX_MESSAGE, split_message, units

log = logging.getLogger(__name__)

Rows = list[list[list[str]]]  # button rows as JSON: [[[label, action], ...], ...]


@dataclass
class Part:
    """One message of a reply: its text, the buttons under it, the message it quotes."""

    text: str
    buttons: Rows = field(default_factory=list)
    quote: int | None = None


@dataclass
class Parcel:
    """What is still to be sent for one update, to one chat."""

    chat_id: int
    parts: list[Part]
    update_id: int | None = None
    asked_at: float = 0.0  # the question's time (seconds since the epoch)
    late_notice: str = ""  # put before the first part if it goes out late
    attempts: int = 0
    not_before: float = 0.0  # time.monotonic() before which it is not tried again
    flood_wait: bool = False  # Telegram said how long to wait: no earlier try

    def to_json(self) -> str:
        return json.dumps({"chat_id": self.chat_id, "asked_at": self.asked_at,
                           "late_notice": self.late_notice,
                           "parts": [[p.text, p.buttons, p.quote] for p in self.parts]},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, update_id: int, text: str) -> Parcel:
        data = json.loads(text)
        return cls(int(data["chat_id"]),
                   [Part(str(t), list(b), q) for t, b, q in data["parts"]],
                   update_id, float(data["asked_at"]), str(data["late_notice"]))


class _Postponed(Exception):
    """Telegram cannot take this part now; `pause`: how long it asked to wait, if it did."""

    def __init__(self, pause: float | None) -> None:
        super().__init__()
        self.pause = pause


class Outbox:
    def __init__(self, bot: Bot, ledger: UpdateLedger, policy: DeliveryPolicy, *,
                 clock: Callable[[], float] = time.time,
                 jitter: Callable[[], float] = random.random,
                 inline: InlineReplies | None = None) -> None:
        self.bot = bot
        self.ledger = ledger
        self.policy = policy
        self.inline = inline
        self._clock = clock
        self._jitter = jitter
        self._queues: dict[int, deque[Parcel]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._back = asyncio.Event()  # set when a send succeeds: Telegram works (again)

    def parcel(self, chat_id: int, reply: Reply, *, update_id: int | None = None,
               asked_at: float | None = None, late_notice: str = "",
               quote: int | None = None) -> Parcel:
        """`reply` split into messages for Telegram, buttons under the last one."""
        texts = split_message(reply.text)
        rows = [[[b.label, b.action] for b in row] for row in reply.buttons if row]
        parts = [Part(text, rows if n == len(texts) - 1 else [],
                      quote if n == 0 else None) for n, text in enumerate(texts)]
        return Parcel(chat_id, parts, update_id,
                      self._clock() if asked_at is None else asked_at, late_notice)

    async def send(self, parcel: Parcel) -> None:
        """Send now, or keep it to send later (see the module), or hold it for the webhook's
        response (`bot.telegram.inline`). Raises a `TelegramError` only when Telegram refuses
        the reply for good (4xx) on this first try."""
        slot = self.inline.slot(parcel.update_id) if self.inline is not None else None
        if slot is not None:
            if slot.parcel is not None:  # an earlier message of this update: it goes first
                earlier, slot.parcel, slot.method = slot.parcel, None, None
                await self._send(earlier)
            if self._fits_response(parcel, slot):
                limiter = getattr(self.bot, "rate_limiter", None)
                if isinstance(limiter, RetryingRateLimiter):  # paced as a call would be
                    await limiter.admit(parcel.chat_id)
                slot.parcel, slot.method = parcel, self._method(parcel)
                return
        await self._send(parcel)

    async def _send(self, parcel: Parcel) -> None:
        if parcel.chat_id in self._queues:  # earlier replies to this chat wait: after them
            self._keep(parcel)
            return
        try:
            await self._send_parts(parcel)
        except _Postponed as postponed:
            self._postpone(parcel, postponed.pause)
            self._keep(parcel)
            return
        self._delivered(parcel)

    def resume(self, parcel: Parcel) -> None:
        """A reply kept by the process before a restart: send it."""
        self._keep(parcel, save=False)

    async def close(self) -> None:
        """Stop sending (the bot stops); what is left stays in the database for the restart."""
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    # ----- sending -----------------------------------------------------------------------

    def _fits_response(self, parcel: Parcel, slot: Slot) -> bool:
        late = (parcel.late_notice != ""
                and self._clock() - parcel.asked_at >= self.policy.late_after_seconds)
        return (len(parcel.parts) == 1 and parcel.chat_id == slot.chat_id and not late
                and parcel.chat_id not in self._queues)

    def _method(self, parcel: Parcel) -> dict[str, Any]:
        """The one part of `parcel` as a sendMessage for the webhook's response: what
        `_send_parts` would send, the bot's defaults included, without the chat id."""
        part = parcel.parts[0]
        method: dict[str, Any] = {"method": "sendMessage", "text": part.text}
        defaults = getattr(self.bot, "defaults", None)
        if defaults is not None and defaults.parse_mode is not None:
            method["parse_mode"] = defaults.parse_mode
        if defaults is not None and defaults.link_preview_options is not None:
            method["link_preview_options"] = defaults.link_preview_options.to_dict()
        rows = [[{"text": label, "callback_data": action} for label, action in row]
                for row in part.buttons if row]
        if rows:  # as `keyboard` builds it, without the objects (this runs for every update)
            method["reply_markup"] = {"inline_keyboard": rows}
        if part.quote is not None:
            method["reply_parameters"] = {"message_id": part.quote,
                                          "allow_sending_without_reply": True}
            if "parse_mode" in method:  # as PTB fills it in from the defaults
                method["reply_parameters"]["quote_parse_mode"] = method["parse_mode"]
        return method

    async def _send_parts(self, parcel: Parcel) -> None:
        while parcel.parts:
            part = parcel.parts[0]
            text = self._with_notice(parcel, part.text)
            markup = keyboard(Reply("", tuple(tuple(Button(label, action) for label, action
                                                    in row) for row in part.buttons)))
            try:
                await self.bot.send_message(
                    parcel.chat_id, text, reply_markup=markup,
                    reply_parameters=(ReplyParameters(part.quote, allow_sending_without_reply=True)
                                      if part.quote is not None else None))
            except RetryAfter as exc:  # this chat only: the others go on meanwhile
                raise _Postponed(_seconds(exc.retry_after)) from None
            except TelegramError as exc:
                if probably_delivered(exc):
                    log.warning("Telegram was slow to confirm a message (update %s); it is "
                                "not sent again", parcel.update_id)
                elif worth_retrying(exc):
                    raise _Postponed(None) from None
                else:
                    raise
            self._back.set()
            self._back = asyncio.Event()
            parcel.parts.pop(0)
            if text is not part.text:
                parcel.late_notice = ""  # said once

    def _with_notice(self, parcel: Parcel, text: str) -> str:
        late = self._clock() - parcel.asked_at >= self.policy.late_after_seconds
        if not parcel.late_notice or not late:
            return text
        combined = f"{parcel.late_notice}\n\n{text}"
        if units(combined) <= MAX_MESSAGE:
            return combined
        parcel.parts.insert(0, Part(parcel.late_notice))  # no room: a message of its own
        return parcel.late_notice

    def _delivered(self, parcel: Parcel) -> None:
        if parcel.update_id is not None:
            self.ledger.handled(parcel.update_id)

    # ----- keeping -----------------------------------------------------------------------

    def _postpone(self, parcel: Parcel, pause: float | None) -> None:
        parcel.attempts += 1
        parcel.flood_wait = pause is not None
        if pause is None:
            policy = self.policy
            pause = min(policy.retry_first_seconds * 2 ** (parcel.attempts - 1),
                        policy.retry_max_seconds) * (0.5 + self._jitter())
        parcel.not_before = time.monotonic() + pause

    def _keep(self, parcel: Parcel, *, save: bool = True) -> None:
        if not self._queues:  # one line per bad spell of Telegram, not one per reply
            log.warning("Telegram cannot take replies now; they are kept and sent when it can")
        if parcel.update_id is not None:
            self.ledger.defer(parcel.update_id, parcel.to_json() if save else None)
        self._queues.setdefault(parcel.chat_id, deque()).append(parcel)
        if parcel.chat_id not in self._workers:
            self._workers[parcel.chat_id] = asyncio.create_task(self._work(parcel.chat_id))

    async def _work(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                parcel = queue[0]
                await self._wait(parcel)
                if self._clock() - parcel.asked_at > self.policy.give_up_after_hours * 3600:
                    log.error("a reply (update %s) could not be sent for %.0f hours; dropped",
                              parcel.update_id, self.policy.give_up_after_hours)
                    self._drop(parcel)
                    queue.popleft()
                    continue
                before = len(parcel.parts)
                try:
                    await self._send_parts(parcel)
                except _Postponed as postponed:
                    self._postpone(parcel, postponed.pause)
                    if len(parcel.parts) != before and parcel.update_id is not None:
                        # Some parts went out: a restart must not send those again.
                        self.ledger.defer(parcel.update_id, parcel.to_json())
                    continue
                except TelegramError as exc:
                    log.warning("Telegram refused a reply kept for later (update %s: %s); "
                                "dropped", parcel.update_id, exc.__class__.__name__)
                    self._drop(parcel)
                    queue.popleft()
                    continue
                queue.popleft()
                self._delivered(parcel)
        finally:
            del self._workers[chat_id]
            if not queue:
                del self._queues[chat_id]
                if not self._queues:
                    log.info("every kept reply is sent")

    async def _wait(self, parcel: Parcel) -> None:
        """Until the parcel's pause is over, or sooner when a send succeeded meanwhile
        (Telegram is back); then a random fraction of the first pause, so that not every
        waiting chat tries in the same instant."""
        pause = parcel.not_before - time.monotonic()
        if pause <= 0:
            return
        if parcel.flood_wait:
            await asyncio.sleep(pause)
            return
        back = self._back
        try:
            async with asyncio.timeout(pause):
                await back.wait()
        except TimeoutError:
            return
        await asyncio.sleep(self.policy.retry_first_seconds * self._jitter())

    def _drop(self, parcel: Parcel) -> None:
        if parcel.update_id is not None:
            self.ledger.handled(parcel.update_id)


def _seconds(value: Any) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)
