"""Scoring questions against entries: BM25 over stems, combined with fuzzy string similarity.

The two signals fail differently: BM25 rewards the rare, telling words of an entry
("injectie", "gewicht") but is blind to word order and to words it has never seen; the fuzzy
score compares the whole question with each example question and forgives spelling. Which mix
works best was measured on tests/data/eval_dev.tsv (see `FUZZY_WEIGHT`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.knowledge.models import Entry
from bot.matching.analyzer import Analyzer

K1 = 1.2
B = 0.5
KEYWORD_WEIGHT = 2  # keywords are the editor's own summary of an entry: count them double
FUZZY_WEIGHT = 0.5
MAX_FUZZY_CANDIDATES = 40  # fuzzy scores only for the best BM25 entries: keeps large bases fast


@dataclass(frozen=True)
class _Doc:
    entry_id: str
    tf: Counter[str]
    length: int
    questions: tuple[str, ...]


class LanguageIndex:
    """The index of every entry in one language, built once when the knowledge base loads."""

    def __init__(self, analyzer: Analyzer, entries: Iterable[Entry]) -> None:
        self.analyzer = analyzer
        self._docs: list[_Doc] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        for entry in entries:
            text = entry.text(analyzer.lang)
            terms: list[str] = []
            for phrase in (*text.questions, text.claim, text.title):
                terms += analyzer.terms(phrase)
            for keyword in text.keywords:
                terms += analyzer.terms(keyword) * KEYWORD_WEIGHT
            questions = tuple(" ".join(analyzer.terms(q)) for q in (*text.questions, text.claim))
            doc = _Doc(entry.id, Counter(terms), len(terms), questions)
            for term in doc.tf:
                self._postings[term].append(len(self._docs))
            self._docs.append(doc)
        n = len(self._docs)
        self._avg_length = sum(d.length for d in self._docs) / max(n, 1)
        self._idf = {t: self._idf_of(len(p), n) for t, p in self._postings.items()}
        self._unknown_idf = self._idf_of(0, n)

    @staticmethod
    def _idf_of(df: int, n: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, terms: Sequence[str]) -> list[tuple[str, float]]:
        """(entry id, score in 0-1) for every entry sharing a term with the question, best first."""
        unique = list(dict.fromkeys(terms))
        if not unique:
            return []
        weights = {t: self._idf.get(t, self._unknown_idf) for t in unique}
        total = sum(weights.values())
        bm25: dict[int, float] = defaultdict(float)
        for term in unique:
            for i in self._postings.get(term, ()):
                doc = self._docs[i]
                tf = doc.tf[term]
                norm = K1 * (1 - B + B * doc.length / self._avg_length)
                # BM25's term weight divided by its ceiling (K1 + 1), so a full match scores 1.
                bm25[i] += weights[term] * tf / (tf + norm)
        ranked = sorted(bm25.items(), key=lambda item: item[1], reverse=True)
        query = " ".join(terms)
        results = []
        for i, value in ranked[:MAX_FUZZY_CANDIDATES]:
            doc = self._docs[i]
            similar = max(fuzz.token_sort_ratio(query, q) for q in doc.questions) / 100
            combined = (1 - FUZZY_WEIGHT) * value / total + FUZZY_WEIGHT * similar
            results.append((doc.entry_id, combined))
        results.sort(key=lambda item: (-item[1], item[0]))
        return results
