"""Typo repair whose cost does not grow with the vocabulary: a symmetric-delete index.

Two words within `k` edits share a string that both reach by deleting at most `k`
letters. So every word of the vocabulary is filed under each of its deletions once, when the
index is built; repairing a word looks up its own deletions (a number that depends on the
word's length only) and checks the few words filed there with an exact edit distance. The
result is the same as comparing the word with every word of the vocabulary: the closest word,
ties to the first in alphabetical order. An edit is a letter left out, added or changed, or two
neighbours swapped (optimal string alignment): "doketr" is one edit from "dokter", not two.

Deletions are filed by a CRC-32 of their letters in two flat arrays rather than a dict of
strings: a tenth of the memory, and loaded from the on-disk cache in one go. Two deletions with
the same checksum only add a candidate that the exact distance then rejects.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray
from rapidfuzz.distance import OSA

# A word longer than this is a paste or a run of letters, not a typo: it is not repaired (its
# deletions would number in the thousands).
MAX_WORD_LENGTH = 30


def deletions(word: str, depth: int) -> set[str]:
    """`word` and every string made from it by deleting at most `depth` letters."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _checksums(strings: Iterable[str]) -> list[int]:
    return [zlib.crc32(s.encode()) for s in strings]


class DeleteIndex:
    """The words of a vocabulary, findable by their deletions up to `max_edits` letters."""

    def __init__(self, words: Iterable[str], max_edits: int = 2) -> None:
        self.max_edits = max_edits
        self.words = tuple(sorted({w for w in words if len(w) <= MAX_WORD_LENGTH + max_edits}))
        keys: list[int] = []
        counts: list[int] = []
        for word in self.words:
            found = _checksums(deletions(word, max_edits))
            keys += found
            counts.append(len(found))
        ids = np.repeat(np.arange(len(self.words), dtype=np.int32), counts)
        order = np.argsort(np.array(keys, dtype=np.uint32), kind="stable")
        self._keys: NDArray[np.uint32] = np.array(keys, dtype=np.uint32)[order]
        self._ids: NDArray[np.int32] = ids[order]

    @property
    def nbytes(self) -> int:
        return int(self._keys.nbytes + self._ids.nbytes)

    def closest(self, word: str, max_edits: int) -> str | None:
        """The vocabulary word fewest edits from `word` (at most `max_edits`, ≤ the index's),
        ties to the first alphabetically; None when there is none."""
        if len(word) > MAX_WORD_LENGTH or not self.words:
            return None
        max_edits = min(max_edits, self.max_edits)
        probes = np.array(_checksums(deletions(word, max_edits)), dtype=np.uint32)
        starts = np.searchsorted(self._keys, probes, side="left")
        ends = np.searchsorted(self._keys, probes, side="right")
        candidates: set[int] = set()
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if start < end:
                candidates.update(self._ids[start:end].tolist())
        best: tuple[int, int] | None = None
        for i in candidates:
            distance = OSA.distance(word, self.words[i], score_cutoff=max_edits)
            if distance <= max_edits and (best is None or (distance, i) < best):
                best = (distance, i)
        return None if best is None else self.words[best[1]]
