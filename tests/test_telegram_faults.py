"""The bot under stress: a failing Bot API, floods, a broken database, and logs that must
never show the token. Same set-up as test_telegram_bot: the real Application over HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path

import pytest

from bot.config import Config, RateLimit
from bot.runtime import Loaded
from bot.telegram import configure_logging
from bot.telegram.rate_limit import PRESS_WEIGHT, Verdict
from bot.telegram.rate_limit import RateLimit as UserRateLimit
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import TOKEN, bot_config, running_bot, settle, until

pytestmark = [pytest.mark.timeout(20), pytest.mark.fault]

QUESTION = "Is artrose slijtage?"
DECORATIONS = ("setMyCommands", "setMyDescription", "setMyShortDescription")
SORRY = "Sorry, er ging iets mis aan mijn kant."


@pytest.fixture
def settings(config: Config, api: FakeBotApi, tmp_path: Path) -> Config:
    return bot_config(config, api, tmp_path)



def users(count: int) -> list[dict[str, object]]:
    return [updates.user(3000 + n, f"User {n}") for n in range(count)]


# Telegram failing --------------------------------------------------------------------------


async def test_500s_and_429s_then_recovery_answer_every_message_exactly_once(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    people = users(3)
    async with running_bot(api, settings, loaded=loaded) as bot:
        api.fail("getUpdates", status=500)  # polling backs off and goes on
        api.fail("sendMessage", 2, status=500)
        api.fail("sendMessage", 1, status=429, retry_after=1)
        api.fail("sendMessage", 1, status=502)
        for person in people:
            api.push_update(updates.text_message(QUESTION, user=person))
        await api.wait_for("sendMessage", 3, ok=True, timeout=10)
        await settle()
        (later,) = await bot.say(QUESTION, user=people[0])
        assert "</b>\n❌ " in later.text

    failed = Counter(call.status for call in api.log
                     if call.method == "sendMessage" and not call.ok)
    assert failed == Counter({500: 2, 429: 1, 502: 1})
    # Telegram's retry_after (1 s) was waited out before that message was tried again.
    flood = next(call for call in api.log if call.status == 429)
    again = next(call for call in api.log if call.method == "sendMessage"
                 and call.at > flood.at and call.params["chat_id"] == flood.params["chat_id"])
    assert again.at - flood.at >= 1.0
    for person in people:
        texts = api.sent_texts(int(str(person["id"])))
        assert len(texts) == (2 if person is people[0] else 1), texts
        assert all(SORRY not in text for text in texts)


async def test_a_lost_connection_is_retried_and_answered_once(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    async with running_bot(api, settings, loaded=loaded) as bot:
        api.reset_connection("sendMessage")
        (answer,) = await bot.say(QUESTION)
    assert "</b>\n❌ " in answer.text
    assert [call.status for call in api.log if call.method == "sendMessage"] == [0, 200]


async def test_a_reply_telegram_refuses_ends_in_a_sorry(
        api: FakeBotApi, settings: Config, loaded: Loaded,
        caplog: pytest.LogCaptureFixture) -> None:
    async with running_bot(api, settings, loaded=loaded) as bot:
        api.fail("sendMessage", status=400, description="Bad Request: chat not found")
        (sorry,) = await bot.say(QUESTION)
    assert sorry.text == SORRY + " Probeer het zo meteen nog eens."
    assert [call.status for call in api.log if call.method == "sendMessage"] == [400, 200]
    assert "error while handling an update" in caplog.text


async def test_a_press_too_old_to_answer_still_gets_its_reply(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    async with running_bot(api, settings, loaded=loaded) as bot:
        (answer,) = await bot.say(QUESTION)
        api.fail("answerCallbackQuery", status=400,
                 description="Bad Request: query is too old and response timeout expired")
        press = updates.callback_query(answer.data("Lees meer"), message=answer.message)
        (more,) = await bot.send(press)
    assert more.text.startswith("<b>") and SORRY not in more.text


async def test_start_up_goes_on_when_menus_cannot_be_set(
        api: FakeBotApi, settings: Config, loaded: Loaded,
        caplog: pytest.LogCaptureFixture) -> None:
    api.fail("setMyCommands", 20, status=500)
    api.fail("setMyDescription", 3, status=400, description="Bad Request: description invalid")
    api.reset_connection("setMyShortDescription", 20)
    async with running_bot(api, settings, loaded=loaded) as bot:
        greeting, _offer = await bot.send(updates.command("start"), replies=2)
        await until(lambda: len(api.calls("setMyShortDescription")) == 3, timeout=5)
        await settle()
    assert greeting.text.startswith("👋 Welkom")
    # Tried once each (they only decorate), and one line per failed call, three languages.
    assert [len(api.calls(m)) for m in DECORATIONS] == [3, 3, 3]
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 9, lines
    assert all(r.name == "bot.telegram.menus" and "\n" not in r.getMessage()
               for r in caplog.records if r.levelno >= logging.WARNING)


async def test_a_flood_limit_on_the_menus_holds_up_no_reply(
        api: FakeBotApi, settings: Config, loaded: Loaded,
        caplog: pytest.LogCaptureFixture) -> None:
    """Telegram limits how often a bot may set its menus; a bot restarted often hears "retry
    after" for minutes. Waiting that out would pause every reply: it gives up instead."""
    api.fail("setMyCommands", status=429, retry_after=600)
    async with running_bot(api, settings, loaded=loaded) as bot:
        async with asyncio.timeout(2):
            greeting, _offer = await bot.send(updates.command("start"), replies=2)
        await settle()
    assert greeting.text.startswith("👋 Welkom")
    assert [len(api.calls(m)) for m in DECORATIONS] == [1, 0, 0]
    (line,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.name == "bot.telegram.menus" and "0:10:00" in line.getMessage()


# Floods ------------------------------------------------------------------------------------


async def test_rate_limit_answers_the_excess_once(api: FakeBotApi, settings: Config,
                                                  loaded: Loaded) -> None:
    limited = settings.model_copy(update={"rate_limit": RateLimit(messages=3, per_seconds=60)})
    other = updates.user(3100, "Other")
    async with running_bot(api, limited, loaded=loaded) as bot:
        for n in range(6):
            api.push_update(updates.text_message(f"{QUESTION} {n}", user=bot.user))
        await api.wait_for("sendMessage", 4, ok=True)
        await settle()
        texts = [sent.text for sent in bot.sent()]
        assert len(texts) == 4
        assert texts[3].startswith("Even rustig aan")
        assert all(("</b>\n❌ " in text) for text in texts[:3])  # in order, one by one
        (answer,) = await bot.say(QUESTION, user=other)  # others are not affected
        assert "</b>\n❌ " in answer.text
        menu = bot.sent()[0]
        await bot.press(menu, "👍", replies=0)  # presses count too: silently answered
        assert bot.last_answer().get("text") is None
    assert len(bot.sent()) == 4


def test_rate_limit_window_slides() -> None:
    now = [0.0]
    limit = UserRateLimit(2, 10, clock=lambda: now[0])
    assert [limit.check(1) for _ in range(4)] == [
        Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP]
    assert limit.check(2) is Verdict.ALLOW
    now[0] = 10.5  # the first two left the window
    assert [limit.check(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]


def test_rate_limit_memory_is_bounded() -> None:
    limit = UserRateLimit(1, 60, max_tracked=100)
    for user in range(1000):
        limit.check(user)
    assert limit.check(999) is Verdict.WARN  # recent users are still tracked
    assert limit.check(0) is Verdict.ALLOW  # the oldest were forgotten


# Many users at once ---------------------------------------------------------------------


async def test_one_slow_reply_does_not_hold_up_other_users(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    slow, quick = users(2)
    async with running_bot(api, settings, loaded=loaded) as bot:
        api.delay("sendMessage", 2.0)
        api.push_update(updates.text_message(QUESTION, user=slow))
        await api.wait_for("sendMessage")
        (hello,) = await bot.say("hallo", user=quick)
        assert hello.text.startswith("Dag!")
        (held,) = [call for call in api.log if call.method == "sendMessage"
                   and call.params["chat_id"] == slow["id"]]
        assert held.status is None  # still on its way while the other user got an answer
        await api.wait_for("sendMessage", 2, ok=True, timeout=5)


async def test_each_user_is_answered_in_order(api: FakeBotApi, settings: Config,
                                             loaded: Loaded) -> None:
    questions = ["hallo", QUESTION, "Ik heb koorts en mijn knie is rood en gezwollen", "👍"]
    async with running_bot(api, settings, loaded=loaded) as bot:
        api.delay("sendMessage", 0.3)  # the first reply is slow; the rest must wait for it
        for question in questions:
            api.push_update(updates.text_message(question, user=bot.user))
        await api.wait_for("sendMessage", len(questions), ok=True, timeout=5)
        # Telegram numbers messages as it receives them: the order the user sees.
        texts = [sent.text for sent in sorted(bot.sent(), key=lambda s: s.message["message_id"])]
    assert texts[0].startswith("Dag!")
    assert "</b>\n❌ " in texts[1]
    assert texts[2].startswith("⚠️")
    assert texts[3].startswith("Ik heb geen vraag gezien.")


# Storage failing ---------------------------------------------------------------------------


async def test_replies_go_on_when_the_database_is_unusable(
        api: FakeBotApi, settings: Config, loaded: Loaded, tmp_path: Path) -> None:
    unusable = tmp_path / "a-folder-not-a-database"
    unusable.mkdir()
    broken = settings.model_copy(update={"storage": settings.storage.model_copy(
        update={"url": f"sqlite+aiosqlite:///{unusable}"})})
    async with running_bot(api, broken, loaded=loaded) as bot:
        (answer,) = await bot.say(QUESTION)
        assert "</b>\n❌ " in answer.text
        (thanks,) = await bot.press(answer, "👍")
        assert thanks.text.startswith("Bedankt")
        (confirm,) = await bot.say("/forget")
        (failed,) = await bot.press(confirm, "Ja")
        assert failed.text == "Dat lukte nu even niet. Probeer het over een paar minuten opnieuw."


# Logs --------------------------------------------------------------------------------------


async def test_the_token_is_in_no_log_line(
        api: FakeBotApi, settings: Config, loaded: Loaded, caplog: pytest.LogCaptureFixture,
        restore_logging: None) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG", [TOKEN])
    assert logging.getLogger("aiohttp").level == logging.WARNING
    async with running_bot(api, settings, loaded=loaded) as bot:
        api.fail("sendMessage", status=500)
        api.fail("sendMessage", status=400)  # reaches the error handler, with a traceback
        await bot.say(QUESTION)
        api.reset_connection("getUpdates")
        await bot.say(QUESTION)
    logging.getLogger("bot.test").info("url https://api.telegram.org/bot%s/getMe", TOKEN)
    logging.getLogger("aiohttp.client").warning("POST .../bot%s/sendMessage", TOKEN)
    try:
        raise RuntimeError(f"connect failed for /bot{TOKEN}/getUpdates")
    except RuntimeError:
        logging.getLogger("bot.test").exception("with a traceback")

    assert logging.getLogger("bot.telegram").getEffectiveLevel() == logging.DEBUG
    secret = TOKEN.split(":", 1)[1]
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")
    assert "bot[REDACTED]/getMe" in caplog.text
    assert "error while handling an update" in caplog.text


def test_rate_limit_note_comes_once_per_window_and_presses_weigh_half() -> None:
    now = [0.0]
    limit = UserRateLimit(2, 10, clock=lambda: now[0])
    verdicts = []
    for moment in (0, 1, 2, 10.5, 10.6, 12.5, 12.6):
        now[0] = moment
        verdicts.append(limit.check(1))
    # At 10.5 one slot is free again, but the note was given 8.5 s before: no second note.
    # At 12.6, a window after the note, someone still going over gets it once more.
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.ALLOW,
                        Verdict.DROP, Verdict.ALLOW, Verdict.WARN]
    presses = UserRateLimit(2, 10, clock=lambda: now[0])
    assert [presses.check(2, PRESS_WEIGHT) for _ in range(5)] == [Verdict.ALLOW] * 4 + [
        Verdict.WARN]
    assert presses.check(2, exempt=lambda: True) is Verdict.ALLOW  # e.g. a red flag
