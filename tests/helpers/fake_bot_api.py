"""A fake Telegram Bot API server for tests.

`FakeBotApi` is a small aiohttp server on 127.0.0.1 that speaks enough of the Bot API for
python-telegram-bot's real `Application` to run against it: point
``ApplicationBuilder().base_url(api.base_url)`` at it and use the same token.

It behaves like Telegram where that matters for a bot's correctness:

* every request to ``/bot<TOKEN>/<method>`` is recorded (`requests`, `calls`, `sent_messages`);
  a wrong token gets 401, an unknown method 404, as on Telegram;
* `getUpdates` does real long polling, honours ``offset``/``limit``/``timeout`` (confirmed
  updates are forgotten) and a newer `getUpdates` terminates an older one with 409 Conflict;
* `sendMessage` and friends return real `Message` objects (per-chat increasing ``message_id``,
  ``date`` in seconds, the bot as ``from``, inline ``reply_markup`` echoed back) and are kept,
  so edits, deletes and replies work on the bot's actual messages;
* HTML ``parse_mode`` is parsed like Telegram does (only Telegram's tags, entities returned,
  malformed markup is a 400), as are the text and ``callback_data`` limits;
* faults can be injected: error responses (500, 429 with ``retry_after``, 403…), connection
  resets (before or after the request took effect) and slow responses.

Only what the project needs is implemented; add a method with `set_handler`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import pickle
import re
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web
from multidict import MultiDictProxy

__all__ = [
    "ApiError",
    "FakeBotApi",
    "RecordedCall",
    "UploadedFile",
    "iter_entity_texts",
    "utf16_len",
]

JSONDict = dict[str, Any]
MethodHandler = Callable[[JSONDict], Any]
"""Takes the decoded parameters, returns the ``result`` or raises `ApiError`."""

DEFAULT_TOKEN = "123456:TEST-token"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

# Parameters that PTB always sends as plain strings: never JSON-decode them, or a message whose
# text is "123" or "true" would be recorded as a number or a bool.
_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "custom_title",
        "description",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "inline_message_id",
        "inline_query_id",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "parse_mode",
        "payload",
        "phone_number",
        "query",
        "question",
        "quote",
        "secret_token",
        "short_description",
        "start_parameter",
        "text",
        "title",
        "url",
        "username",
        "vcard",
        # file parameters: a file_id or URL when not uploaded
        "animation",
        "audio",
        "document",
        "photo",
        "sticker",
        "video",
        "video_note",
        "voice",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Update types Telegram only sends when they are listed in allowed_updates explicitly.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Update types that carry a new message; the server numbers those messages.
_NEW_MESSAGE_TYPES = frozenset({"message", "channel_post", "business_message"})
_EDITED_MESSAGE_TYPES = frozenset(
    {"edited_message", "edited_channel_post", "edited_business_message"}
)

_BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "login_url",
        "web_app",
        "copy_text",
        "callback_game",
        "pay",
    }
)

_STANDARD_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """An error answer of the Bot API; raise it from a method handler."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded in a multipart request; it replaces the parameter's value."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class RecordedCall:
    """One request the fake received.

    `status` is ``None`` while the request is in progress, then the HTTP status of the answer
    (200: the call took effect), or ``0`` when the connection was reset before the call was
    handled. `delivered` is False when the answer never reached the client: the connection
    was reset after handling, or the client had already given up (timeout, cancelled poll).
    """

    method: str
    params: JSONDict
    status: int | None = None
    result: Any = None
    description: str | None = None
    delivered: bool = False
    at: float = field(default_factory=time.monotonic)  # when the request arrived
    in_response: bool = False  # a method the bot returned in its answer to a webhook post

    @property
    def ok(self) -> bool:
        """The call was handled successfully (whether or not the client got the answer)."""
        return self.status == 200

    def __str__(self) -> str:
        if self.status is None:
            outcome = "pending"
        elif self.status == 0:
            outcome = "connection reset"
        elif self.ok:
            outcome = "ok"
        else:
            outcome = f"{self.status} {self.description}"
        if self.status and not self.delivered:
            outcome += " (answer not delivered)"
        return f"{self.method}({_short(self.params)}) -> {outcome}"


def _short(params: Mapping[str, Any], limit: int = 120) -> str:
    text = ", ".join(f"{key}={value!r}" for key, value in params.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _Fault:
    kind: Literal["error", "reset", "delay"]
    times: int
    status: int = 500
    description: str = ""
    parameters: JSONDict | None = None
    seconds: float = 0.0
    after_processing: bool = False
    chat_id: int | None = None  # only calls to this chat


@dataclass
class _Outage:
    until: float  # loop time
    methods: frozenset[str]  # lower case; "*" for every method
    status: int


@dataclass
class _PollState:
    """Bookkeeping for getUpdates."""

    generation: int = 0
    allowed_updates: list[str] | None = None
    webhook_url: str = ""
    webhook: JSONDict = field(default_factory=dict)  # as setWebhook gave it
    pending: list[JSONDict] = field(default_factory=list)


class FakeBotApi:
    """A fake Telegram Bot API server; use as ``async with FakeBotApi() as api:``.

    Args:
        token: the only token accepted; its digits before ``:`` are the bot's user id.
        username: the bot's username, as returned by getMe.
        first_name: the bot's display name.
        can_read_all_group_messages: privacy mode off (True) or on (False, Telegram's default).
        max_poll_timeout: upper bound for getUpdates' ``timeout``, like Telegram's 50 s.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "mythbot_test_bot",
        first_name: str = "Mythbot (test)",
        can_read_all_group_messages: bool = False,
        max_poll_timeout: float = 50.0,
    ) -> None:
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            "id": int(bot_id) if bot_id.isdigit() else 123456,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.max_poll_timeout = max_poll_timeout

        self.log: list[RecordedCall] = []
        """Every request received, in order of arrival."""
        self.my_commands: dict[tuple[str, str], list[JSONDict]] = {}
        """setMyCommands state, keyed by (scope as JSON, language_code or "")."""
        self.my_descriptions: dict[str, str] = {}
        self.my_short_descriptions: dict[str, str] = {}
        self.my_names: dict[str, str] = {}

        self._poll = _PollState()
        self._update_ids = itertools.count(1)
        self._last_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._file_ids = itertools.count(1)
        self._faults: dict[str, list[_Fault]] = {}
        self._outages: list[_Outage] = []
        self._custom: dict[str, MethodHandler] = {}
        self._acknowledged: set[int] = set()  # webhook updates whose 200 was received

        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

        self._methods: dict[str, MethodHandler] = {
            "getme": lambda _params: _copied(self.bot_user),
            "logout": lambda _params: True,
            "close": lambda _params: True,
            "getwebhookinfo": self._get_webhook_info,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setmydescription": self._setter(self.my_descriptions, "description", 512),
            "getmydescription": self._getter(self.my_descriptions, "description"),
            "setmyshortdescription": self._setter(
                self.my_short_descriptions, "short_description", 120
            ),
            "getmyshortdescription": self._getter(self.my_short_descriptions, "short_description"),
            "setmyname": self._setter(self.my_names, "name", 64),
            "getmyname": self._getter(self.my_names, "name"),
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "getfile": self._get_file,
        }

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already running")
        self._closing.clear()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._port = sock.getsockname()[1]
        self._runner = runner

    async def stop(self) -> None:
        """Release pending long polls and delayed responses, then shut the server down."""
        if self._runner is None:
            return
        self._closing.set()
        self._notify()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started; use `async with FakeBotApi()`")
        return self._port

    @property
    def base_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_url()``; PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_file_url()``; PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    @property
    def username(self) -> str:
        return str(self.bot_user["username"])

    # ------------------------------------------------------------------ recording

    @property
    def requests(self) -> list[tuple[str, JSONDict]]:
        """Every request received as ``(method, params)``, failed ones included."""
        return [(call.method, call.params) for call in self.log]

    def calls(self, method: str, *, ok: bool | None = None) -> list[JSONDict]:
        """The params of every call to `method` (case-insensitive), in order of arrival.

        With ``ok=True`` only calls that took effect (see `RecordedCall.ok`), with
        ``ok=False`` only those that failed or were reset before being handled.
        """
        return [call.params for call in self._calls(method, ok)]

    def _calls(self, method: str, ok: bool | None) -> list[RecordedCall]:
        wanted = method.lower()
        return [
            call
            for call in self.log
            if call.method.lower() == wanted
            and (ok is None or (call.status is not None and call.ok == ok))
        ]

    def sent_messages(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """The params of every sendMessage that took effect, optionally for one chat.

        A message whose answer was lost (reset after handling, client timed out) counts: the
        user did get it.
        """
        return [
            params
            for params in self.calls("sendMessage", ok=True)
            if chat_id is None or str(params.get("chat_id")) == str(chat_id)
        ]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """The ``text`` param of every sendMessage that took effect, as sent (markup kept)."""
        return [str(params.get("text")) for params in self.sent_messages(chat_id)]

    async def wait_for(
        self, method: str, count: int = 1, *, timeout: float = 5.0, ok: bool | None = None
    ) -> list[JSONDict]:
        """Wait until at least `count` calls to `method` were recorded; return their params.

        Calls are counted when they arrive; pass ``ok=True`` to count only calls that took
        effect. Raises `TimeoutError` listing what was received instead.
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed = self._changed
                    found = self._calls(method, ok)
                    if len(found) >= count:
                        return [call.params for call in found]
                    await changed.wait()
        except TimeoutError:
            raise TimeoutError(self._wait_report(method, count, timeout, ok)) from None

    def _wait_report(self, method: str, count: int, timeout: float, ok: bool | None) -> str:
        kind = {None: "", True: " successful", False: " failed"}[ok]
        found = self._calls(method, ok)
        lines = [
            f"timed out after {timeout}s waiting for {count}{kind} call(s) to {method}; "
            f"got {len(found)}.",
            "Requests received: "
            + (
                ", ".join(f"{name} x{n}" for name, n in Counter(c.method for c in self.log).items())
                or "none"
            ),
        ]
        interesting = [c for c in self.log if c.method.lower() != "getupdates"][-15:]
        lines += [f"  {call}" for call in interesting]
        if self._poll.pending:
            lines.append(f"Updates still queued: {[u['update_id'] for u in self._poll.pending]}")
        return "\n".join(lines)

    def _notify(self) -> None:
        """Wake everyone waiting for a change (long polls, `wait_for`)."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ------------------------------------------------------------------ updates

    def push_update(self, update: Mapping[str, Any]) -> JSONDict:
        """Queue an update for getUpdates and return the queued copy.

        Like Telegram, the fake assigns the ``update_id`` (increasing) and, for a new message,
        the ``message_id`` (increasing per chat, shared with the bot's own messages), replacing
        whatever the builder put there. Chats, messages and callback query ids it carries are
        remembered so the bot can reply to, edit and answer them.
        """
        queued = _copied(dict(update))
        queued["update_id"] = next(self._update_ids)
        kind = _update_type(queued)
        payload = queued.get(kind)
        if isinstance(payload, dict):
            if kind in _NEW_MESSAGE_TYPES:
                self._remember_chat(payload["chat"])
                payload["message_id"] = self._next_message_id(payload["chat"]["id"])
                self._store(payload)
            elif kind in _EDITED_MESSAGE_TYPES:
                self._remember_chat(payload["chat"])
                self._store(payload)
            elif kind == "callback_query":
                self._callback_queries.setdefault(str(payload["id"]), False)
                message = payload.get("message")
                if isinstance(message, dict) and "chat" in message:
                    self._remember_chat(message["chat"])
            elif isinstance(payload.get("chat"), dict):
                self._remember_chat(payload["chat"])
        self._poll.pending.append(queued)
        self._notify()
        return _copied(queued)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by a getUpdates with a higher offset."""
        return _copied(self._poll.pending)

    # ------------------------------------------------------------------ chat state

    def add_chat(self, chat: Mapping[str, Any]) -> None:
        """Make a chat known, so messages sent to it echo its full Chat object."""
        self._remember_chat(chat)

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The current state of a message (after edits), or None if unknown or deleted."""
        stored = self._messages.get((int(chat_id), int(message_id)))
        return _copied(stored) if stored is not None else None

    def chat_messages(self, chat_id: int) -> list[JSONDict]:
        """Every message of a chat still present, user's and bot's, by message_id."""
        found = [msg for (cid, _), msg in self._messages.items() if cid == int(chat_id)]
        return _copied(sorted(found, key=lambda msg: int(msg["message_id"])))

    def bot_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """The bot's messages still present (current state), in the order they were sent."""
        found = [
            msg
            for (cid, _), msg in self._messages.items()
            if msg.get("from", {}).get("id") == self.bot_id and (chat_id is None or cid == chat_id)
        ]
        return _copied(found)

    def last_bot_message(self, chat_id: int | None = None) -> JSONDict:
        """The bot's most recent message still present; e.g. to build a callback query."""
        found = self.bot_messages(chat_id)
        if not found:
            where = "" if chat_id is None else f" in chat {chat_id}"
            raise LookupError(f"the bot has sent no message{where}")
        return found[-1]

    def add_file(self, file_id: str, content: bytes, *, file_path: str | None = None) -> JSONDict:
        """Make `file_id` known to getFile and downloadable from `base_file_url`."""
        path = file_path or f"documents/{file_id}"
        self._files[file_id] = (path, content)
        return self._file_object(file_id)

    def _file_object(self, file_id: str) -> JSONDict:
        path, content = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}"[:32],
            "file_size": len(content),
            "file_path": path,
        }

    # ------------------------------------------------------------------ faults & extension

    def fail(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 500,
        retry_after: int = 1,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls to `method` ("*" for any) with an error; with
        `chat_id`, only calls to that chat count (as Telegram's flood limit per group).

        ``status=429`` answers "Too Many Requests: retry after N" with
        ``parameters.retry_after`` (PTB raises `RetryAfter`); other statuses get Telegram's
        usual description unless `description` is given (403 → "bot was blocked by the user").
        """
        parameters: JSONDict | None = None
        if status == 429:
            parameters = {"retry_after": retry_after}
            text = description or f"Too Many Requests: retry after {retry_after}"
        else:
            text = description or _STANDARD_DESCRIPTIONS.get(status, f"Error {status}")
        self._add_fault(
            method,
            _Fault("error", times, status=status, description=text, parameters=parameters,
                   chat_id=chat_id),
        )

    def outage(
        self, seconds: float, methods: tuple[str, ...] = ("sendMessage",), *, status: int = 500
    ) -> None:
        """Every call to `methods` ("*": all) fails with `status` for the next `seconds`, as
        when Telegram is down; calls that arrive later work again."""
        until = asyncio.get_running_loop().time() + seconds
        self._outages.append(_Outage(until, frozenset(m.lower() for m in methods), status))

    def in_outage(self, method: str = "sendMessage") -> bool:
        return self._outage_status(method) is not None

    def _outage_status(self, method: str) -> int | None:
        now = asyncio.get_running_loop().time()
        self._outages = [o for o in self._outages if o.until > now]
        for outage in self._outages:
            if "*" in outage.methods or method.lower() in outage.methods:
                return outage.status
        return None

    def reset_connection(
        self, method: str, times: int = 1, *, after_processing: bool = False
    ) -> None:
        """Close the connection without answering the next `times` calls to `method`.

        With ``after_processing=True`` the call takes effect first (the message *is* sent)
        and only the answer is lost, the case that makes blind retries send duplicates.
        PTB raises `NetworkError`.
        """
        self._add_fault(method, _Fault("reset", times, after_processing=after_processing))

    def delay(
        self, method: str, seconds: float, times: int = 1, *, chat_id: int | None = None
    ) -> None:
        """Hold the next `times` calls to `method` (to `chat_id` only, if given) for
        `seconds` before handling them.

        The call is handled after the delay even if the client gave up (PTB `TimedOut`), as
        Telegram would. Stopping the fake cuts delays short.
        """
        self._add_fault(method, _Fault("delay", times, seconds=seconds, chat_id=chat_id))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._outages.clear()

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        self._faults.setdefault(method.lower(), []).append(fault)

    def _take_fault(self, method: str, params: JSONDict) -> _Fault | None:
        chat = params.get("chat_id")
        for key in (method.lower(), "*"):
            for fault in self._faults.get(key, []):
                if fault.chat_id is not None and str(fault.chat_id) != str(chat):
                    continue
                fault.times -= 1
                if fault.times == 0:
                    self._faults[key].remove(fault)
                return fault
        return None

    def set_handler(self, method: str, handler: MethodHandler) -> None:
        """Serve `method` with `handler(params) -> result` (may raise `ApiError`).

        Overrides a built-in method too.
        """
        self._custom[method.lower()] = handler

    # ------------------------------------------------------------------ webhooks

    def answer_in_response(self, status: int, body: bytes | str,
                           update_id: int | None = None) -> RecordedCall | None:
        """What Telegram does with the bot's answer to its webhook post of `update_id`: a
        200 whose JSON body names a ``method`` has that Bot API method carried out, its
        result unseen by the bot. Recorded like a call (``in_response=True``); faults are not
        injected here. Returns the call, or None when nothing was carried out.

        Telegram posts an update until it gets a 200, and then never again: a test that
        posts an update once more after that (or twice at once) plays a delivery that
        Telegram had given up on, whose answer it never reads. So only the first 200 per
        update counts; later ones carry out nothing."""
        if status != 200 or update_id in self._acknowledged:
            return None
        if update_id is not None:
            self._acknowledged.add(update_id)
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("method"), str):
            return None
        params = {key: _decode(key, value) if isinstance(value, str) else value
                  for key, value in data.items() if key != "method"}
        call = RecordedCall(method=data["method"], params=params, in_response=True)
        self.log.append(call)
        handler = self._custom.get(call.method.lower()) or self._methods.get(call.method.lower())
        try:
            if handler is None or call.method.lower() == "getupdates":
                raise ApiError(404, "Not Found: method not found")
            call.result = handler(params)
            call.status = 200
        except ApiError as error:
            call.status, call.description = error.status, error.description
        call.delivered = True
        self._notify()
        return call

    # ------------------------------------------------------------------ HTTP layer

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        file_prefix = f"file/bot{self.token}/"
        if path.startswith(file_prefix):
            return self._serve_file(path[len(file_prefix) :])

        token, _, method = path.partition("/")
        params = await _read_params(request)
        call = RecordedCall(method=method, params=params)
        self.log.append(call)
        self._notify()
        try:
            if not token.startswith("bot") or not method or "/" in method:
                raise ApiError(404, "Not Found")
            if token != f"bot{self.token}":
                raise ApiError(401, "Unauthorized")
            return await self._answer(request, call)
        except ApiError as error:
            return self._finish(request, call, error.status, error.payload(), error.description)

    async def _answer(self, request: web.Request, call: RecordedCall) -> web.StreamResponse:
        down = self._outage_status(call.method)
        if down is not None:
            raise ApiError(down, _STANDARD_DESCRIPTIONS.get(down, f"Error {down}"))
        fault = self._take_fault(call.method, call.params)
        if fault is not None and fault.kind == "delay":
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(fault.seconds):
                    await self._closing.wait()
            if self._closing.is_set():
                return self._reset(request, call)
        if fault is not None and fault.kind == "error":
            raise ApiError(fault.status, fault.description, fault.parameters)
        if fault is not None and fault.kind == "reset" and not fault.after_processing:
            return self._reset(request, call)

        handler = self._custom.get(call.method.lower()) or self._methods.get(call.method.lower())
        if call.method.lower() == "getupdates" and call.method.lower() not in self._custom:
            result = await self._get_updates(request, call.params)
        elif handler is None:
            raise ApiError(404, "Not Found: method not found")
        else:
            result = handler(call.params)
            if asyncio.iscoroutine(result):
                result = await result

        call.result = result
        if fault is not None and fault.kind == "reset":
            call.status = 200
            return self._reset(request, call)
        return self._finish(request, call, 200, {"ok": True, "result": result})

    def _finish(
        self,
        request: web.Request,
        call: RecordedCall,
        status: int,
        body: JSONDict,
        description: str | None = None,
    ) -> web.Response:
        call.status = status
        call.description = description
        call.delivered = not _client_gone(request)
        self._notify()
        return web.json_response(body, status=status, dumps=_dumps)

    def _reset(self, request: web.Request, call: RecordedCall) -> web.Response:
        if call.status is None:
            call.status = 0
            call.description = "connection reset"
        call.delivered = False
        self._notify()
        if request.transport is not None:
            request.transport.abort()
        # aiohttp notices the closed transport and drops this response quietly.
        return web.Response(status=500)

    def _serve_file(self, file_path: str) -> web.Response:
        for stored_path, content in self._files.values():
            if stored_path == file_path:
                return web.Response(body=content, content_type="application/octet-stream")
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    # ------------------------------------------------------------------ getUpdates

    async def _get_updates(self, request: web.Request, params: JSONDict) -> list[JSONDict]:
        poll = self._poll
        if poll.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), self.max_poll_timeout)
        if params.get("allowed_updates") is not None:
            poll.allowed_updates = list(params["allowed_updates"])

        poll.generation += 1
        generation = poll.generation
        self._notify()  # terminates an older long poll
        self._confirm(offset)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if poll.generation != generation:
                if _client_gone(request):  # e.g. PTB cancelled this poll on stop: no conflict
                    return []
                raise ApiError(409, _STANDARD_DESCRIPTIONS[409])
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await changed.wait()

    def _confirm(self, offset: int) -> None:
        pending = self._poll.pending
        if offset > 0:
            self._poll.pending = [u for u in pending if u["update_id"] >= offset]
        elif offset < 0:
            self._poll.pending = pending[offset:]

    def _deliverable(self, limit: int) -> list[JSONDict]:
        allowed = self._poll.allowed_updates

        def wanted(update: JSONDict) -> bool:
            kind = _update_type(update)
            return kind in allowed if allowed else kind not in _OPT_IN_UPDATE_TYPES

        # Telegram never creates updates the bot did not ask for.
        self._poll.pending = [u for u in self._poll.pending if wanted(u)]
        return _copied(self._poll.pending[:limit])

    # ------------------------------------------------------------------ webhook & settings

    def _get_webhook_info(self, _params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self._poll.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._poll.pending),
        }
        if self._poll.webhook_url:  # like Telegram: the secret token is never shown
            info.update({k: v for k, v in self._poll.webhook.items()
                         if k in ("max_connections", "allowed_updates")})
        return info

    def _set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: HTTPS url must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad_request("bad webhook: secret token contains unallowed characters")
        max_connections = _int_param(params, "max_connections", 40)
        if not 1 <= max_connections <= 100:
            raise _bad_request("bad webhook: max_connections must be between 1 and 100")
        self._poll.webhook_url = url
        self._poll.webhook = {"url": url, "secret_token": secret,
                              "max_connections": max_connections,
                              "allowed_updates": params.get("allowed_updates")}
        if params.get("drop_pending_updates"):
            self._poll.pending.clear()
        self._notify()
        return True

    @property
    def webhook(self) -> JSONDict:
        """The webhook as set by setWebhook (url, secret_token, max_connections,
        allowed_updates); empty when none is set."""
        return dict(self._poll.webhook) if self._poll.webhook_url else {}

    def _delete_webhook(self, params: JSONDict) -> bool:
        self._poll.webhook_url = ""
        self._poll.webhook = {}
        if params.get("drop_pending_updates"):
            self._poll.pending.clear()
        return True

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not (
                1 <= len(name) <= 32
                and all(c.islower() or c.isdigit() or c == "_" for c in name)
                and name.isascii()
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("command description is empty or too long")
        self.my_commands[self._commands_key(params)] = _copied(commands)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return _copied(self.my_commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self.my_commands.pop(self._commands_key(params), None)
        return True

    @staticmethod
    def _setter(store: dict[str, str], name: str, max_length: int) -> MethodHandler:
        def handler(params: JSONDict) -> bool:
            value = str(params.get(name) or "")
            if len(value) > max_length:
                raise _bad_request(f"{name} is too long")
            language = str(params.get("language_code") or "")
            if value:
                store[language] = value
            else:
                store.pop(language, None)
            return True

        return handler

    @staticmethod
    def _getter(store: dict[str, str], name: str) -> MethodHandler:
        def handler(params: JSONDict) -> JSONDict:
            language = str(params.get("language_code") or "")
            return {name: store.get(language, store.get("", ""))}

        return handler

    # ------------------------------------------------------------------ messages

    def _remember_chat(self, chat: Mapping[str, Any]) -> None:
        self._chats[int(chat["id"])] = _copied(dict(chat))

    def _chat(self, params: JSONDict) -> JSONDict:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == raw[1:].lower():
                    return _copied(chat)
            raise _bad_request("chat not found")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad_request("chat not found") from None
        if chat_id in self._chats:
            return _copied(self._chats[chat_id])
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _store(self, message: JSONDict) -> None:
        key = (int(message["chat"]["id"]), int(message["message_id"]))
        self._last_message_id[key[0]] = max(self._last_message_id.get(key[0], 0), key[1])
        self._messages[key] = _copied(message)

    def _target(self, params: JSONDict, action: str) -> JSONDict:
        """The stored message a chat_id/message_id pair points at."""
        chat = self._chat(params)
        message_id = _int_param(params, "message_id", 0)
        stored = self._messages.get((int(chat["id"]), message_id))
        if stored is None:
            raise _bad_request(f"message to {action} not found")
        return stored

    def _new_bot_message(self, params: JSONDict, content: JSONDict) -> JSONDict:
        chat = self._chat(params)
        chat_id = int(chat["id"])
        message: JSONDict = {
            "message_id": 0,
            "from": _copied(self.bot_user),
            "chat": chat,
            "date": int(time.time()),
        }
        reply_to = self._reply_to(chat_id, params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        message["message_id"] = self._next_message_id(chat_id)
        self._store(message)
        return _copied(message)

    def _reply_to(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = _int_param(reply, "message_id", 0)
            allow_missing = bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") is not None:
                chat_id = int(self._chat({"chat_id": reply["chat_id"]})["id"])
        elif params.get("reply_to_message_id") is not None:
            message_id = _int_param(params, "reply_to_message_id", 0)
            allow_missing = bool(params.get("allow_sending_without_reply"))
        else:
            return None
        stored = self._messages.get((chat_id, message_id))
        if stored is None:
            if allow_missing:
                return None
            raise _bad_request("message to be replied not found")
        replied = _copied(stored)
        replied.pop("reply_to_message", None)  # Telegram does not nest replies further
        return replied

    def _send_message(self, params: JSONDict) -> JSONDict:
        text, entities = _formatted(params, "text", "entities")
        if not text.strip():
            raise _bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._new_bot_message(params, content)

    def _editable(self, params: JSONDict) -> JSONDict | None:
        """The bot's own message an edit is for; None for an inline message (not kept here)."""
        if params.get("inline_message_id"):
            return None
        stored = self._target(params, "edit")
        if stored.get("from", {}).get("id") != self.bot_id:
            raise _bad_request("message can't be edited")
        return stored

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        text, entities = _formatted(params, "text", "entities")
        if not text.strip():
            raise _bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        markup = _inline_markup(params.get("reply_markup"))
        stored = self._editable(params)
        if stored is None:
            return True
        if "text" not in stored:
            raise _bad_request("there is no text in the message to edit")
        if (
            stored.get("text") == text
            and stored.get("entities", []) == entities
            and stored.get("reply_markup") == markup
        ):
            raise ApiError(400, _NOT_MODIFIED)
        stored["text"] = text
        _set_or_drop(stored, "entities", entities or None)
        _set_or_drop(stored, "reply_markup", markup)
        stored["edit_date"] = int(time.time())
        return _copied(stored)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        markup = _inline_markup(params.get("reply_markup"))
        stored = self._editable(params)
        if stored is None:
            return True
        if stored.get("reply_markup") == markup:
            raise ApiError(400, _NOT_MODIFIED)
        _set_or_drop(stored, "reply_markup", markup)
        stored["edit_date"] = int(time.time())
        return _copied(stored)

    def _delete_message(self, params: JSONDict) -> bool:
        stored = self._target(params, "delete")
        del self._messages[(int(stored["chat"]["id"]), int(stored["message_id"]))]
        return True

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callback_queries:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _media_file(self, params: JSONDict, name: str, default_path: str) -> JSONDict:
        value = params.get(name)
        if isinstance(value, UploadedFile):
            file_id = f"{name}-{next(self._file_ids)}"
            filename = value.filename or file_id
            self._files[file_id] = (f"{default_path}/{filename}", value.data)
            info = self._file_object(file_id)
            info.pop("file_path")
            return info | {"file_name": filename, "mime_type": value.content_type}
        if not value:
            raise _bad_request(f"there is no {name} in the request")
        file_id = str(value)
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}"[:32]}

    def _caption(self, params: JSONDict) -> JSONDict:
        caption, entities = _formatted(params, "caption", "caption_entities")
        if utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        content: JSONDict = {}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return content

    def _send_photo(self, params: JSONDict) -> JSONDict:
        info = self._media_file(params, "photo", "photos")
        sizes = [
            {
                "file_id": f"{info['file_id']}-{side}",
                "file_unique_id": f"{info['file_unique_id']}-{side}"[:32],
                "width": side,
                "height": side,
            }
            for side in (90, 320, 800)
        ]
        return self._new_bot_message(params, {"photo": sizes, **self._caption(params)})

    def _send_document(self, params: JSONDict) -> JSONDict:
        info = self._media_file(params, "document", "documents")
        return self._new_bot_message(params, {"document": info, **self._caption(params)})

    def _get_file(self, params: JSONDict) -> JSONDict:
        file_id = str(params.get("file_id") or "")
        if file_id not in self._files:
            raise _bad_request("invalid file_id")
        return self._file_object(file_id)


# ---------------------------------------------------------------------- request decoding


async def _read_params(request: web.Request) -> JSONDict:
    """Query string plus body, decoded the way Telegram reads them."""
    params: JSONDict = {key: _decode(key, value) for key, value in request.query.items()}
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(
                {
                    key: _decode(key, value) if isinstance(value, str) else value
                    for key, value in body.items()
                }
            )
        return params
    form: MultiDictProxy[Any] = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = UploadedFile(value.filename, value.content_type, value.file.read())
        else:
            params[key] = _decode(key, str(value))
    return params


def _decode(key: str, value: str) -> Any:
    """PTB sends strings as they are and everything else JSON-encoded; undo the latter."""
    if key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _copied(value: Any) -> Any:
    """A copy that shares nothing with `value`, as `copy.deepcopy` gives, at a sixth of its
    cost on a message: the fake copies every message it stores and hands out, and in a
    benchmark it shares the cores with the bot. (Our own objects, pickled and read back at
    once: nothing from outside is unpickled.)"""
    return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _int_param(params: JSONDict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad_request(f"wrong parameter {name} in request") from None


def _update_type(update: Mapping[str, Any]) -> str:
    kinds = [key for key in update if key != "update_id"]
    if len(kinds) != 1:
        raise ValueError(f"an update carries exactly one object besides update_id, got {kinds}")
    return kinds[0]


def _set_or_drop(target: JSONDict, key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _inline_markup(markup: Any) -> JSONDict | None:
    """Validate a reply_markup and return what Telegram echoes back in the Message.

    Only inline keyboards are echoed; reply keyboards, ForceReply and ReplyKeyboardRemove
    are not part of the returned Message.
    """
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text") or "").strip():
                raise _bad_request("inline keyboard button text is empty")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad_request("BUTTON_DATA_INVALID")
            if not _BUTTON_ACTIONS & button.keys():
                raise _bad_request("text buttons are unallowed in the inline keyboard")
    if not any(rows):
        return None  # an empty inline keyboard is how a bot removes one
    return _copied(markup)


def _formatted(params: JSONDict, text_key: str, entities_key: str) -> tuple[str, list[JSONDict]]:
    """The text as Telegram stores it and its entities, after applying parse_mode."""
    raw = params.get(text_key)
    text = "" if raw is None else str(raw)
    parse_mode = str(params.get("parse_mode") or "")
    if parse_mode.lower() == "html":
        return _parse_html(text)
    # MarkdownV2/Markdown are not parsed: the text is echoed as sent.
    entities = params.get(entities_key) or []
    return text, _copied(list(entities))


# ---------------------------------------------------------------------- Telegram HTML


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class _HtmlError(Exception):
    pass


class _TelegramHtml(HTMLParser):
    """Parses Telegram's HTML subset into plain text plus MessageEntity dicts."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.parts: list[str] = []
        self.length = 0  # UTF-16 units emitted so far
        self.stack: list[tuple[str, JSONDict | None]] = []
        self.entities: list[JSONDict] = []

    def byte_offset(self) -> int:
        line, column = self.getpos()
        return len(self.source[: self.line_starts[line - 1] + column].encode())

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_TAGS.get(tag)
        if kind is None:
            raise _HtmlError(f'Unsupported start tag "{tag}" at byte offset {self.byte_offset()}')
        attributes = {name: value or "" for name, value in attrs}
        entity: JSONDict = {"type": kind, "offset": self.length}
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise _HtmlError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset()}'
            )
        if tag == "a":
            entity["url"] = attributes.get("href", "")
        if tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id", "")
        if tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = attributes.get("class", "")
            pre_entity = self.stack[-1][1]
            if language.startswith("language-") and pre_entity is not None:
                pre_entity["language"] = language.removeprefix("language-")
                # <pre><code class="language-x"> is a single pre entity
                self.stack.append((tag, None))
                return
        self.stack.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise _HtmlError(f"Unexpected end tag at byte offset {self.byte_offset()}")
        open_tag, entity = self.stack.pop()
        if open_tag != tag:
            raise _HtmlError(
                f"Unmatched end tag at byte offset {self.byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        if entity is not None and self.length > entity["offset"]:
            entity["length"] = self.length - entity["offset"]
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            raise _HtmlError(
                f'Unexpected character "<" at byte offset {self.byte_offset()}; escape it as &lt;'
            )
        self.emit(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _HTML_NAMED_ENTITIES:
            raise _HtmlError(
                f'Unsupported HTML entity "&{name};" at byte offset {self.byte_offset()}'
            )
        self.emit(_HTML_NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.emit(chr(code))
        except (ValueError, OverflowError):
            raise _HtmlError(f'Invalid HTML entity "&#{name};"') from None

    def handle_comment(self, data: str) -> None:
        raise _HtmlError(f"Comments are not supported at byte offset {self.byte_offset()}")

    def handle_decl(self, decl: str) -> None:
        raise _HtmlError(f"Declarations are not supported at byte offset {self.byte_offset()}")

    def handle_pi(self, data: str) -> None:
        raise _HtmlError(f"Unsupported tag at byte offset {self.byte_offset()}")


def _parse_html(source: str) -> tuple[str, list[JSONDict]]:
    parser = _TelegramHtml(source)
    try:
        parser.feed(source)
        parser.close()
        if parser.stack:
            raise _HtmlError(
                f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
            )
    except _HtmlError as error:
        raise _bad_request(f"can't parse entities: {error}") from None
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def iter_entity_texts(message: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield ``(type, text)`` for each entity of a stored message (UTF-16 aware)."""
    text = str(message.get("text") or message.get("caption") or "")
    encoded = text.encode("utf-16-le")
    for entity in message.get("entities") or message.get("caption_entities") or []:
        start, length = int(entity["offset"]) * 2, int(entity["length"]) * 2
        yield entity["type"], encoded[start : start + length].decode("utf-16-le")
