"""Topic words: the keywords that name one entry's subject and no other's ("ijs", "rollator",
"manuele therapie", "jicht"). A question that names an entry's subject is about that entry
far more often than its other words say: "ice pack after exercise, good or bad?" is about ice,
though "exercise ... good or bad" is the frame of another entry.

Taken from the entries' own keywords, so editors steer them there: a keyword is a topic word
when it is the keyword of one entry only, no other entry uses it (in its example questions,
claim or title), and it is not an everyday word (which names no subject: "weer" is weather
and "again"; "week").

A keyword of two entries and no other ("brace": knee braces and hand splints; "diet": weight
loss and food) is no one's topic word, but it still names a subject one of the two answers: a
question that uses it is not answered from a third entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from bot.knowledge.models import Entry
from bot.matching.index import LanguageIndex

# A keyword whose words are all at least this common (Zipf) names no subject of its own: "weer"
# (weather, and "again") 6.0, "week" 5.6, "job" in English 5.5; "ice" 5.0, "ijs" 4.5 and
# "rollator" 3.1 do.
EVERYDAY_ZIPF = 5.3

# A keyword shared by this many entries still names their common subject (see `shared`).
MAX_SHARERS = 2

# A keyword of one entry that one other entry also uses names the subject of the two only if
# it is rarer than this (Zipf): "massage" 4.0, "orthopaedic" 2.9 and "ontsteking" 3.8 do;
# "repair" 4.4, "weight" 5.0 and "verschil" 5.0 are said of everything.
SHARED_UNCOMMON_ZIPF = 4.2

# A keyword of several words whose words more entries than this use, each somewhere, is taken
# to be shared without reading their phrases (which on large knowledge bases takes seconds).
MAX_PHRASE_CHECKS = 3

Term = tuple[str, ...]  # the stems of a keyword, all of which the question must have


class TopicWords:
    """One language's topic words, built once from the entries and their index."""

    def __init__(self, index: LanguageIndex, entries: Iterable[Entry],
                 everyday: frozenset[str], ordinary: frozenset[str] | None = None) -> None:
        """`everyday`: the language's common words (a keyword all of whose words are common
        is no topic word). `ordinary`: its words at least `SHARED_UNCOMMON_ZIPF` common (a
        keyword of one entry that one other entry uses too names their subject only if it has
        none of them); None: such keywords name no subject."""
        self.analyzer = analyzer = index.analyzer
        owners: dict[Term, set[str]] = defaultdict(set)
        words: dict[Term, set[str]] = defaultdict(set)
        read: dict[str, Term] = {}  # keywords repeat across entries: each is read once
        for entry in entries:
            for keyword in entry.text(analyzer.lang).keywords:
                term = read.get(keyword)
                if term is None:
                    content = analyzer.content(analyzer.words(keyword))
                    term = read[keyword] = tuple(sorted(set(analyzer.stems(content))))
                    if term:
                        words[term].update(content)
                if term:
                    owners[term].add(entry.id)
        # each topic word (or keyword two entries share) with the entries whose subject it names
        self._terms: dict[Term, frozenset[str]] = {}
        for term, ids in owners.items():
            # an everyday word names no subject
            if len(ids) > MAX_SHARERS or words[term] <= everyday:
                continue
            # another entry that uses the keyword ("is a physio just massage?"): the word is
            # shared ground, not this entry's alone. A keyword of several words counts as used
            # only where one phrase has them all ("after" and "surgery" apart are not "after
            # surgery").
            using = _all_using(index, term)  # the owners themselves among them
            if len(using) > len(ids) and (
                    len(term) == 1 or len(using) > MAX_PHRASE_CHECKS + len(ids)
                    or any(self._in_one_phrase(index.entry(number), ids, term)
                           for number in using.tolist())):
                # ... but an uncommon word its owner shares with one other entry alone
                # ("massage": other treatments, and "is a physio just massage?") still names
                # the subject of one of the two: a third entry does not answer it.
                if (len(term) == 1 and len(ids) == 1 and len(using) <= MAX_SHARERS
                        and ordinary is not None and not words[term] & ordinary):
                    self._terms[term] = frozenset(
                        index.entry(number)[0] for number in using.tolist())
                continue
            self._terms[term] = frozenset(ids)
        # a question is checked only against the topic words that share a stem with it
        self._by_stem: dict[str, list[Term]] = defaultdict(list)
        for term in self._terms:
            self._by_stem[term[0]].append(term)

    @staticmethod
    def _in_one_phrase(entry: tuple[str, tuple[str, ...]], owners: set[str],
                       term: Term) -> bool:
        """Does an entry other than `owners` have all of `term` in one of its phrasings?"""
        entry_id, phrasings = entry
        return entry_id not in owners and any(set(term) <= set(p.split()) for p in phrasings)

    def owners(self, question: str) -> dict[str, list[str]]:
        """The entries whose topic words the question uses, with those words (as stems)."""
        return self.named(set(self.analyzer.terms(question, repair=True)))

    def named(self, stems: set[str]) -> dict[str, list[str]]:
        """`owners` of a question's stems (its analysed content words)."""
        found: dict[str, list[str]] = {}
        for term, owners in self._used(stems):
            if len(owners) == 1:
                found.setdefault(next(iter(owners)), []).append("+".join(term))
        return found

    def shared(self, stems: set[str]) -> list[frozenset[str]]:
        """For each keyword of two entries that `stems` use, those two entries: one of them is
        what the question is about."""
        return [owners for _, owners in self._used(stems) if len(owners) > 1]

    def _used(self, stems: set[str]) -> list[tuple[Term, frozenset[str]]]:
        return [(term, self._terms[term]) for stem in sorted(stems)
                for term in self._by_stem.get(stem, ()) if stems.issuperset(term)]

    def of(self, entry_id: str) -> Sequence[str]:
        """The topic words of one entry (as stems), for checks and reports."""
        return sorted("+".join(t) for t, owners in self._terms.items() if owners == {entry_id})

    def shared_by(self, entry_id: str) -> Sequence[str]:
        """The keywords `entry_id` shares with one other entry and no more (as stems)."""
        return sorted("+".join(t) for t, owners in self._terms.items()
                      if len(owners) > 1 and entry_id in owners)


def _all_using(index: LanguageIndex, term: Term) -> NDArray[np.int32]:
    """The entries that use every stem of `term` (each list is sorted: binary search)."""
    postings = sorted((index.entries_using(stem) for stem in term), key=len)
    using = postings[0]
    for other in postings[1:]:
        if len(using) <= 1:
            break
        at = np.minimum(np.searchsorted(other, using), len(other) - 1)
        using = using[other[at] == using]
    return using
