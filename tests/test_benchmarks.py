"""The benchmarks judge their own targets, and their moving parts still run (tiny sizes here;
the figures themselves come from `make bench`, not from CI)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.__main__ import target_table, verdicts
from benchmarks.quality import Row
from benchmarks.speed import SpeedRow, growth_factor
from benchmarks.throughput import throughput

pytestmark = pytest.mark.slow


def row(system: str, top1: float, abstention: float = 0.95, wrong: float = 0.01,
        not_answered: float = 0.96) -> Row:
    return Row(system, 0.5, {"en": top1, "nl": top1}, {"en": top1, "nl": top1}, abstention, None,
               wrong, not_answered)


def speed(name: str, entries: int, index_mib: float, p99_ms: float = 2.0) -> SpeedRow:
    return SpeedRow(name, entries, 0.1, index_mib, index_mib + 50, 1.0, p99_ms, 9.0, 9.0)


QUALITY = {"eval_dev.tsv": [row("ours", 0.95), row("baseline", 0.80)],
           "eval_near.tsv": [row("ours", 0.93), row("baseline", 0.60, wrong=0.3)],
           "eval_holdout.tsv": [row("ours", 0.95), row("baseline", 0.80)]}
SPEED = [speed("real", 21, 2.0), speed("synthetic 1000", 1000, 24.0),
         speed("synthetic 10000", 10_000, 220.0)]
FLOW = {"answered_per_s": 350.0, "lost": 0, "duplicated": 0}


def test_every_target_met_is_said_so() -> None:
    results = verdicts(QUALITY, SPEED, {"run": 0.8, "ask": 0.4}, FLOW)
    assert all(v.met for v in results), results
    assert "NO" not in target_table(results)


@pytest.mark.parametrize(("change", "missed"), [
    ({"quality": {**QUALITY, "eval_dev.tsv": [row("ours", 0.96), row("b", 0.94)]}},
     "top-1 error vs best baseline"),
    ({"quality": {**QUALITY, "eval_dev.tsv": [row("ours", 0.94), row("b", 0.80)]}},
     "top-1 dev (each language)"),
    ({"quality": {**QUALITY, "eval_dev.tsv": [row("ours", 0.95, wrong=0.02), row("b", 0.8)]}},
     "wrong answers dev"),
    ({"quality": {**QUALITY, "eval_near.tsv": [row("ours", 0.91), row("b", 0.6)]}},
     "top-1 near (each language)"),
    ({"quality": {**QUALITY, "eval_near.tsv": [row("ours", 0.93, wrong=0.03), row("b", 0.6)]}},
     "wrong answers near"),
    ({"quality": {**QUALITY,
                  "eval_near.tsv": [row("ours", 0.93, not_answered=0.9), row("b", 0.6)]}},
     "uncovered not answered near"),
    ({"speed": [*SPEED[:2], speed("synthetic 10000", 10_000, 2400.0)]}, "memory growth"),
    ({"speed": [*SPEED[:2], speed("synthetic 10000", 10_000, 220.0, p99_ms=30.0)]},
     "p99 10 000"),
    ({"startup": {"run": 1.2, "ask": 0.4}}, "start-up"),
    ({"flow": {**FLOW, "duplicated": 1}}, "lost / duplicated"),
])
def test_a_missed_target_is_named(change: dict[str, Any], missed: str) -> None:
    args: dict[str, Any] = {"quality": QUALITY, "speed": SPEED,
                            "startup": {"run": 0.8, "ask": 0.4}, "flow": FLOW} | change
    results = verdicts(**args)
    assert [v.name for v in results if v.met is False] == [missed]


def test_a_missing_near_set_is_not_measured_rather_than_failed() -> None:
    quality = {k: v for k, v in QUALITY.items() if k != "eval_near.tsv"}
    results = verdicts(quality, SPEED, {"run": 0.8, "ask": 0.4}, FLOW)
    near = [v for v in results if "near" in v.name]
    assert near and all(v.met is None and v.measured == "not measured" for v in near)
    assert all(v.met for v in results if v not in near)


def test_memory_growth_compares_the_two_largest_synthetic_sizes() -> None:
    assert growth_factor(SPEED) == pytest.approx((220 / 10_000) / (24 / 1000))
    assert growth_factor(SPEED[:2]) is None  # one synthetic size: not measured


def test_the_throughput_run_answers_every_question_once() -> None:
    result = throughput(messages=40, users=8)
    assert (result["lost"], result["duplicated"], result["recorded"]) == (0, 0, 40)
    assert (result["limited_lost"], result["limited_duplicated"]) == (0, 0)
    assert result["answered_per_s"] > 0


FAULT = {
    "outages": [{"outage_s": 5.0, "asked": 50, "lost": 0, "p50_after_s": 0.8,
                 "p99_after_s": 1.6}],
    "kills": [{"kill_after_s": 0.2, "answered_before": 16, "in_flight": 2, "duplicates": 2,
               "lost": 0, "questions_counted_twice": 0}],
    "slow_person": [{"slow_person": "nobody (baseline)", "others": 150, "lost": 0,
                     "others_p50_ms": 600, "others_p99_ms": 1000},
                    {"slow_person": "429, retry after 45 s", "others": 150, "lost": 0,
                     "others_p50_ms": 620, "others_p99_ms": 1100}],
}


def _changed(section: str, **values: Any) -> dict[str, Any]:
    rows = [dict(row) for row in FAULT[section]]
    rows[-1].update(values)
    return {**FAULT, section: rows}


@pytest.mark.parametrize(("fault", "missed"), [
    (_changed("outages", lost=1), "questions lost in outages"),
    (_changed("kills", lost=1), "questions lost in outages"),
    (_changed("kills", duplicates=3), "sent twice after a kill"),
    (_changed("slow_person", others_p99_ms=2500), "others' p99 with a slow person"),
])
def test_a_missed_fault_target_is_named(fault: dict[str, Any], missed: str) -> None:
    met = verdicts(QUALITY, SPEED, {"run": 0.8, "ask": 0.4}, FLOW, FAULT)
    assert all(v.met for v in met)
    results = verdicts(QUALITY, SPEED, {"run": 0.8, "ask": 0.4}, FLOW, fault)
    assert [v.name for v in results if v.met is False] == [missed]
    assert "NO" in target_table(results)


def test_the_fault_table_shows_every_row() -> None:
    from benchmarks.faults import fault_table

    table = fault_table(FAULT)
    assert "5 s" in table and "0.2 s" in table and "429, retry after 45 s" in table


def test_the_scale_out_targets_name_what_was_missed() -> None:
    from benchmarks.__main__ import scale_verdicts

    def row(instances: int, per_s: float, lost: int = 0) -> dict[str, Any]:
        return {"instances": instances, "answered_per_s": per_s, "lost": lost}

    good = {"rows": [row(1, 150), row(2, 280), row(3, 390)], "ratio_3_vs_1": 2.6}
    assert [v.met for v in scale_verdicts(good)] == [True, True, True]
    bad = {"rows": [row(1, 150), row(2, 140, lost=2), row(3, 120)], "ratio_3_vs_1": 0.8}
    assert [v.met for v in scale_verdicts(bad)] == [False, False, False]
    assert [v.met for v in scale_verdicts({"skipped": "needs nginx"})] == [None, None, None]
