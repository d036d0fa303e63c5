"""Topics we recognise but do not cover (costs, appointments, other diseases, doses): a
question about one gets an honest "not here, ask them" instead of the nearest entry."""

from __future__ import annotations

from collections.abc import Sequence

from bot.knowledge.models import LANGS, PerLang, Uncovered, UncoveredTopic
from bot.matching.normalize import normalize

PREFIX_FROM = 5  # words this long also match longer words: "terugbetaal" -> "terugbetaald"
MAX_GAP = 2  # words of a term may be this many words apart: "hoeveel [ibuprofen] mag ik"

Term = tuple[str, ...]


def _word_matches(pattern: str, token: str) -> bool:
    return token == pattern or (len(pattern) >= PREFIX_FROM and token.startswith(pattern))


def _found_at(term: Term, tokens: Sequence[str], start: int) -> bool:
    if not _word_matches(term[0], tokens[start]):
        return False
    if len(term) == 1:
        return True
    following = range(start + 1, min(start + 2 + MAX_GAP, len(tokens)))
    return any(_found_at(term[1:], tokens, i) for i in following)


class UncoveredCheck:
    """The uncovered topics of both languages, compiled once. Both languages' terms are tried:
    "kost" in an English question is still about costs, and a missed one costs a wrong answer.
    """

    def __init__(self, uncovered: Uncovered) -> None:
        self._topics = [(topic, _terms(topic.terms), _terms(topic.also), _terms(topic.unless))
                        for topic in uncovered.topics]
        # A word of the question can start a term only if it begins like a term's first word:
        # most questions are ruled out by one set lookup per word.
        self._heads = {term[0][:PREFIX_FROM] for _, terms, _, _ in self._topics for term in terms}

    def topic(self, tokens: Sequence[str]) -> UncoveredTopic | None:
        """The first uncovered topic one of whose terms is in the normalised words (and one of
        its `also` terms, if it has any, and none of its `unless` terms), or None."""
        starts = [i for i, token in enumerate(tokens) if token[:PREFIX_FROM] in self._heads]
        if not starts:
            return None
        for topic, terms, also, unless in self._topics:
            if (any(_found_at(term, tokens, i) for term in terms for i in starts)
                    and (not also or _anywhere(also, tokens))
                    and not (unless and _anywhere(unless, tokens))):
                return topic
        return None


def _anywhere(terms: tuple[Term, ...], tokens: Sequence[str]) -> bool:
    return any(_found_at(term, tokens, i) for term in terms for i in range(len(tokens)))


def _terms(per_lang: PerLang) -> tuple[Term, ...]:
    terms = (tuple(normalize(t).split()) for lang in LANGS for t in per_lang.get(lang))
    return tuple(term for term in terms if term)
