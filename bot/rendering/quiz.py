"""The quiz's replies: a statement with its three buttons, the feedback, the score."""

from __future__ import annotations

import re

from bot.knowledge.models import KnowledgeBase
from bot.quiz import Answer, QuizRun, grade, worth_reading
from bot.rendering.actions import Action
from bot.rendering.reply import Button, Reply

# Answers as they travel in a button's callback data: "<entry id>.<letter>".
ANSWER_CODES: dict[Answer, str] = {"true": "t", "myth": "m", "unsure": "u"}
_CODE_ANSWERS = {code: answer for answer, code in ANSWER_CODES.items()}
FEEDBACK_SENTENCES = 2
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def encode_answer(entry_id: str, answer: Answer) -> str:
    return Action("quiz-answer", f"{entry_id}.{ANSWER_CODES[answer]}").encode()


def decode_answer(arg: str) -> tuple[str, Answer] | None:
    entry_id, _, code = arg.rpartition(".")
    answer = _CODE_ANSWERS.get(code)
    return (entry_id, answer) if entry_id and answer else None


def statement(kb: KnowledgeBase, run: QuizRun, lang: str, intro: bool = False) -> Reply:
    """The current statement, with True / Myth / Not sure."""
    entry_id = run.current
    if entry_id is None:
        return score(kb, run, lang)
    progress = kb.message("quiz-progress", lang, number=str(run.position),
                          total=str(len(run.statements)))
    text = f"<i>{progress}</i>\n\n<b>{kb.quiz[entry_id].text(lang)}</b>"
    if intro:
        text = f"{kb.message('quiz-intro', lang)}\n\n{text}"
    buttons = (tuple(Button(kb.message(f"button-quiz-{answer}", lang),
                            encode_answer(entry_id, answer)) for answer in ("true", "myth")),
               (Button(kb.message("button-quiz-unsure", lang),
                       encode_answer(entry_id, "unsure")),))
    return Reply(text, buttons)


def feedback(kb: KnowledgeBase, run: QuizRun, entry_id: str, answer: Answer,
             lang: str) -> Reply:
    """Right or not, what is true, the short answer in a sentence or two, and the way on."""
    right = grade(kb, entry_id, answer)
    verdict = {True: "quiz-right", False: "quiz-wrong", None: "quiz-unsure"}[right]
    truth = "quiz-is-true" if kb.quiz[entry_id].truth else "quiz-is-myth"
    short = " ".join(_SENTENCE_END.split(kb.entries[entry_id].text(lang).short.strip())
                     [:FEEDBACK_SENTENCES])
    text = f"{kb.message(verdict, lang)} {kb.message(truth, lang)}\n\n{short}"
    onward = "button-quiz-score" if run.done else "button-quiz-next"
    buttons = ((Button(kb.message("button-more", lang), Action("more", entry_id).encode()),
                Button(kb.message(onward, lang), Action("quiz-next").encode())),)
    return Reply(text, buttons)


def score(kb: KnowledgeBase, run: QuizRun, lang: str) -> Reply:
    """The score and three entries worth reading, with a button for another quiz."""
    right = sum(grade(kb, e, a) is True
                for e, a in zip(run.statements, run.answers, strict=False))
    text = (f"{kb.message('quiz-score', lang, right=str(right), total=str(len(run.statements)))}"
            f"\n\n{kb.message('quiz-read', lang)}")
    rows = [(Button(kb.entries[e].text(lang).title, Action("answer", e).encode()),)
            for e in worth_reading(kb, run)]
    rows.append((Button(kb.message("button-quiz-again", lang), Action("quiz").encode()),))
    return Reply(text, tuple(rows))
