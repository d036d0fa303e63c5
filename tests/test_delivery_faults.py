"""Delivery on Telegram's bad days, end to end through the real Application and the fake Bot
API: outages of minutes, slow confirmations, poison updates, one slow chat among many.

Time is compressed where the bot only waits: the delivery pauses (`config.delivery`) are
`SCALE` times shorter than their defaults, so a "two-minute" outage lasts two seconds and
the bot tries again as often during it as it would during the real one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, Delivery
from bot.knowledge import load_knowledge
from bot.runtime import Loaded, build
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import ADMIN_ID, bot_config, running_bot, settle, until

pytestmark = [pytest.mark.timeout(30), pytest.mark.fault]

SCALE = 60.0  # a minute of the bot's waiting is a second of the test's
QUESTION = "Is artrose slijtage?"
LATE = "Sorry voor het late antwoord"
SORRY = "Sorry, er ging iets mis"
JSONDict = dict[str, Any]


def compressed(config: Config, **changes: float) -> Config:
    delivery = Delivery(retry_first_seconds=1 / SCALE, retry_max_seconds=60 / SCALE,
                        late_after_seconds=3600 / SCALE, give_up_after_hours=48)
    return config.model_copy(update={"delivery": delivery.model_copy(update=changes)})


@pytest.fixture
def settings(config: Config, api: FakeBotApi, tmp_path: Path) -> Config:
    return compressed(bot_config(config, api, tmp_path))


def people(count: int, first: int = 5000) -> list[JSONDict]:
    return [updates.user(first + n, f"Persoon {n}") for n in range(count)]


def ask(api: FakeBotApi, who: list[JSONDict], text: str = QUESTION) -> None:
    for person in who:
        api.push_update(updates.text_message(text, user=person))


def answered(api: FakeBotApi, who: list[JSONDict]) -> Counter[int]:
    return Counter(int(p["chat_id"]) for p in api.sent_messages()
                   if int(p["chat_id"]) in {int(person["id"]) for person in who})


def pending_rows(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(db.execute("SELECT count(*) FROM pending_updates").fetchone()[0])


# Never lose a question ---------------------------------------------------------------------


async def test_a_two_minute_outage_loses_no_question(
        api: FakeBotApi, settings: Config, loaded: Loaded, tmp_path: Path) -> None:
    """Every sendMessage fails (500) for "two minutes"; twenty people ask during it. Before,
    the bot gave up after about 3.5 s of retries and marked the updates handled: nothing was
    ever sent. Now each question is kept, tried again with growing pauses, and answered once
    Telegram is back: exactly once, without a "sorry" for an error."""
    who = people(20)
    async with running_bot(api, settings, loaded=loaded):
        api.outage(120 / SCALE)
        start = time.monotonic()
        ask(api, who)
        await until(lambda: not api.in_outage(), timeout=5)
        back = time.monotonic()
        await until(lambda: len(answered(api, who)) == len(who), timeout=10)
        recovered = time.monotonic() - back
        await asyncio.sleep(0.3)  # a reply sent twice would come now
        assert pending_rows(tmp_path / "bot.sqlite3") == 0  # all marked handled
    assert answered(api, who) == Counter({int(p["id"]): 1 for p in who})
    failed = [call for call in api.log if call.method == "sendMessage" and call.status == 500]
    assert len(failed) >= 2 * len(who)  # it kept trying during the outage ...
    assert len(failed) < 20 * len(who)  # ... with pauses, not in a tight loop
    assert back - start >= 1.9
    # Within the longest pause (one "minute": 1 s) plus its spread after Telegram is back.
    assert recovered < 1.5 * 60 / SCALE + 1.5  # (slack for a busy machine)
    assert all(SORRY not in text for text in api.sent_texts())
    assert api.pending_updates == []


async def test_a_reply_later_than_the_configured_age_says_sorry_for_the_delay(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    """An answer that comes more than `late_after_seconds` after the question starts with a
    short apology; one that comes in time does not."""
    late, early = people(2)
    # Telegram dates messages to the second: the age is known to within a second.
    prompt = compressed(settings, late_after_seconds=3.0)
    async with running_bot(api, prompt, loaded=loaded):
        api.outage(4.0)
        ask(api, [late])
        await until(lambda: bool(api.sent_texts(late["id"])), timeout=10)
        ask(api, [early])
        await until(lambda: bool(api.sent_texts(early["id"])), timeout=5)
    (delayed,) = api.sent_texts(late["id"])
    (prompt_reply,) = api.sent_texts(early["id"])
    assert delayed.startswith(f"<i>{LATE}")
    assert "❌" in delayed  # the answer itself follows
    assert prompt_reply.startswith("<b>Is mijn gewricht versleten?</b>\n❌")


async def test_questions_kept_during_an_outage_survive_a_restart(
        api: FakeBotApi, settings: Config, loaded: Loaded, tmp_path: Path) -> None:
    """The bot stops while Telegram is down: the replies it could not send stay in the
    database, Telegram is told to forget the updates (nothing holds it up), and the next
    start sends them, once."""
    who = people(6)
    database = tmp_path / "bot.sqlite3"
    api.outage(60.0)
    async with running_bot(api, settings, loaded=loaded):
        ask(api, who)
        await until(lambda: pending_rows(database) == len(who), timeout=5)
        await settle()
    assert answered(api, who) == Counter()
    assert api.pending_updates == []  # confirmed: the database keeps them now
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT count(*) FROM pending_updates WHERE reply IS NULL"
                          ).fetchone()[0] == 0  # each with its reply, to send as it is
    api.clear_faults()
    async with running_bot(api, settings, loaded=loaded):
        await until(lambda: len(answered(api, who)) == len(who), timeout=5)
        await asyncio.sleep(0.3)
    assert answered(api, who) == Counter({int(p["id"]): 1 for p in who})
    assert pending_rows(database) == 0


async def test_a_question_fetched_but_not_handled_before_a_stop_is_handled_after(
        api: FakeBotApi, settings: Config, loaded: Loaded, tmp_path: Path) -> None:
    """An update kept without its reply (the bot died while handling it) is handled again at
    the next start, from the database: Telegram had already forgotten it."""
    database = tmp_path / "bot.sqlite3"
    async with running_bot(api, settings, loaded=loaded) as bot:
        await bot.say("hallo")  # the database exists
    (person,) = people(1)
    update = updates.text_message(QUESTION, user=person)
    update["update_id"] = 777
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("INSERT INTO pending_updates (update_id, received_at, payload) "
                   "VALUES (777, '2026-01-01 00:00:00', ?)", (json.dumps(update),))
    async with running_bot(api, settings, loaded=loaded):
        await until(lambda: bool(api.sent_texts(person["id"])), timeout=5)
        await settle()
    (reply,) = api.sent_texts(person["id"])
    assert reply.startswith(f"<i>{LATE}") and "❌" in reply  # asked long ago
    assert pending_rows(database) == 0
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT count(*) FROM events WHERE update_id = 777"
                          ).fetchone()[0] == 1


# Slow confirmations --------------------------------------------------------------------------


async def test_a_slow_button_confirmation_does_not_cancel_the_reply(
        api: FakeBotApi, settings: Config, loaded: Loaded,
        caplog: pytest.LogCaptureFixture) -> None:
    """answerCallbackQuery answers after the bot's timeout: the "Lees meer" text still
    comes, and nothing claims a reply was "not sent again"."""
    async with running_bot(api, settings, loaded=loaded, api_timeout=0.5) as bot:
        (answer,) = await bot.say(QUESTION)
        api.delay("answerCallbackQuery", 1.0)
        (more,) = await bot.press(answer, "Lees meer")
        await settle()
    assert more.text.startswith("<b>") and SORRY not in more.text
    assert "not sent again" not in caplog.text
    assert "error while handling" not in caplog.text


async def test_a_slow_first_part_does_not_cancel_the_second(
        api: FakeBotApi, settings: Config, loaded: Loaded,
        caplog: pytest.LogCaptureFixture) -> None:
    """Part 1 of a long reply (/sources) is confirmed after the timeout: Telegram got it, so
    it is not sent again, and part 2 follows."""
    async with running_bot(api, settings, loaded=loaded, api_timeout=0.5) as bot:
        api.delay("sendMessage", 1.0)
        await bot.send(updates.command("sources"), replies=0)
        await until(lambda: len(bot.sent()) >= 2, timeout=5)
        await asyncio.sleep(0.5)
    texts = [sent.text for sent in bot.sent()]
    assert len(texts) == len(set(texts)) >= 2  # every part once
    assert all(SORRY not in text for text in texts)
    assert "error while handling" not in caplog.text


# Never stall everyone ------------------------------------------------------------------------


async def test_a_poison_update_is_skipped_in_one_log_line(
        api: FakeBotApi, settings: Config, loaded: Loaded,
        caplog: pytest.LogCaptureFixture) -> None:
    """A message PTB cannot read (a poll without the fields PTB requires) made the bot ask
    for the same batch hundreds of times a second, answering nobody. Now: one line with its
    update id, confirmed, and the questions around it are answered."""
    before, after = people(2)
    async with running_bot(api, settings, loaded=loaded):
        ask(api, [before])
        poison = updates.text_message("x", user=updates.user(5999, "Poll"))
        del poison["message"]["text"]
        poison["message"]["poll"] = {"id": "1", "question": "?"}  # no options, no type...
        poisoned = api.push_update(poison)["update_id"]
        ask(api, [after])
        await until(lambda: len(answered(api, [before, after])) == 2, timeout=5)
        polls = len(api.calls("getUpdates"))
        await asyncio.sleep(1.0)
        assert len(api.calls("getUpdates")) - polls < 5  # long polling again, no spinning
        assert api.pending_updates == []
    lines = [r.getMessage() for r in caplog.records if str(poisoned) in r.getMessage()]
    assert lines == [f"update {poisoned} cannot be read (TypeError); skipped"], lines
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_one_chats_flood_wait_holds_up_no_other_chat(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    """Telegram tells one chat to wait 45 s (429): that chat's reply waits, the 150 other
    people are answered meanwhile. Before, every reply waited the 45 s."""
    slow, *others = people(151)
    async with running_bot(api, settings, loaded=loaded, flood_limits=False):
        api.fail("sendMessage", status=429, retry_after=45, chat_id=int(slow["id"]))
        ask(api, [slow])
        await api.wait_for("sendMessage", 1)
        start = time.monotonic()
        ask(api, others)
        await until(lambda: len(answered(api, others)) == len(others), timeout=10)
        took = time.monotonic() - start
        assert answered(api, [slow]) == Counter()  # still waiting its turn
    assert took < 10.0  # (45 s before)
    assert answered(api, others) == Counter({int(p["id"]): 1 for p in others})


async def test_a_slow_update_holds_up_neither_the_others_nor_their_confirmation(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    """One reply takes 8 s; meanwhile 250 more questions (more than two getUpdates batches
    beyond it) are answered and confirmed. Before, only 99 were answered until it was done,
    because confirmation waited for the oldest unfinished update."""
    slow, *others = people(251)
    async with running_bot(api, settings, loaded=loaded, flood_limits=False, api_timeout=15):
        api.delay("sendMessage", 8.0, chat_id=int(slow["id"]))
        ask(api, [slow])
        await api.wait_for("sendMessage", 1)
        ask(api, others)
        await until(lambda: len(answered(api, others)) == len(others), timeout=6.5)
        await until(lambda: api.pending_updates == [], timeout=1)
        assert answered(api, [slow]) == Counter()  # its reply is still on its way
        await until(lambda: len(answered(api, [slow])) == 1, timeout=10)


async def test_a_slow_reload_holds_up_nobody(
        api: FakeBotApi, settings: Config, loaded: Loaded, knowledge_copy: Path) -> None:
    """/reload of a knowledge folder that takes 5 s to read: the admin's next question and
    everyone else's are answered meanwhile, and the admin gets the outcome when it is done."""
    admin = updates.user(ADMIN_ID, "Admin")
    slow_read = asyncio.Event()
    real_read = Path.read_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        if self.name == "messages.yaml" and not slow_read.is_set():
            time.sleep(5.0)
        return real_read(self, *args, **kwargs)

    others = people(30)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "read_text", read_text)
        # Read in a thread of this process, where the slow read is patched in.
        reload = partial(asyncio.to_thread, lambda: build(settings, load_knowledge(knowledge_copy)))
        async with running_bot(api, settings, loaded=loaded, knowledge=knowledge_copy,
                               user=admin, reload=reload) as bot:
            start = time.monotonic()
            api.push_update(updates.command("reload", user=admin))
            await asyncio.sleep(0.2)
            (answer,) = await bot.say(QUESTION)
            ask(api, others)
            await until(lambda: len(answered(api, others)) == len(others), timeout=4)
            assert time.monotonic() - start < 4.5
            assert "</b>\n❌" in answer.text
            await until(lambda: len(bot.sent()) == 2, timeout=8)
            slow_read.set()
    assert bot.sent()[-1].text.startswith("Kennisbank opnieuw geladen")


async def test_a_flood_limit_for_many_chats_at_once_pauses_every_chat(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    """429s for three chats within a second mean the bot as a whole is over Telegram's limit:
    then every call waits Telegram's retry_after (the global limit stays), and every question
    is still answered once."""
    who = people(4)
    async with running_bot(api, settings, loaded=loaded, flood_limits=False):
        for person in who[:3]:
            api.fail("sendMessage", status=429, retry_after=2, chat_id=int(person["id"]))
        ask(api, who[:3])
        await until(lambda: len(api.calls("sendMessage")) >= 3, timeout=5)
        ask(api, who[3:])
        await until(lambda: len(answered(api, who)) == len(who), timeout=10)
    floods = [call.at for call in api.log if call.status == 429]
    (later,) = [call.at for call in api.log if call.method == "sendMessage" and call.ok
                and int(call.params["chat_id"]) == int(who[3]["id"])]
    assert len(floods) == 3
    assert later - floods[-1] >= 1.9  # the fourth person's reply waited the bot-wide pause
    assert answered(api, who) == Counter({int(p["id"]): 1 for p in who})
