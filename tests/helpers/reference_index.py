"""The index as first written: entry by entry, n-gram by n-gram, in plain Python.

Kept as the readable definition of what `LanguageIndex` builds, so that a test can check
that the faster build (words and n-grams counted with NumPy) gives the very same arrays.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np

from bot.knowledge.models import Entry
from bot.matching.analyzer import Analyzer
from bot.matching.arrays import offsets
from bot.matching.fuzzy import Phrasings
from bot.matching.index import KEYWORD_WEIGHT, LanguageIndex, _word_grams
from bot.matching.normalize import normalize


def reference_phrases(analyzer: Analyzer) -> dict[str, str]:
    """The analyzer's multi-word synonyms: each phrase with its canonical word."""
    return {" ".join(parts): " ".join(canonical)
            for found in analyzer._phrases.values() for parts, canonical in found}


def reference_words(analyzer: Analyzer, text: str) -> list[str]:
    """`Analyzer.words` without repair, as first written: the whole text normalised at once,
    the multi-word synonyms replaced by one regex of them all, longest first."""
    folded = normalize(text)
    phrases = reference_phrases(analyzer)
    if not phrases:
        return folded.split()
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, ordered)) + r")\b")
    return pattern.sub(lambda m: phrases[m.group(1)], folded).split()


class ReferenceIndex(LanguageIndex):
    def __init__(self, analyzer: Analyzer, entries: Iterable[Entry]) -> None:
        self.analyzer = analyzer
        self._entry_ids: list[str] = []
        phrasings: list[tuple[str, ...]] = []
        self._gram_memo: dict[str, list[int]] = {}
        self._gram_ids: dict[str, int] = {}
        word_grams: dict[str, list[int]] = {}

        def grams_of(words: list[str]) -> list[int]:
            found: list[int] = []
            for word in words:
                ids = word_grams.get(word)
                if ids is None:
                    ids = word_grams[word] = [self._gram_ids.setdefault(g, len(self._gram_ids))
                                              for g in _word_grams(word)]
                found += ids
            return found

        vocabulary: set[str] = set()
        term_counts: list[Counter[str]] = []
        phrase_grams = array("l")
        doc_gram_ids = array("l")
        doc_gram_counts = array("f")
        doc_lengths: list[int] = []
        phrase_count = 0
        for entry in entries:
            text = entry.text(analyzer.lang)
            phrases = [reference_words(analyzer, p)
                       for p in (*text.questions, text.claim, text.title)]
            keywords = [analyzer.content(reference_words(analyzer, k)) for k in text.keywords]
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
            phrasings.append(tuple(" ".join(analyzer.stems(words)) for words in phrases))
            counted = Counter(entry_grams)
            doc_gram_ids.extend(counted)
            doc_gram_counts.extend(counted.values())
            doc_lengths.append(len(counted))
            term_counts.append(Counter(terms))
        analyzer.learn(vocabulary)
        self._phrasings = Phrasings(phrasings)
        self._entry_numbers = {e: n for n, e in enumerate(self._entry_ids)}
        df = np.bincount(np.frombuffer(phrase_grams, dtype=np.int_),
                         minlength=len(self._gram_ids))
        self._gram_idf = np.log(phrase_count / (1 + df)) + 1
        self._doc_offsets = offsets(doc_lengths)
        self._doc_gram_ids = np.frombuffer(doc_gram_ids, dtype=np.int_).astype(np.int32)
        counts = np.frombuffer(doc_gram_counts, dtype=np.float32).astype(np.float64)
        weights = (1 + np.log(counts)) * self._gram_idf[self._doc_gram_ids]
        owner = np.repeat(np.arange(len(doc_lengths)), np.diff(self._doc_offsets))
        norms = np.sqrt(np.bincount(owner, weights=weights ** 2, minlength=len(doc_lengths)))
        norms[norms == 0] = 1.0
        self._doc_gram_values = (weights / norms[owner]).astype(np.float32)
        self._reference_postings(term_counts)

    def _reference_postings(self, term_counts: list[Counter[str]]) -> None:
        from bot.matching.index import K1, B

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
        self._post_offsets = offsets(df.tolist())
        n = len(term_counts)
        self._idf = [self._bm25_idf(int(d), n) for d in df]
        self._unknown_idf = self._bm25_idf(0, n)
