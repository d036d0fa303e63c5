"""Which scoring signals earn their place: each alone, and the matcher's combination, on the
dev set, each at its best abstention threshold (the same rule as the baselines)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.baselines import Ranker
from benchmarks.quality import Row, thresholded_row
from bot.evaluation import read_cases
from bot.matching import Matcher
from bot.matching.index import WEIGHTS


def _ranker(matcher: Matcher, weights: dict[str, float]) -> Ranker:
    total = sum(weights.values())

    def rank(question: str) -> list[tuple[str, float]]:
        lang = matcher.detect_language(question)
        scored = [(entry_id, sum(weights.get(k, 0.0) * v for k, v in signals.items()) / total)
                  for entry_id, signals in matcher.signals(question, lang)]
        return sorted(scored, key=lambda item: (-item[1], item[0]))

    return rank


def ablation_rows(matcher: Matcher, path: Path) -> list[Row]:
    cases = read_cases(path)
    rows = [thresholded_row(f"{name} alone", _ranker(matcher, {name: 1.0}), cases)
            for name in WEIGHTS]
    rows.append(thresholded_row("combined", _ranker(matcher, dict(WEIGHTS)), cases))
    return rows
