"""Beliefs before and after: Wilson intervals, pairing, suppression, and the report section,
on generated answers whose true proportions are known."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from bot.reporting import build_report, render_html, report_tables
from bot.reporting.beliefs import belief_rows, wilson
from bot.storage import BeliefAnswer, ReportRows, Storage
from bot.storage.engine import create_engine, parse_url

START = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
LATER = START + dt.timedelta(days=14)
PERIOD = {"since": dt.date(2026, 11, 1), "until": dt.date(2026, 11, 30)}
STATEMENTS = {"rest-until-pain-free": "With osteoarthritis, you should rest until the pain is "
              "gone.", "aerobic-exercise": "Walking, cycling and swimming help."}


def test_wilson_matches_known_values() -> None:
    # reference values (Wilson 1927; as computed by statsmodels' proportion_confint)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def _people(n: int, p_before: float, p_after: float, rng: random.Random, *,
            entry_id: str = "rest-until-pain-free", clinic: str | None = "demo-kine",
            prefix: str = "u") -> list[BeliefAnswer]:
    rows = []
    for i in range(n):
        user = f"{prefix}{i}"
        rows.append(BeliefAnswer(user, START, entry_id, "before", rng.random() < p_before,
                                 clinic))
        rows.append(BeliefAnswer(user, LATER, entry_id, "after", rng.random() < p_after,
                                 clinic))
    return rows


def test_generated_proportions_are_recovered_within_their_interval() -> None:
    rng = random.Random(2026)
    (row,) = belief_rows(_people(800, 0.30, 0.70, rng), STATEMENTS, min_users=None,
                         per_clinic=False, **PERIOD)
    assert row.people == 800
    assert row.before.rate == pytest.approx(0.30, abs=0.05)
    assert row.after.rate == pytest.approx(0.70, abs=0.05)
    low, high = row.before.interval
    assert low < 0.30 < high and high - low < 0.07
    low, high = row.after.interval
    assert low < 0.70 < high


def test_only_people_answering_both_times_count_once_each() -> None:
    answers = [
        # answered twice before: the first answer counts
        BeliefAnswer("a", START, "aerobic-exercise", "before", False, None),
        BeliefAnswer("a", START + dt.timedelta(hours=1), "aerobic-exercise", "before", True, None),
        BeliefAnswer("a", LATER, "aerobic-exercise", "after", True, None),
        # no follow-up answer: not counted
        BeliefAnswer("b", START, "aerobic-exercise", "before", True, None),
        # "not sure" is not the correct belief
        BeliefAnswer("c", START, "aerobic-exercise", "before", None, None),
        BeliefAnswer("c", LATER, "aerobic-exercise", "after", None, None),
    ]
    (row,) = belief_rows(answers, STATEMENTS, min_users=None, per_clinic=False, **PERIOD)
    assert (row.people, row.before.correct, row.after.correct) == (2, 0, 1)
    # a follow-up outside the period is not in the period's report
    assert belief_rows(answers, STATEMENTS, min_users=None, per_clinic=False,
                       since=dt.date(2026, 12, 1), until=dt.date(2026, 12, 31)) == ()


def _nowhere(question: str, lang: str) -> None:
    return None


def test_small_cells_are_suppressed_in_a_clinic_report() -> None:
    rng = random.Random(1)
    answers = (_people(12, 0.2, 0.8, rng)
               + _people(4, 0.5, 0.5, rng, entry_id="aerobic-exercise", prefix="v"))
    rows = ReportRows((), (), tuple(answers))
    report = build_report(rows, scope="Kinepraktijk Demo", clinic="demo-kine", nearest=_nowhere,
                          titles={}, phrasing_score=0.4, statements=STATEMENTS, **PERIOD)
    shown = {r.entry_id: r.hidden for r in report.beliefs}
    assert shown == {"rest-until-pain-free": False, "aerobic-exercise": True}
    page = render_html(report, LATER)
    assert "What patients believe, before and after" in page
    assert "rest until the pain" in page and "Walking, cycling" not in page
    assert "1 statement(s) answered by fewer than 5 people are not shown" in page
    csv_rows = report_tables(report)["beliefs.csv"]
    assert [r[0] for r in csv_rows[1:]] == ["rest-until-pain-free"]
    # the editors' report shows every clinic and all of them together, nothing suppressed
    everyone = build_report(rows, scope="all clinics", clinic=None, nearest=_nowhere,
                            titles={}, phrasing_score=0.4, statements=STATEMENTS, **PERIOD)
    assert {(r.entry_id, r.clinic) for r in everyone.beliefs} == {
        ("rest-until-pain-free", None), ("rest-until-pain-free", "demo-kine"),
        ("aerobic-exercise", None), ("aerobic-exercise", "demo-kine")}


async def test_stored_answers_reach_the_report(tmp_path: Path) -> None:
    engine = create_engine(parse_url(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"), timeout=2.0)
    storage = Storage(engine, b"k" * 32, retention_days=90, clinics={"demo-kine"})
    try:
        await storage.record_visit(1, clinic="demo-kine", now=START)
        for user, phase, at, right in ((1, "before", START, False), (1, "after", LATER, True),
                                       (2, "before", START, True), (1, "quiz", LATER, True)):
            assert await storage.record_quiz_answer(user, "rest-until-pain-free", "myth", right,
                                                    language="nl", phase=phase, now=at)
        rows = await storage.report_rows(clinic="demo-kine")
    finally:
        await storage.close()
    # the quiz's own answers are not beliefs; user 2 has no clinic
    assert [(b.phase, b.correct) for b in rows.beliefs] == [("before", False), ("after", True)]
    (row,) = belief_rows(rows.beliefs, STATEMENTS, min_users=None, per_clinic=False, **PERIOD)
    assert (row.people, row.before.correct, row.after.correct) == (1, 0, 1)
