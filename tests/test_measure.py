"""The opt-in measure of beliefs: the offer after /start, three statements before, the same
three after N days (sent by exactly one instance, never to someone who blocked the bot), and
the report's before/after section built from those answers. End to end through the fake API.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import random
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from telegram import Bot

from bot.cli import main
from bot.config import Beliefs, Config
from bot.conversation.conversation import Library
from bot.knowledge import KnowledgeBase
from bot.quiz.measure import BeliefPress, decode, encode, pick, when
from bot.runtime import Loaded
from bot.storage import Storage, open_storage
from bot.storage.schema import followups, quiz_answers
from bot.telegram.followups import FollowUpSender
from tests.conftest import EXAMPLE_CONFIG
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, TOKEN, Harness, Sent, bot_config, running_bot, until

LABELS = {"true": "✅ Klopt", "myth": "❌ Fabel", "unsure": "🤷 Weet ik niet"}
OFFER = "Mogen we je over 2 weken nog eens drie vragen stellen? Zo weten we of deze uitleg helpt."
QUIET = 0.4  # seconds in which a follow-up loop polling every 0.05 s would surely have sent


# Pure pieces -----------------------------------------------------------------------------


def test_a_press_travels_whole_in_its_button() -> None:
    for phase in ("before", "after"):
        for index in range(3):
            for answer in ("true", "myth", "unsure"):
                press = BeliefPress(phase, index, answer)  # type: ignore[arg-type]
                assert decode(encode(press)) == press
    for forged in ("", "b0", "x0t", "b0x", "bxt", "b0tt", "a-1t"):
        assert decode(forged) is None


def test_statements_about_unread_entries_come_first(kb: KnowledgeBase) -> None:
    everything = list(kb.quiz)
    read = everything[:-2]
    for seed in range(5):
        chosen = pick(kb, read, random.Random(seed))
        assert len(chosen) == 3 == len(set(chosen))
        assert set(everything[-2:]) <= set(chosen)  # both unread ones, then one read
    assert when(14) == ("beliefs-in-weeks", {"weeks": "2"})
    assert when(10) == ("beliefs-in-days", {"days": "10"})


def test_old_configs_without_the_section_get_the_defaults(config: Config) -> None:
    data = config.model_dump(exclude={"beliefs"})
    assert Config.model_validate(data).beliefs == Beliefs(follow_up_days=14,
                                                          check_every_seconds=60.0)


# In Telegram -----------------------------------------------------------------------------


class Clock:
    """The time the bot's follow-up loop sees; tests move it on by days."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def skip(self, days: float) -> None:
        self.now += dt.timedelta(days=days)


@pytest.fixture
def settings(config: Config, api: FakeBotApi, tmp_path: Path) -> Config:
    base = bot_config(config, api, tmp_path)
    return base.model_copy(update={"beliefs": Beliefs(check_every_seconds=0.05)})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(api: FakeBotApi, settings: Config, loaded: Loaded,
              clock: Clock) -> AsyncIterator[Harness]:
    async with running_bot(api, settings, loaded=loaded, clock=clock) as harness:
        yield harness


def _statement(kb: KnowledgeBase, sent: Sent) -> str:
    (entry_id,) = [e for e, s in kb.quiz.items() if f"<b>{s.nl}</b>" in sent.text]
    return entry_id


async def _rows(settings: Config) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The followups rows and the measure's quiz answers, as stored."""
    async with (await open_storage(settings, SECRET) as storage,
                storage.engine.connect() as conn):
        rows = [dict(r._mapping) for r in await conn.execute(select(followups))]
        answers = [dict(r._mapping) for r in await conn.execute(
            select(quiz_answers).where(quiz_answers.c.phase != "quiz")
            .order_by(quiz_answers.c.id))]
    return rows, answers


async def _consent_and_answer(bot: Harness, kb: KnowledgeBase) -> list[str]:
    """/start, yes, and the three statements answered (myth, true, not sure)."""
    _, offer = await bot.say("/start", replies=2)
    (card,) = await bot.press(offer, "Ja")
    asked = []
    for label in ("myth", "true", "unsure"):
        asked.append(_statement(kb, card))
        (card,) = await bot.press(card, LABELS[label])
    assert card.text.startswith("Dank je wel! We stellen je dezelfde drie vragen over 2 weken")
    return asked


async def _new_messages(bot: Harness, before: int, count: int = 1) -> list[Sent]:
    await until(lambda: len(bot.sent()) >= before + count, 5)
    return bot.sent()[before:]


@pytest.mark.timeout(60)
async def test_consent_before_and_after_and_the_report(bot: Harness, kb: KnowledgeBase,
                                                       settings: Config, clock: Clock,
                                                       tmp_path: Path) -> None:
    greeting, offer = await bot.say("/start", replies=2)
    assert "Welkom" in greeting.text and offer.text == OFFER
    assert [label for label, _ in offer.buttons] == ["Ja", "Nee"]

    (card,) = await bot.press(offer, "Ja")
    assert card.text.startswith("Dank je! Eerst drie korte uitspraken. Dit is geen test")
    assert "<i>Vraag 1 van 3</i>" in card.text
    assert [label for label, _ in card.buttons] == list(LABELS.values())
    assert await bot.press(offer, "Ja", replies=0) == []  # consent counts once
    assert bot.last_answer().get("text")

    asked, answers = [], ["myth", "true", "unsure"]
    for number, label in enumerate(answers, 1):
        entry_id = _statement(kb, card)
        asked.append(entry_id)
        (following,) = await bot.press(card, LABELS[label])
        # measured, not tested: no right or wrong, no explanation
        for word in ("Juist", "Niet helemaal", "fabel", "klopt"):
            assert word not in following.text.split("<b>")[0]
        # the same statement again changes nothing
        assert await bot.press(card, LABELS["true"], replies=0) == []
        card = following
        if number < 3:
            assert following.text.startswith("Dank je.")
            assert f"<i>Vraag {number + 1} van 3</i>" in following.text
    assert card.text.startswith("Dank je wel! We stellen je dezelfde drie vragen over 2 weken")
    assert len(set(asked)) == 3

    (privacy,) = await bot.say("/privacy")
    assert "Drie vragen later nog eens: ja, rond" in privacy.text
    assert "chatnummer" in privacy.text
    (row,), stored = await _rows(settings)
    assert row["consent"] is True and row["chat_id"] == bot.chat_id
    assert row["status"] == "pending" and row["statements"] == " ".join(asked)
    assert [(a["entry_id"], a["phase"], a["answer"]) for a in stored] == [
        (e, "before", a) for e, a in zip(asked, answers, strict=True)]

    # Not due yet: nothing. Fifteen days on, the loop in the bot sends the same three.
    before = len(bot.sent())
    clock.skip(13)
    await asyncio.sleep(QUIET)
    assert len(bot.sent()) == before
    clock.skip(2)
    (card,) = await _new_messages(bot, before)
    assert card.text.startswith("Hallo! Een tijdje geleden mochten we je drie vragen stellen.")
    assert _statement(kb, card) == asked[0]
    for number, entry_id in enumerate(asked):
        assert _statement(kb, card) == entry_id
        right = "true" if kb.quiz[entry_id].truth else "myth"
        (card,) = await bot.press(card, LABELS[right])
        if number < 2:
            assert "Juist" not in card.text
    assert card.text.startswith("Dank je wel voor je hulp!")
    for entry_id in asked:
        assert kb.quiz[entry_id].nl in card.text
    assert [label for label, _ in card.buttons] == [
        f"📖 Lees meer: {kb.entries[e].nl.title}" for e in asked]
    (more,) = await bot.press(card, f"Lees meer: {kb.entries[asked[0]].nl.title}")
    assert kb.entries[asked[0]].nl.title in more.text

    # Once: later rounds send nothing more, and the chat number is no longer kept.
    sent = len(bot.sent())
    clock.skip(30)
    await asyncio.sleep(QUIET)
    assert len(bot.sent()) == sent
    (row,), stored = await _rows(settings)
    assert row["status"] == "done" and row["chat_id"] is None
    assert [a["phase"] for a in stored] == ["before"] * 3 + ["after"] * 3
    assert [a["correct"] for a in stored if a["phase"] == "after"] == [True] * 3

    # The report's section "What patients believe, before and after" counts this person.
    report_config = tmp_path / "report.yaml"
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["knowledge_dir"] = str(settings.knowledge_dir)
    data["storage"]["url"] = settings.storage.url
    report_config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "tables"
    assert await asyncio.to_thread(main, ["report", "--config", str(report_config),
                                          "--format", "csv", "--out", str(out)]) == 0
    table = (out / "beliefs.csv").read_text(encoding="utf-8").removeprefix("\ufeff")
    rows = {r["entry_id"]: r for r in csv.DictReader(io.StringIO(table))}
    assert set(rows) == set(asked)
    assert all(r["people"] == "1" and r["correct_after"] == "1" for r in rows.values())
    # answered "myth", "true", "not sure" before; "not sure" is not the correct belief
    assert rows[asked[0]]["correct_before"] == str(int(not kb.quiz[asked[0]].truth))
    assert rows[asked[1]]["correct_before"] == str(int(kb.quiz[asked[1]].truth))
    assert rows[asked[2]]["correct_before"] == "0"


@pytest.mark.timeout(30)
async def test_no_consent_schedules_nothing_and_is_not_asked_again(
        bot: Harness, settings: Config, clock: Clock) -> None:
    _, offer = await bot.say("/start", replies=2)
    (ok,) = await bot.press(offer, "Nee")
    assert ok.text.startswith("Oké, geen probleem. We vragen het je niet meer.")
    # changing one's mind on the old button: no
    assert await bot.press(offer, "Ja", replies=0) == []
    (row,), stored = await _rows(settings)
    assert row["consent"] is False and row["status"] is None and row["chat_id"] is None
    assert row["statements"] is None and stored == []
    (greeting,) = await bot.say("/start")  # only the greeting now
    assert "Welkom" in greeting.text
    await asyncio.sleep(QUIET)
    assert bot.sent()[-1] == greeting
    (privacy,) = await bot.say("/privacy")
    assert "Drie vragen later nog eens: nee." in privacy.text
    sent = len(bot.sent())
    clock.skip(30)
    await asyncio.sleep(QUIET)
    assert len(bot.sent()) == sent


@pytest.mark.timeout(30)
async def test_offered_in_english_and_never_in_a_group(bot: Harness) -> None:
    english = updates.user(3003, "Ann", language_code="en")
    _, offer = await bot.say("/start", user=english, replies=2)
    assert offer.text.startswith("May we ask you three questions again in 2 weeks?")
    assert [label for label, _ in offer.buttons] == ["Yes", "No"]
    # In a group the bot could not write to the person later: no offer there.
    (greeting,) = await bot.say("/start@" + bot.api.username, user=updates.user(3004),
                                chat=updates.group_chat())
    assert "Welkom" in greeting.text
    await asyncio.sleep(QUIET)
    assert len(bot.sent(updates.group_chat()["id"])) == 1


@pytest.mark.timeout(30)
async def test_forget_cancels_the_follow_up(bot: Harness, kb: KnowledgeBase, settings: Config,
                                            clock: Clock) -> None:
    await _consent_and_answer(bot, kb)
    (confirm,) = await bot.say("/forget")
    (done,) = await bot.press(confirm, "Ja")
    assert "gewist" in done.text
    rows, stored = await _rows(settings)
    assert rows == [] and stored == []
    sent = len(bot.sent())
    clock.skip(15)
    await asyncio.sleep(QUIET)
    assert len(bot.sent()) == sent


@pytest.mark.timeout(30)
async def test_a_person_who_blocked_the_bot_is_marked_and_left_alone(
        bot: Harness, api: FakeBotApi, kb: KnowledgeBase, settings: Config,
        clock: Clock) -> None:
    await _consent_and_answer(bot, kb)
    tries = len(api.calls("sendMessage"))
    api.fail("sendMessage", status=403)
    clock.skip(15)
    await until(lambda: len(api.calls("sendMessage")) > tries, 5)
    await asyncio.sleep(QUIET)
    (row,), _ = await _rows(settings)
    assert row["status"] == "blocked" and row["chat_id"] is None
    clock.skip(30)
    await asyncio.sleep(QUIET)
    assert len(api.calls("sendMessage")) == tries + 1  # the one refused, no retry


@pytest.mark.timeout(30)
async def test_other_errors_leave_the_follow_up_for_a_later_round(
        bot: Harness, api: FakeBotApi, kb: KnowledgeBase, settings: Config,
        clock: Clock) -> None:
    asked = await _consent_and_answer(bot, kb)
    api.fail("sendMessage", times=1000, status=500)
    before = len(bot.sent())
    clock.skip(15)
    await until(lambda: len(api.calls("sendMessage", ok=False)) >= 8, 10)
    (row,), _ = await _rows(settings)
    assert row["status"] in ("pending", "claimed") and row["chat_id"] == bot.chat_id
    api.clear_faults()
    (card,) = await _new_messages(bot, before)
    assert _statement(kb, card) == asked[0]
    await asyncio.sleep(QUIET)
    assert len(bot.sent()) == before + 1  # sent once, not once per failed round


# Several instances -----------------------------------------------------------------------


USER = 5150


async def _due_follow_up(storage: Storage, kb: KnowledgeBase, at: dt.datetime) -> None:
    """A person who said yes and answered the three statements at `at`."""
    assert await storage.offer_follow_up(USER, now=at)
    statements = list(kb.quiz)[:3]
    assert await storage.record_consent(USER, True, chat_id=USER, language="nl",
                                        statements=statements, now=at)
    for index in range(3):
        assert await storage.record_belief(USER, "before", index, answer="myth", correct=None,
                                           language="nl", now=at,
                                           follow_up_after=dt.timedelta(days=14))


@pytest.mark.timeout(30)
async def test_two_instances_send_a_due_follow_up_once(api: FakeBotApi, settings: Config,
                                                       loaded: Loaded,
                                                       kb: KnowledgeBase) -> None:
    at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    library = Library(loaded, partial(asyncio.sleep, 0, loaded))  # no /reload here
    async with (await open_storage(settings, SECRET) as one,
                await open_storage(settings, SECRET) as two,
                Bot(TOKEN, base_url=api.base_url) as bot_one,
                Bot(TOKEN, base_url=api.base_url) as bot_two):
        await _due_follow_up(one, kb, at)
        senders = [FollowUpSender(one, library, bot_one, "nl", owner="instance-1"),
                   FollowUpSender(two, library, bot_two, "nl", owner="instance-2")]
        early = at + dt.timedelta(days=13)
        assert await asyncio.gather(*(s.send_due(early) for s in senders)) == [0, 0]
        due = at + dt.timedelta(days=14, minutes=1)
        for _ in range(3):  # rounds on both, at the same moment
            counts = await asyncio.gather(*(s.send_due(due) for s in senders))
            assert sum(counts) <= 1
        assert len(api.calls("sendMessage")) == 1
        assert api.calls("sendMessage")[0]["chat_id"] in (USER, str(USER))
        assert (await one.follow_up(USER)).status == "sent"  # type: ignore[union-attr]


@pytest.mark.timeout(30)
async def test_a_claim_left_by_a_stopped_instance_is_taken_up_later(
        api: FakeBotApi, settings: Config, loaded: Loaded, kb: KnowledgeBase) -> None:
    at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    due = at + dt.timedelta(days=14, minutes=1)
    library = Library(loaded, partial(asyncio.sleep, 0, loaded))  # no /reload here
    async with (await open_storage(settings, SECRET) as storage,
                Bot(TOKEN, base_url=api.base_url) as bot):
        await _due_follow_up(storage, kb, at)
        (claimed,) = await storage.claim_follow_ups("crashed", due,
                                                    stale_after=dt.timedelta(minutes=15))
        assert claimed.status == "claimed"
        sender = FollowUpSender(storage, library, bot, "nl", owner="survivor")
        assert await sender.send_due(due + dt.timedelta(minutes=5)) == 0  # still its claim
        assert await sender.send_due(due + dt.timedelta(minutes=20)) == 1
        # the crashed instance's late outcome no longer applies
        assert not await storage.settle_follow_up(claimed.key, "crashed", "pending")
        assert (await storage.follow_up(USER)).status == "sent"  # type: ignore[union-attr]
