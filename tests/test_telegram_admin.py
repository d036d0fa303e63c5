"""Admin commands end to end: refused to others, working for the ids in `admins`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Config
from bot.knowledge import load_knowledge
from bot.runtime import Loaded
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import ADMIN_ID, Harness, bot_config, running_bot

pytestmark = pytest.mark.timeout(20)

ADMIN = updates.user(ADMIN_ID, "Beheerder", language_code="en")
REFUSED = "Sorry, dat commando is alleen voor de beheerders van deze bot."
ENTRY = "entries/worn-out-joint.yaml"


@pytest.fixture
async def bot(api: FakeBotApi, config: Config, tmp_path: Path, loaded: Loaded,
              knowledge_copy: Path) -> AsyncIterator[Harness]:
    settings = bot_config(config, api, tmp_path)
    async with running_bot(api, settings, loaded=loaded, knowledge=knowledge_copy) as harness:
        yield harness


async def as_admin(bot: Harness, text: str, replies: int = 1) -> list[str]:
    return [sent.text for sent in await bot.say(text, user=ADMIN, replies=replies)]


@pytest.mark.parametrize("command", ["/stats", "/unanswered", "/reload"])
async def test_admin_commands_are_refused_politely_to_others(bot: Harness, command: str) -> None:
    (refused,) = await bot.say(command)
    assert refused.text == REFUSED


async def test_stats_of_the_last_seven_days_in_one_message(bot: Harness) -> None:
    (answer,) = await bot.say("Is artrose slijtage?")
    await bot.press(answer, "👍")
    await bot.say("Hoeveel kost een parkeerkaart?")
    await bot.say("Is artrose slijtage?", user=updates.user(5005, "Piet"))
    (stats,) = await as_admin(bot, "/stats")
    assert stats.startswith("<b>The last 7 days</b>")
    assert "Questions: 3 (from 2 users)" in stats
    assert re.search(r"By kind: answer 2, (fallback|suggest) 1", stats)
    assert "Answered most: worn-out-joint (2)" in stats
    assert "👍 1 · 👎 0" in stats


async def test_unanswered_lists_the_latest_questions_escaped(bot: Harness) -> None:
    padding = " en nog wat uitleg over de parking" * 8  # 20 of these do not fit one message
    for n in range(22):  # from several people: one person would hit the rate limit
        await bot.say(f"Hoeveel kost parkeerkaart nummer {n}? <b>&{padding}",
                      user=updates.user(6000 + n % 3, "Jan"))
    await bot.say("Wat denk je van " + "heel lange vragen " * 80)
    listing = await as_admin(bot, "/unanswered", replies=2)
    text = "\n\n".join(listing)
    assert listing[0].startswith("<b>The latest 20 unanswered questions</b>")
    assert all(len(part) <= 4096 for part in listing)  # split at paragraph boundaries
    assert text.index("Wat denk je van") < text.index("nummer 21?")  # newest first
    assert "nummer 3?" in text and "nummer 2?" not in text  # only 20
    assert "&lt;b&gt;&amp;" in text and "<b>&" not in text


async def test_reload_keeps_the_old_knowledge_on_errors_and_says_where(
        bot: Harness, knowledge_copy: Path) -> None:
    entry = knowledge_copy / ENTRY
    original = entry.read_text(encoding="utf-8")
    entry.write_text(original.replace("verdict: myth", "verdict: maybe"), encoding="utf-8")
    line = original[:original.index("verdict: myth")].count("\n") + 1
    (refused,) = await as_admin(bot, "/reload")
    first, *problems = refused.splitlines()
    assert first == "The new knowledge base has 1 problem(s), so I keep using the previous version:"
    assert problems == [f"<code>knowledge/{ENTRY}:{line}: {problems[0].split(': ', 1)[1]}"]
    assert "verdict" in problems[0]

    (answer,) = await bot.say("Is artrose slijtage?")  # the old knowledge base still serves
    assert "</b>\n❌ Fabel\n" in answer.text

    entry.write_text(original.replace("verdict: myth", "verdict: nuance"), encoding="utf-8")
    # "it depends" has no right answer to guess: its quiz statement goes too
    quiz = knowledge_copy / "quiz.yaml"
    quiz.write_text(re.sub(r"  - entry: worn-out-joint\n(    .*\n)+", "",
                           quiz.read_text("utf-8")), "utf-8")
    (done,) = await as_admin(bot, "/reload")
    reloaded = load_knowledge(knowledge_copy)
    assert done == (f"Knowledge base reloaded: {len(reloaded.entries)} subjects, "
                    f"{len(reloaded.sources)} sources.")
    (answer,) = await bot.say("Is artrose slijtage?")
    assert "</b>\n⚖️ Genuanceerd\n" in answer.text


async def test_reload_lists_the_first_problems_and_counts_the_rest(
        bot: Harness, knowledge_copy: Path) -> None:
    entries = sorted((knowledge_copy / "entries").glob("*.yaml"))
    for entry in entries:
        text = entry.read_text(encoding="utf-8")
        entry.write_text(text.replace("\nverdict: ", "\nverdict: maybe-", 1), encoding="utf-8")
    (refused,) = await as_admin(bot, "/reload")
    lines = refused.splitlines()
    assert lines[0].startswith(f"The new knowledge base has {len(entries)} problem(s)")
    assert len(lines) == 1 + 15 + 1
    assert lines[-1] == (f"… and {len(entries) - 15} more: <code>python -m bot check</code> "
                         "lists them all.")


@pytest.mark.fault
@pytest.mark.parametrize(("breakage", "says"), [
    ("yaml", "YAML syntax error"), ("gone", "this file is missing"), ("binary", "")])
async def test_reload_survives_a_file_broken_on_disk(bot: Harness, knowledge_copy: Path,
                                                     breakage: str, says: str) -> None:
    """Half-saved, deleted or garbled files: the bot keeps serving and names the file."""
    if breakage == "yaml":
        (knowledge_copy / ENTRY).write_text("id: worn-out-joint\nnl: [unclosed\n",
                                            encoding="utf-8")
        broken = f"knowledge/{ENTRY}"
    elif breakage == "gone":
        (knowledge_copy / "sources.yaml").unlink()
        broken = "knowledge/sources.yaml"
    else:
        (knowledge_copy / ENTRY).write_bytes(b"\xff\xfe\x00garbage\x80")
        broken = f"knowledge/{ENTRY}"
    (refused,) = await as_admin(bot, "/reload")  # one message, however many problems
    assert refused.startswith("The new knowledge base has")
    assert f"<code>{broken}:" in refused and says in refused
    (answer,) = await bot.say("Is artrose slijtage?")
    assert "</b>\n❌ Fabel\n" in answer.text


async def test_whoami_tells_anyone_their_own_id(bot: Harness) -> None:
    """How a clinic's IT person finds the number to put under `admins`."""
    someone = updates.user(777001, "Nieuw", language_code="nl")
    (reply,) = await bot.say("/whoami", user=someone)
    assert "<b>777001</b>" in reply.text and "admins" in reply.text
    (reply,) = await bot.say("/whoami", user=ADMIN)
    assert f"<b>{ADMIN_ID}</b>" in reply.text and "Your Telegram id" in reply.text
