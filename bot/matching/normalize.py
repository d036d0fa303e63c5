"""Normalisation: the one place that decides what a question's words are."""

from __future__ import annotations

import re

from bot.textfold import fold

# Questions longer than this are cut: a patient's question is short, and the matcher must stay
# fast on a 100 000-character paste.
MAX_CHARS = 4000
_DIGITS = re.compile(r"\d+")


def normalize(text: str) -> str:
    """Lower-case, accents folded, punctuation, digits and emoji removed, spaces collapsed."""
    return " ".join(_DIGITS.sub(" ", fold(text[:MAX_CHARS])).split())


def words(text: str) -> list[str]:
    """The words of `text` after normalisation."""
    return normalize(text).split()
