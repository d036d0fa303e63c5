"""Scoring questions against entries, per language.

Four signals, because each fails in its own way (weights measured on tests/data/eval_dev.tsv
with `benchmarks/tune.py`-style searches; see README "How matching works"):

- `bm25`: BM25 over stems, divided by its ceiling so a question fully covered scores 1. Rewards
  the rare, telling words of an entry ("injectie", "gewicht"); also prunes: only entries that
  share a stem with the question are scored further, which keeps large knowledge bases fast.
- `grams`: cosine of character 3–5-gram TF-IDF vectors between the question and all of an
  entry's phrasings together. Forgives typos, inflection and Dutch compounds ("kniepijn").
- `fuzzy_set`, `fuzzy_ratio`: rapidfuzz's token-set and plain ratios against the closest example
  question, on stems with function words kept, so "wat is artrose" still looks like itself.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from bot.knowledge.models import Entry
from bot.matching.analyzer import Analyzer

K1 = 1.2
B = 0.5
KEYWORD_WEIGHT = 2  # keywords are the editor's own summary of an entry: count them double
GRAM_SIZES = (3, 4, 5)
WEIGHTS = {"bm25": 0.25, "grams": 1.0, "fuzzy_set": 1.0, "fuzzy_ratio": 1.0}
MAX_CANDIDATES = 40  # entries scored in full: the best by BM25


def char_grams(words: Iterable[str]) -> Counter[str]:
    """Character n-grams of each word, with a space marking where the word starts and ends."""
    grams: Counter[str] = Counter()
    for word in words:
        padded = f" {word} "
        for n in GRAM_SIZES:
            grams.update(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


def _top(scores: NDArray[np.float64], k: int) -> list[int]:
    """Indexes of the k highest non-zero scores, best first (ties: the earlier entry)."""
    found = np.flatnonzero(scores)
    if len(found) > k:
        found = found[np.argpartition(-scores[found], k - 1)[:k]]
    return sorted(found.tolist(), key=lambda i: (-scores[i], i))


def _closest(query: str, phrasings: tuple[str, ...], scorer: Callable[..., float]) -> float:
    """Similarity (0–1) of the query to the most similar phrasing."""
    found = process.extractOne(query, phrasings, scorer=scorer)
    return 0.0 if found is None else float(found[1]) / 100


def _unit(counts: Mapping[str, float], idf: Mapping[str, float]) -> dict[str, float]:
    weighted = {g: (1 + math.log(c)) * idf.get(g, 0.0) for g, c in counts.items() if c > 0}
    norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
    return {g: v / norm for g, v in weighted.items()}


@dataclass(frozen=True)
class _Doc:
    entry_id: str
    phrasings: tuple[str, ...]  # stems with function words, one string per example question
    grams: dict[str, float]  # unit TF-IDF vector of the entry's character n-grams


class LanguageIndex:
    """The index of every entry in one language, built once when the knowledge base loads."""

    def __init__(self, analyzer: Analyzer, entries: Iterable[Entry]) -> None:
        self.analyzer = analyzer
        self._docs: list[_Doc] = []
        term_counts: list[Counter[str]] = []
        gram_counts: list[Counter[str]] = []
        gram_df: Counter[str] = Counter()
        phrase_count = 0
        for entry in entries:
            text = entry.text(analyzer.lang)
            phrases = [*text.questions, text.claim, text.title]
            terms = [t for p in phrases for t in analyzer.terms(p)]
            terms += [t for k in text.keywords for t in analyzer.terms(k)] * KEYWORD_WEIGHT
            entry_grams: Counter[str] = Counter()
            for phrase in (*phrases, *text.keywords):
                grams = char_grams(analyzer.content(analyzer.words(phrase)))
                entry_grams.update(grams)
                gram_df.update(grams.keys())
                phrase_count += 1
            gram_counts.append(entry_grams)
            phrasings = tuple(" ".join(analyzer.stems(analyzer.words(p))) for p in phrases)
            self._docs.append(_Doc(entry.id, phrasings, {}))
            term_counts.append(Counter(terms))
        self._gram_idf = {g: math.log(phrase_count / (1 + df)) + 1 for g, df in gram_df.items()}
        for i, counts in enumerate(gram_counts):
            self._docs[i].grams.update(_unit(counts, self._gram_idf))
        self._postings = self._bm25_postings(term_counts)
        n = len(self._docs)
        self._idf = {t: self._bm25_idf(len(p[0]), n) for t, p in self._postings.items()}
        self._unknown_idf = self._bm25_idf(0, n)

    @staticmethod
    def _bm25_postings(term_counts: list[Counter[str]]) -> dict[str, tuple[NDArray[np.intp],
                                                                           NDArray[np.float64]]]:
        """Per term: the entries that use it, and BM25's saturated term frequency in each,
        divided by its ceiling (K1 + 1) so that a question fully covered scores 1."""
        lengths = [sum(counts.values()) for counts in term_counts]
        average = sum(lengths) / max(len(lengths), 1)
        lists: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, counts in enumerate(term_counts):
            saturation = K1 * (1 - B + B * lengths[i] / average)
            for term, tf in counts.items():
                entries, values = lists[term]
                entries.append(i)
                values.append(tf / (tf + saturation))
        return {t: (np.array(e, dtype=np.intp), np.array(v)) for t, (e, v) in lists.items()}

    @staticmethod
    def _bm25_idf(df: int, n: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def signals(self, question: str) -> list[tuple[str, dict[str, float]]]:
        """Each signal (0–1) for the entries worth scoring, in BM25 order."""
        analyzer = self.analyzer
        words = analyzer.words(question, repair=True)
        content = analyzer.content(words)
        terms = list(dict.fromkeys(analyzer.stems(content)))
        if not terms:
            return []
        weights = {t: self._idf.get(t, self._unknown_idf) for t in terms}
        total = sum(weights.values())
        bm25 = np.zeros(len(self._docs))
        for term in terms:
            if term in self._postings:
                entries, values = self._postings[term]
                bm25[entries] += weights[term] * values
        ranked = _top(bm25, MAX_CANDIDATES)
        query_grams = _unit(char_grams(content), self._gram_idf)
        phrasing = " ".join(analyzer.stems(words))
        results = []
        for i in ranked:
            doc = self._docs[i]
            results.append((doc.entry_id, {
                "bm25": float(bm25[i]) / total,
                "grams": sum(w * doc.grams.get(g, 0.0) for g, w in query_grams.items()),
                "fuzzy_set": _closest(phrasing, doc.phrasings, fuzz.token_set_ratio),
                "fuzzy_ratio": _closest(phrasing, doc.phrasings, fuzz.ratio),
            }))
        return results

    def scores(self, question: str) -> list[tuple[str, float]]:
        """(entry id, combined score in 0–1), best first; only entries sharing a stem."""
        total = sum(WEIGHTS.values())
        combined = [(entry_id, sum(WEIGHTS[k] * v for k, v in signals.items()) / total)
                    for entry_id, signals in self.signals(question)]
        combined.sort(key=lambda item: (-item[1], item[0]))
        return combined
