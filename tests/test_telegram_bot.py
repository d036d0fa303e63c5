"""The Telegram bot end to end: PTB's real Application, built by `build_application`, polling
the fake Bot API over HTTP. Assertions are on what the bot actually sent."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.matching import Decision, Matcher
from bot.runtime import Loaded
from bot.storage import Storage, open_storage
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import (
    ADMIN_ID,
    SECRET,
    Harness,
    bot_config,
    questions_of_kind,
    running_bot,
    settle,
    until,
)

pytestmark = pytest.mark.timeout(20)

ANSWERED = "Is artrose slijtage?"
RED_FLAG = "Ik heb koorts en mijn knie is rood en gezwollen"
# The question the entry answers comes first, so a verdict never hangs under the wrong one.
VERDICT = re.compile(r"^<b>[^<]+</b>\n(❌ Fabel|✅ Klopt|⚖️ Genuanceerd)\n\n")
FALLBACK = "Daar heb ik helaas geen goed antwoord op."


@pytest.fixture(scope="module")
def unclear(matcher: Matcher) -> list[str]:
    """Questions that get "did you mean…?" with the configured thresholds."""
    return questions_of_kind(matcher, "suggest", "nl")


@pytest.fixture(scope="module")
def unknown(matcher: Matcher) -> str:
    """A question that gets the fallback."""
    return questions_of_kind(matcher, "fallback", "nl")[0]


@pytest.fixture
def bot_settings(config: Config, api: FakeBotApi, tmp_path: Path) -> Config:
    return bot_config(config, api, tmp_path)


@pytest.fixture
async def bot(api: FakeBotApi, bot_settings: Config, loaded: Loaded) -> AsyncIterator[Harness]:
    async with running_bot(api, bot_settings, loaded=loaded) as harness:
        yield harness


def admin() -> dict[str, object]:
    return updates.user(ADMIN_ID, "Beheerder", language_code="nl")


@asynccontextmanager
async def database(settings: Config) -> AsyncIterator[Storage]:
    """The bot's own database, opened beside it (SQLite in WAL mode allows that)."""
    async with await open_storage(settings, SECRET) as storage:
        yield storage


def today(lang: str = "nl") -> str:
    """A date as /privacy shows it."""
    return dt.datetime.now(dt.UTC).strftime("%d-%m-%Y" if lang == "nl" else "%d/%m/%Y")


# Start and deep links ----------------------------------------------------------------------


async def test_start_greets_explains_and_shows_topics(bot: Harness) -> None:
    greeting, offer = await bot.send(updates.command("start"), replies=2)
    assert greeting.params["parse_mode"] == "HTML"
    # then, as a message of its own, the opt-in measure of beliefs (tests/test_measure.py)
    assert offer.text.startswith("Mogen we je over 2 weken nog eens drie vragen stellen?")
    lines = greeting.text.splitlines()
    assert lines[0] == "👋 Welkom bij mythbot!"
    assert len(lines) == 4 and "geen diagnose" in lines[2]
    assert [data for _, data in greeting.buttons] == [
        "tp:understanding", "tp:pain", "tp:exercise", "tp:lifestyle", "tp:treatment",
        "tp:daily-life", "tp:other-treatments", "qz"]
    assert greeting.buttons[0][0] == "Wat is artrose?"
    assert greeting.buttons[-1][0] == "🎯 Test jezelf"


async def test_start_in_the_language_of_the_telegram_app(bot: Harness) -> None:
    english = updates.user(2002, "Ann", language_code="en-GB")
    greeting, _offer = await bot.send(updates.command("start", user=english), chat_id=2002,
                                      replies=2)
    assert greeting.text.startswith("👋 Welcome to mythbot!")
    assert greeting.buttons[0][0] == "What is osteoarthritis?"
    french = updates.user(2003, "Anne", language_code="fr")
    greeting, _offer = await bot.send(updates.command("start", user=french), chat_id=2003,
                                      replies=2)
    assert greeting.text.startswith("👋 Welkom")  # the configured default language


async def test_start_with_a_clinic_link_adds_its_welcome_and_contact(bot: Harness,
                                                                     unknown: str) -> None:
    greeting, _offer = await bot.send(updates.command("start", "demo-kine"), replies=2)
    assert "<b>Welkom via Kinepraktijk Demo!" in greeting.text
    assert "📞 Telefoon: +32 9 000 00 00" in greeting.text
    assert "🔗 Website: https://example.org/kinepraktijk-demo" in greeting.text
    # The clinic goes with the user's later questions (seen here in the admin's list).
    await bot.say(unknown)
    (listing,) = await bot.say("/unanswered", user=admin(), chat=updates.private_chat(admin()))
    assert "demo-kine" in listing.text and unknown in listing.text


async def test_start_with_an_unknown_link_is_polite(bot: Harness) -> None:
    greeting, _offer = await bot.send(updates.command("start", "no-such-clinic"), replies=2)
    assert "Die link ken ik niet, maar je bent natuurlijk van harte welkom." in greeting.text
    assert "no-such-clinic" not in greeting.text
    assert greeting.buttons  # the topics, as always


# Questions and buttons ---------------------------------------------------------------------


async def test_answer_then_read_more_sources_related_and_thumbs_up(bot: Harness) -> None:
    (answer,) = await bot.say(ANSWERED)
    assert answer.params["parse_mode"] == "HTML"
    assert VERDICT.match(answer.text)
    assert "<i>Bron: " in answer.text
    assert "concept van de redactie" in answer.text
    assert "nog niet nagekeken door een zorgverlener</i>" in answer.text
    labels = [label for label, _ in answer.buttons]
    assert labels[:2] == ["📖 Lees meer", "📚 Bronnen"] and labels[-2:] == ["👍", "👎"]
    related = [data for _, data in answer.buttons if data.startswith("a:")]
    assert 1 <= len(related) <= 3

    (more,) = await bot.press(answer, "Lees meer")
    title = answer.text.split("<b>")[1].split("</b>")[0]
    assert more.text.startswith(f"<b>{title}</b>")
    assert "<b>Wat kan je zelf doen?</b>" in more.text
    assert bot.last_answer().get("text") is None  # the press was answered, silently

    (sources,) = await bot.press(answer, "Bronnen")
    assert sources.text.startswith("<b>Bronnen</b>") and "https://doi.org/" in sources.text

    (related_answer,) = await bot.press_data(answer, related[0])
    assert VERDICT.match(related_answer.text) and "👍" in dict(related_answer.buttons)

    (thanks,) = await bot.press(answer, "👍")
    assert thanks.text == "Bedankt voor je reactie! Zo kunnen we de uitleg beter maken."
    assert len(bot.sent()) == 5  # one message per step, nothing twice


async def test_thumbs_down_asks_what_was_missing_and_keeps_the_comment(bot: Harness) -> None:
    (answer,) = await bot.say(ANSWERED)
    (ask,) = await bot.press(answer, "👎")
    assert "Wat ontbrak er in dit antwoord?" in ask.text
    assert ask.buttons == [("Sla over", "sk")]
    (noted,) = await bot.say("De uitleg was te moeilijk")
    assert noted.text == "Dank je, we nemen het mee om de uitleg beter te maken."
    # Only the next message is the comment; the one after is a question again.
    (again,) = await bot.say(ANSWERED)
    assert VERDICT.match(again.text)
    (privacy,) = await bot.say("/privacy")
    assert "• Vragen: 2." in privacy.text
    assert f"<b>Je beoordelingen</b>\n{today()}: 👎 " in privacy.text
    assert "\nJe opmerking: <i>De uitleg was te moeilijk</i>" in privacy.text


async def test_the_question_of_a_thumbs_down_is_kept(bot: Harness, bot_settings: Config) -> None:
    (answer,) = await bot.say(ANSWERED)
    await bot.press(answer, "👎")
    (privacy,) = await bot.say("/privacy")  # also waits for the bot's writes
    assert f"{today()}: <i>{ANSWERED}</i>" in privacy.text
    async with database(bot_settings) as storage:
        kept = await storage.describe(bot.chat_id)
    assert kept is not None
    assert [(e.kind, e.question) for e in kept.events] == [("answer", ANSWERED)]
    assert [f.helpful for f in kept.feedback] == [False]


async def test_a_red_flag_after_thumbs_down_is_not_taken_for_a_comment(bot: Harness) -> None:
    (answer,) = await bot.say(ANSWERED)
    await bot.press(answer, "👎")
    (urgent,) = await bot.say(RED_FLAG)
    assert urgent.text.startswith("⚠️")


async def test_the_comment_can_be_skipped(bot: Harness) -> None:
    (answer,) = await bot.say(ANSWERED)
    (ask,) = await bot.press(answer, "👎")
    (skipped,) = await bot.press(ask, "Sla over")
    assert skipped.text == "Oké, geen probleem."
    (again,) = await bot.say(ANSWERED)
    assert VERDICT.match(again.text)


async def test_suggestions_then_a_press_answers(bot: Harness, unclear: list[str]) -> None:
    (suggest,) = await bot.say(unclear[0])
    assert suggest.text.startswith("Ik ben niet helemaal zeker wat je bedoelt.")
    candidates = [data for _, data in suggest.buttons if data.startswith("a:")]
    assert 1 <= len(candidates) <= 3
    assert suggest.buttons[-1] == ("Geen van deze", "n")
    (answer,) = await bot.press_data(suggest, candidates[0])
    assert VERDICT.match(answer.text)
    title = answer.text.split("<b>")[1].split("</b>")[0]
    assert suggest.buttons[0][0] == title
    (listing,) = await bot.say("/unanswered", user=admin(), chat=updates.private_chat(admin()))
    assert f" · suggest</i>\n{escape(unclear[0])}" in listing.text


async def test_none_of_these_gives_the_fallback_and_keeps_the_question(
        bot: Harness, unclear: list[str]) -> None:
    (suggest,) = await bot.say(unclear[0])
    (fallback,) = await bot.press(suggest, "Geen van deze")
    assert fallback.text.startswith(FALLBACK)
    assert fallback.buttons[0][1] == "tp:understanding"
    (listing,) = await bot.say("/unanswered", user=admin(), chat=updates.private_chat(admin()))
    # Recorded as not answered, unlike a suggestion resolved by a pick (test above).
    assert f" · fallback</i>\n{escape(unclear[0])}" in listing.text
    assert " · suggest</i>" not in listing.text
    await bot.press(suggest, "Geen van deze")  # once more: nothing new to record
    (again,) = await bot.say("/unanswered", user=admin(), chat=updates.private_chat(admin()))
    assert again.text == listing.text


async def test_no_second_did_you_mean_in_a_row(bot: Harness, unclear: list[str]) -> None:
    (first,) = await bot.say(unclear[0])
    assert "Bedoel je" in first.text
    (second,) = await bot.say(unclear[1])
    assert "Bedoel je" not in second.text
    assert second.text.startswith(FALLBACK)
    await bot.say(ANSWERED)
    (third,) = await bot.say(unclear[0])  # after an answer, suggestions are fine again
    assert "Bedoel je" in third.text


async def test_fallback_for_an_unrelated_question(bot: Harness, unknown: str) -> None:
    (fallback,) = await bot.say(unknown)
    assert fallback.text.startswith(FALLBACK)
    assert all(data.startswith("tp:") for _, data in fallback.buttons[:-1])
    assert fallback.buttons[-1][1] == "qz"  # and the quiz


async def test_a_topic_we_do_not_cover_says_so_and_is_kept_as_unanswered(
        bot: Harness, loaded: Loaded) -> None:
    question = "Hoeveel kost een sessie bij de kine?"
    costs = next(t for t in loaded.kb.uncovered.topics if t.id == "costs")
    (reply,) = await bot.say(question)
    assert reply.text == costs.reply.nl
    assert reply.buttons and all(data.startswith("tp:") for _, data in reply.buttons)
    (listing,) = await bot.say("/unanswered", user=admin(), chat=updates.private_chat(admin()))
    assert f" · fallback</i>\n{escape(question)}" in listing.text


async def test_red_flag_gets_the_safety_reply_only(bot: Harness) -> None:
    (urgent,) = await bot.say(RED_FLAG)
    # a hot, swollen joint with fever: a doctor today (the reply of the rule's level)
    assert urgent.text.startswith("⚠️ <b>Wat je beschrijft, moet vandaag nog door een arts")
    assert "<b>112</b>" in urgent.text and "1733" in urgent.text
    assert urgent.buttons == []
    assert not VERDICT.match(urgent.text) and "Bron:" not in urgent.text


async def test_small_talk(bot: Harness) -> None:
    (hello,) = await bot.say("hallo")
    assert hello.text.startswith("Dag!")


# Languages ---------------------------------------------------------------------------------


async def test_language_command_switches_and_is_remembered(bot: Harness) -> None:
    (menu,) = await bot.say("/language")
    assert menu.buttons == [("Nederlands", "l:nl"), ("English", "l:en")]
    (switched,) = await bot.press(menu, "English")
    assert switched.text == "OK, from now on I'll speak English with you."
    (answer,) = await bot.say("Is osteoarthritis just wear and tear?")
    assert re.match(r"^<b>[^<]+</b>\n(❌ Myth|✅ True|⚖️ It depends)\n", answer.text)
    assert [label for label, _ in answer.buttons][:2] == ["📖 Read more", "📚 Sources"]
    (help_text,) = await bot.say("/help")
    assert help_text.text.startswith("<b>How it works</b>")
    # the app says nl; the choice wins
    greeting, _offer = await bot.send(updates.command("start"), replies=2)
    assert greeting.text.startswith("👋 Welcome")


async def test_chosen_language_survives_a_restart(api: FakeBotApi, bot_settings: Config,
                                                  loaded: Loaded) -> None:
    async with running_bot(api, bot_settings, loaded=loaded) as bot:
        (menu,) = await bot.say("/language")
        await bot.press(menu, "English")
    async with running_bot(api, bot_settings, loaded=loaded) as bot:
        greeting, _offer = await bot.send(updates.command("start"), replies=2)
        assert greeting.text.startswith("👋 Welcome")


async def test_questions_are_answered_in_the_language_they_are_asked_in(bot: Harness) -> None:
    (answer,) = await bot.say("Should I rest until the pain is gone?")
    assert re.match(r"^<b>[^<]+</b>\n(❌ Myth|✅ True|⚖️ It depends)\n", answer.text)
    (more,) = await bot.press(answer, "Read more")  # buttons follow the answer's language
    assert "<b>What you can do</b>" in more.text


# What the bot cannot read ------------------------------------------------------------------


def message_with(**content: Any) -> dict[str, Any]:
    return updates.make_update("message", updates.make_message(**content))


FILE = {"file_id": "f-1", "file_unique_id": "u-1"}
POLL = {"id": "p-1", "question": "Welke knie?", "options": [{"text": "links", "voter_count": 0,
                                                     "persistent_id": "o-1"}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False,
        "members_only": False}


@pytest.mark.parametrize("update", [
    updates.sticker(), updates.photo(caption="mijn knie"), updates.voice(),
    updates.location(), updates.document(),
    message_with(video={**FILE, "width": 640, "height": 480, "duration": 5}),
    message_with(video_note={**FILE, "length": 240, "duration": 5}),
    message_with(contact={"phone_number": "+32 9 000 00 00", "first_name": "Jan"}),
    message_with(poll=POLL),
], ids=["sticker", "photo", "voice", "location", "document", "video", "video-note",
        "contact", "poll"])
async def test_non_text_messages_get_a_polite_note(bot: Harness, update: dict[str, object]) -> None:
    (note,) = await bot.send(update)
    assert note.text == "Ik kan alleen tekst lezen. Typ je vraag gerust in een bericht."


async def test_html_in_the_question_is_harmless(bot: Harness) -> None:
    (reply,) = await bot.say("<b>&")
    assert reply.message["text"]  # Telegram parsed the reply: nothing of ours broke it
    (listing,) = await bot.say("/unanswered", user=admin(), chat=updates.private_chat(admin()))
    assert "&lt;b&gt;&amp;" in listing.text


# Telegram trims plain spaces itself, but passes on invisible ones and punctuation.
@pytest.mark.parametrize("text", ["👍🙂", "\u200b\u200b", "\u3000", "?!...", "🦵 ❓"])
async def test_emoji_only_and_whitespace_get_the_empty_question_reply(bot: Harness,
                                                                      text: str) -> None:
    (reply,) = await bot.say(text)
    assert reply.text.startswith("Ik heb geen vraag gezien.")


async def test_a_10000_character_message_gets_one_sane_reply(bot: Harness) -> None:
    (reply,) = await bot.say(("Mijn knie doet pijn als ik wandel. " * 300)[:10_000])
    assert len(reply.text) <= 4096 and reply.message["text"]


async def test_long_replies_are_split_with_buttons_under_the_last_part(bot: Harness) -> None:
    parts = await bot.say("/sources", replies=2)
    assert all(len(part.text) <= 4096 for part in parts)
    assert parts[0].text.startswith("<b>Bronnen</b>\n\n1. ")
    assert parts[1].text[0].isdigit()  # cut between two references


async def test_an_edited_message_gets_no_second_answer(bot: Harness) -> None:
    asked = bot.api.push_update(updates.text_message(ANSWERED))
    await bot.api.wait_for("sendMessage", 1, ok=True)  # on a busy machine it takes a while
    await bot.send(updates.edited_text_message(asked, "Is artrose ouderdom?"), replies=0)
    # One person's updates are handled in order: the answer to the original, nothing for the
    # edit, then the reply to a message sent after it. (Waiting on that last reply keeps the
    # test from passing merely because the bot was slow.)
    bot.api.push_update(updates.text_message("ok"))
    await until(lambda: len(bot.sent()) >= 2, timeout=5)
    await settle()
    assert len(bot.sent()) == 2


# Commands ----------------------------------------------------------------------------------


async def test_help_topics_about_and_unknown_commands(bot: Harness, loaded: Loaded) -> None:
    (help_text,) = await bot.say("/help")
    assert help_text.text.startswith("<b>Zo werkt het</b>") and "/forget" in help_text.text
    (topics,) = await bot.say("/topics")
    (topic,) = await bot.press(topics, "Pijn begrijpen")
    assert topic.text == "<b>Pijn begrijpen</b>"
    assert all(data.startswith("a:") for _, data in topic.buttons)
    (about,) = await bot.say("/about")
    count = f"{len(loaded.kb.entries)} onderwerpen en {len(loaded.kb.sources)} bronnen"
    assert about.text.startswith("<b>mythbot</b> ") and count in about.text
    assert "nog niet nagekeken door een zorgverlener" in about.text
    (unknown,) = await bot.say("/bestaatniet")
    assert unknown.text == "Dat commando ken ik niet. Typ /help om te zien wat ik kan."


async def test_menus_and_descriptions_are_set_per_language(api: FakeBotApi, bot: Harness) -> None:
    # Set in the background while the bot already answers.
    await until(lambda: len(api.my_short_descriptions) == 3, timeout=5)
    default = '{"type": "default"}'
    assert [c["command"] for c in api.my_commands[(default, "nl")]] == [
        "start", "help", "topics", "quiz", "language", "sources", "privacy", "forget", "about"]
    assert api.my_commands[(default, "en")][1]["description"] == "How does it work?"
    assert api.my_commands[(default, "")][1]["description"] == "Hoe werkt het?"
    assert set(api.my_descriptions) == set(api.my_short_descriptions) == {"nl", "en", ""}


async def test_forget_deletes_everything_after_confirmation(bot: Harness) -> None:
    await bot.send(updates.command("start", "demo-kine"), replies=2)  # greeting, offer
    (answer,) = await bot.say(ANSWERED)
    await bot.press(answer, "👍")
    (before,) = await bot.say("/privacy")
    assert "<b>Dit bewaren we nu over jou</b>\n• Praktijk: Kinepraktijk Demo\n" in before.text
    assert "• Vragen: 1." in before.text and f"{today()}: 👍 " in before.text
    assert "90 dagen" in before.text

    (confirm,) = await bot.say("/forget")
    assert confirm.buttons == [("🗑 Ja, wis alles", "fg"), ("Nee, niets wissen", "kp")]
    (kept,) = await bot.press(confirm, "Nee")
    assert kept.text == "Oké, er is niets gewist."
    (done,) = await bot.press(confirm, "Ja, wis alles")
    assert done.text == "Klaar: alles wat we over jou bewaard hadden, is gewist."
    (after,) = await bot.say("/privacy")
    assert "Op dit moment bewaren we niets over jou." in after.text
    (again,) = await bot.press(confirm, "Ja, wis alles")
    assert again.text == "We hadden niets over jou bewaard, dus er was ook niets te wissen."


async def test_privacy_shows_the_kept_question_until_it_is_forgotten(bot: Harness,
                                                                      unknown: str) -> None:
    (nothing,) = await bot.say("/privacy")
    assert nothing.text.endswith("\n\nOp dit moment bewaren we niets over jou.")
    await bot.say(unknown)
    (privacy,) = await bot.say("/privacy")
    assert privacy.text.startswith("<b>Privacy in gewone woorden</b>")
    kept = privacy.text.split("<b>Dit bewaren we nu over jou</b>\n")[1]
    assert kept.startswith(f"• Eerste keer: {today()} · laatste keer: {today()}\n• Vragen: 1.")
    assert kept.endswith(f"<b>Van deze vragen bewaren we ook de tekst</b>\n"
                         f"{today()}: <i>{escape(unknown)}</i>")

    (confirm,) = await bot.say("/forget")
    await bot.press(confirm, "Ja, wis alles")
    (after,) = await bot.say("/privacy")
    assert after.text.endswith("\n\nOp dit moment bewaren we niets over jou.")
    assert escape(unknown) not in after.text


async def test_privacy_in_english_with_the_patients_own_markup_escaped(bot: Harness) -> None:
    (menu,) = await bot.say("/language")
    await bot.press(menu, "English")
    question = "How do I bake <b>pancakes</b> & waffles?"
    (reply,) = await bot.say(question)
    assert reply.text.startswith("Sorry, I don't have a good answer")
    (privacy,) = await bot.say("/privacy")
    assert privacy.message["text"]  # Telegram parsed it: the patient's tags broke nothing
    assert "<b>What we keep about you right now</b>\n• Language: English\n" in privacy.text
    assert (f"<b>Of these questions we also keep the text</b>\n"
            f"{today('en')}: <i>{escape(question)}</i>") in privacy.text


async def test_a_long_history_is_listed_newest_first_in_a_few_messages(
        bot: Harness, bot_settings: Config, loaded: Loaded) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    rated = sorted(loaded.kb.entries)[:12]
    async with database(bot_settings) as storage:
        for number in range(14):
            await storage.record_question(bot.chat_id, f"vraag {number:02} " + "bla " * 300,
                                          Decision("fallback", "nl", 0.1),
                                          now=start + dt.timedelta(minutes=number))
        for number, entry_id in enumerate(rated):
            await storage.record_feedback(bot.chat_id, entry_id, True,
                                          now=start + dt.timedelta(hours=number))
    parts = await bot.say("/privacy", replies=2)
    assert all(len(part.text) <= 4096 and part.message["text"] for part in parts)
    listed = "\n".join(part.text for part in parts)
    assert "• Vragen: 14." in listed
    questions = re.findall(r"<i>vraag (\d\d) [bla ]{250,}…</i>", listed)
    assert questions == [f"{n:02}" for n in range(13, 3, -1)]  # the latest ten, cut short
    titles = [loaded.kb.entries[entry_id].nl.title for entry_id in rated]
    assert re.findall(r": 👍 (.+)", listed) == titles[:1:-1]
    assert listed.count("… en nog 4 eerdere.") == 1 and listed.count("… en nog 2 eerdere.") == 1


# Group chats -------------------------------------------------------------------------------


async def test_in_groups_only_mentions_replies_and_commands_are_answered(bot: Harness) -> None:
    group = updates.group_chat()
    chat_id = group["id"]
    await bot.send(updates.group_message(ANSWERED, chat=group), replies=0, chat_id=chat_id)
    await bot.send(updates.sticker(chat=group), replies=0, chat_id=chat_id)
    assert bot.sent(chat_id) == []

    asked = updates.group_message(ANSWERED, mention=bot.api.username, chat=group)
    (answer,) = await bot.send(asked, chat_id=chat_id)
    assert VERDICT.match(answer.text)
    assert answer.message["reply_to_message"]["text"].endswith(ANSWERED)  # quotes the asker

    reply = updates.group_message(RED_FLAG, chat=group, reply_to=answer.message)
    (urgent,) = await bot.send(reply, chat_id=chat_id)
    assert urgent.text.startswith("⚠️")

    (help_text,) = await bot.send(updates.command("help", chat=group), chat_id=chat_id)
    assert help_text.text.startswith("<b>Zo werkt het</b>")
    await bot.send(updates.command("bestaatniet", chat=group), replies=0, chat_id=chat_id)
    assert len(bot.sent(chat_id)) == 3


# Buttons that no longer work ---------------------------------------------------------------


@pytest.mark.parametrize("data", [
    "zz:nonsense", "a:no-such-entry", "m:", "l:fr", "up:gone-entry", "tp:no-topic", "x" * 64,
])
async def test_stale_or_forged_buttons_get_a_gentle_note(bot: Harness, data: str) -> None:
    (answer,) = await bot.say(ANSWERED)
    await bot.press_data(answer, data, replies=0)
    assert bot.last_answer()["text"] == "Deze knop werkt niet meer. Typ je vraag gerust opnieuw."
    assert len(bot.sent()) == 1  # no "something went wrong", no reply
