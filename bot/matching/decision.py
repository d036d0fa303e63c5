"""What the matcher decided: a value, never an exception."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["answer", "suggest", "fallback", "red_flag", "smalltalk"]
Urgency = Literal["emergency", "today"]
KINDS: tuple[Kind, ...] = ("answer", "suggest", "fallback", "red_flag", "smalltalk")
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float


@dataclass(frozen=True)
class Decision:
    """The outcome for one question.

    `entry_id` is set only for an answer; `rule` names the red-flag rule, the small-talk intent
    or, for a fallback, the uncovered topic (knowledge/uncovered.yaml); `candidates` are the
    best entries, best first, at most three; `urgency` is set only for a red flag: "emergency"
    (112, now) or "today" (a doctor today).
    """

    kind: Kind
    lang: str
    score: float
    entry_id: str | None = None
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    rule: str | None = None
    empty: bool = False
    urgency: Urgency | None = None

    @property
    def candidate_ids(self) -> list[str]:
        return [c.entry_id for c in self.candidates]

    def as_json(self, question: str) -> dict[str, object]:
        """The stable `ask --json` contract: question, lang, kind, id, score, candidates; and
        `urgency` on red flags only."""
        result: dict[str, object] = {
            "question": question,
            "lang": self.lang,
            "kind": self.kind,
            "id": self.entry_id,
            "score": round(self.score, 3),
            "candidates": self.candidate_ids,
        }
        if self.kind == "red_flag":
            result["urgency"] = self.urgency or "emergency"
        return result
