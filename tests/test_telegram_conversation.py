"""The 👎 follow-up and the rate limit, end to end through the fake Bot API: a question after 👎
is answered, and the rate limit never silences a person's own controls or a red flag."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Config, RateLimit
from bot.conversation.conversation import reads_as_question
from bot.runtime import Loaded
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import Harness, bot_config, running_bot
from tests.test_telegram_bot import ANSWERED, FALLBACK, RED_FLAG, VERDICT

pytestmark = pytest.mark.timeout(30)

SLOW_DOWN = "Even rustig aan"
THANKS = "Dank je, we nemen het mee om de uitleg beter te maken."


@pytest.fixture
async def bot(api: FakeBotApi, config: Config, tmp_path: Path,
              loaded: Loaded) -> AsyncIterator[Harness]:
    async with running_bot(api, bot_config(config, api, tmp_path), loaded=loaded) as harness:
        yield harness


@pytest.fixture
async def limited(api: FakeBotApi, config: Config, tmp_path: Path,
                  loaded: Loaded) -> AsyncIterator[Harness]:
    settings = bot_config(config, api, tmp_path).model_copy(
        update={"rate_limit": RateLimit(messages=3, per_seconds=60)})
    async with running_bot(api, settings, loaded=loaded) as harness:
        yield harness


# 👎 and "what was missing?" -------------------------------------------------------------


async def test_a_question_after_thumbs_down_is_answered_not_swallowed(bot: Harness) -> None:
    (answer,) = await bot.say(ANSWERED)
    (ask,) = await bot.press(answer, "👎")
    assert ask.buttons == [("Sla over", "sk")]
    (reply,) = await bot.say("Moet ik rusten tot de pijn weg is")  # the matcher knows it
    assert VERDICT.match(reply.text), reply.text
    (privacy,) = await bot.say("/privacy")
    assert "Je opmerking" not in privacy.text


async def test_a_text_ending_in_a_question_mark_after_thumbs_down_is_a_question(
        bot: Harness) -> None:
    (answer,) = await bot.say(ANSWERED)
    await bot.press(answer, "👎")
    (reply,) = await bot.say("Wat is de hoofdstad van Peru?")
    assert reply.text.startswith(FALLBACK)
    (privacy,) = await bot.say("/privacy")
    assert "Je opmerking" not in privacy.text


async def test_only_the_very_next_message_can_be_the_comment(bot: Harness) -> None:
    (answer,) = await bot.say(ANSWERED)
    await bot.press(answer, "👎")
    (topics,) = await bot.say("/topics")
    assert topics.buttons
    (reply,) = await bot.say("De uitleg was te moeilijk")
    assert reply.text != THANKS
    # And after 👎 the next plain remark is the comment, once.
    (answer,) = await bot.say(ANSWERED)
    await bot.press(answer, "👎")
    (noted,) = await bot.say("De uitleg was te moeilijk")
    assert noted.text == THANKS
    (again,) = await bot.say("De uitleg was te moeilijk")
    assert again.text != THANKS


async def test_a_red_flag_after_thumbs_down_is_never_the_comment(bot: Harness) -> None:
    (answer,) = await bot.say(ANSWERED)
    await bot.press(answer, "👎")
    (urgent,) = await bot.say(RED_FLAG)
    assert urgent.text.startswith("⚠️")
    (privacy,) = await bot.say("/privacy")
    assert "Je opmerking" not in privacy.text


def test_what_reads_as_a_question(loaded: Loaded) -> None:
    def reads(text: str) -> bool:
        return reads_as_question(loaded.matcher.match(text), text)

    assert reads("Is artrose slijtage")  # an answer
    assert reads("Mag ik nog fietsen?")  # a question mark
    assert reads(RED_FLAG)
    assert reads("helpt een brace voor mijn knie")  # the example: a suggestion
    assert not reads("De uitleg was te moeilijk")


# The rate limit -------------------------------------------------------------------------


async def flood(bot: Harness) -> None:
    """Three questions (the limit), then one more that gets the note."""
    for n in range(3):
        (reply,) = await bot.say(f"{ANSWERED} {n}")
        assert VERDICT.match(reply.text)
    (note,) = await bot.say(ANSWERED)
    assert note.text.startswith(SLOW_DOWN)


async def test_the_persons_own_controls_are_never_rate_limited(limited: Harness) -> None:
    await flood(limited)
    start, _offer = await limited.say("/start", replies=2)  # the greeting, the follow-up offer
    assert start.text.startswith("👋")
    (helping,) = await limited.say("/help")
    assert helping.text
    (privacy,) = await limited.say("/privacy")
    assert "Je beoordelingen" in privacy.text or "Vragen: " in privacy.text
    (language,) = await limited.say("/language")
    (chosen,) = await limited.press(language, "English")
    assert chosen.text == "OK, from now on I'll speak English with you."
    (forget,) = await limited.say("/forget")
    (done,) = await limited.press(forget, "Yes, delete everything")
    assert done.text.startswith("Done: everything we had kept about you")
    # A plain question is still held back, silently: the note came once in this window.
    silent = await limited.send(updates.text_message(ANSWERED, user=limited.user), replies=0)
    assert silent == []


async def test_a_red_flag_gets_through_the_rate_limit(limited: Harness) -> None:
    await flood(limited)
    (urgent,) = await limited.say(RED_FLAG)
    assert urgent.text.startswith("⚠️")


async def test_button_presses_count_less_than_messages(limited: Harness) -> None:
    (first,) = await limited.say(ANSWERED)
    (second,) = await limited.say(f"{ANSWERED} 2")
    # Two presses weigh as much as one message: both are served within the limit of 3.
    (more,) = await limited.press(first, "Lees meer")
    (sources,) = await limited.press(second, "Bronnen")
    assert more.text and sources.text
    (note,) = await limited.say(ANSWERED)
    assert note.text.startswith(SLOW_DOWN)
