"""The one place that wires the Telegram bot: `build_application`.

An update flows: PTB (long polling, offsets kept by `UpdateLedger` so that a crash loses
nothing) → `PerUserOrder` (one update per user at a time) → the rate-limit gate (group -1) →
the first matching handler below (group 0) → `Conversation` (matcher, renderer, state,
storage) → `send` (split, keyboard) → the Bot API through `RetryingRateLimiter`. Errors
anywhere end in `Handlers.error`; every update ends marked handled in the `UpdateLedger`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
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
from bot.runtime import Loaded
from bot.storage import Storage, open_storage
from bot.telegram.addressing import ADDRESSED
from bot.telegram.conversation import Conversation, Library
from bot.telegram.delivery import LedgerBot, UnseenUpdatesRequest, UpdateLedger
from bot.telegram.handlers import Handlers
from bot.telegram.http import AiohttpRequest
from bot.telegram.menus import MENU, describe_bot
from bot.telegram.ordering import PerUserOrder
from bot.telegram.rate_limit import Limiter, RateLimit
from bot.telegram.recorder import Recorder
from bot.telegram.retrying import RetryingRateLimiter, RetryPolicy
from bot.telegram.state import MemoryStates, StateStore

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
PURGE_EVERY = 24 * 3600.0  # seconds between deletions of expired texts
GATE = -1  # handler group of the rate limit, which runs before every other handler


def build_application(config: Config, token: str, loaded: Loaded, *,
                      reload: Callable[[], Loaded],
                      states: StateStore | None = None,
                      limit: Limiter | None = None,
                      library: Library | None = None,
                      recorder: Recorder | None = None,
                      retry: RetryPolicy | None = None,
                      flood_limits: bool = True,
                      api_timeout: float | None = None,
                      environ: Mapping[str, str] = os.environ) -> App:
    """The bot, ready for `run_polling`; `reload` re-reads the knowledge base for /reload.

    Start-up work (storage, menus) is `application.post_init`, which `run_polling` calls;
    code that drives the application itself calls it too, as `await app.post_init(app)`, and
    `post_stop` / `post_shutdown` when it stops. `flood_limits=False` is for benchmarks
    against a fake Bot API only (see `RetryingRateLimiter`); `api_timeout` (seconds to
    connect, send or wait for an answer; None: PTB's 5) lets tests time out quickly.
    `states`, `limit`, `library` and `recorder` replace the in-memory ones of one process,
    for several instances behind webhooks (`bot.webhook`).
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
    lifecycle = _Lifecycle(conversation, bot, environ)
    application: App = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerUserOrder(on_handled=ledger.handled))
        .post_init(lifecycle.start_up)
        .post_stop(lifecycle.stop)
        .post_shutdown(lifecycle.shut_down)
        .build()
    )
    h = Handlers(conversation, limit or RateLimit(config.rate_limit.messages,
                                                  config.rate_limit.per_seconds))
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

    def __init__(self, conversation: Conversation, bot: LedgerBot,
                 environ: Mapping[str, str]) -> None:
        self.conversation = conversation
        self.bot = bot
        self.environ = environ
        self._background: list[asyncio.Task[None]] = []

    async def start_up(self, application: App) -> None:
        """Open storage, learn which updates were answered before a restart, delete expired
        texts (then daily); set menus and descriptions while the bot already answers."""
        conversation = self.conversation
        storage = await open_storage(conversation.config, self.environ)
        conversation.storage = storage
        await self.bot.ledger.open(storage)
        await storage.purge_expired()
        self._background = [
            asyncio.create_task(_purge_daily(storage)),
            asyncio.create_task(describe_bot(self.bot, conversation.library.loaded.kb,
                                             conversation.config.default_language)),
        ]
        log.info("mythbot is running as @%s", application.bot.username)

    async def stop(self, application: App) -> None:
        """Every update fetched is handled now: confirm them all to Telegram."""
        await self.bot.confirm_handled()

    async def shut_down(self, application: App) -> None:
        """Finish pending storage writes, then close the database."""
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
