"""The myth-or-fact quiz in the terminal chat: the same run, statements and replies as in
Telegram (bot/quiz, bot/rendering/quiz.py), kept in memory for the one person at the keyboard.
"""

from __future__ import annotations

import random

from bot.knowledge.models import KnowledgeBase
from bot.quiz import QuizRun, new_run
from bot.rendering import Action, Reply
from bot.rendering import quiz as quiz_replies

ACTIONS = frozenset({"quiz", "quiz-answer", "quiz-next"})


class QuizSession:
    def __init__(self, kb: KnowledgeBase, rng: random.Random | None = None) -> None:
        self.kb = kb
        self.rng = rng or random.Random()
        self.run: QuizRun | None = None
        self.seen: set[str] = set()

    def start(self, lang: str) -> Reply:
        """A new quiz, statements not answered in this session first."""
        self.run = new_run(self.kb, self.seen, self.rng)
        if not self.run.statements:
            return Reply(self.kb.message("quiz-empty", lang))
        return quiz_replies.statement(self.kb, self.run, lang, intro=True)

    def press(self, action: Action, lang: str) -> Reply | None:
        """The reply to a quiz button; None when it is stale (an earlier statement's)."""
        if action.kind == "quiz":
            return self.start(lang)
        if self.run is None:
            return None
        if action.kind == "quiz-next":
            return quiz_replies.statement(self.kb, self.run, lang)
        decoded = quiz_replies.decode_answer(action.arg)
        run = self.run.answer(*decoded) if decoded is not None else None
        if decoded is None or run is None:
            return None
        self.run = run
        self.seen.add(decoded[0])
        return quiz_replies.feedback(self.kb, run, decoded[0], decoded[1], lang)
