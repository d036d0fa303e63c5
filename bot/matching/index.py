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
from array import array
from collections import Counter
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


def _word_grams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i:i + n] for n in GRAM_SIZES for i in range(len(padded) - n + 1)]


def char_grams(words: Iterable[str]) -> Counter[str]:
    """Character n-grams of each word, with a space marking where the word starts and ends."""
    grams: Counter[str] = Counter()
    for word in words:
        grams.update(_word_grams(word))
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
    """A sparse vector over the index's character n-grams: their numbers and weights."""

    ids: NDArray[np.int32]
    values: NDArray[np.float32]  # counts while building, weights once `unit`

    def unit(self, idf: NDArray[np.float64]) -> _Grams:
        """TF-IDF weights (sublinear term frequency), scaled to length 1."""
        weights = (1 + np.log(self.values)) * idf[self.ids]
        norm = float(np.linalg.norm(weights)) or 1.0
        return _Grams(self.ids, (weights / norm).astype(np.float32))


def _offsets(counts: list[int]) -> NDArray[np.int64]:
    """Where each row of a flat (CSR) array starts, and one past the last."""
    return np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))


class LanguageIndex:
    """The index of every entry in one language, built once when the knowledge base loads.

    Flat arrays (compressed sparse rows) rather than an object or array per entry and term:
    a fraction of the memory on large knowledge bases, and a handful of objects for the on-disk
    cache to save and load in one go.
    """

    def __init__(self, analyzer: Analyzer, entries: Iterable[Entry]) -> None:
        self.analyzer = analyzer
        self._entry_ids: list[str] = []
        # stems with function words, one string per example question, per entry
        self._phrasings: list[tuple[str, ...]] = []
        self._gram_ids: dict[str, int] = {}
        word_grams: dict[str, list[int]] = {}  # words repeat: their n-grams are looked up once

        def grams_of(words: list[str]) -> list[int]:
            found: list[int] = []
            for word in words:
                ids = word_grams.get(word)
                if ids is None:
                    ids = word_grams[word] = [self._gram_ids.setdefault(g, len(self._gram_ids))
                                              for g in _word_grams(word)]
                found += ids
            return found

        vocabulary: set[str] = set()  # every word (function words are the analyzer's own)
        term_counts: list[Counter[str]] = []
        # Flat typed arrays, not lists of ints or a Counter per entry: at 10 000 entries those
        # held a gigabyte while building.
        phrase_grams = array("l")  # each phrase's distinct n-grams, for document frequency
        doc_gram_ids = array("l")  # per entry, its distinct n-grams ...
        doc_gram_counts = array("f")  # ... and how often each occurs
        doc_lengths: list[int] = []
        phrase_count = 0
        for entry in entries:
            text = entry.text(analyzer.lang)
            phrases = [analyzer.words(p) for p in (*text.questions, text.claim, text.title)]
            keywords = [analyzer.content(analyzer.words(k)) for k in text.keywords]
            for words in (*phrases, *keywords):
                vocabulary.update(words)
            contents = [analyzer.content(words) for words in phrases]
            terms = [t for words in contents for t in analyzer.stems(words)]
            terms += [t for words in keywords for t in analyzer.stems(words)] * KEYWORD_WEIGHT
            entry_grams: list[int] = []
            for words in (*contents, *keywords):
                ids = grams_of(words)
                phrase_grams.extend(set(ids))
                entry_grams += ids
                phrase_count += 1
            self._entry_ids.append(entry.id)
            self._phrasings.append(tuple(" ".join(analyzer.stems(words)) for words in phrases))
            counted = Counter(entry_grams)
            doc_gram_ids.extend(counted)
            doc_gram_counts.extend(counted.values())
            doc_lengths.append(len(counted))
            term_counts.append(Counter(terms))
        analyzer.learn(vocabulary)
        df = np.bincount(np.frombuffer(phrase_grams, dtype=np.int_),
                         minlength=len(self._gram_ids))
        self._gram_idf = np.log(phrase_count / (1 + df)) + 1
        self._doc_offsets = _offsets(doc_lengths)
        self._doc_gram_ids = np.frombuffer(doc_gram_ids, dtype=np.int_).astype(np.int32)
        counts = np.frombuffer(doc_gram_counts, dtype=np.float32).astype(np.float64)
        weights = (1 + np.log(counts)) * self._gram_idf[self._doc_gram_ids]
        owner = np.repeat(np.arange(len(doc_lengths)), np.diff(self._doc_offsets))
        norms = np.sqrt(np.bincount(owner, weights=weights ** 2, minlength=len(doc_lengths)))
        norms[norms == 0] = 1.0
        self._doc_gram_values = (weights / norms[owner]).astype(np.float32)
        self._bm25_postings(term_counts)

    def _vector(self, grams: Counter[str]) -> _Grams:
        """The n-grams this index knows, as a sparse vector (unknown ones weigh nothing)."""
        known = [(self._gram_ids[g], c) for g, c in grams.items() if g in self._gram_ids]
        return _Grams(np.array([i for i, _ in known], dtype=np.int32),
                      np.array([c for _, c in known], dtype=np.float32))

    def _bm25_postings(self, term_counts: list[Counter[str]]) -> None:
        """Per term: the entries that use it, and BM25's saturated term frequency in each,
        divided by its ceiling (K1 + 1) so that a question fully covered scores 1."""
        lengths = [sum(counts.values()) for counts in term_counts]
        average = sum(lengths) / max(len(lengths), 1)
        self._term_ids: dict[str, int] = {}
        terms = array("l")
        values = array("d")
        for i, counts in enumerate(term_counts):
            saturation = K1 * (1 - B + B * lengths[i] / average)
            for term, tf in counts.items():
                terms.append(self._term_ids.setdefault(term, len(self._term_ids)))
                values.append(tf / (tf + saturation))
        owners = np.repeat(np.arange(len(term_counts), dtype=np.int32),
                           [len(c) for c in term_counts])
        term_ids = np.frombuffer(terms, dtype=np.int_)
        order = np.argsort(term_ids, kind="stable")
        self._post_entries = owners[order]
        self._post_values = np.frombuffer(values, dtype=np.float64)[order]
        df = np.bincount(term_ids, minlength=len(self._term_ids))
        self._post_offsets = _offsets(df.tolist())
        n = len(term_counts)
        self._idf = [self._bm25_idf(int(d), n) for d in df]
        self._unknown_idf = self._bm25_idf(0, n)

    @staticmethod
    def _bm25_idf(df: int, n: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    @property
    def nbytes(self) -> int:
        """The size of the index's arrays (the dicts and strings come on top)."""
        arrays = (self._gram_idf, self._doc_offsets, self._doc_gram_ids, self._doc_gram_values,
                  self._post_entries, self._post_values, self._post_offsets)
        return sum(a.nbytes for a in arrays) + self.analyzer.typo_bytes

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
                if w not in analyzer.vocabulary and stem not in self._term_ids
                and not self._ends_in_known_word(w)]

    def _ends_in_known_word(self, word: str) -> bool:
        """A compound whose last part the knowledge base uses is a kind of that thing, and so
        our topic: "spieroefeningen", "bovenbeenspieren", "kijkoperatie", "gonartrose"."""
        vocabulary = self.analyzer.vocabulary
        return any(word[cut:] in vocabulary
                   for cut in range(MIN_HEAD, len(word) - MIN_TAIL + 1))

    def entries_using(self, term: str) -> NDArray[np.int32]:
        """The entries (by number, see `entry`, in increasing order) whose example questions,
        claim, title or keywords use `term` (a stem)."""
        i = self._term_ids.get(term)
        if i is None:
            return np.zeros(0, dtype=np.int32)
        return self._post_entries[self._post_offsets[i]:self._post_offsets[i + 1]]

    def entry(self, number: int) -> tuple[str, tuple[str, ...]]:
        """An entry's id and its example questions, claim and title as stems (function words
        kept)."""
        return self._entry_ids[number], self._phrasings[number]

    def signals(self, question: str) -> list[tuple[str, dict[str, float]]]:
        """Each signal (0–1) for the entries worth scoring, in BM25 order."""
        analyzer = self.analyzer
        words = analyzer.words(question, repair=True)
        content = analyzer.content(words)
        terms = list(dict.fromkeys(analyzer.stems(content)))
        if not terms:
            return []
        ids = {t: self._term_ids.get(t) for t in terms}
        weights = {t: self._unknown_idf if i is None else self._idf[i] for t, i in ids.items()}
        total = sum(weights.values())
        bm25 = np.zeros(len(self._entry_ids))
        for term, i in ids.items():
            if i is not None:
                start, end = self._post_offsets[i], self._post_offsets[i + 1]
                bm25[self._post_entries[start:end]] += weights[term] * self._post_values[start:end]
        ranked = _top(bm25, MAX_SCORED)
        query = self._vector(char_grams(content)).unit(self._gram_idf)
        dense = np.zeros(len(self._gram_ids), dtype=np.float32)
        dense[query.ids] = query.values
        phrasing = " ".join(analyzer.stems(words))
        results = []
        for i in ranked:
            start, end = self._doc_offsets[i], self._doc_offsets[i + 1]
            phrasings = self._phrasings[i]
            results.append((self._entry_ids[i], {
                "bm25": float(bm25[i]) / total,
                "grams": float(dense[self._doc_gram_ids[start:end]]
                               @ self._doc_gram_values[start:end]),
                "fuzzy_set": _closest(phrasing, phrasings, fuzz.token_set_ratio),
                "fuzzy_ratio": _closest(phrasing, phrasings, fuzz.ratio),
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
