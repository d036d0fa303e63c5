"""A learned second opinion on which entry a question is about.

The matcher's signals compare a question with each entry's own words and example questions: a
patient who says it in other words ("my knees are shot", "is it allowed to") finds no entry, or
the wrong one, until someone adds those words. This model has read what the writers of the
evaluation dev sets asked about each entry, besides the entries' examples: multinomial logistic
regression over the entries (and "none") on hashed features of the question's content words as
the matcher reads them (typos repaired, compounds split, synonyms applied, stemmed) — each
word, each pair, and each word's character 3-5-grams, as the red-flag backstop hashes them.

It only reorders: when it is sure (`threshold`) of an entry that the signals already put among
the candidates, that entry goes first. Whether to answer is still decided on that entry's own
scores, so an entry moved past a better-scoring one is usually suggested rather than answered.
Entries it was not trained on (added since, or a synthetic base) it never chooses: retrain with
`python -m bot train-entries` after the entries or the dev sets change.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.matching.redflag_model import features as hashed

BUCKETS = 1 << 14  # measured: no worse than 1 << 16 on unseen writers, a quarter the size
MODEL_FILE = "data/entry_model.npz"
NONE = "none"  # the class of questions that no entry answers
# For measuring a model trained on the history up to some commit (`train-entries --until`):
# the matcher then reads that file instead of the shipped one; OFF: no entry model.
MODEL_ENV = "MYTHBOT_ENTRY_MODEL"
OFF = "off"


def features(stems: Sequence[str]) -> npt.NDArray[np.int64]:
    """The hashed features of a question's content stems, folded into BUCKETS."""
    return np.unique(hashed(stems) & (BUCKETS - 1))


@dataclass(frozen=True)
class EntryModel:
    weights: npt.NDArray[np.float32]  # classes × BUCKETS
    bias: npt.NDArray[np.float32]  # classes
    classes: tuple[str, ...]  # entry ids, and NONE
    threshold: float  # the probability from which it reorders

    @classmethod
    def load(cls, path: Path | None = None) -> EntryModel | None:
        """The shipped model (or the one `MODEL_ENV` names); None if there is none."""
        named = os.environ.get(MODEL_ENV)
        if named == OFF and path is None:
            return None
        source = path or (Path(named) if named else
                          Path(str(resources.files("bot.matching").joinpath(MODEL_FILE))))
        if not source.is_file():
            return None
        with np.load(source) as data:
            return cls(data["weights"].astype(np.float32), data["bias"].astype(np.float32),
                       tuple(str(c) for c in data["classes"]), float(data["threshold"]))

    def probabilities(self, stems: Sequence[str]) -> npt.NDArray[np.float64]:
        """P(class) for each of `classes`."""
        found = features(stems)
        logits = (self.weights[:, found].sum(axis=1, dtype=np.float64)
                  / np.sqrt(max(len(found), 1)) + self.bias)
        exp = np.exp(logits - logits.max())
        result: npt.NDArray[np.float64] = exp / exp.sum()
        return result

    def sure_of(self, stems: Sequence[str]) -> str | None:
        """The entry it is sure the question is about, if any (never NONE)."""
        if not stems:
            return None
        p = self.probabilities(stems)
        best = int(np.argmax(p))
        return self.classes[best] if p[best] >= self.threshold and \
            self.classes[best] != NONE else None
