"""Red flags first: a question that may describe an emergency never gets a myth answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from bot.knowledge.models import LANGS, Safety, SafetyRule
from bot.matching.normalize import normalize

EXACT_UP_TO = 4  # words this short must match exactly: "val" is not "valt", "hart" not "hartelijk"
INSIDE_FROM = 6  # words this long also match inside a compound: "operatie" in "knieoperatie"
TYPO_FROM = 5  # words this long also match with one typo: "koors", "gezwolen"
MAX_GAP = 1  # words of a term may be one word apart: "zie het [echt] niet meer zitten"

Term = tuple[str, ...]


def word_matches(pattern: str, token: str) -> bool:
    """Does one word of a red-flag term match one word of the question?"""
    if len(pattern) <= EXACT_UP_TO:
        return token == pattern
    if token.startswith(pattern):
        return True
    if len(pattern) >= INSIDE_FROM and pattern in token:
        return True
    return len(pattern) >= TYPO_FROM and Levenshtein.distance(token[: len(pattern)], pattern) <= 1


def _term_at(term: Term, tokens: Sequence[str], start: int) -> bool:
    if not word_matches(term[0], tokens[start]):
        return False
    if len(term) == 1:
        return True
    following = range(start + 1, min(start + 2 + MAX_GAP, len(tokens)))
    return any(_term_at(term[1:], tokens, i) for i in following)


def contains(term: Term, tokens: Sequence[str]) -> bool:
    return any(_term_at(term, tokens, i) for i in range(len(tokens)))


@dataclass(frozen=True)
class _Rule:
    rule: SafetyRule
    patterns: tuple[tuple[tuple[Term, ...], ...], ...]
    cancels: tuple[Term, ...]

    def fires(self, tokens: Sequence[str]) -> bool:
        if any(contains(term, tokens) for term in self.cancels):
            return False
        return any(all(any(contains(term, tokens) for term in group) for group in pattern)
                   for pattern in self.patterns)


def _term(text: str) -> Term:
    return tuple(normalize(text).split())


class SafetyCheck:
    """The red-flag rules of both languages, compiled once.

    Both languages' rules are tried on every question: a Dutch question misread as English must
    still be caught, and a missed emergency costs far more than a false alarm.
    """

    def __init__(self, safety: Safety) -> None:
        self._rules = [
            _Rule(rule=rule,
                  patterns=tuple(tuple(tuple(_term(t) for t in group if _term(t)) for group in p)
                                 for lang in LANGS for p in rule.patterns(lang)),
                  cancels=tuple(_term(t) for lang in LANGS for t in rule.must_not.get(lang)))
            for rule in safety.rules
        ]

    def check(self, tokens: Sequence[str]) -> SafetyRule | None:
        """The first rule that fires on the normalised words of a question, or None."""
        return next((r.rule for r in self._rules if r.fires(tokens)), None)
