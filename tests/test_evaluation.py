"""The development evaluation set: quality floors, raised as the matcher improves."""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from bot.evaluation import (
    Case,
    Report,
    evaluate,
    evaluate_safety,
    is_safety_file,
    read_cases,
    read_safety_cases,
)
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher, normalize

DATA = Path(__file__).parent / "data"
DEV = DATA / "eval_dev.tsv"
# Written by someone who saw neither the entries nor the dev set, and never used for tuning:
# it tells whether the dev-set figures generalise.
HOLDOUT = DATA / "eval_holdout.tsv"
# Near-domain questions, written without seeing the entries' phrasings: the newer entries,
# older entries asked about next to their topics, and questions no entry answers ("none").
NEAR = DATA / "eval_near.tsv"
NEAR_HOLDOUT = DATA / "eval_near_holdout.tsv"  # kept by the lead; checked when present
EVAL_FILES = [path for path in (DEV, HOLDOUT, NEAR, NEAR_HOLDOUT) if path.exists()]

# Floors: raise them when the matcher gets better, never lower them to make a change pass.
TOP1_FLOOR = 0.95
TOP3_FLOOR = 0.98
ABSTENTION_FLOOR = 0.90
FALSE_RED_FLAG_CEILING = 0.01
WRONG_ANSWER_CEILING = 0.015
# The near-domain dev set (issue 12's targets: top-1 0.92 per language, wrong answers 0.02,
# uncovered questions not answered 0.95).
NEAR_TOP1_FLOOR = 0.92
NEAR_WRONG_ANSWER_CEILING = 0.02
NEAR_NOT_ANSWERED_FLOOR = 0.95

# An eval question a word or two away from an example question (a word dropped, added or
# swapped, "oud"/"ouder", "10"/"tien", a typo) is text the matcher was built from, and inflates
# the figures. rapidfuzz's ratio on normalised text, against the examples of the question's own
# language: at 85 and above, every pair in the sets was such a near-copy of an example of the
# same entry; from 80 to 85, pairs start to be different questions that share a frame ("is
# joggen slecht voor mijn knieen" / the weight-loss example "is overgewicht slecht voor mijn
# knieen"), which a guard must not forbid. Short questions score high on small edits, so a
# lower bar would ban ordinary short phrasings; at 90, 32 of the 65 near-copies found passed.
NEAR_COPY_RATIO = 85


@pytest.fixture(scope="module")
def report(matcher: Matcher) -> Report:
    return evaluate(matcher, read_cases(DEV))


@pytest.fixture(scope="module")
def near(matcher: Matcher) -> Report:
    return evaluate(matcher, read_cases(NEAR))


def test_the_sets_are_big_and_cover_every_entry(kb: KnowledgeBase) -> None:
    cases = read_cases(DEV)
    assert sum(c.lang == "nl" for c in cases) >= 180
    assert sum(c.lang == "en" for c in cases) >= 120
    assert sum(c.kind == "none" for c in cases) >= 40
    assert sum(c.kind == "red-flag" for c in cases) >= 25
    near = read_cases(NEAR)
    assert len(near) >= 200
    assert sum(c.kind == "none" for c in near) >= 50
    covered = {e for c in (*cases, *near) for e in c.expected}
    assert set(kb.entries) <= covered
    assert covered - set(kb.entries) <= {"none", "red-flag"}


def test_no_eval_question_is_an_example_question(kb: KnowledgeBase) -> None:
    examples = {normalize(q) for e in kb.entries.values() for lang in ("nl", "en")
                for q in e.text(lang).questions}
    for path in EVAL_FILES:
        copied = [c.question for c in read_cases(path) if normalize(c.question) in examples
                  and (path.name, c.question) not in WRITTEN_BLIND_NEAR_COPIES]
        assert copied == [], path.name


# Held-out lines that a blind writer happened to phrase (almost) as an entry's example. Nothing
# leaves a held-out file once its result was seen, so they stay.
WRITTEN_BLIND_NEAR_COPIES = {
    ("eval_holdout.tsv", "wat is artrose eigenlijk precies"),
    ("eval_near_holdout.tsv", "slijt mijn knie niet nog sneller als ik veel beweeg"),
    ("eval_near_holdout.tsv", "is osteoarthritis the same thing as rheumatoid arthritis"),
    ("eval_near_holdout.tsv", "is turmeric good for arthritis"),
    ("eval_near_holdout.tsv", "injection for knee arthritis?"),
    ("eval_near_holdout.tsv", "would moving to spain help my arthritis"),
    ("eval_holdout.tsv", "kan ik blijven werken met artrose"),
    ("eval_near_holdout.tsv", "is osteoarthritis only about cartilage"),
    ("eval_near_holdout.tsv", "is arthritis just wear and tear"),
    ("eval_near_holdout.tsv", "is artrose hetzelfde als reuma"),
    ("eval_near_holdout.tsv", "heeft stress invloed op artrose pijn"),
    ("eval_near_holdout.tsv", "is cbd oil any good for arthritis pain"),
    ("eval_near_holdout.tsv", "wat is artrose eigenlijk precies"),
}


def test_no_eval_question_is_a_near_copy_of_an_example_question(kb: KnowledgeBase) -> None:
    """Against the examples of the entries the question expects: a question close to another
    entry's example ("helpt krachttraining ..." / aerobic-exercise's "helpt conditietraining
    ...") makes the matcher's task harder, not easier, and is a fair test of it."""
    near = []
    for path in EVAL_FILES:
        for case in read_cases(path):
            if (path.name, case.question) in WRITTEN_BLIND_NEAR_COPIES:
                continue
            examples = sorted({normalize(q) for entry_id in case.expected
                               if entry_id in kb.entries
                               for q in kb.entries[entry_id].text(case.lang).questions})
            hit = process.extractOne(normalize(case.question), examples,
                                     scorer=fuzz.ratio, score_cutoff=NEAR_COPY_RATIO)
            if hit is not None:
                near.append(f"{path.name}:{case.line}: {case.question!r} ~ {hit[0]!r}"
                            f" ({hit[1]:.0f})")
    assert near == [], (f"{len(near)} eval questions with ratio >= {NEAR_COPY_RATIO} to an"
                        " example question of their entry:\n" + "\n".join(near))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_accuracy_floors(report: Report, lang: str) -> None:
    score = report.per_lang[lang]
    assert score.rate(score.top1) >= TOP1_FLOOR
    assert score.rate(score.top3) >= TOP3_FLOOR


def test_off_topic_abstention(report: Report) -> None:
    assert report.abstention >= ABSTENTION_FLOOR


def test_every_red_flag_is_caught(report: Report) -> None:
    missed = [case.question for case, d in report.confusions if case.kind == "red-flag"]
    assert missed == []
    assert report.red_flag_recall == 1.0


def test_false_red_flags_are_rare(report: Report) -> None:
    assert report.false_red_flag_rate <= FALSE_RED_FLAG_CEILING


SAFETY_DEV = DATA / "safety_dev.tsv"


def test_red_flag_sets_are_told_by_their_header(tmp_path: Path) -> None:
    assert is_safety_file(SAFETY_DEV)
    assert not is_safety_file(DEV)
    assert not is_safety_file(tmp_path / "missing.tsv")
    cases = read_safety_cases(SAFETY_DEV)
    assert {c.level for c in cases} == {"emergency", "today", "none"}
    assert {c.lang for c in cases} == {"nl", "en"}
    assert sum(c.level != "none" for c in cases) >= 400
    assert sum(c.level == "none" for c in cases) >= 200


def test_red_flag_recall_counts_a_more_urgent_reply_but_not_a_less_urgent_one(
        matcher: Matcher, tmp_path: Path) -> None:
    tsv = tmp_path / "flags.tsv"
    tsv.write_text("level\tkind\tlang\tquestion\n"
                   "today\tchest\tnl\tik heb pijn op de borst\n"  # emergency for a today: caught
                   "emergency\thot\tnl\tmijn knie is heet en gezwollen\n"  # today: missed
                   "none\tlookalike\tnl\tik slaap slecht\n", encoding="utf-8")
    report = evaluate_safety(matcher, read_safety_cases(tsv))
    assert report.level_recall("today").rate == 1.0
    assert report.exact["today"].rate == 0.0
    assert report.level_recall("emergency").rate == 0.0
    assert [c.line for c, _ in report.misses] == [3]
    assert report.false_alarm_total().hits == 0


def test_wrong_answers_are_rare(report: Report) -> None:
    assert report.wrong_answer_rate <= WRONG_ANSWER_CEILING


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_near_domain_accuracy_floor(near: Report, lang: str) -> None:
    score = near.per_lang[lang]
    assert score.rate(score.top1) >= NEAR_TOP1_FLOOR


def test_near_domain_wrong_answers_are_rare(near: Report) -> None:
    assert near.wrong_answer_rate <= NEAR_WRONG_ANSWER_CEILING


def test_near_domain_questions_no_entry_answers_get_no_answer(near: Report) -> None:
    assert near.not_answered >= NEAR_NOT_ANSWERED_FLOOR


def test_the_wrong_answer_rate_counts_off_topic_answers_and_wrong_entries(
        matcher: Matcher) -> None:
    """Every question but red flags is judged; a wrong answer is an answer from an entry that
    does not answer it, an off-topic question answered included. Suggestions are not answers."""
    rows = [("worn-out-joint", "nl", "is mijn knie versleten"),  # answered, right
            ("aerobic-exercise", "nl", "is mijn knie versleten"),  # answered, wrong entry
            ("none", "nl", "is mijn knie versleten"),  # off-topic by label, answered: wrong
            ("none", "nl", "hoe bak ik pannenkoeken"),  # fallback: not an answer
            ("worn-out-joint", "nl", "knie"),  # a suggestion: not an answer
            ("red-flag", "nl", "pijn op de borst")]  # not judged
    cases = [Case(frozenset(e.split("|")), lang, q, n) for n, (e, lang, q) in enumerate(rows, 1)]
    report = evaluate(matcher, cases)
    assert [matcher.match(q).kind for _, _, q in rows[:5]] == \
        ["answer", "answer", "answer", "fallback", "suggest"]
    assert (report.wrong_answers, report.judged) == (2, 5)
    assert report.wrong_answer_rate == pytest.approx(2 / 5)
    assert report.per_lang["nl"].wrong_answer_rate == pytest.approx(2 / 5)
    assert report.not_answered == pytest.approx(1 / 2)
    assert report.as_json()["wrong_answers"] == {"questions": 5, "wrong": 2, "rate": 0.4}


# How an older patient opens and closes a message: greetings, thanks, apologies, forms of
# address (stop words to the matcher). Wrapped around every dev question, they must not move it.
POLITE = {"nl": ("goeiedag mevrouw, sorry dat ik stoor.", "alvast bedankt, vriendelijke groeten"),
          "en": ("hello, sorry to bother you.", "thanks in advance, kind regards")}


def moved_by(matcher: Matcher, lang: str, before: str, after: str) -> tuple[list[str], int]:
    """The dev questions of `lang` (red flags aside) whose first entry changes when `before`
    and `after` are written around them, and how many were tried."""
    cases = [c for c in read_cases(DEV) if c.lang == lang and c.kind not in ("red-flag",)]
    moved = [c.question for c in cases
             if matcher.match(c.question, lang).candidate_ids[:1]
             != matcher.match(f"{before} {c.question} {after}", lang).candidate_ids[:1]]
    return moved, len(cases)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_greetings_and_thanks_around_a_question_do_not_move_it(matcher: Matcher,
                                                               lang: str) -> None:
    moved, tried = moved_by(matcher, lang, *POLITE[lang])
    assert len(moved) <= 0.03 * tried, moved


# Who said it and "what should I make of it" (bot/matching/data/hearsay_*.txt): a question
# asked after a visit or after reading something. Before they were taken out, a neighbour's or
# a physiotherapist's words around a dev question moved its first entry for a fifth of them.
HEARSAY = {"nl": ("de kine zei:", "mijn buurvrouw zegt van niet, wat moet ik daarvan denken?"),
           "en": ("my GP said", "what do you think? my neighbour told me so")}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_who_said_it_around_a_question_does_not_move_it(matcher: Matcher, lang: str) -> None:
    moved, tried = moved_by(matcher, lang, *HEARSAY[lang])
    assert len(moved) <= 0.03 * tried, moved
