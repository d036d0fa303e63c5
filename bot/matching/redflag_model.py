"""A small statistical backstop behind the red-flag rules: words the rules never listed.

Multinomial logistic regression (none / today / emergency) over hashed features of the
normalised text — words, word pairs and character 3–5-grams of each word, so a typo or an
unseen compound still shares most of its features with a known word — and of the red-flag
concepts the rules found in it (`SafetyCheck.read`): each concept, negated or not, and
each pair of concepts in one sentence. The concepts carry what the words do not: "swollen" +
"after an operation" + "thigh" looks urgent in any wording, even when no rule combines exactly
those, and the rules' vocabulary (typos, compounds, Flemish) comes with them. Trained offline and
deterministically by `python -m bot train-redflags` on the red-flag dev set and on the ordinary
questions of the knowledge base and the evaluation dev sets; the weights ship in
`data/redflag_model.npz`. It learnt the concepts by name: retrain after renaming one.

It can only ADD a red flag where the rules found none, never take one away; its threshold is
chosen by forward chaining over the dev set's blind batches (`training.forward_threshold`, round
14), no lower than the out-of-fold bound on ordinary questions allows. A veto
(dropping a rule's flag where the model is sure the message is ordinary) was measured leaving one
writer out and not kept: behind the rules it dropped more red flags than false alarms
(`train-redflags --report`, README). A long
message is scored per window of words as well as whole, so an urgent sentence buried in a long
story is not drowned out.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import combinations, pairwise

import numpy as np
import numpy.typing as npt

from bot.matching.decision import Urgency
from bot.matching.normalize import normalize

BUCKETS = 1 << 16
LEVELS = ("none", "today", "emergency")
WINDOW = 14  # words per window of a long message ...
STEP = 7  # ... and how far the window moves
MODEL_FILE = "data/redflag_model.npz"
BACKSTOP = "backstop"  # the `rule` of a red flag that the model raised
WORD_CACHE = 50_000  # words whose features are kept

# The concepts of some words by name, each with the number of the sentence it stands in.
Concepts = Sequence[tuple[str, int]]
# A text's words and its concepts, each with its sentence and the word it starts at
# (`SafetyCheck.read`).
Reading = tuple[Sequence[str], Sequence[tuple[str, int, int]]]
Reader = Callable[[str], Reading]


def _bucket(feature: str) -> int:
    return zlib.crc32(feature.encode()) & (BUCKETS - 1)


def features(words: Sequence[str], concepts: Concepts = ()) -> npt.NDArray[np.int64]:
    """The hashed features of some normalised words and of the concepts found in them, each
    once."""
    return _features([_word_buckets(word) for word in words], _pairs(words), concepts)


def _pairs(words: Sequence[str]) -> list[int]:
    """Each pair of neighbouring words, hashed."""
    return [_bucket(f"b:{a} {b}") for a, b in pairwise(words)]


def _features(words: Sequence[frozenset[int]], pairs: Sequence[int],
              concepts: Concepts) -> npt.NDArray[np.int64]:
    """`features` from the words' and pairs' own features (a long message's windows overlap:
    each is hashed once, not once per window)."""
    found: set[int] = set().union(*words)
    found.update(pairs)
    found.update(_concept_features(concepts).tolist())
    return np.fromiter(sorted(found), dtype=np.int64)


def _concept_features(concepts: Concepts) -> npt.NDArray[np.int64]:
    """Each concept, and each pair of concepts in one sentence, hashed: "fever" here and
    "knee" in a story about last year are none."""
    marks = sorted(set(concepts))
    found = {_concept_bucket(name) for name, _ in marks}
    found.update(_concept_bucket(a, b) for (a, first), (b, second) in combinations(marks, 2)
                 if first == second and a != b)
    return np.fromiter(found, dtype=np.int64, count=len(found))


@lru_cache(maxsize=WORD_CACHE)
def _concept_bucket(name: str, other: str | None = None) -> int:
    """A concept's feature, or a pair's: a few hundred names, met again in every message."""
    return _bucket("k:" + name if other is None else f"kk:{name}+{other}")


def _word_buckets(word: str) -> frozenset[int]:
    """`_word_array` as a set (for training, which unites them)."""
    return frozenset(_word_array(word).tolist())


@lru_cache(maxsize=WORD_CACHE)
def _word_array(word: str) -> npt.NDArray[np.int64]:
    """A word and its character 3-5-grams, hashed, each once: once per word, not once per
    window and message (a long message's windows overlap)."""
    padded = f"<{word}>"
    return np.unique(np.array([_bucket("w:" + word)] + [
        _bucket("c:" + padded[i:i + n]) for n in (3, 4, 5) for i in range(len(padded) - n + 1)],
        dtype=np.int64))


def windows(length: int) -> Iterable[tuple[int, int]]:
    """The whole message, and for a long one each window of WINDOW words: (start, end)."""
    yield 0, length
    if length > WINDOW:
        for start in range(0, length - WINDOW + STEP, STEP):
            yield start, min(start + WINDOW, length)


@dataclass(frozen=True)
class RedFlagModel:
    weights: npt.NDArray[np.float32]  # LEVELS × BUCKETS
    bias: npt.NDArray[np.float32]  # LEVELS
    threshold: float  # P(today or emergency) from which it raises a red flag
    # the words and red-flag concepts of a text (None: its normalised words only)
    reader: Reader | None = None

    @classmethod
    def load(cls, reader: Reader | None = None) -> RedFlagModel:
        with resources.files("bot.matching").joinpath(MODEL_FILE).open("rb") as file:
            data = np.load(file)
            return cls(data["weights"].astype(np.float32), data["bias"].astype(np.float32),
                       float(data["threshold"]), reader)

    def read(self, text: str) -> Reading:
        return self.reader(text) if self.reader else (normalize(text).split(), ())

    def probabilities(self, text: str, reading: Reading | None = None
                      ) -> npt.NDArray[np.float32]:
        """P(none, today, emergency) of the most urgent-looking window; `reading` is
        `self.read(text)` when the caller has it already."""
        words, marks = reading if reading is not None else self.read(text)
        # Each word's features and each pair's, laid end to end once: a window is a slice of
        # them (a long message's windows overlap; the sets were the costly part).
        arrays = [_word_array(word) for word in words]
        at = np.cumsum([0, *(len(a) for a in arrays)])
        flat = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
        pairs = np.array(_pairs(words), dtype=np.int64)
        best: npt.NDArray[np.float32] | None = None
        for start, end in windows(len(words)):
            concepts = _concept_features([(name, sentence) for name, sentence, where in marks
                                          if start <= where < end])
            found = np.unique(np.concatenate((flat[at[start]:at[end]],
                                              pairs[start:max(end - 1, start)], concepts)))
            if not len(found):
                continue
            # binary features, L2-normalised: the same scale for 3 words and for 14
            logits = self.weights[:, found].sum(axis=1) / np.sqrt(len(found)) + self.bias
            exp = np.exp(logits - logits.max())
            p = (exp / exp.sum()).astype(np.float32)
            if best is None or p[0] < best[0]:
                best = p
        return best if best is not None else np.array([1.0, 0.0, 0.0], dtype=np.float32)

    def level(self, text: str, reading: Reading | None = None) -> Urgency | None:
        """"today" or "emergency" when the model sees a red flag, else None."""
        p = self.probabilities(text, reading)
        if 1.0 - float(p[0]) < self.threshold:
            return None
        return "emergency" if p[2] >= p[1] else "today"
