"""The opt-in measure of beliefs: which three statements to ask, and how an answer travels in
a button. Pure, no front end and no storage.

A button carries everything a press needs besides who pressed it: the phase, the statement's
number and the answer ("b1m": before, second statement, myth). The statements themselves are
in the person's stored follow-up, so a press works after a restart and on any instance.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from bot.knowledge.models import KnowledgeBase
from bot.quiz.run import Answer

Phase = Literal["before", "after"]
STATEMENTS = 3
_PHASE_CODES: dict[Phase, str] = {"before": "b", "after": "a"}
_CODE_PHASES = {code: phase for phase, code in _PHASE_CODES.items()}
_ANSWER_CODES: dict[Answer, str] = {"true": "t", "myth": "m", "unsure": "u"}
_CODE_ANSWERS = {code: answer for answer, code in _ANSWER_CODES.items()}


@dataclass(frozen=True)
class BeliefPress:
    phase: Phase
    index: int
    answer: Answer


def pick(kb: KnowledgeBase, read: Collection[str], rng: random.Random,
         count: int = STATEMENTS) -> tuple[str, ...]:
    """`count` statements, those about entries the person has not read first: a belief
    measured "before" should be the person's own, not what the bot just told them."""
    available = [entry_id for entry_id in kb.quiz if entry_id in kb.entries]
    unread = [e for e in available if e not in read]
    others = [e for e in available if e in read]
    rng.shuffle(unread)
    rng.shuffle(others)
    return tuple((unread + others)[:count])


def encode(press: BeliefPress) -> str:
    return f"{_PHASE_CODES[press.phase]}{press.index}{_ANSWER_CODES[press.answer]}"


def decode(arg: str) -> BeliefPress | None:
    """The press behind a button's argument; None for anything malformed or forged."""
    if len(arg) != 3 or not arg[1].isdigit():
        return None
    phase, answer = _CODE_PHASES.get(arg[0]), _CODE_ANSWERS.get(arg[2])
    if phase is None or answer is None:
        return None
    return BeliefPress(phase, int(arg[1]), answer)


def when(days: int) -> tuple[str, dict[str, str]]:
    """The message key and fields that say "in N days" the friendliest way (weeks when whole)."""
    if days == 7:
        return "beliefs-in-a-week", {}
    if days % 7 == 0:
        return "beliefs-in-weeks", {"weeks": str(days // 7)}
    return "beliefs-in-days", {"days": str(days)}
