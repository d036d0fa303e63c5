"""The evidence on which the matcher chooses between answer, suggest and fallback, as numbers
(for measuring that choice, and for a learned gate: scripts/answer_gate.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SIGNALS = ("bm25", "grams", "fuzzy_set", "fuzzy_ratio")


@dataclass(frozen=True)
class Evidence:
    """What was known about a question when its reply was chosen.

    `scores`, `signals`, `votes` (how many signals rank it first) and `topical` (whether the
    question uses its topic words, or a keyword it shares) are the first candidates' (at most
    three, in the order given: topic words may have moved an entry up past a better-scoring
    one); `best` and `runner_up` the best score of all and the best after the first
    candidate's; `agreed` the first candidate's votes; `known` the share of the question's
    words the knowledge base uses; `rare` how many of its words look like a topic of their
    own; `named` whether it uses the first candidate's topic words, `elsewhere` another
    entry's."""

    lang: str
    words: int
    scores: tuple[float, ...]
    signals: tuple[dict[str, float], ...]
    votes: tuple[int, ...]
    topical: tuple[bool, ...]
    best: float
    runner_up: float
    agreed: int
    known: float
    rare: int
    named: bool
    elsewhere: bool

    @property
    def first(self) -> float:
        return self.scores[0] if self.scores else 0.0


FEATURES = (
    "first", "best", "lead", "second", "third",
    *(f"first_{s}" for s in SIGNALS), *(f"lead_{s}" for s in SIGNALS),
    "agreed", "known", "rare", "named", "elsewhere", "log_words", "short", "long", "english",
)


def features(e: Evidence) -> NDArray[np.float64]:
    """The evidence as one row of numbers, in the order of `FEATURES`."""
    scores = (*e.scores, 0.0, 0.0, 0.0)
    none = dict.fromkeys(SIGNALS, 0.0)
    first = e.signals[0] if e.signals else none
    second = e.signals[1] if len(e.signals) > 1 else none
    return np.array([
        e.first, e.best, e.first - e.runner_up, scores[1], scores[2],
        *(first[s] for s in SIGNALS), *(first[s] - second[s] for s in SIGNALS),
        e.agreed / len(SIGNALS), e.known, min(e.rare, 2), float(e.named), float(e.elsewhere),
        math.log1p(e.words), float(e.words <= 2), float(e.words > 12), float(e.lang == "en"),
    ], dtype=np.float64)
