"""Topic words: the keywords that name one entry's subject and no other's ("ijs", "rollator",
"manuele therapie", "jicht"). A question that names an entry's subject is about that entry
far more often than its other words say: "ice pack after exercise, good or bad?" is about ice,
though "exercise ... good or bad" is the frame of another entry.

Taken from the entries' own keywords, so editors steer them there: a keyword is a topic word
when it is the keyword of one entry only, no other entry's example questions use it, and it is
not an everyday word (which names no subject: "weer" is weather and "again"; "week").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from bot.knowledge.models import Entry
from bot.matching.analyzer import Analyzer
from bot.matching.normalize import normalize

# A keyword whose words are all at least this common (Zipf) names no subject of its own: "weer"
# (weather, and "again") 6.0, "week" 5.6, "job" in English 5.5; "ice" 5.0, "ijs" 4.5 and
# "rollator" 3.1 do.
EVERYDAY_ZIPF = 5.3

Term = tuple[str, ...]  # the stems of a keyword, all of which the question must have


class TopicWords:
    """One language's topic words, built once from the entries."""

    def __init__(self, analyzer: Analyzer, entries: Iterable[Entry],
                 everyday: frozenset[str]) -> None:
        """`everyday`: the language's common words (a keyword all of whose words are common
        is no topic word)."""
        self.analyzer = analyzer
        lang = analyzer.lang
        phrases: list[tuple[str, frozenset[str]]] = []  # (entry, the stems of one phrasing)
        owners: dict[Term, set[str]] = defaultdict(set)
        words: dict[Term, set[str]] = defaultdict(set)
        for entry in entries:
            text = entry.text(lang)
            phrases += [(entry.id, frozenset(analyzer.terms(phrase)))
                        for phrase in (*text.questions, text.claim, text.title)]
            for keyword in text.keywords:
                term = tuple(sorted(set(analyzer.terms(keyword))))
                if term:
                    owners[term].add(entry.id)
                    words[term].update(analyzer.content(normalize(keyword).split()))
        self._terms: dict[Term, str] = {}
        for term, ids in owners.items():
            if len(ids) != 1:
                continue
            (owner,) = ids
            # another entry's example question with the whole keyword ("is a physio just
            # massage?"): the word is shared ground, not this entry's alone
            if any(entry_id != owner and stems.issuperset(term) for entry_id, stems in phrases):
                continue
            # an everyday word, or a keyword that stems to one ("tens" -> "ten")
            if words[term] <= everyday or set(term) <= everyday:
                continue
            self._terms[term] = owner

    def owners(self, question: str) -> dict[str, list[str]]:
        """The entries whose topic words the question uses, with those words (as stems)."""
        return self.named(set(self.analyzer.terms(question, repair=True)))

    def named(self, stems: set[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for term, owner in self._terms.items():
            if stems.issuperset(term):
                found.setdefault(owner, []).append("+".join(term))
        return found

    def of(self, entry_id: str) -> Sequence[str]:
        """The topic words of one entry (as stems), for checks and reports."""
        return sorted("+".join(t) for t, owner in self._terms.items() if owner == entry_id)
