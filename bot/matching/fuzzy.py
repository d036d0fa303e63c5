"""The fuzzy signals: how close a question comes to each entry's closest example question, by
rapidfuzz's token-set ratio and its plain ratio.

The plain ratio compares every example in one call. The token-set ratio costs 2–3 µs an example
against a long message, so there only the examples that can be their entry's closest are
compared. rapidfuzz splits both strings into sets of words A and B and, with their intersection
I, takes the best of three comparisons: I against I plus each difference (a formula in lengths
alone) and the two differences against each other (an edit distance, the costly part). The
lengths give the cheap comparisons exactly, and a ceiling on the costly one: the differences'
letters that cannot pair up are edits it must make. An example whose ceiling is below the best
cheap score of its entry cannot be the entry's closest.

Most examples share no word with a question (three in five on the real examples), and then
the token-set ratio is only the edit distance between the two sorted word sets: rapidfuzz
gives that for every such example in one call with the question prepared once, at a
twentieth of the cost, and the score follows from the lengths as rapidfuzz computes it.
Every score returned is rapidfuzz's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from bot.matching.arrays import Numbers, offsets, ranges

# A question of fewer distinct words is compared with every example: bounding costs more than
# it saves there (measured: the two cost the same at about 17).
MIN_PRUNED_WORDS = 18
# Room for rounding between our formulas and rapidfuzz's: an example is skipped only when it is
# clearly worse.
SLACK = 1e-6
BAG_CHUNK = 8192  # examples whose letters are counted at once while building


class Phrasings:
    """Each entry's example questions, as stems with their function words."""

    def __init__(self, groups: list[tuple[str, ...]]) -> None:
        self._groups = groups
        self._group_offsets = offsets([len(group) for group in groups])
        words = [set(phrasing.split()) for group in groups for phrasing in group]
        counts = [len(w) for w in words]
        numbers = Numbers()
        self._words = np.fromiter(map(numbers.__getitem__, chain.from_iterable(words)),
                                  dtype=np.int32, count=sum(counts))
        self._word_offsets = offsets(counts)
        self._numbers = dict(numbers)
        vocabulary = list(numbers)
        # per word: its length plus the space that joins it to the next, and its letters
        self._plus = np.array([len(w) + 1 for w in vocabulary], dtype=np.int32)
        self._letters = {c: i for i, c in enumerate(sorted({c for w in vocabulary for c in w}))}
        letters = np.zeros((len(vocabulary), len(self._letters)), dtype=np.int64)
        for row, word in enumerate(vocabulary):
            for letter, count in Counter(word).items():
                letters[row, self._letters[letter]] = count
        owner = np.repeat(np.arange(len(counts)), counts)
        self._phrasing_plus = np.bincount(owner, weights=self._plus[self._words],
                                          minlength=len(counts)).astype(np.int32)
        self._bags = _bags(self._words, self._word_offsets, letters)
        # each phrasing's distinct words in order, joined: as rapidfuzz's token-set ratio
        # reads it against a question that shares none of its words
        self._sets = [" ".join(sorted(w)) for w in words]
        self._set_lengths = np.array([len(s) for s in self._sets], dtype=np.int64)

    def __eq__(self, other: object) -> bool:
        # the rest is made from the phrasings (an index built twice is the same index)
        return isinstance(other, Phrasings) and self._groups == other._groups

    def of(self, group: int) -> tuple[str, ...]:
        return self._groups[group]

    def closest(self, query: str, groups: Sequence[int]) -> tuple[list[float], list[float]]:
        """Per group in `groups`: the highest token-set ratio, and the highest plain ratio, of
        `query` to its phrasings (0–100)."""
        chosen = np.asarray(groups, dtype=np.int64)
        starts = self._group_offsets[chosen]
        sizes = self._group_offsets[chosen + 1] - starts
        firsts = offsets(sizes.tolist())[:-1]
        phrasings = [p for g in groups for p in self._groups[g]]
        if not phrasings:
            return [], []
        words = set(query.split())
        numbers = ranges(starts, sizes)
        token_set = (self._token_sets(query, words, numbers)
                     if len(words) < MIN_PRUNED_WORDS else
                     self._token_set(query, words, numbers, firsts, sizes))
        ratio = _compared(query, phrasings, fuzz.ratio)
        return (np.maximum.reduceat(token_set, firsts).tolist(),
                np.maximum.reduceat(ratio, firsts).tolist())

    def _token_set(self, query: str, words: set[str], numbers: NDArray[np.int64],
                   firsts: NDArray[np.int64],
                   sizes: NDArray[np.int64]) -> NDArray[np.float64]:
        """The token-set ratios of the phrasings that can be their group's closest; -1 for the
        others. `numbers`: the phrasings' own numbers."""
        n = len(numbers)
        counts, owners, words_shared = self._overlap(words, numbers)
        # sizes of the intersection (i) and of each difference (a: the query's, b: the
        # phrasing's) in words, and as joined strings' lengths plus one
        n_i = np.bincount(owners, minlength=n)
        plus_i = np.bincount(owners, weights=self._plus[words_shared], minlength=n)
        n_a, n_b = len(words) - n_i, counts - n_i
        plus_a = sum(len(w) + 1 for w in words) - plus_i
        plus_b = self._phrasing_plus[numbers] - plus_i
        s = np.where(n_i > 0, plus_i - 1, 0)
        ab = np.where(n_a > 0, plus_a - 1, 0)
        ba = np.where(n_b > 0, plus_b - 1, 0)
        joined = (s > 0).astype(np.int64)
        sab, sba = s + joined + ab, s + joined + ba
        # some shared words and nothing left on one side: rapidfuzz's perfect score
        whole = (n_i > 0) & ((n_a == 0) | (n_b == 0))
        cheap = np.where(s > 0, 100 - 100 * np.minimum(
            (1 + ab) / np.maximum(s + sab, 1), (1 + ba) / np.maximum(s + sba, 1)), 0.0)
        # The differences' letters and the spaces between their words that could pair up: per
        # letter, the fewer of the two sides has, less what the intersection used of both.
        letters = [self._letters[c] for w in words for c in w if c in self._letters]
        paired = (np.minimum(np.bincount(letters, minlength=len(self._letters)),
                             self._bags[numbers]).sum(axis=1)
                  - (plus_i - n_i)
                  + np.minimum(np.maximum(n_a - 1, 0), np.maximum(n_b - 1, 0)))
        ceiling = 100 - 100 * (ab + ba - 2 * paired) / np.maximum(sab + sba, 1)
        group = np.repeat(np.arange(len(sizes)), sizes)
        scores = np.where(whole, 100.0, -1.0)
        # The phrasings that share no word are scored exactly at once, and their scores
        # raise their group's floor: more of the others are then left out.
        apart = n_i == 0
        if apart.any():
            scores[apart] = self._apart(words, numbers[apart])
        floor = np.maximum.reduceat(np.maximum(cheap, scores), firsts)[group]
        settled = np.maximum.reduceat(whole, firsts)[group]
        compare = np.flatnonzero((np.maximum(cheap, ceiling) >= floor - SLACK) & ~settled
                                 & ~apart)
        if len(compare):
            scores[compare] = self._token_set_ratios(query, numbers[compare])
        return scores

    def _overlap(self, words: set[str], numbers: NDArray[np.int64]
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int32]]:
        """For the phrasings numbered `numbers`: how many distinct words each has, and each
        use of one of `words` in them: by whom (a position in `numbers`), which word."""
        in_query = np.zeros(len(self._plus), dtype=bool)
        in_query[[self._numbers[w] for w in words if w in self._numbers]] = True
        counts = self._word_offsets[numbers + 1] - self._word_offsets[numbers]
        found = self._words[ranges(self._word_offsets[numbers], counts)]
        shared = in_query[found]
        return counts, np.repeat(np.arange(len(numbers)), counts)[shared], found[shared]

    def _token_sets(self, query: str, words: set[str],
                    numbers: NDArray[np.int64]) -> NDArray[np.float64]:
        """The token-set ratios of all the phrasings numbered `numbers`."""
        apart = np.bincount(self._overlap(words, numbers)[1], minlength=len(numbers)) == 0
        scores = np.empty(len(numbers), dtype=np.float64)
        scores[apart] = self._apart(words, numbers[apart])
        scores[~apart] = self._token_set_ratios(query, numbers[~apart])
        return scores

    def _token_set_ratios(self, query: str, numbers: NDArray[np.int64]) -> NDArray[np.float64]:
        """rapidfuzz's token-set ratios of `query` to the phrasings numbered `numbers`, read
        as their sorted distinct words: the ratio reads only the two sets of words, and
        rapidfuzz splits and sorts words already in order faster (measured: a ninth less
        time against the real examples)."""
        return _compared(query, [self._sets[i] for i in numbers.tolist()], fuzz.token_set_ratio)

    def _apart(self, words: set[str], numbers: NDArray[np.int64]) -> NDArray[np.float64]:
        """rapidfuzz's token-set ratio of a query of `words` to phrasings that share none of
        them: with no intersection, its edit distance between the sorted word sets over their
        lengths (0 when either has no words)."""
        lengths = self._set_lengths[numbers]
        joined = " ".join(sorted(words))
        if not joined:
            return np.zeros(len(numbers), dtype=np.float64)
        distances = process.cdist([joined], [self._sets[i] for i in numbers.tolist()],
                                  scorer=Indel.distance, dtype=np.int64)[0]
        scores: NDArray[np.float64] = np.where(
            lengths > 0, 100.0 - 100.0 * distances / (len(joined) + lengths), 0.0)
        return scores


def _compared(query: str, phrasings: list[str],
              scorer: Callable[..., float]) -> NDArray[np.float64]:
    scores: NDArray[np.float64] = process.cdist([query], phrasings, scorer=scorer,
                                                dtype=np.float64)[0]
    return scores


def _bags(words: NDArray[np.int32], starts: NDArray[np.int64],
          letters: NDArray[np.int64]) -> NDArray[np.integer]:
    """Each phrasing's letter counts, in the smallest type that holds them (at 10 000 entries
    these are the largest arrays), a chunk of phrasings at a time (all at once, a row of
    counts for every word of every phrasing would be gigabytes)."""
    bags = np.zeros((len(starts) - 1, letters.shape[1]), dtype=np.int64)
    for first in range(0, len(starts) - 1, BAG_CHUNK):
        last = min(first + BAG_CHUNK, len(starts) - 1)
        rows = letters[words[starts[first]:starts[last]]]
        # a zero row at the end: `reduceat` needs every start inside the array
        rows = np.vstack((rows, np.zeros((1, rows.shape[1]), dtype=np.int64)))
        sums = np.add.reduceat(rows, starts[first:last] - starts[first], axis=0)
        # (`reduceat` gives an empty row the next row's first value, not nothing)
        sums[starts[first + 1:last + 1] == starts[first:last]] = 0
        bags[first:last] = sums
    return bags.astype(np.min_scalar_type(int(bags.max(initial=0))))
