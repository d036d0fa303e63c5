"""A quiz run: five statements, one at a time, each answered True, Myth or Not sure.

Statements come from the knowledge base (`KnowledgeBase.quiz`). A person does not see a
statement again until they have seen them all: `new_run` takes the ones they have not seen
first, in a random order, and only then starts over.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.knowledge.models import KnowledgeBase

Answer = Literal["true", "myth", "unsure"]
ANSWERS: tuple[Answer, ...] = ("true", "myth", "unsure")
QUIZ_LENGTH = 5
WORTH_READING = 3


@dataclass(frozen=True)
class QuizRun:
    """The statements of one run (entry ids, in order) and the answers given so far."""

    statements: tuple[str, ...]
    answers: tuple[Answer, ...] = ()

    @property
    def done(self) -> bool:
        return len(self.answers) >= len(self.statements)

    @property
    def current(self) -> str | None:
        """The statement to answer now, or None when the run is over."""
        return None if self.done else self.statements[len(self.answers)]

    @property
    def position(self) -> int:
        """1-based number of the current statement."""
        return len(self.answers) + 1

    def answer(self, entry_id: str, answer: Answer) -> QuizRun | None:
        """The run with `answer` to the current statement; None when the press is for another
        statement (an old button pressed again), which must not count twice."""
        if entry_id != self.current:
            return None
        return replace(self, answers=(*self.answers, answer))


def new_run(kb: KnowledgeBase, seen: Collection[str], rng: random.Random,
            length: int = QUIZ_LENGTH) -> QuizRun:
    """Unseen statements first; when too few are left, a new round among the others."""
    available = [entry_id for entry_id in kb.quiz if entry_id in kb.entries]
    unseen = [e for e in available if e not in seen]
    again = [e for e in available if e in seen]
    rng.shuffle(unseen)
    rng.shuffle(again)
    return QuizRun(tuple((unseen + again)[:length]))


def grade(kb: KnowledgeBase, entry_id: str, answer: Answer) -> bool | None:
    """Right or wrong; None for "not sure" (neither, and not held against anyone)."""
    if answer == "unsure":
        return None
    return kb.quiz[entry_id].truth == (answer == "true")


def worth_reading(kb: KnowledgeBase, run: QuizRun, count: int = WORTH_READING) -> list[str]:
    """Entries to read after a run: first those answered wrongly or with "not sure", then their
    related entries, then the rest of the run."""
    missed = [e for e, a in zip(run.statements, run.answers, strict=False)
              if grade(kb, e, a) is not True]
    related = [r for e in missed for r in kb.entries[e].related if r in kb.entries]
    ordered: Sequence[str] = [*missed, *related, *run.statements]
    return list(dict.fromkeys(ordered))[:count]
