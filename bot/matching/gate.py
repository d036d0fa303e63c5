"""The evidence on which the matcher chooses between answer, suggest and fallback, as numbers,
and the learned gate that reads them (trained and measured by scripts/answer_gate.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

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
    own (counted up to two); `named` whether it uses the first candidate's topic words,
    `elsewhere` another entry's."""

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


GATE_FILE = "answer_gate.npz"


@dataclass(frozen=True)
class AnswerGate:
    """Whether an entry the rules would offer is answered outright or suggested: a logistic
    regression over `features`, the chance that the first candidate is right, against a
    threshold.

    Trained (scripts/answer_gate.py --train) on the later blind batches as each came, read
    with the knowledge base of the day before it: the evidence of questions whose wordings no
    synonym or example had been tuned on, as a new person's are. The rules' fixed thresholds,
    set on the tuned dev sets, answered 3.0% of those wrongly; see README "How matching works".
    """

    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    weights: NDArray[np.float64]  # bias first
    threshold: float

    @classmethod
    def load(cls, path: Path | None = None) -> AnswerGate | None:
        """The shipped gate (None if there is none: the rules alone decide)."""
        source = path or Path(str(resources.files("bot.matching").joinpath(f"data/{GATE_FILE}")))
        if not source.is_file():
            return None
        with np.load(source) as data:
            if [str(f) for f in data["features"]] != list(FEATURES):
                return None  # trained on other evidence: not to be read with today's
            return cls(data["mean"].astype(np.float64), data["scale"].astype(np.float64),
                       data["weights"].astype(np.float64), float(data["threshold"]))

    def chance(self, evidence: Evidence) -> float:
        """How likely the first candidate is right, by the model."""
        x = (features(evidence) - self.mean) / self.scale
        return float(1 / (1 + math.exp(-(self.weights[0] + float(x @ self.weights[1:])))))

    def answers(self, evidence: Evidence) -> bool:
        # An entry its topic words moved up past a better-scoring one is the person's choice,
        # whatever the model makes of it (the margins never answer it either).
        return evidence.first >= evidence.runner_up and self.chance(evidence) >= self.threshold

    def save(self, path: Path) -> None:
        np.savez(path, mean=self.mean, scale=self.scale, weights=self.weights,
                 threshold=np.float64(self.threshold), features=np.array(FEATURES))
