"""`serve`: one webhook instance, from start-up to a drained stop.

On PostgreSQL the conversation states, the rate limit and the claims on update ids are shared
in the database, so any number of instances can serve behind a load balancer; on SQLite (the
default, one process) they stay in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.exc import DBAPIError
from telegram import Update

from bot.config import Config
from bot.conversation.conversation import Reload
from bot.conversation.recorder import Recorder
from bot.conversation.state import StateStore
from bot.runtime import Loaded
from bot.storage import StorageConfigError
from bot.storage.health import describe_error
from bot.storage.shared import SharedStore, Turn, holding, open_shared
from bot.telegram import build_application
from bot.telegram.inline import InlineReplies
from bot.telegram.rate_limit import Limiter
from bot.webhook.claims import Claims, LocalClaims, SharedClaims
from bot.webhook.limits import SharedRateLimit
from bot.webhook.reloading import SharedLibrary
from bot.webhook.server import Health, WebhookServer
from bot.webhook.states import DatabaseStates

log = logging.getLogger(__name__)

SECRET_ENV = "MYTHBOT_WEBHOOK_SECRET"
INSTANCE_ENV = "MYTHBOT_INSTANCE"
# Updates handled at once per instance; each holds a claim's database connection. With 4
# more for the rest of the shared state and `Storage`'s own pool (at most 15) an instance
# uses at most 29 connections: three fit in PostgreSQL's default max_connections of 100.
CONCURRENCY = 10
DRAIN_TIMEOUT = 25.0  # seconds; systemd and Docker send SIGKILL after 30 (TimeoutStopSec)
PURGE_EVERY = 3600.0
PING_TIMEOUT = 2.0


class TransientError(Exception):
    """Handling an update failed for a reason that may pass (the database was unavailable)."""


def _transient(error: BaseException | None) -> bool:
    return isinstance(error, DBAPIError | OSError | TimeoutError)


class ServeError(Exception):
    """`serve` cannot start as configured; one line that says what to change."""


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    secret: str
    instance: str


def listen_settings(config: Config, environ: Mapping[str, str], *, host: str | None,
                    port: int | None) -> Listen:
    """Where to listen and the secret to expect; ServeError when serving cannot work."""
    webhook = config.webhook
    secret = environ.get(SECRET_ENV, "").strip() or webhook.secret
    if not secret:
        raise ServeError(f"no webhook secret: set {SECRET_ENV} (or webhook.secret), the same "
                         "one `python -m bot webhook set` gives Telegram")
    if not (len(secret) <= 256
            and all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)):
        raise ServeError(f"{SECRET_ENV} may hold only letters, digits, _ and - "
                         "(at most 256), as Telegram requires")
    if webhook.instances > 1 and not config.storage.url.startswith("postgresql"):
        raise ServeError(f"webhook.instances is {webhook.instances}, but several instances "
                         "share state only in PostgreSQL: set storage.url to "
                         "postgresql+asyncpg://user:password@host/database")
    host = host or webhook.host
    port = port or webhook.port
    return Listen(host, port, secret, environ.get(INSTANCE_ENV) or f"{host}:{port}")


async def serve(config: Config, token: str, loaded: Loaded, reload: Reload,
                listen: Listen, *, environ: Mapping[str, str] = os.environ,
                flood_limits: bool = True, stop: asyncio.Event | None = None) -> None:
    """Serve until SIGTERM/SIGINT (or `stop` is set), then drain and shut down."""
    shared = open_shared(config, environ, connections=4, claims=CONCURRENCY)
    try:
        await shared.prepare()
    except StorageConfigError:
        await shared.close()
        raise
    except Exception as exc:  # connection refused, bad password, timeout...
        await shared.close()
        raise ServeError(f"the database cannot be reached ({describe_error(exc)}); "
                         "check storage.url and that the server runs") from None
    library = SharedLibrary(loaded, reload, shared)
    recorder = Recorder()
    states, limit, claims = _sharing(config, shared)
    inline = InlineReplies()
    application = build_application(config, token, loaded, reload=reload, states=states,
                                    limit=limit, library=library, recorder=recorder,
                                    inline=inline, flood_limits=flood_limits, environ=environ)

    failed: set[int] = set()

    async def note_failure(update: object, context: Any) -> None:
        if isinstance(update, Update) and _transient(context.error):
            failed.add(update.update_id)

    # After `Handlers.error` (which tells the person): PTB hands every error to both.
    application.add_error_handler(note_failure)

    async def handle(update: Update, turn: Turn) -> None:
        user, chat = update.effective_user, update.effective_chat
        # On PostgreSQL the person's state, rate limit and question go with the claim.
        with (holding(user.id, turn) if user is not None and shared.is_postgres
              else contextlib.nullcontext(),
              inline.responding(update.update_id, chat.id if chat else None) as slot):
            await application.process_update(update)
        if update.update_id in failed:
            failed.discard(update.update_id)
            # The database failed half-way: not acknowledged, so Telegram delivers it again
            # (maybe to an instance that still reaches the database) instead of losing it.
            raise TransientError(f"update {update.update_id}: database unavailable")
        if update.effective_user is not None:
            # The next update of this person may land on another instance: what this one
            # records (a 👎 that a comment will refer to) must be in the database first.
            await recorder.flush(update.effective_user.id)
        if slot is not None and slot.method is not None:
            # Kept with the claim, committed with it: a redelivery gets the same reply.
            turn.reply = json.dumps(slot.method, ensure_ascii=False, separators=(",", ":"))

    async def health() -> Health:
        try:
            async with asyncio.timeout(PING_TIMEOUT):
                database = await shared.ping()
        except TimeoutError:
            database = False
        return Health(len(library.loaded.kb.entries), database)

    server = WebhookServer(
        path=config.webhook.path, secret=listen.secret,
        max_body=config.webhook.max_body_bytes, instance=listen.instance, handle=handle,
        parse=lambda data: Update.de_json(data, application.bot), claims=claims,
        health=health, concurrency=CONCURRENCY)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)

    assert application.post_init is not None and application.post_shutdown is not None
    await application.initialize()
    background: list[asyncio.Task[Any]] = []
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False)
    try:
        await application.post_init(application)
        # Running (no updater: updates come from the server below), so that tasks the
        # handlers start (/reload's) are awaited at shut-down.
        await application.start()
        await library.start()
        background = [asyncio.create_task(library.follow()),
                      asyncio.create_task(_purge_hourly(shared))]
        await runner.setup()
        await web.TCPSite(runner, listen.host, listen.port).start()
        log.info("instance %s serving webhooks on http://%s:%d%s (%s)", listen.instance,
                 listen.host, listen.port, config.webhook.path,
                 "shared state in PostgreSQL" if shared.is_postgres else "one process, SQLite")
        await stop.wait()
        log.info("stopping: finishing the updates being handled")
        if not await server.drain(DRAIN_TIMEOUT):
            log.warning("%d update(s) still being handled after %.0f s; Telegram sends them "
                        "again", server.in_flight, DRAIN_TIMEOUT)
    finally:
        await runner.cleanup()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        try:
            if application.running:
                await application.stop()
            await application.post_shutdown(application)
            await application.shutdown()
        finally:
            await shared.close()
    log.info("stopped after handling %d update(s)", server.handled)


def _sharing(config: Config, shared: SharedStore
             ) -> tuple[StateStore | None, Limiter | None, Claims]:
    if not shared.is_postgres:
        return None, None, LocalClaims()  # the in-memory defaults of one process
    limit = SharedRateLimit(shared, config.rate_limit.messages, config.rate_limit.per_seconds)
    return DatabaseStates(shared), limit, SharedClaims(shared)


async def _purge_hourly(shared: SharedStore) -> None:
    while True:
        try:
            await shared.purge(dt.datetime.now(dt.UTC))
        except Exception as exc:  # the database may be down: next hour
            log.warning("could not purge shared state (%s)", exc.__class__.__name__)
        await asyncio.sleep(PURGE_EVERY)
