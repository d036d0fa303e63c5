"""What a button does, encoded as a short string (Telegram's callback_data, at most 64 bytes).

Every prefix is named here once and used both by the code that builds a button and by the code
that routes a press, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActionKind = Literal["answer", "more", "sources", "topics", "topic", "none", "up", "down", "lang",
                     "skip", "forget", "keep", "quiz", "quiz-answer", "quiz-next",
                     "consent", "belief"]

_PREFIX: dict[ActionKind, str] = {
    "answer": "a",
    "more": "m",
    "sources": "s",
    "topics": "t",
    "topic": "tp",
    "none": "n",
    "up": "up",
    "down": "dn",
    "lang": "l",
    "skip": "sk",  # no comment after 👎
    "forget": "fg",  # /forget confirmed
    "keep": "kp",  # /forget cancelled
    "quiz": "qz",  # start a new quiz
    "quiz-answer": "qa",  # "<entry id>.<t|m|u>": an answer to a quiz statement
    "quiz-next": "qn",  # the next statement, or the score after the last
    "consent": "cs",  # "y" / "n": may we ask three questions again later?
    "belief": "bf",  # "<phase><index><answer>" (bot/quiz/measure.py): the measure of beliefs
}
_KIND = {prefix: kind for kind, prefix in _PREFIX.items()}
_NEEDS_ARG = frozenset({"answer", "more", "sources", "topic", "up", "down", "lang",
                        "quiz-answer", "consent", "belief"})
MAX_BYTES = 64
SEP = ":"


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    arg: str = ""

    def encode(self) -> str:
        data = f"{_PREFIX[self.kind]}{SEP}{self.arg}" if self.arg else _PREFIX[self.kind]
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


def parse(data: str | None) -> Action | None:
    """The action behind callback data, or None for stale, forged or malformed data."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    prefix, _, arg = data.partition(SEP)
    kind = _KIND.get(prefix)
    if kind is None or (kind in _NEEDS_ARG) != bool(arg):
        return None
    return Action(kind, arg)
