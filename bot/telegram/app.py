"""The one place that wires the Telegram bot: `build_application`.

An update flows: PTB (long polling, offsets kept by `UpdateLedger` so that a crash or an
outage loses nothing) → `PerUserOrder` (one update per user at a time) → the rate-limit gate
(group -1) → the first matching handler below (group 0) → `Conversation` (matcher, renderer,
state, storage) → `Outbox` (split, keyboard; kept and sent later when Telegram fails) → the
Bot API through `RetryingRateLimiter`. Errors anywhere end in `Handlers.error`; every update
ends marked handled in the `UpdateLedger`, once its reply is sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from typing import Any, TypedDict

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.config import Config
from bot.conversation.conversation import Conversation, Library, Reload
from bot.conversation.recorder import Recorder
from bot.conversation.state import MemoryStates, StateStore
from bot.runtime import Loaded
from bot.storage import Storage, open_storage
from bot.telegram.addressing import ADDRESSED
from bot.telegram.delivery import LedgerBot, UnseenUpdatesRequest, UpdateLedger
from bot.telegram.followups import Clock, FollowUpSender, utc_now
from bot.telegram.handlers import Handlers
from bot.telegram.http import AiohttpRequest
from bot.telegram.inline import InlineReplies
from bot.telegram.menus import MENU, describe_bot
from bot.telegram.ordering import PerUserOrder
from bot.telegram.outbox import Outbox, Parcel
from bot.telegram.rate_limit import Limiter, RateLimit
from bot.telegram.retrying import RetryingRateLimiter, RetryPolicy

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
PURGE_EVERY = 24 * 3600.0  # seconds between deletions of expired texts
GATE = -1  # handler group of the rate limit, which runs before every other handler


def build_application(config: Config, token: str, loaded: Loaded, *,
                      reload: Reload,
                      states: StateStore | None = None,
                      limit: Limiter | None = None,
                      library: Library | None = None,
                      recorder: Recorder | None = None,
                      inline: InlineReplies | None = None,
                      retry: RetryPolicy | None = None,
                      flood_limits: bool = True,
                      api_timeout: float | None = None,
                      environ: Mapping[str, str] = os.environ,
                      clock: Clock = utc_now) -> App:
    """The bot, ready for `run_polling`; `reload` re-reads the knowledge base for /reload.

    Start-up work (storage, menus) is `application.post_init`, which `run_polling` calls;
    code that drives the application itself calls it too, as `await app.post_init(app)`, and
    `post_stop` / `post_shutdown` when it stops. `flood_limits=False` is for benchmarks
    against a fake Bot API only (see `RetryingRateLimiter`); `api_timeout` (seconds to
    connect, send or wait for an answer; None: PTB's 5) lets tests time out quickly;
    `clock` is the time the follow-up loop sees (tests move it on by days).
    `states`, `limit`, `library` and `recorder` replace the in-memory ones of one process,
    for several instances behind webhooks (`bot.webhook`); `inline` lets a reply go inside
    the webhook's response.
    """
    conversation = Conversation(config, library or Library(loaded, reload),
                                states or MemoryStates(), recorder or Recorder())
    ledger = UpdateLedger()
    # Built here rather than by the builder because getUpdates must follow the ledger.
    bot = LedgerBot(
        ledger,
        token=token,
        base_url=config.telegram.base_url,
        defaults=Defaults(parse_mode=ParseMode.HTML,
                          link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=RetryingRateLimiter(retry or RetryPolicy(), flood_limits=flood_limits),
        request=AiohttpRequest(**_timeouts(api_timeout)),
        get_updates_request=UnseenUpdatesRequest(ledger, connections=1,
                                                 **_timeouts(api_timeout)),
    )
    outbox = Outbox(bot, ledger, config.delivery, inline=inline)
    lifecycle = _Lifecycle(conversation, bot, outbox, environ, clock)
    application: App = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerUserOrder(on_handled=ledger.finished))
        .post_init(lifecycle.start_up)
        .post_stop(lifecycle.stop)
        .post_shutdown(lifecycle.shut_down)
        .build()
    )
    h = Handlers(conversation, limit or RateLimit(config.rate_limit.messages,
                                                  config.rate_limit.per_seconds),
                 outbox, ledger)
    new = filters.UpdateType.MESSAGE  # edits of old messages get no second answer
    admins = filters.User(user_id=config.admins)

    # Group -1: the rate limit sees everything meant for the bot and may stop it there.
    application.add_handler(MessageHandler(new & (ADDRESSED | filters.COMMAND), h.gate), GATE)
    application.add_handler(CallbackQueryHandler(h.gate), GATE)

    # Group 0: the first handler that matches wins, so the order below matters.
    public = {"start": h.start, "help": h.help, "topics": h.topics, "quiz": h.quiz,
              "language": h.language,
              "sources": h.sources, "privacy": h.privacy, "forget": h.forget, "about": h.about}
    for name in MENU:
        application.add_handler(CommandHandler(name, public[name], filters=new))
    # Not in the menu: only a clinic's admin needs it, once, to find their own id.
    application.add_handler(CommandHandler("whoami", h.whoami, filters=new))
    admin = {"stats": h.stats, "unanswered": h.unanswered, "reload": h.reload}
    for name, callback in admin.items():
        application.add_handler(CommandHandler(name, callback, filters=new & admins))
    # Only reached by non-admins: the admin handlers above took the admins' commands.
    application.add_handler(CommandHandler(list(admin), h.admin_only, filters=new))
    application.add_handler(CallbackQueryHandler(h.press))
    application.add_handler(MessageHandler(
        new & ADDRESSED & filters.TEXT & ~filters.COMMAND, h.text))
    application.add_handler(MessageHandler(new & ADDRESSED & filters.ATTACHMENT, h.media))
    # In groups a command without @ may be meant for another bot: only private ones here.
    application.add_handler(MessageHandler(
        new & filters.ChatType.PRIVATE & filters.COMMAND, h.unknown_command))

    application.add_error_handler(h.error)
    return application


class _Timeouts(TypedDict, total=False):
    connect_timeout: float
    read_timeout: float


def _timeouts(seconds: float | None) -> _Timeouts:
    if seconds is None:
        return {}
    return {"connect_timeout": seconds, "read_timeout": seconds}


class _Lifecycle:
    """Start-up and shut-down work, run by PTB around polling."""

    def __init__(self, conversation: Conversation, bot: LedgerBot, outbox: Outbox,
                 environ: Mapping[str, str], clock: Clock) -> None:
        self.clock = clock
        self.conversation = conversation
        self.bot = bot
        self.outbox = outbox
        self.environ = environ
        self._background: list[asyncio.Task[None]] = []
        self._sender: asyncio.Task[None] | None = None

    async def start_up(self, application: App) -> None:
        """Open storage, learn which updates were answered before a restart and which were
        kept unanswered (handled or sent now), delete expired texts (then daily); set menus
        and descriptions while the bot already answers."""
        conversation = self.conversation
        storage = await open_storage(conversation.config, self.environ)
        conversation.storage = storage
        for kept in await self.bot.ledger.open(storage):
            try:
                if kept.reply is not None:
                    self.outbox.resume(Parcel.from_json(kept.update_id, kept.reply))
                    continue
                update = Update.de_json(json.loads(kept.payload), self.bot)
            except Exception as exc:  # a row damaged or from an incompatible version
                log.warning("update %d kept before the restart cannot be read (%s); dropped",
                            kept.update_id, exc.__class__.__name__)
                self.bot.ledger.handled(kept.update_id)
                continue
            self.bot.insert_callback_data(update)
            await application.update_queue.put(update)
        await storage.purge_expired()
        self._background = [
            asyncio.create_task(_purge_daily(storage)),
            asyncio.create_task(describe_bot(self.bot, conversation.library.loaded.kb,
                                             conversation.config.default_language)),
        ]
        # Stopped in `stop`, before the bot's connection closes under a follow-up being sent.
        self._sender = asyncio.create_task(self._follow_ups(storage))
        log.info("mythbot is running as @%s", application.bot.username)

    async def _follow_ups(self, storage: Storage) -> None:
        config = self.conversation.config
        sender = FollowUpSender(storage, self.conversation.library, self.bot,
                                config.default_language)
        await sender.run(config.beliefs.check_every_seconds, self.clock)

    async def stop(self, application: App) -> None:
        """Every update fetched is handled now: confirm them all to Telegram. No more
        follow-ups from here on (a claim cut short is taken up again later, see followups.py)."""
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)
        await self.bot.confirm_handled()

    async def shut_down(self, application: App) -> None:
        """Finish pending storage writes, then close the database; replies still waiting for
        Telegram stay kept there for the next start."""
        if self._sender is not None:  # still running when start-up failed after starting it
            self._sender.cancel()
            self._background.append(self._sender)
        await self.outbox.close()
        for task in self._background:
            task.cancel()
        # A failure there must not keep storage from closing below.
        for outcome in await asyncio.gather(*self._background, return_exceptions=True):
            if isinstance(outcome, Exception):
                log.error("a background task had failed", exc_info=outcome)
        await self.conversation.recorder.drain()
        await self.bot.ledger.flush()
        if self.conversation.storage is not None:
            await self.conversation.storage.close()


async def _purge_daily(storage: Storage) -> None:
    while True:
        await asyncio.sleep(PURGE_EVERY)
        await storage.purge_expired()


def use_fast_event_loop() -> None:
    """Run on uvloop where it is installed (not on Windows): about 13% more answers a second
    in the throughput benchmark, for no change in behaviour. Call before `run_polling`."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
