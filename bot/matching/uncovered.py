"""Topics we recognise but do not cover (costs, appointments, other diseases, doses): a
question about one gets an honest "not here, ask them" instead of the nearest entry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bot.knowledge.models import LANGS, PerLang, Uncovered, UncoveredTopic
from bot.matching.normalize import normalize

PREFIX_FROM = 5  # words this long also match longer words: "terugbetaal" -> "terugbetaald"
MAX_GAP = 2  # words of a term may be this many words apart: "hoeveel [ibuprofen] mag ik"

Term = tuple[str, ...]
Terms = dict[str, tuple[Term, ...]]  # by the first PREFIX_FROM letters of their first word


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
        # most questions are ruled out by one set lookup per word, and the others try only the
        # terms filed under their word's beginning (trying every term was a millisecond).
        # ... and each term is filed with the topics it belongs to, so a question's words are
        # looked up once, not once per topic.
        self._by_head: defaultdict[str, list[tuple[Term, int]]] = defaultdict(list)
        for n, (_, terms, _, _) in enumerate(self._topics):
            for head, filed in terms.items():
                self._by_head[head].extend((term, n) for term in filed)

    def topic(self, tokens: Sequence[str]) -> UncoveredTopic | None:
        """The first uncovered topic one of whose terms is in the normalised words (and one of
        its `also` terms, if it has any, and none of its `unless` terms), or None."""
        named = {n for i, token in enumerate(tokens)
                 for term, n in self._by_head.get(token[:PREFIX_FROM], ())
                 if _found_at(term, tokens, i)}
        for n in sorted(named):
            topic, _, also, unless = self._topics[n]
            if (not also or _found(also, tokens)) and not (unless and _found(unless, tokens)):
                return topic
        return None


def _found(terms: Terms, tokens: Sequence[str]) -> bool:
    # A word matches a pattern only if they share their first PREFIX_FROM letters (all of a
    # shorter pattern), so the filing key finds every term a word can start.
    return any(_found_at(term, tokens, i)
               for i, token in enumerate(tokens) for term in terms.get(token[:PREFIX_FROM], ()))


def _terms(per_lang: PerLang) -> Terms:
    filed: defaultdict[str, list[Term]] = defaultdict(list)
    for lang in LANGS:
        for text in per_lang.get(lang):
            term = tuple(normalize(text).split())
            if term:
                filed[term[0][:PREFIX_FROM]].append(term)
    return {head: tuple(terms) for head, terms in filed.items()}
