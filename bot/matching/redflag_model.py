"""A small statistical backstop behind the red-flag rules: words the rules never listed.

Multinomial logistic regression (none / today / emergency) over hashed features of the
normalised text — words, word pairs and character 3–5-grams of each word, so a typo or an
unseen compound still shares most of its features with a known word — and of the red-flag
concepts the rules found in it (`SafetyCheck.concept_marks`): each concept, negated or not, and
each pair of concepts in one sentence. The concepts carry what the words do not: "swollen" +
"after an operation" + "thigh" looks urgent in any wording, even when no rule combines exactly
those, and the rules' vocabulary (typos, compounds, Flemish) comes with them. Trained offline and
deterministically by `python -m bot train-redflags` on the red-flag dev set and on the ordinary
questions of the knowledge base and the evaluation dev sets; the weights ship in
`data/redflag_model.npz`. It learnt the concepts by name: retrain after renaming one.

It can only ADD a red flag where the rules found none, never take one away; its threshold was
chosen out of fold, leaving each writer of the dev set out in turn, for few false alarms. A long
message is scored per window of words as well as whole, so an urgent sentence buried in a long
story is not drowned out.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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

# The concepts of a text by name, each with the number of the sentence it stands in.
Concepts = Sequence[tuple[str, int]]
ConceptReader = Callable[[str], Concepts]


def _bucket(feature: str) -> int:
    return zlib.crc32(feature.encode()) & (BUCKETS - 1)


def features(words: Sequence[str], concepts: Concepts = ()) -> npt.NDArray[np.int64]:
    """The hashed features of some normalised words and of the concepts found in them, each
    once."""
    found: set[str] = set()
    for word in words:
        found.add("w:" + word)
        padded = f"<{word}>"
        for n in (3, 4, 5):
            found.update("c:" + padded[i:i + n] for i in range(len(padded) - n + 1))
    found.update(f"b:{a} {b}" for a, b in pairwise(words))
    marks = sorted(set(concepts))
    found.update("k:" + name for name, _ in marks)
    # pairs within one sentence: "fever" here and "knee" in a story about last year are none
    found.update(f"kk:{a}+{b}" for (a, first), (b, second) in combinations(marks, 2)
                 if first == second and a != b)
    return np.fromiter(sorted({_bucket(f) for f in found}), dtype=np.int64)


def windows(words: Sequence[str]) -> Iterable[Sequence[str]]:
    """The whole message, and for a long one each window of WINDOW words."""
    yield words
    if len(words) > WINDOW:
        for start in range(0, len(words) - WINDOW + STEP, STEP):
            yield words[start:start + WINDOW]


@dataclass(frozen=True)
class RedFlagModel:
    weights: npt.NDArray[np.float32]  # LEVELS × BUCKETS
    bias: npt.NDArray[np.float32]  # LEVELS
    threshold: float  # P(today or emergency) from which it raises a red flag
    concepts: ConceptReader | None = None  # the red-flag concepts of a text (none: words only)

    @classmethod
    def load(cls, concepts: ConceptReader | None = None) -> RedFlagModel:
        with resources.files("bot.matching").joinpath(MODEL_FILE).open("rb") as file:
            data = np.load(file)
            return cls(data["weights"].astype(np.float32), data["bias"].astype(np.float32),
                       float(data["threshold"]), concepts)

    def features(self, text: str) -> npt.NDArray[np.int64]:
        """The features of a whole message, its concepts included (as in training)."""
        return features(normalize(text).split(), self.concepts(text) if self.concepts else ())

    def probabilities(self, text: str) -> npt.NDArray[np.float32]:
        """P(none, today, emergency) of the most urgent-looking window."""
        best: npt.NDArray[np.float32] | None = None
        for n, part in enumerate(windows(normalize(text).split())):
            # the whole message with its sentences and numbers, then each window of its words
            source = text if n == 0 else " ".join(part)
            found = features(part, self.concepts(source) if self.concepts else ())
            if not len(found):
                continue
            # binary features, L2-normalised: the same scale for 3 words and for 14
            logits = self.weights[:, found].sum(axis=1) / np.sqrt(len(found)) + self.bias
            exp = np.exp(logits - logits.max())
            p = (exp / exp.sum()).astype(np.float32)
            if best is None or p[0] < best[0]:
                best = p
        return best if best is not None else np.array([1.0, 0.0, 0.0], dtype=np.float32)

    def level(self, text: str) -> Urgency | None:
        """"today" or "emergency" when the model sees a red flag, else None."""
        p = self.probabilities(text)
        if 1.0 - float(p[0]) < self.threshold:
            return None
        return "emergency" if p[2] >= p[1] else "today"
