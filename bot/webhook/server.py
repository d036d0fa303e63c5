"""The HTTP side of `serve`: Telegram's posts in, `Application.process_update` out.

aiohttp.web, not Starlette/uvicorn: aiohttp is already the bot's HTTP client (one library,
no new dependency), and its server runs in the same event loop as PTB.

    POST <webhook.path>   an update. 401 without the secret header, 403 with a wrong one,
                          413 too large, 400 not an update, 422 a kind the bot does not
                          take; 503 while the database is unreachable or the instance is
                          stopping (nginx then tries another instance, Telegram retries).
                          200 only after the update was handled, or was handled before;
                          its body is the reply when one fits there (a sendMessage that
                          Telegram carries out, see bot.telegram.inline), else
                          {"ok": true, "handled": ...}. `X-Mythbot-Handled` says which:
                          "new", or "before" (a redelivery, given the same reply again).
    GET  /healthz         200 when the knowledge base is loaded and the database answers,
                          else 503; a JSON body says which.

Every response carries `X-Mythbot-Instance`, so that tests (and operators) can see which
instance answered behind the load balancer.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from telegram import Update

from bot.storage.shared import Turn
from bot.webhook.claims import Claims

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
INSTANCE_HEADER = "X-Mythbot-Instance"
HANDLED_HEADER = "X-Mythbot-Handled"  # "new", or "before": a redelivery
KINDS = frozenset({"message", "callback_query"})  # ALLOWED_UPDATES


@dataclass(frozen=True)
class Health:
    knowledge_entries: int
    database: bool

    @property
    def ok(self) -> bool:
        return self.knowledge_entries > 0 and self.database


class WebhookServer:
    """Handles each update inside its request: `handle(update)` (process it and wait for
    its storage writes) runs under `claims.turn`, so a redelivery is answered once and one
    person's updates in order, and the 200 comes only once it is done."""

    def __init__(self, *, path: str, secret: str, max_body: int, instance: str,
                 handle: Callable[[Update, Turn], Awaitable[None]],
                 parse: Callable[[dict[str, Any]], Update],
                 claims: Claims, health: Callable[[], Awaitable[Health]],
                 concurrency: int) -> None:
        self.path = path
        self._secret = secret.encode()
        self._max_body = max_body
        self._instance = instance
        self._handle = handle
        self._parse = parse
        self._claims = claims
        self._health = health
        self._slots = asyncio.Semaphore(concurrency)
        self.in_flight = 0
        self.handled = 0
        self.draining = False
        self._idle = asyncio.Event()
        self._idle.set()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self._max_body,
                              middlewares=[self._instance_header])
        app.router.add_post(self.path, self.receive)
        app.router.add_get("/healthz", self.healthz)
        return app

    async def drain(self, timeout: float) -> bool:
        """Refuse new updates (503) and wait for those being handled; False on timeout."""
        self.draining = True
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    @web.middleware
    async def _instance_header(self, request: web.Request,
                               handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                               ) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[INSTANCE_HEADER] = self._instance
            raise
        response.headers[INSTANCE_HEADER] = self._instance
        return response

    async def healthz(self, request: web.Request) -> web.Response:
        health = await self._health()
        ok = health.ok and not self.draining
        body = {"status": "ok" if ok else "unavailable",
                "knowledge_entries": health.knowledge_entries,
                "database": "ok" if health.database else "unreachable",
                "draining": self.draining, "in_flight": self.in_flight,
                "handled": self.handled, "instance": self._instance}
        return web.json_response(body, status=200 if ok else 503)

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return _refuse(401, "missing secret token")
        if not hmac.compare_digest(given.encode(), self._secret):
            return _refuse(403, "wrong secret token")
        if self.draining:
            return _refuse(503, "stopping; try another instance")
        if request.content_length is not None and request.content_length > self._max_body:
            return _refuse(413, "update too large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "update too large")
        update = self._decode(body)
        if isinstance(update, web.Response):
            return update
        self._started()
        try:
            return await self._process(update)
        finally:
            self._finished()

    def _decode(self, body: bytes) -> Update | web.Response:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _refuse(400, "not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return _refuse(400, "not an update")
        kinds = set(data) - {"update_id"}
        if not kinds & KINDS or kinds - KINDS:
            return _refuse(422, "update kind not handled (see allowed_updates)")
        try:
            return self._parse(data)
        except Exception as exc:  # PTB refuses a malformed update in many ways
            log.warning("update %s refused: not a valid update (%s)", data["update_id"],
                        exc.__class__.__name__)
            return _refuse(400, "not a valid update")

    async def _process(self, update: Update) -> web.Response:
        user = update.effective_user
        async with self._slots:
            try:
                async with self._claims.turn(update.update_id,
                                             user.id if user else None) as turn:
                    if turn.fresh:
                        await self._handle(update, turn)
            except Exception as exc:  # database down or lost: Telegram will deliver again
                log.warning("update %d not handled: %s", update.update_id,
                            exc.__class__.__name__)
                return _refuse(503, "database unavailable")
        if turn.fresh:
            self.handled += 1
        handled = {HANDLED_HEADER: "new" if turn.fresh else "before"}
        chat = update.effective_chat
        if turn.reply is None or chat is None:
            return web.json_response({"ok": True, "handled": turn.fresh}, headers=handled)
        # The claim is committed with this reply: given again if this response is lost.
        method = json.loads(turn.reply)
        method["chat_id"] = chat.id
        return web.json_response(method, headers=handled)

    def _started(self) -> None:
        self.in_flight += 1
        self._idle.clear()

    def _finished(self) -> None:
        self.in_flight -= 1
        if not self.in_flight:
            self._idle.set()


def _refuse(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)
