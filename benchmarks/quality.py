"""Matching quality on the evaluation sets: our matcher against simple baselines, same run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.baselines import Ranker, bm25_words, tfidf_chars, wratio
from bot.evaluation import OFF_TOPIC, RED_FLAG, Case, evaluate, read_cases
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher

MIN_ABSTENTION = 0.90


@dataclass(frozen=True)
class Row:
    system: str
    threshold: float | None
    top1: dict[str, float]
    top3: dict[str, float]
    abstention: float
    red_flag_recall: float | None  # None: the system has no red-flag check at all
    # Answers from an entry that does not answer the question, off-topic ones included, over
    # every question but red flags; a baseline answers whatever scores above its threshold.
    wrong_answers: float = 0.0
    # Off-topic questions that got no answer (ours: fallback, suggestion or small talk).
    not_answered: float = 1.0

    @property
    def worst_top1(self) -> float:
        return min(self.top1.values())


def thresholded_row(name: str, rank: Ranker, cases: list[Case]) -> Row:
    """The baseline at its best abstention threshold: the highest top-1 (worst language) with
    abstention on off-topic ≥ 90%, or the highest abstention when it never gets there."""
    ranked = [(case, rank(case.question)[:3]) for case in cases if case.kind != RED_FLAG]
    best_scores = sorted({r[0][1] for _, r in ranked if r} | {0.0})
    rows = [_score(name, ranked, threshold) for threshold in best_scores]
    good = [r for r in rows if r.abstention >= MIN_ABSTENTION]
    if good:
        return max(good, key=lambda r: (r.worst_top1, -r.threshold if r.threshold else 0))
    return max(rows, key=lambda r: (r.abstention, r.worst_top1))


def _score(name: str, ranked: list[tuple[Case, list[tuple[str, float]]]],
           threshold: float) -> Row:
    hits1: dict[str, list[bool]] = {}
    hits3: dict[str, list[bool]] = {}
    abstained: list[bool] = []
    wrong: list[bool] = []
    for case, ranking in ranked:
        answers = bool(ranking) and ranking[0][1] >= threshold
        if case.kind == OFF_TOPIC:
            abstained.append(not answers)
            wrong.append(answers)
            continue
        ids = [entry_id for entry_id, _ in ranking] if answers else []
        hits1.setdefault(case.lang, []).append(bool(ids) and ids[0] in case.expected)
        hits3.setdefault(case.lang, []).append(bool(case.expected & set(ids)))
        wrong.append(bool(ids) and ids[0] not in case.expected)
    abstention = sum(abstained) / max(len(abstained), 1)
    return Row(name, threshold,
               {lang: sum(h) / len(h) for lang, h in sorted(hits1.items())},
               {lang: sum(h) / len(h) for lang, h in sorted(hits3.items())},
               abstention, None, sum(wrong) / max(len(wrong), 1), abstention)


def quality_rows(kb: KnowledgeBase, matcher: Matcher, path: Path) -> list[Row]:
    cases = read_cases(path)
    report = evaluate(matcher, cases)
    ours = Row("mythbot matcher", matcher.thresholds.answer,
               {lang: s.rate(s.top1) for lang, s in sorted(report.per_lang.items())},
               {lang: s.rate(s.top3) for lang, s in sorted(report.per_lang.items())},
               report.abstention, report.red_flag_recall, report.wrong_answer_rate,
               report.not_answered)
    baselines = [thresholded_row("rapidfuzz WRatio", wratio(kb), cases),
                 thresholded_row("BM25 (words)", bm25_words(kb), cases),
                 thresholded_row("TF-IDF (char 3-5)", tfidf_chars(kb), cases)]
    return [ours, *baselines]


def error_ratio(rows: list[Row]) -> float:
    """Our worst-language top-1 error divided by the best baseline's (target: at most 0.5)."""
    ours, *baselines = rows
    best = max(baselines, key=lambda r: r.worst_top1)
    return (1 - ours.worst_top1) / max(1 - best.worst_top1, 1e-9)
