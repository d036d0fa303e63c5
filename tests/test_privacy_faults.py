"""Never leak: what a person told the bot stays between them and the bot, in groups, in logs
at any level, and on the disk after /forget. End to end through the real Application."""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

import pytest

from bot.config import Config
from bot.matching import Matcher
from bot.runtime import Loaded
from bot.storage import user_key
from bot.storage.identity import resolve_secret
from bot.telegram import configure_logging
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import (
    ADMIN_ID,
    SECRET,
    TOKEN,
    bot_config,
    questions_of_kind,
    running_bot,
    settle,
)

pytestmark = [pytest.mark.timeout(20), pytest.mark.fault]

QUESTION = "Is artrose slijtage?"
COMMENT = "Mijn buurvrouw Josefien zegt iets anders"


@pytest.fixture
def settings(config: Config, api: FakeBotApi, tmp_path: Path) -> Config:
    return bot_config(config, api, tmp_path)


@pytest.fixture
def unknown(matcher: Matcher) -> str:
    """A question whose text is kept (the bot could not answer it)."""
    return questions_of_kind(matcher, "fallback", "nl")[0]



@pytest.mark.parametrize("command", ["privacy", "forget", "stats", "unanswered"])
async def test_replies_about_stored_data_only_in_a_private_chat(
        api: FakeBotApi, settings: Config, loaded: Loaded, unknown: str, command: str) -> None:
    """/privacy in a group posted the person's stored questions to the whole group; now it
    (and /forget, and the admin's /stats and /unanswered) points to the private chat."""
    admin = updates.user(ADMIN_ID, "Admin")
    group = updates.group_chat()
    async with running_bot(api, settings, loaded=loaded, user=admin) as bot:
        await bot.say(unknown)  # kept: the bot could not answer it
        (pointer,) = await bot.send(
            updates.command(command, bot_username=api.username, user=admin, chat=group),
            chat_id=group["id"])
        (private,) = await bot.say(f"/{command}")
    assert pointer.text == (f"Dit gaat over jouw eigen gegevens: stuur /{command} in een "
                            "privégesprek met mij.")
    assert "\n" not in pointer.text and not pointer.buttons
    assert all(escape(unknown) not in text for text in api.sent_texts(group["id"]))
    assert private.text != pointer.text  # in private, the real reply


async def test_no_log_line_holds_patient_text_or_keys_at_debug(
        api: FakeBotApi, settings: Config, loaded: Loaded, unknown: str,
        caplog: pytest.LogCaptureFixture, restore_logging: None) -> None:
    """At DEBUG, aiosqlite logged every statement with its parameters: question texts,
    comments and the users' HMAC keys. No logger may write them at any level."""
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG", [TOKEN, SECRET["MYTHBOT_SECRET"]])
    async with running_bot(api, settings, loaded=loaded) as bot:
        await bot.say(unknown)
        (answer,) = await bot.say(QUESTION)
        await bot.press(answer, "👎")
        await bot.say(COMMENT)
        await bot.say("/privacy")
        (confirm,) = await bot.say("/forget")
        await bot.press(confirm, "Ja, wis alles")
        await settle()
    assert logging.getLogger("bot.storage").isEnabledFor(logging.DEBUG)
    key = user_key(resolve_secret(SECRET, None), bot.chat_id)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in (unknown, escape(unknown), COMMENT, QUESTION, key, SECRET["MYTHBOT_SECRET"]):
        assert secret not in logged, secret


async def test_after_forget_the_texts_are_gone_from_the_database_files(
        api: FakeBotApi, settings: Config, loaded: Loaded, unknown: str,
        tmp_path: Path) -> None:
    """After /forget the question and comment stayed in the SQLite -wal file (and in free
    pages) until much later. Read the raw bytes while the bot still runs."""
    files = [tmp_path / "bot.sqlite3", tmp_path / "bot.sqlite3-wal"]

    def on_disk(text: str) -> bool:
        return any(text.encode() in path.read_bytes() for path in files if path.exists())

    async with running_bot(api, settings, loaded=loaded) as bot:
        await bot.say(unknown)
        (answer,) = await bot.say(QUESTION)
        await bot.press(answer, "👎")
        await bot.say(COMMENT)
        await settle()
        await bot.say("/privacy")  # waits for the writes above
        assert on_disk(unknown) and on_disk(COMMENT)
        (confirm,) = await bot.say("/forget")
        (done,) = await bot.press(confirm, "Ja, wis alles")
        assert done.text.startswith("Klaar")
        assert not on_disk(unknown)
        assert not on_disk(COMMENT)


async def test_a_message_without_a_sender_is_ignored_quietly(
        api: FakeBotApi, settings: Config, loaded: Loaded,
        caplog: pytest.LogCaptureFixture) -> None:
    """A group message sent on behalf of a channel or the group itself has no `from`: it
    logged an ERROR with a traceback. Now nothing happens, and the next question is
    answered as usual."""
    group = updates.group_chat()
    anonymous = updates.group_message(QUESTION, mention=api.username, chat=group)
    del anonymous["message"]["from"]
    anonymous["message"]["sender_chat"] = group
    async with running_bot(api, settings, loaded=loaded) as bot:
        await bot.send(anonymous, replies=0, chat_id=group["id"])
        (answer,) = await bot.say(QUESTION)
    assert "</b>\n❌" in answer.text
    assert api.sent_texts(group["id"]) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
