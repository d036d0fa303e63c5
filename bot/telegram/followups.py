"""Sending due follow-ups of the measure of beliefs: the same three statements, N days on.

The schedule lives in storage, not in timers, so it survives restarts; each due row is
claimed before it is sent, so with several instances on one database exactly one sends it.
A person who blocked the bot (403) is marked and never written to again; any other failure
releases the claim for a later round. `send_due` takes the time, so tests can move it on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.conversation.conversation import Library
from bot.rendering import Reply
from bot.rendering import measure as replies
from bot.storage import FollowUp, Storage
from bot.storage.followups import BLOCKED, CANCELLED, PENDING, SENT
from bot.telegram.keyboards import keyboard
from bot.telegram.splitting import split_message

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = dt.timedelta(minutes=15)  # a claim older than this was left by a dead instance
BATCH = 50  # follow-ups claimed per round; the rest wait for the next one
Clock = Callable[[], dt.datetime]


async def send(bot: Bot, chat_id: int, reply: Reply) -> None:
    """Send straight away, not through the outbox: a follow-up must see Telegram's refusal
    (403, blocked) itself, and a failed one is simply claimed again in a later round."""
    parts = split_message(reply.text)
    for number, part in enumerate(parts, 1):
        await bot.send_message(chat_id, part,
                               reply_markup=keyboard(reply) if number == len(parts) else None)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class FollowUpSender:
    def __init__(self, storage: Storage, library: Library, bot: Bot, default_language: str,
                 owner: str | None = None) -> None:
        self.storage = storage
        self.default_language = default_language
        self.library = library
        self.bot = bot
        self.owner = owner or uuid.uuid4().hex  # this instance, in the rows it claims

    async def send_due(self, now: dt.datetime) -> int:
        """Send every follow-up due at `now` that this instance could claim; how many sent."""
        claimed = await self.storage.claim_follow_ups(self.owner, now,
                                                      stale_after=CLAIM_TIMEOUT, limit=BATCH)
        sent = 0
        for follow_up in claimed:
            outcome = await self._send(follow_up)
            await self.storage.settle_follow_up(follow_up.key, self.owner, outcome)
            sent += outcome == SENT
        return sent

    async def run(self, every: float, clock: Clock = utc_now) -> None:
        """Look for due follow-ups every `every` seconds until cancelled."""
        while True:
            try:
                await self.send_due(clock())
            except Exception:  # the loop must outlive any one bad round
                log.exception("sending follow-ups failed; trying again later")
            await asyncio.sleep(every)

    async def _send(self, follow_up: FollowUp) -> str:
        kb = self.library.loaded.kb
        if (follow_up.chat_id is None
                or not all(e in kb.quiz and e in kb.entries for e in follow_up.statements)):
            log.warning("a follow-up was cancelled: its statements left the knowledge base")
            return CANCELLED
        lang = follow_up.language or self.default_language
        reply = replies.statement(kb, lang, "after", follow_up.statements, 0,
                                  kb.message("beliefs-after-intro", lang))
        try:
            await send(self.bot, follow_up.chat_id, reply)
        except Forbidden:
            log.info("a follow-up was not sent: the person blocked the bot")
            return BLOCKED
        except TelegramError as exc:
            log.warning("a follow-up could not be sent (%s); trying again later",
                        exc.__class__.__name__)
            return PENDING
        return SENT
