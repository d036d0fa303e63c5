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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from bot.knowledge.models import Entry
from bot.matching.analyzer import Analyzer
from bot.matching.arrays import Numbers, offsets, ranges
from bot.matching.fuzzy import Phrasings

K1 = 1.2
B = 0.5
KEYWORD_WEIGHT = 2  # keywords are the editor's own summary of an entry: count them double
GRAM_SIZES = (3, 4, 5)
# Re-fit leave-one-writer-out on the twelve dev writers and on the later batches as they came
# (scripts/weights.py, README round 12), with the fuzzy share for long messages, their length
# and the topic bonus: no setting chosen on the other writers ranked better for the one left
# out (96.6% -> 96.1% and 92.1% -> 91.9% right first), so these stay.
WEIGHTS = {"bm25": 0.25, "grams": 1.0, "fuzzy_set": 1.0, "fuzzy_ratio": 1.0}
# A long message (a story around the question) is ranked with the fuzzy signals at half weight:
# the token-set ratio ignores a question's extra words, so against a long message every entry
# with a short example scores high on it, and the plain ratio is diluted into noise. On the dev
# sets, ranking by each signal alone, messages of more than 12 words were first by BM25 and the
# n-grams 85-86% of the time, by the token-set ratio 61%, by the plain ratio 50%.
LONG_WEIGHTS = {"bm25": 0.25, "grams": 1.0, "fuzzy_set": 0.5, "fuzzy_ratio": 0.5}
# Entries scored in full: the best by BM25. The fuzzy signals cost most; on the dev sets the
# entries ranked 25th to 40th by BM25 never became a question's first (40 -> 24: top-1 the same
# on eval_dev and eval_near, one wrong answer fewer, 10 of 3 693 decisions changed), and a long
# question shares a word with most entries, so it scored nearly all of them.
MAX_SCORED = 24
WORD_MEMO_SIZE = 50_000  # words whose known n-grams are remembered (then forgotten at once)
CHUNK = 256  # entries whose n-grams are counted at once while building
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


def _run_starts(ordered: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Where each run of equal values in `ordered` starts."""
    new = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    return new


def _distinct(keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The distinct keys in the order of their first occurrence, and how often each occurs.

    A stable sort groups equal keys; the groups are then put back in the order in which
    they first occur by marking those positions, which costs less than sorting them again
    (NumPy's `unique` gives sorted keys, and is slower still)."""
    n = len(keys)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new = _run_starts(ordered)
    starts = np.flatnonzero(new)
    group = np.empty(n, dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    first = np.zeros(n, dtype=bool)
    first[order[starts]] = True
    in_order = group[first]  # each group, by where it first occurs
    return ordered[starts][in_order], np.diff(np.append(starts, n))[in_order]


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
        phrasings: list[tuple[str, ...]] = []
        self._gram_memo: dict[str, list[int]] = {}  # a word's known n-grams, by `_vector`
        # Each content word is numbered once; what is counted per word (n-grams, BM25 terms)
        # is then counted with NumPy over those numbers, not word by word in Python: at
        # 10 000 entries that is 17 million n-grams a language.
        words = Numbers()
        number = words.__getitem__
        # Per phrase (an entry's questions, claim and title, then its keywords): its content
        # words' numbers, how many there are, and whether it is a keyword.
        occurrences = array("q")
        phrase_lengths = array("q")
        phrase_keyword = array("b")
        entry_phrases = array("q")
        for entry in entries:
            text = entry.text(analyzer.lang)
            phrases = [analyzer.words(p) for p in (*text.questions, text.claim, text.title)]
            keywords = [analyzer.content(analyzer.words(k)) for k in text.keywords]
            for found in (*(analyzer.content(p) for p in phrases), *keywords):
                occurrences.extend(map(number, found))
                phrase_lengths.append(len(found))
            phrase_keyword.extend([0] * len(phrases) + [1] * len(keywords))
            entry_phrases.append(len(phrases) + len(keywords))
            self._entry_ids.append(entry.id)
            phrasings.append(tuple(" ".join(analyzer.stems(p)) for p in phrases))
        self._phrasings = Phrasings(phrasings)
        self._entry_numbers = {e: n for n, e in enumerate(self._entry_ids)}
        # Function words are the analyzer's own: the content words are the vocabulary.
        analyzer.learn(words)
        occurrence = np.frombuffer(occurrences, dtype=np.int64)
        lengths = np.frombuffer(phrase_lengths, dtype=np.int64)
        phrase_of = np.repeat(np.arange(len(lengths)), lengths)
        entry_of = np.repeat(np.arange(len(entry_phrases)),
                             np.frombuffer(entry_phrases, dtype=np.int64))[phrase_of]
        keyword = np.frombuffer(phrase_keyword, dtype=np.int8)[phrase_of].astype(bool)
        count = len(self._entry_ids)
        self._gram_postings(list(words), occurrence, phrase_of, entry_of, count, len(lengths))
        self._bm25_postings(analyzer.stems(list(words)), occurrence, entry_of, keyword, count)

    def _gram_postings(self, words: list[str], occurrence: NDArray[np.int64],
                       phrase_of: NDArray[np.int64], entry_of: NDArray[np.int64],
                       entries: int, phrase_count: int) -> None:
        """Each entry's n-gram vector (TF-IDF, length 1), from every word `occurrence` (numbers
        into `words`) with its phrase and entry; document frequency counts phrases."""
        gram_ids = Numbers()
        grams = [[gram_ids[g] for g in _word_grams(word)] for word in words]
        self._gram_ids = dict(gram_ids)
        n_grams = len(gram_ids)
        width = max(n_grams, 1)  # keys: (phrase or entry) × width + n-gram
        word_lengths = np.array([len(g) for g in grams], dtype=np.int64)
        word_starts = offsets(word_lengths.tolist())[:-1]
        word_grams = np.fromiter((g for found in grams for g in found), dtype=np.int64,
                                 count=int(word_lengths.sum()))
        df = np.zeros(n_grams, dtype=np.int64)
        # (its entries' distinct n-grams in the order they first occur, how often each
        # occurs, how many each entry has) per chunk of CHUNK entries: a few megabytes of
        # arrays at a time, which the allocator reuses, rather than hundreds at once.
        chunks: list[tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int64]]] = []
        ends = np.searchsorted(entry_of, np.arange(0, entries + CHUNK, CHUNK)).tolist()
        for first, (start, end) in enumerate(pairwise(ends)):
            used = occurrence[start:end]
            counts = word_lengths[used]
            gram = word_grams[ranges(word_starts[used], counts)]
            phrase = np.repeat(phrase_of[start:end] - (phrase_of[start] if end > start else 0),
                               counts)
            in_phrase = np.sort(phrase * width + gram, kind="stable")
            distinct = in_phrase[_run_starts(in_phrase)]
            df += np.bincount(distinct % width, minlength=n_grams)
            entry = np.repeat(entry_of[start:end] - first * CHUNK, counts)
            keys, times = _distinct(entry * width + gram)
            chunks.append(((keys % width).astype(np.int32), times.astype(np.int32),
                           np.bincount(keys // width, minlength=CHUNK)))
        self._gram_idf = np.log(phrase_count / (1 + df)) + 1
        lengths = np.concatenate([np.zeros(0, dtype=np.int64), *(c[2] for c in chunks)])
        self._doc_offsets = offsets(lengths[:entries].tolist())
        self._doc_gram_ids = np.empty(self._doc_offsets[-1], dtype=np.int32)
        self._doc_gram_values = np.empty(self._doc_offsets[-1], dtype=np.float32)
        at = 0
        for ids, used_times, chunk_lengths in chunks:
            weights = (1 + np.log(used_times.astype(np.float64))) * self._gram_idf[ids]
            owner = np.repeat(np.arange(len(chunk_lengths)), chunk_lengths)
            norms = np.sqrt(np.bincount(owner, weights=weights ** 2,
                                        minlength=len(chunk_lengths)))
            norms[norms == 0] = 1.0
            self._doc_gram_ids[at:at + len(ids)] = ids
            self._doc_gram_values[at:at + len(ids)] = weights / norms[owner]
            at += len(ids)

    def _vector(self, words: list[str]) -> _Grams:
        """The n-grams of `words` this index knows, as a sparse vector (unknown ones weigh
        nothing), in the order they first occur."""
        memo = self._gram_memo
        if len(memo) >= WORD_MEMO_SIZE:
            memo.clear()
        counts: Counter[int] = Counter()
        for word in words:
            ids = memo.get(word)
            if ids is None:
                ids = memo[word] = [self._gram_ids[g] for g in _word_grams(word)
                                    if g in self._gram_ids]
            counts.update(ids)
        return _Grams(np.fromiter(counts.keys(), dtype=np.int32, count=len(counts)),
                      np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_gram_memo"] = {}  # only a memo: not worth the on-disk cache's bytes
        return state

    def _bm25_postings(self, stems: list[str], occurrence: NDArray[np.int64],
                       entry_of: NDArray[np.int64], keyword: NDArray[np.bool_],
                       entries: int) -> None:
        """Per term: the entries that use it, and BM25's saturated term frequency in each,
        divided by its ceiling (K1 + 1) so that a question fully covered scores 1.

        `stems`: each word's term; `occurrence`: every use of a word, in `entry_of`, in a
        keyword (which counts `KEYWORD_WEIGHT` times) or not."""
        term_ids = Numbers()
        term_of = np.array([term_ids[s] for s in stems], dtype=np.int64)
        self._term_ids = dict(term_ids)
        width = max(len(term_ids), 1)
        weight = np.where(keyword, KEYWORD_WEIGHT, 1)
        lengths = np.bincount(entry_of, weights=weight, minlength=entries)
        average = int(lengths.sum()) / max(entries, 1)
        saturation = K1 * (1 - B + B * lengths / average)
        keys = entry_of * width + term_of[occurrence]
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(_run_starts(ordered))
        tf = np.add.reduceat(weight[order], starts) if len(starts) else weight[:0]
        pairs = ordered[starts]  # (entry, term) by entry, then term
        owners, terms = pairs // width, pairs % width
        by_term = np.argsort(terms, kind="stable")
        self._post_entries = owners[by_term].astype(np.int32)
        self._post_values = (tf / (tf + saturation[owners]))[by_term]
        df = np.bincount(terms, minlength=len(term_ids))
        self._post_offsets = offsets(df.tolist())
        self._idf = [self._bm25_idf(int(d), entries) for d in df]
        self._unknown_idf = self._bm25_idf(0, entries)

    @staticmethod
    def _bm25_idf(df: int, n: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    @property
    def nbytes(self) -> int:
        """The size of the index's arrays (the dicts and strings come on top)."""
        arrays = (self._gram_idf, self._doc_offsets, self._doc_gram_ids, self._doc_gram_values,
                  self._post_entries, self._post_values, self._post_offsets)
        return sum(a.nbytes for a in arrays) + self.analyzer.typo_bytes

    def words(self, question: str) -> list[str]:
        """The question's words as every method below reads them (`...of` takes them): typos
        repaired, compounds split, synonyms applied. A question is analysed once."""
        return self.analyzer.words(question, repair=True)

    def known_share_of(self, words: list[str], neutral: frozenset[str] = frozenset()) -> float:
        """The share of the question's content words that this knowledge base uses (after
        typo repair): low for off-topic questions, which bring their own vocabulary. Words in
        `neutral` (family, home: "my dad", "de buurman") count neither way."""
        content = [w for w in self.analyzer.content(words) if w not in neutral]
        if not content:
            return 0.0
        return sum(w in self.analyzer.vocabulary for w in content) / len(content)

    def unfamiliar_of(self, words: list[str]) -> list[str]:
        """The question's content words that this knowledge base has never used, even after
        typo repair, compound splitting, stemming and synonyms ("kurkuma", "vader")."""
        analyzer = self.analyzer
        content = analyzer.content(words)
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
        return self._entry_ids[number], self._phrasings.of(number)

    def signals(self, question: str) -> list[tuple[str, dict[str, float]]]:
        """Each signal (0–1) for the entries worth scoring, in BM25 order."""
        return self.signals_of(self.words(question))

    def signals_of(self, words: list[str], among: Sequence[str] | None = None
                   ) -> list[tuple[str, dict[str, float]]]:
        """`signals` of words already analysed; with `among`, for those entries (by id) only,
        instead of the best by BM25 (a part of a question re-ranks what the whole found)."""
        analyzer = self.analyzer
        content = analyzer.content(words)
        terms = list(dict.fromkeys(analyzer.stems(content)))
        if not terms:
            return []
        ids = [self._term_ids.get(t) for t in terms]
        weights = [self._unknown_idf if i is None else self._idf[i] for i in ids]
        total = sum(weights)
        # Each known term's postings at once, summed per entry in the order of the terms
        known = [(i, w) for i, w in zip(ids, weights, strict=True) if i is not None]
        starts = self._post_offsets[[i for i, _ in known]]
        counts = self._post_offsets[[i + 1 for i, _ in known]] - starts
        postings = ranges(starts, counts)
        bm25 = np.bincount(
            self._post_entries[postings], minlength=len(self._entry_ids),
            weights=np.repeat([w for _, w in known], counts) * self._post_values[postings],
        ).astype(np.float64, copy=False)
        ranked = (_top(bm25, MAX_SCORED) if among is None
                  else [self._entry_numbers[e] for e in among if e in self._entry_numbers])
        if not ranked:
            return []
        query = self._vector(content).unit(self._gram_idf)
        dense = np.zeros(len(self._gram_ids), dtype=np.float32)
        dense[query.ids] = query.values
        # each scored entry's n-grams against the question's, in one product
        starts = self._doc_offsets[ranked]
        counts = self._doc_offsets[[i + 1 for i in ranked]] - starts
        grams_at = ranges(starts, counts)
        products = dense[self._doc_gram_ids[grams_at]] * self._doc_gram_values[grams_at]
        firsts = offsets(counts.tolist())[:-1]
        # (`reduceat` gives an empty row the next row's first value, not nothing)
        grams = np.where(counts > 0, np.add.reduceat(np.append(products, 0), firsts,
                                                     dtype=np.float64), 0.0).tolist()
        phrasing = " ".join(analyzer.stems(words))
        fuzzy_set, fuzzy_ratio = self._phrasings.closest(phrasing, ranked)
        relevance = (bm25[ranked] / total).tolist()
        return [(self._entry_ids[i], {"bm25": relevance[n], "grams": grams[n],
                                      "fuzzy_set": fuzzy_set[n] / 100,
                                      "fuzzy_ratio": fuzzy_ratio[n] / 100})
                for n, i in enumerate(ranked)]

    def scores(self, question: str) -> list[tuple[str, float]]:
        """(entry id, combined score in 0–1), best first; only entries sharing a stem."""
        return combine(self.signals(question))


def combine(signals: list[tuple[str, dict[str, float]]],
            weights: dict[str, float] = WEIGHTS) -> list[tuple[str, float]]:
    """(entry id, the signals' weighted mean in 0–1), best first."""
    total = sum(weights.values())
    combined = [(entry_id, sum(weights[k] * v for k, v in values.items()) / total)
                for entry_id, values in signals]
    combined.sort(key=lambda item: (-item[1], item[0]))
    return combined


def votes(signals: list[tuple[str, dict[str, float]]], entry_ids: Sequence[str]
          ) -> tuple[int, ...]:
    """For each of `entry_ids`: how many signals, each on its own, rank it first (a tie counts
    for it).

    A right answer is usually first by most signals; a wrong one often wins on one signal
    alone (a shared frame like "is ... slecht voor mijn knie", or one rare word)."""
    if not signals:
        return tuple(0 for _ in entry_ids)
    best = {k: max(values[k] for _, values in signals) for k in WEIGHTS}
    by_id = dict(signals)
    return tuple(sum(by_id[e][k] >= best[k] for k in WEIGHTS) if e in by_id else 0
                 for e in entry_ids)
