"""Measure the matcher on a TSV of questions whose right answer is known."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.matching import Decision, Matcher

OFF_TOPIC = "none"
RED_FLAG = "red-flag"
HEADER = ["expected", "lang", "question"]


@dataclass(frozen=True)
class Case:
    expected: frozenset[str]
    lang: str
    question: str
    line: int

    @property
    def kind(self) -> str:
        if OFF_TOPIC in self.expected:
            return OFF_TOPIC
        if RED_FLAG in self.expected:
            return RED_FLAG
        return "entry"


class EvalFileError(ValueError):
    pass


def read_cases(path: Path) -> list[Case]:
    """Rows of `expected<TAB>lang<TAB>question`; `expected` may be `a|b`, `none` or `red-flag`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    cases = []
    for number, row in enumerate(rows, 1):
        if not row or row == HEADER or row[0].startswith("#"):
            continue
        if len(row) != 3 or row[1] not in ("nl", "en") or not row[2].strip():
            raise EvalFileError(f"{path}:{number}: expected 'expected<TAB>nl|en<TAB>question'")
        cases.append(Case(frozenset(row[0].split("|")), row[1], row[2], number))
    return cases


@dataclass
class LangScore:
    """Top-1: the bot answered or suggested, and its first entry is right. Top-3: a right entry
    is among the (at most three) candidates; both over the questions an entry answers (`total`).

    Wrong answers: answered outright from an entry that does not answer the question — the
    mistake a patient notices, which "suggest" and "fallback" exist to avoid. Counted over every
    question of the language but red flags (`judged`), so an off-topic question answered from
    an entry is a wrong answer too."""

    total: int = 0
    top1: int = 0
    top3: int = 0
    answered: int = 0
    judged: int = 0
    wrong_answers: int = 0

    def rate(self, hits: int) -> float:
        return hits / self.total if self.total else 1.0

    @property
    def wrong_answer_rate(self) -> float:
        return self.wrong_answers / self.judged if self.judged else 0.0


@dataclass
class Report:
    per_lang: dict[str, LangScore] = field(default_factory=dict)
    off_topic: int = 0
    abstained: int = 0
    off_topic_answered: int = 0
    red_flags: int = 0
    red_flags_caught: int = 0
    not_red: int = 0
    false_red: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    confusions: list[tuple[Case, Decision]] = field(default_factory=list)

    @property
    def abstention(self) -> float:
        return self.abstained / self.off_topic if self.off_topic else 1.0

    @property
    def not_answered(self) -> float:
        """The share of off-topic questions that got no answer: a fallback, a suggestion, small
        talk (a "did you mean" is no claim that an entry answers it)."""
        if not self.off_topic:
            return 1.0
        return 1 - self.off_topic_answered / self.off_topic

    @property
    def wrong_answers(self) -> int:
        return sum(s.wrong_answers for s in self.per_lang.values())

    @property
    def judged(self) -> int:
        return sum(s.judged for s in self.per_lang.values())

    @property
    def wrong_answer_rate(self) -> float:
        """Answers from an entry that does not answer the question, off-topic ones included,
        over every question but red flags."""
        return self.wrong_answers / self.judged if self.judged else 0.0

    @property
    def red_flag_recall(self) -> float:
        return self.red_flags_caught / self.red_flags if self.red_flags else 1.0

    @property
    def false_red_flag_rate(self) -> float:
        return self.false_red / self.not_red if self.not_red else 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "languages": {
                lang: {"questions": s.total, "top1": round(s.rate(s.top1), 4),
                       "top3": round(s.rate(s.top3), 4), "answered": round(s.rate(s.answered), 4),
                       "judged": s.judged, "wrong_answers": round(s.wrong_answer_rate, 4)}
                for lang, s in sorted(self.per_lang.items())
            },
            "wrong_answers": {"questions": self.judged, "wrong": self.wrong_answers,
                              "rate": round(self.wrong_answer_rate, 4)},
            "off_topic": {"questions": self.off_topic, "abstention": round(self.abstention, 4),
                          "not_answered": round(self.not_answered, 4)},
            "red_flag": {"questions": self.red_flags, "recall": round(self.red_flag_recall, 4),
                         "false_rate": round(self.false_red_flag_rate, 4)},
            "kinds": dict(self.kinds),
            "confusions": [
                {"line": c.line, "question": c.question, "expected": sorted(c.expected),
                 "kind": d.kind, "got": d.entry_id, "candidates": d.candidate_ids}
                for c, d in self.confusions
            ],
        }


def evaluate(matcher: Matcher, cases: Iterable[Case], lang: str | None = None) -> Report:
    """Run every case; `lang` forces the language instead of the case's own (None: detect)."""
    report = Report()
    for case in cases:
        decision = matcher.match(case.question, lang)
        report.kinds[decision.kind] += 1
        if case.kind == RED_FLAG:
            report.red_flags += 1
            caught = decision.kind == "red_flag"
            report.red_flags_caught += caught
            if not caught:
                report.confusions.append((case, decision))
            continue
        report.not_red += 1
        report.false_red += decision.kind == "red_flag"
        score = report.per_lang.setdefault(case.lang, LangScore())
        score.judged += 1
        if case.kind == OFF_TOPIC:
            report.off_topic += 1
            abstained = decision.kind in ("fallback", "smalltalk")
            report.abstained += abstained
            report.off_topic_answered += decision.kind == "answer"
            score.wrong_answers += decision.kind == "answer"
            if not abstained:
                report.confusions.append((case, decision))
            continue
        score.total += 1
        offered = decision.kind in ("answer", "suggest")
        right = offered and decision.candidate_ids[0] in case.expected
        score.top1 += right
        score.top3 += offered and bool(case.expected & set(decision.candidate_ids))
        score.answered += decision.kind == "answer"
        score.wrong_answers += decision.kind == "answer" and not right
        if not right:
            report.confusions.append((case, decision))
    return report


# Red-flag sets: `level<TAB>kind<TAB>lang<TAB>question`, level emergency, today or none (a
# look-alike that must not fire); kind names the sort of message ("chest-pain", "heat-pack").
SAFETY_HEADER = ["level", "kind", "lang", "question"]
SAFETY_LEVELS = ("emergency", "today", "none")
_URGENCY_RANK = {"none": 0, "today": 1, "emergency": 2}


@dataclass(frozen=True)
class SafetyCase:
    level: str
    kind: str
    lang: str
    question: str
    line: int


def is_safety_file(path: Path) -> bool:
    """Does the file start with the red-flag header (`level kind lang question`)?"""
    try:
        with path.open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "")
    except (OSError, UnicodeDecodeError):
        return False
    return first.rstrip("\r\n").split("\t") == SAFETY_HEADER


def read_safety_cases(path: Path) -> list[SafetyCase]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    cases = []
    rows = csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    for number, row in enumerate(rows, 1):
        if not row or row == SAFETY_HEADER or row[0].startswith("#"):
            continue
        if (len(row) != 4 or row[0] not in SAFETY_LEVELS or row[2] not in ("nl", "en")
                or not row[3].strip()):
            raise EvalFileError(f"{path}:{number}: expected "
                                "'emergency|today|none<TAB>kind<TAB>nl|en<TAB>question'")
        cases.append(SafetyCase(row[0], row[1], row[2], row[3], number))
    return cases


@dataclass
class Tally:
    total: int = 0
    hits: int = 0

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 1.0


@dataclass
class SafetyReport:
    """Recall: a red flag fired at its level or a more urgent one (an emergency answered with
    "see a doctor today" is a miss). Exact: it fired at its own level. False alarms: look-alikes
    that fired at all."""

    recall: dict[tuple[str, str], Tally] = field(default_factory=dict)  # (level, lang)
    exact: dict[str, Tally] = field(default_factory=dict)  # level
    false_alarms: dict[str, Tally] = field(default_factory=dict)  # lang
    misses: list[tuple[SafetyCase, Decision]] = field(default_factory=list)
    alarms: list[tuple[SafetyCase, Decision]] = field(default_factory=list)

    def level_recall(self, level: str) -> Tally:
        tallies = [t for (lvl, _), t in self.recall.items() if lvl == level]
        return Tally(sum(t.total for t in tallies), sum(t.hits for t in tallies))

    def false_alarm_total(self) -> Tally:
        return Tally(sum(t.total for t in self.false_alarms.values()),
                     sum(t.hits for t in self.false_alarms.values()))

    def as_json(self) -> dict[str, object]:
        def tally(t: Tally) -> dict[str, object]:
            return {"questions": t.total, "caught": t.hits, "rate": round(t.rate, 4)}

        def case(c: SafetyCase, d: Decision) -> dict[str, object]:
            return {"line": c.line, "level": c.level, "kind": c.kind, "lang": c.lang,
                    "question": c.question, "got": d.urgency if d.kind == "red_flag" else None,
                    "rule": d.rule if d.kind == "red_flag" else None}

        return {
            "recall": {level: {"all": tally(self.level_recall(level)),
                               **{lang: tally(t) for (lvl, lang), t in sorted(self.recall.items())
                                  if lvl == level}}
                       for level in SAFETY_LEVELS[:2]},
            "exact_level": {level: tally(t) for level, t in sorted(self.exact.items())},
            "false_alarms": {"all": tally(self.false_alarm_total()),
                             **{lang: tally(t) for lang, t in sorted(self.false_alarms.items())}},
            "misses": [case(c, d) for c, d in self.misses],
            "alarms": [case(c, d) for c, d in self.alarms],
        }


def evaluate_safety(matcher: Matcher, cases: Iterable[SafetyCase],
                    lang: str | None = None) -> SafetyReport:
    report = SafetyReport()
    for case in cases:
        decision = matcher.match(case.question, lang)
        got = (decision.urgency or "emergency") if decision.kind == "red_flag" else "none"
        if case.level == "none":
            tally = report.false_alarms.setdefault(case.lang, Tally())
            tally.total += 1
            if got != "none":
                tally.hits += 1
                report.alarms.append((case, decision))
            continue
        tally = report.recall.setdefault((case.level, case.lang), Tally())
        tally.total += 1
        exact = report.exact.setdefault(case.level, Tally())
        exact.total += 1
        exact.hits += got == case.level
        if _URGENCY_RANK[got] >= _URGENCY_RANK[case.level]:
            tally.hits += 1
        else:
            report.misses.append((case, decision))
    return report
