"""Run the real bot (`build_application`) against `FakeBotApi` and talk to it like a user.

    async with FakeBotApi(token=TOKEN) as api, running_bot(api, config) as bot:
        replies = await bot.say("Is artrose slijtage?")
        more = await bot.press(replies[-1], "Lees meer")
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.conversation.conversation import Reload
from bot.knowledge import load_knowledge
from bot.matching import Matcher
from bot.runtime import Loaded, build, reload_in_background
from bot.telegram import ALLOWED_UPDATES, RetryPolicy, build_application
from bot.telegram.followups import Clock, utc_now
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi

EVAL_SET = Path(__file__).resolve().parents[1] / "data" / "eval_dev.tsv"
TOKEN = "123456:TEST-secret_token-VALUE"
ADMIN_ID = 4242
SECRET = {"MYTHBOT_SECRET": "0123456789abcdef0123456789abcdef"}
FAST_RETRY = RetryPolicy(attempts=4, first_pause=0.01, max_pause=0.05, flood_retries=3)
JSONDict = dict[str, Any]


def bot_config(base: Config, api: FakeBotApi, tmp_path: Path) -> Config:
    """`base` pointed at the fake API and a scratch database, with one admin."""
    return base.model_copy(update={
        "telegram": base.telegram.model_copy(update={"base_url": api.base_url,
                                                     "bot_username": api.username}),
        "storage": base.storage.model_copy(
            update={"url": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"}),
        "admins": [ADMIN_ID],
    })


@dataclass(frozen=True)
class Sent:
    """One message the bot sent: the sendMessage parameters and the Message Telegram made."""

    params: JSONDict
    message: JSONDict

    @property
    def text(self) -> str:
        """The text as the bot sent it (HTML markup included)."""
        return str(self.params["text"])

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", [])
                for b in row]

    def data(self, label: str) -> str:
        """The callback_data of the button whose label contains `label`."""
        found = [data for text, data in self.buttons if label in text]
        assert found, f"no button {label!r} in {self.buttons}"
        return found[0]


@dataclass
class Harness:
    api: FakeBotApi
    user: JSONDict

    @property
    def chat_id(self) -> int:
        return int(self.user["id"])

    def sent(self, chat_id: int | None = None) -> list[Sent]:
        """Every message the bot sent to this user's chat (or to `chat_id`), in order."""
        wanted = str(self.chat_id if chat_id is None else chat_id)
        return [Sent(call.params, call.result) for call in self.api.log
                if call.method == "sendMessage" and call.ok
                and str(call.params.get("chat_id")) == wanted]

    async def say(self, text: str, *, replies: int = 1, user: JSONDict | None = None,
                  chat: JSONDict | None = None) -> list[Sent]:
        """Send `text` as this user and return the `replies` messages the bot sent back."""
        sender = user or self.user
        chat = chat or updates.private_chat(sender)
        return await self.send(updates.text_message(text, user=sender, chat=chat),
                               replies=replies, chat_id=chat["id"])

    async def send(self, update: JSONDict, *, replies: int = 1,
                   chat_id: int | None = None) -> list[Sent]:
        """Push any update; wait for `replies` new messages in the chat (0: just settle)."""
        before = len(self.sent(chat_id))
        self.api.push_update(update)
        return await self._new(before, replies, chat_id)

    async def press(self, under: Sent, label: str, *, replies: int = 1) -> list[Sent]:
        """Press the button labelled `label` under a message the bot sent."""
        return await self.press_data(under, under.data(label), replies=replies)

    async def press_data(self, under: Sent, data: str, *, replies: int = 1) -> list[Sent]:
        """Press a button carrying `data` (real or forged) under a message the bot sent."""
        answered = len(self.api.calls("answerCallbackQuery"))
        before = len(self.sent())
        self.api.push_update(updates.callback_query(data, message=under.message,
                                                    user=self.user))
        await self.api.wait_for("answerCallbackQuery", answered + 1, ok=True)
        return await self._new(before, replies, None)

    def last_answer(self) -> JSONDict:
        """The parameters of the latest answerCallbackQuery."""
        return self.api.calls("answerCallbackQuery")[-1]

    async def _new(self, before: int, count: int, chat_id: int | None) -> list[Sent]:
        try:
            async with asyncio.timeout(5):
                while len(self.sent(chat_id)) < before + count:
                    await asyncio.sleep(0.01)
        except TimeoutError:
            calls = [str(call) for call in self.api.log if call.method != "getUpdates"][-10:]
            raise AssertionError(f"expected {count} new message(s); last calls: {calls}") from None
        await settle()
        return self.sent(chat_id)[before:]


async def settle() -> None:
    """Give the bot a moment to send anything more it was going to send."""
    await asyncio.sleep(0.05)


async def until(condition: Callable[[], bool], timeout: float) -> None:
    """Wait until `condition()` holds; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def questions_of_kind(matcher: Matcher, kind: str, lang: str) -> list[str]:
    """Questions of the evaluation set that `matcher` decides as `kind`: examples that
    stay right while the knowledge base and the thresholds are tuned."""
    found = []
    for line in EVAL_SET.read_text(encoding="utf-8").splitlines()[1:]:
        _, question_lang, question = line.split("\t", 2)
        decision = matcher.match(question, lang)
        # A fallback for a topic we know we do not cover has its own reply: not "the" fallback.
        if question_lang == lang and decision.kind == kind and not (
                kind == "fallback" and decision.rule is not None):
            found.append(question)
    assert len(found) >= 2, f"the evaluation set has too few {kind} questions in {lang}"
    return found


@asynccontextmanager
async def running_bot(api: FakeBotApi, config: Config, *, loaded: Loaded | None = None,
                      knowledge: Path | None = None, user: JSONDict | None = None,
                      environ: Mapping[str, str] = SECRET,
                      flood_limits: bool = True,
                      api_timeout: float | None = None,
                      clock: Clock = utc_now,
                      reload: Reload | None = None) -> AsyncIterator[Harness]:
    """The bot built by `build_application`, started as `run_polling` would, then stopped.

    `loaded` saves tests the time of loading the knowledge base again; `knowledge` is the
    folder that /reload reads (default: the configured one), in a worker process as `run`
    does, unless `reload` does it otherwise; `flood_limits=False` drops
    Telegram's send rate (for the throughput benchmark); `api_timeout` shortens PTB's 5 s
    timeouts (for tests of a slow Bot API); `clock` is the time its follow-up loop sees.
    """
    root = knowledge or config.knowledge_dir
    app = build_application(config, api.token, loaded or build(config, load_knowledge(root)),
                            reload=reload or partial(reload_in_background, config, root),
                            retry=FAST_RETRY, flood_limits=flood_limits,
                            api_timeout=api_timeout, environ=environ, clock=clock)
    assert app.post_init is not None and app.post_shutdown is not None
    assert app.post_stop is not None and app.updater is not None
    # Each step is undone even when an earlier one fails, in the order run_polling uses.
    async with AsyncExitStack() as undo:
        await app.initialize()
        undo.push_async_callback(app.post_shutdown, app)
        undo.push_async_callback(app.shutdown)
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=1,
                                        allowed_updates=ALLOWED_UPDATES)
        await app.start()
        undo.push_async_callback(app.post_stop, app)
        undo.push_async_callback(app.stop)
        undo.push_async_callback(app.updater.stop)
        yield Harness(api, user or updates.user())
