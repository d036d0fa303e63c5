"""Scoring questions against entries, per language.

Four signals, because each fails in its own way (weights measured on tests/data/eval_dev.tsv
with grid searches over the signals, each alone and combined; see README "How matching works"):

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
from collections.abc import Callable, Iterable
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
MAX_SCORED = 40  # entries scored in full: the best by BM25
# A compound's known last part must be this long to vouch for it ("pijn" in "groeipijn" is a
# different complaint), its first part at least this long.
MIN_TAIL = 5
MIN_HEAD = 3


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


@dataclass(frozen=True)
class _Grams:
    """A sparse vector over the index's character n-grams: their numbers and weights.

    Arrays rather than a dict per entry: a tenth of the memory on large knowledge bases."""

    ids: NDArray[np.int32]
    values: NDArray[np.float32]  # counts while building, weights once `unit`

    def unit(self, idf: NDArray[np.float64]) -> _Grams:
        """TF-IDF weights (sublinear term frequency), scaled to length 1."""
        weights = (1 + np.log(self.values)) * idf[self.ids]
        norm = float(np.linalg.norm(weights)) or 1.0
        return _Grams(self.ids, (weights / norm).astype(np.float32))


@dataclass
class _Doc:
    entry_id: str
    phrasings: tuple[str, ...]  # stems with function words, one string per example question
    grams: _Grams  # n-gram counts while building, then the unit TF-IDF vector


class LanguageIndex:
    """The index of every entry in one language, built once when the knowledge base loads."""

    def __init__(self, analyzer: Analyzer, entries: Iterable[Entry]) -> None:
        self.analyzer = analyzer
        self._docs: list[_Doc] = []
        term_counts: list[Counter[str]] = []
        self._gram_ids: dict[str, int] = {}
        gram_df: Counter[int] = Counter()
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
                gram_df.update(self._gram_ids.setdefault(g, len(self._gram_ids)) for g in grams)
                phrase_count += 1
            phrasings = tuple(" ".join(analyzer.stems(analyzer.words(p))) for p in phrases)
            self._docs.append(_Doc(entry.id, phrasings, self._vector(entry_grams)))
            term_counts.append(Counter(terms))
        df = np.zeros(len(self._gram_ids))
        df[list(gram_df)] = list(gram_df.values())
        self._gram_idf = np.log(phrase_count / (1 + df)) + 1
        for doc in self._docs:
            doc.grams = doc.grams.unit(self._gram_idf)
        self._postings = self._bm25_postings(term_counts)
        n = len(self._docs)
        self._idf = {t: self._bm25_idf(len(p[0]), n) for t, p in self._postings.items()}
        self._unknown_idf = self._bm25_idf(0, n)

    def _vector(self, grams: Counter[str]) -> _Grams:
        """The n-grams this index knows, as a sparse vector (unknown ones weigh nothing)."""
        known = [(self._gram_ids[g], c) for g, c in grams.items() if g in self._gram_ids]
        return _Grams(np.array([i for i, _ in known], dtype=np.int32),
                      np.array([c for _, c in known], dtype=np.float32))

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

    def known_share(self, question: str) -> float:
        """The share of the question's content words that this knowledge base uses (after
        typo repair): low for off-topic questions, which bring their own vocabulary."""
        content = self.analyzer.content(self.analyzer.words(question, repair=True))
        if not content:
            return 0.0
        return sum(w in self.analyzer.vocabulary for w in content) / len(content)

    def unfamiliar(self, question: str) -> list[str]:
        """The question's content words that this knowledge base has never used, even after
        typo repair, compound splitting, stemming and synonyms ("kurkuma", "vader")."""
        analyzer = self.analyzer
        content = analyzer.content(analyzer.words(question, repair=True))
        return [w for w, stem in zip(content, analyzer.stems(content), strict=True)
                if w not in analyzer.vocabulary and stem not in self._postings
                and not self._ends_in_known_word(w)]

    def _ends_in_known_word(self, word: str) -> bool:
        """A compound whose last part the knowledge base uses is a kind of that thing, and so
        our topic: "spieroefeningen", "bovenbeenspieren", "kijkoperatie", "gonartrose"."""
        vocabulary = self.analyzer.vocabulary
        return any(word[cut:] in vocabulary
                   for cut in range(MIN_HEAD, len(word) - MIN_TAIL + 1))

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
        ranked = _top(bm25, MAX_SCORED)
        query = self._vector(char_grams(content)).unit(self._gram_idf)
        dense = np.zeros(len(self._gram_ids), dtype=np.float32)
        dense[query.ids] = query.values
        phrasing = " ".join(analyzer.stems(words))
        results = []
        for i in ranked:
            doc = self._docs[i]
            results.append((doc.entry_id, {
                "bm25": float(bm25[i]) / total,
                "grams": float(dense[doc.grams.ids] @ doc.grams.values),
                "fuzzy_set": _closest(phrasing, doc.phrasings, fuzz.token_set_ratio),
                "fuzzy_ratio": _closest(phrasing, doc.phrasings, fuzz.ratio),
            }))
        return results

    def scores(self, question: str) -> list[tuple[str, float]]:
        """(entry id, combined score in 0–1), best first; only entries sharing a stem."""
        return combine(self.signals(question))


def combine(signals: list[tuple[str, dict[str, float]]]) -> list[tuple[str, float]]:
    """(entry id, the signals' weighted mean in 0–1), best first."""
    total = sum(WEIGHTS.values())
    combined = [(entry_id, sum(WEIGHTS[k] * v for k, v in values.items()) / total)
                for entry_id, values in signals]
    combined.sort(key=lambda item: (-item[1], item[0]))
    return combined


def votes(signals: list[tuple[str, dict[str, float]]], entry_id: str) -> int:
    """How many signals, each on its own, rank `entry_id` first (a tie counts for it).

    A right answer is usually first by most signals; a wrong one often wins on one signal
    alone (a shared frame like "is ... slecht voor mijn knie", or one rare word)."""
    mine = next((values for e, values in signals if e == entry_id), None)
    if mine is None:
        return 0
    return sum(mine[k] >= max(values[k] for _, values in signals) for k in WEIGHTS)
