"""The myth-or-fact quiz: its statements, a run's logic, and the quiz end to end in Telegram."""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.chat import converse
from bot.config import Config
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.quiz import QUIZ_LENGTH, QuizRun, grade, new_run, worth_reading
from bot.runtime import Loaded
from bot.storage import open_storage
from bot.storage.schema import quiz_answers
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, Harness, Sent, bot_config, running_bot

ROOT = Path(__file__).resolve().parent.parent
LABELS = {"true": "✅ Klopt", "myth": "❌ Fabel", "unsure": "🤷 Weet ik niet"}


# The statements --------------------------------------------------------------------------


def test_at_least_twenty_plain_statements_per_language(kb: KnowledgeBase) -> None:
    assert len(kb.quiz) >= 20
    for statement in kb.quiz.values():
        for lang in ("nl", "en"):
            text = statement.text(lang)
            assert text.endswith(".") and len(text.split()) <= 16, text


def test_each_statement_agrees_with_its_entry(kb: KnowledgeBase) -> None:
    for entry_id, statement in kb.quiz.items():
        verdict = kb.entries[entry_id].verdict
        assert verdict in ("myth", "fact")
        assert statement.truth == (verdict == "fact")


def _edit(copy: Path, old: str, new: str) -> int:
    path = copy / "quiz.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    return text[:text.index(old)].count("\n") + 1


def _problems(copy: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(copy)
    return [str(p) for p in caught.value.problems]


def test_check_refuses_a_truth_that_contradicts_the_verdict(knowledge_copy: Path) -> None:
    line = _edit(knowledge_copy, "- entry: rest-until-pain-free\n    truth: false",
                 "- entry: rest-until-pain-free\n    truth: true")
    (problem,) = _problems(knowledge_copy)
    assert problem.startswith(f"knowledge/quiz.yaml:{line + 1}: 'truth: true' contradicts")
    assert "myth" in problem


def test_check_refuses_statements_without_a_clear_answer(knowledge_copy: Path) -> None:
    line = _edit(knowledge_copy, "- entry: weight-loss", "- entry: medication")
    (problem,) = _problems(knowledge_copy)
    assert problem.startswith(f"knowledge/quiz.yaml:{line}: 'medication' is a nuance")
    _edit(knowledge_copy, "- entry: medication", "- entry: no-such-entry")
    assert "no entries/no-such-entry.yaml" in _problems(knowledge_copy)[0]


def test_check_refuses_a_question_as_statement(knowledge_copy: Path) -> None:
    line = _edit(knowledge_copy, '"Artrose wordt altijd erger."', '"Wordt artrose altijd erger?"')
    (problem,) = _problems(knowledge_copy)
    assert problem == f"knowledge/quiz.yaml:{line}: 'nl' is a question; a quiz statement is " \
                      "a sentence that is true or a myth"


def test_without_quiz_file_there_is_no_quiz(knowledge_copy: Path) -> None:
    (knowledge_copy / "quiz.yaml").unlink()
    assert load_knowledge(knowledge_copy).quiz == {}


def test_check_command_reports_the_quiz_file(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "truth: true", "truth: false")
    done = subprocess.run([sys.executable, "-m", "bot", "check", "--knowledge",
                           str(knowledge_copy)], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 1
    assert re.search(r"quiz\.yaml:\d+: 'truth: false' contradicts", done.stderr)


# A run -----------------------------------------------------------------------------------


def test_a_person_sees_every_statement_before_any_comes_again(kb: KnowledgeBase) -> None:
    rng = random.Random(7)
    seen: set[str] = set()
    shown: list[str] = []
    while len(seen) < len(kb.quiz):
        run = new_run(kb, seen, rng)
        assert len(run.statements) == QUIZ_LENGTH == len(set(run.statements))
        fresh = [s for s in run.statements if s not in seen]
        # only once everything was seen does a statement come back, after the fresh ones
        assert run.statements[:len(fresh)] == tuple(fresh)
        shown += fresh
        seen |= set(run.statements)
    assert sorted(shown) == sorted(kb.quiz)


def test_answers_count_once_and_only_for_the_current_statement(kb: KnowledgeBase) -> None:
    run = QuizRun(("rest-until-pain-free", "aerobic-exercise"))
    assert run.answer("aerobic-exercise", "true") is None  # not its turn yet
    run = run.answer("rest-until-pain-free", "myth")
    assert run is not None and run.current == "aerobic-exercise"
    assert run.answer("rest-until-pain-free", "true") is None  # an old button again
    run = run.answer("aerobic-exercise", "unsure")
    assert run is not None and run.done and run.current is None
    assert grade(kb, "rest-until-pain-free", "myth") is True
    assert grade(kb, "rest-until-pain-free", "true") is False
    assert grade(kb, "aerobic-exercise", "unsure") is None
    # what to read next: the one not known first, then what it relates to
    assert worth_reading(kb, run)[0] == "aerobic-exercise"
    assert len(worth_reading(kb, run)) == 3


# In Telegram -----------------------------------------------------------------------------


@pytest.fixture
async def bot(api: FakeBotApi, config: Config, tmp_path: Path,
              loaded: Loaded) -> AsyncIterator[Harness]:
    async with running_bot(api, bot_config(config, api, tmp_path), loaded=loaded) as harness:
        yield harness


def _statement(kb: KnowledgeBase, sent: Sent) -> str:
    """The entry whose statement a message shows."""
    (entry_id,) = [e for e, s in kb.quiz.items() if f"<b>{s.nl}</b>" in sent.text]
    return entry_id


def _right(kb: KnowledgeBase, entry_id: str) -> str:
    return LABELS["true" if kb.quiz[entry_id].truth else "myth"]


@pytest.mark.timeout(30)
async def test_a_full_quiz(bot: Harness, kb: KnowledgeBase, config: Config,
                           tmp_path: Path) -> None:
    (card,) = await bot.say("/quiz")
    assert card.text.startswith("🎯 <b>Fabel of feit?</b>")
    assert "<i>Uitspraak 1 van 5</i>" in card.text
    assert [label for label, _ in card.buttons] == list(LABELS.values())
    asked = []
    for number in range(1, QUIZ_LENGTH + 1):
        entry_id = _statement(kb, card)
        asked.append(entry_id)
        # right on odd statements, "not sure" on even ones
        label = _right(kb, entry_id) if number % 2 else LABELS["unsure"]
        (feedback,) = await bot.press(card, label)
        assert feedback.text.startswith("👍 Juist!" if number % 2 else "Goed dat je het zegt.")
        assert ("Dit klopt." if kb.quiz[entry_id].truth else "Dit is een fabel.") in feedback.text
        assert kb.entries[entry_id].nl.short.split(". ")[0] in feedback.text
        assert feedback.buttons[0][0] == "📖 Lees meer"
        onward = "Bekijk je score" if number == QUIZ_LENGTH else "Volgende ▶"
        (card,) = await bot.press(feedback, onward)
        if number < QUIZ_LENGTH:
            assert f"<i>Uitspraak {number + 1} van 5</i>" in card.text
    assert card.text.startswith("🎯 Je had er <b>3 van de 5</b> juist.")
    labels = [label for label, _ in card.buttons]
    assert len(labels) == 4 and labels[-1] == "🎯 Nog een quiz"
    assert labels[0] == kb.entries[asked[1]].nl.title  # the first one not known
    assert len(set(asked)) == QUIZ_LENGTH

    # every answer is stored once, with its grade, for the reports
    await bot.say("/privacy")  # waits for the bot's writes
    settings = bot_config(config, bot.api, tmp_path)
    async with (await open_storage(settings, SECRET) as storage,
                storage.engine.connect() as conn):
        rows = (await conn.execute(select(quiz_answers.c.entry_id, quiz_answers.c.correct)
                                   .order_by(quiz_answers.c.id))).all()
    assert [r.entry_id for r in rows] == asked
    assert [r.correct for r in rows] == [True, None, True, None, True]

    # a new quiz brings statements not seen before
    (again,) = await bot.press(card, "🎯 Nog een quiz")
    assert _statement(kb, again) not in asked


@pytest.mark.timeout(30)
async def test_a_quiz_can_be_left_and_resumed(bot: Harness, kb: KnowledgeBase) -> None:
    (card,) = await bot.say("/quiz")
    first = _statement(kb, card)
    (feedback,) = await bot.press(card, _right(kb, first))
    # the person asks something else in between
    (answer,) = await bot.say("Moet ik rusten tot de pijn weg is?")
    assert "Uitspraak" not in answer.text
    # the old buttons do not count twice
    await bot.press(card, LABELS["myth"], replies=0)
    assert bot.last_answer().get("text")  # a gentle note on the button, no new message
    (card2,) = await bot.press(feedback, "Volgende ▶")
    assert "<i>Uitspraak 2 van 5</i>" in card2.text
    assert _statement(kb, card2) != first


# In the terminal chat --------------------------------------------------------------------


def test_the_terminal_chat_offers_the_quiz(loaded: Loaded, kb: KnowledgeBase) -> None:
    inp = io.StringIO("/quiz\n1\n2\n")  # /quiz, "True", "Next"
    out = io.StringIO()
    converse(loaded, "nl", inp, out)
    shown = out.getvalue()
    assert "Uitspraak 1 van 5" in shown and "Uitspraak 2 van 5" in shown
    first = next(e for e, s in kb.quiz.items() if s.nl in shown.split("Uitspraak 2")[0])
    assert ("👍 Juist!" if kb.quiz[first].truth else "Niet helemaal.") in shown
