"""Red flags first: a question that may describe an emergency never gets a myth answer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge.models import LANGS, Safety, SafetyRule
from bot.matching.normalize import normalize

EXACT_UP_TO = 4  # words this short must match exactly: "val" is not "valt", "hart" not "hartelijk"
INSIDE_FROM = 6  # words this long also match inside a compound: "operatie" in "knieoperatie"
TYPO_FROM = 5  # words this long also match with one typo: "koors", "gezwolen", "koorst"
MAX_GAP = 1  # words of a term may be one word apart: "zie het [echt] niet meer zitten"
HIT_CACHE_SIZE = 50_000

Term = tuple[str, ...]


def word_matches(pattern: str, token: str) -> bool:
    """Does one word of a red-flag term match one word of the question?"""
    if len(pattern) <= EXACT_UP_TO:
        return token == pattern
    if token.startswith(pattern):
        return True
    if len(pattern) >= INSIDE_FROM and pattern in token:
        return True
    # One typo: a letter wrong, missing or extra, or two neighbours swapped ("koorst"); OSA
    # counts a swap as one edit where Levenshtein counts two.
    return len(pattern) >= TYPO_FROM and OSA.distance(token[: len(pattern)], pattern) <= 1


class WordMatcher:
    """`word_matches` of one token against every rule word at once, in time that grows with
    the token's length, not with the number of rule words (a new word in a question would
    otherwise be compared with each of hundreds of them, the largest cost of a cold match)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = set(patterns)
        self._exact = frozenset(p for p in patterns if len(p) <= EXACT_UP_TO)
        self._prefixes = frozenset(p for p in patterns if len(p) > EXACT_UP_TO)
        self._inside = frozenset(p for p in patterns if len(p) >= INSIDE_FROM)
        self._inside_lengths = sorted({len(p) for p in self._inside})
        by_length: dict[int, list[str]] = defaultdict(list)
        for p in sorted(patterns):
            if len(p) >= TYPO_FROM:
                by_length[len(p)].append(p)
        self._typos = sorted(by_length.items())

    def __call__(self, token: str) -> frozenset[str]:
        found = {token} & self._exact
        found.update(token[:n] for n in range(EXACT_UP_TO + 1, len(token) + 1)
                     if token[:n] in self._prefixes)
        for n in self._inside_lengths:
            found.update(token[i:i + n] for i in range(len(token) - n + 1)
                         if token[i:i + n] in self._inside)
        for n, group in self._typos:
            hits = process.extract(token[:n], group, scorer=OSA.distance, score_cutoff=1,
                                   limit=None)
            found.update(str(hit[0]) for hit in hits)
        return frozenset(found)


@dataclass(frozen=True)
class Hits:
    """Per word of the question, the rule words it matches; and per rule word, where."""

    at: Sequence[frozenset[str]]
    where: Mapping[str, Sequence[int]]


def _term_at(term: Term, hits: Hits, start: int) -> bool:
    if term[0] not in hits.at[start]:
        return False
    if len(term) == 1:
        return True
    following = range(start + 1, min(start + 2 + MAX_GAP, len(hits.at)))
    return any(_term_at(term[1:], hits, i) for i in following)


def contains(term: Term, hits: Hits) -> bool:
    # Only where the term's first word matched: most terms match nowhere, at no cost.
    return any(_term_at(term, hits, i) for i in hits.where.get(term[0], ()))


@dataclass(frozen=True)
class _Group:
    """Terms of which one must be in the question, and the words they start with."""

    terms: tuple[Term, ...]
    firsts: frozenset[str]

    @classmethod
    def of(cls, terms: tuple[Term, ...]) -> _Group:
        return cls(terms, frozenset(term[0] for term in terms))

    def found(self, hits: Hits) -> bool:
        # Most groups have no first word in the question: one set operation rules them out.
        return (not self.firsts.isdisjoint(hits.where)
                and any(contains(term, hits) for term in self.terms))


@dataclass(frozen=True)
class _Rule:
    rule: SafetyRule
    patterns: tuple[tuple[_Group, ...], ...]
    cancels: _Group

    def fires(self, hits: Hits) -> bool:
        if self.cancels.found(hits):
            return False
        return any(all(group.found(hits) for group in pattern) for pattern in self.patterns)


def _group(texts: Iterable[str]) -> _Group:
    terms = (tuple(normalize(text).split()) for text in texts)
    return _Group.of(tuple(term for term in terms if term))


class SafetyCheck:
    """The red-flag rules of both languages, compiled once.

    Both languages' rules are tried on every question: a Dutch question misread as English must
    still be caught, and a missed emergency costs far more than a false alarm.
    """

    def __init__(self, safety: Safety) -> None:
        self._rules = [
            _Rule(rule=rule,
                  patterns=tuple(tuple(_group(texts) for texts in pattern)
                                 for lang in LANGS for pattern in rule.patterns(lang)),
                  cancels=_group(t for lang in LANGS for t in rule.must_not.get(lang)))
            for rule in safety.rules
        ]
        groups = [g for r in self._rules for p in r.patterns for g in p]
        terms = [t for g in (*groups, *(r.cancels for r in self._rules)) for t in g.terms]
        self._words = WordMatcher(word for term in terms for word in term)
        # Questions reuse words ("knie", "pijn"), so each word is compared with every rule word
        # once, not once per rule per question.
        self._hits: dict[str, frozenset[str]] = {}

    def _hits_of(self, token: str) -> frozenset[str]:
        found = self._hits.get(token)
        if found is None:
            if len(self._hits) >= HIT_CACHE_SIZE:
                self._hits.clear()
            found = self._words(token)
            self._hits[token] = found
        return found

    def check(self, tokens: Sequence[str]) -> SafetyRule | None:
        """The first rule that fires on the normalised words of a question, or None."""
        at = [self._hits_of(token) for token in tokens]
        where: dict[str, list[int]] = defaultdict(list)
        for i, words in enumerate(at):
            for word in words:
                where[word].append(i)
        hits = Hits(at, where)
        return next((r.rule for r in self._rules if r.fires(hits)), None)
