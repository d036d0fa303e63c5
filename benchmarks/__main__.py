"""`python -m benchmarks` (or `make bench`): every benchmark, as tables or as JSON, and a
last table of the targets, each met or missed; the exit code is 1 when one is missed.

    python -m benchmarks               # all tables (quality, speed, throughput, faults), ~10 min
    python -m benchmarks --quick       # smaller synthetic cases (no 10 000), fewer messages

Every figure is a median over repeats in fresh processes, and every target is judged on that
median, so that one noisy run does not flip a verdict.
    python -m benchmarks --json        # the same numbers, machine-readable
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.ablation import ablation_rows
from benchmarks.pauses import loop_pauses
from benchmarks.pauses import table as pauses_table
from benchmarks.quality import Row, error_ratio, quality_rows
from benchmarks.reload import TOLERANCE as RELOAD_TOLERANCE
from benchmarks.reload import reload_under_load
from benchmarks.reload import table as reload_table
from benchmarks.speed import SizeRow, measure_size, memory_growth
from benchmarks.startup import startup_seconds
from bot.config import load_config
from bot.knowledge import load_knowledge
from bot.runtime import build

ROOT = Path(__file__).resolve().parent.parent
# The dev sets first (the targets are judged on them); a set whose file is missing is skipped.
EVAL_SETS = ("eval_dev.tsv", "eval_near.tsv", "eval_holdout.tsv", "eval_near_holdout.tsv")
DEV, NEAR = EVAL_SETS[0], EVAL_SETS[1]
SIZES = (None, 1_000, 10_000)  # None: the real knowledge base
QUICK_SIZES = (None, 200, 1_000)  # still three sizes, so that memory growth is measured
LARGE = 10_000
TARGETS = {
    "top-1 error vs best baseline": "≤ 0.5×",
    "abstention": "≥ 90%",
    "top-1 dev (each language)": "≥ 95%",
    "wrong answers dev": "≤ 1.5%",
    "top-1 near (each language)": "≥ 92%",
    "wrong answers near": "≤ 2%",
    "uncovered not answered near": "≥ 95%",
    "p99 real (cold)": "< 5 ms",
    "p99 10 000 (cold)": "< 15 ms",
    "warm start-up 1 000": "< 1 s",
    "warm start-up 10 000": "< 3 s",
    "index build 10 000": "< 20 s",
    "bot start-up (real)": "< 1 s",
    "p99 during a reload": "≤ 1.25× quiet",
    "peak memory growth": "linear (≤ 1.5×)",
    "throughput vs echo bot": "≥ 0.6×",
    "lost / duplicated": "0 / 0",
    "scale-out lost (kill)": "0",
    "through nginx, 3 inst.": "≥ 300 upd/s",
    "3 vs 1 instances": "> 1×",
    "questions lost in outages": "0",
    "sent twice after a kill": "≤ in flight",
    "others' p99 with a slow person": "≤ 2× baseline",
}


@dataclass(frozen=True)
class Verdict:
    name: str
    measured: str
    met: bool | None  # None: not measured in this run (--quick)


def _size(rows: list[SizeRow], entries: int) -> SizeRow | None:
    return next((r for r in rows if r.entries == entries), None)


def _below(name: str, row: SizeRow | None, value: Callable[[SizeRow], float], limit: float,
           unit: str) -> Verdict:
    if row is None:
        return Verdict(name, "not measured", None)
    figure = value(row)
    return Verdict(name, f"{figure:.2f} {unit}", figure < limit)


def verdicts(quality: dict[str, list[Row]], sizes: list[SizeRow], startup: dict[str, float],
             flow: dict[str, Any], fault: dict[str, Any] | None = None,
             reloading: dict[str, Any] | None = None) -> list[Verdict]:
    """Each target of issues 6, 11, 12 and 17 against this run's figures: medians over the
    repeats (quality on the dev sets). Times are CPU time where the code's own cost is judged:
    the machine is shared, and wall-clock time there measures the other tenants too (both are
    printed)."""
    dev = quality[DEV]
    near = quality.get(NEAR)
    ratio = error_ratio(dev)
    real = next(r for r in sizes if r.name == "real")
    growth = memory_growth(sizes)
    echo = flow["ratio_to_echo"]
    return [
        Verdict("top-1 error vs best baseline", f"{ratio:.2f}×", ratio <= 0.5),
        Verdict("abstention", _pct(dev[0].abstention), dev[0].abstention >= 0.90),
        Verdict("top-1 dev (each language)", _pct(dev[0].worst_top1), dev[0].worst_top1 >= 0.95),
        Verdict("wrong answers dev", _pct(dev[0].wrong_answers), dev[0].wrong_answers <= 0.015),
        Verdict("top-1 near (each language)", _pct(near[0].worst_top1) if near else "not measured",
                near[0].worst_top1 >= 0.92 if near else None),
        Verdict("wrong answers near", _pct(near[0].wrong_answers) if near else "not measured",
                near[0].wrong_answers <= 0.02 if near else None),
        Verdict("uncovered not answered near",
                _pct(near[0].not_answered) if near else "not measured",
                near[0].not_answered >= 0.95 if near else None),
        _below("p99 real (cold)", real, lambda r: r.p99_median, 5, "ms"),
        _below("p99 10 000 (cold)", _size(sizes, LARGE), lambda r: r.p99_median, 15, "ms"),
        _below("warm start-up 1 000", _size(sizes, 1_000), lambda r: r.warm_start_cpu_median, 1,
               "s CPU"),
        _below("warm start-up 10 000", _size(sizes, LARGE), lambda r: r.warm_start_cpu_median,
               3, "s CPU"),
        _below("index build 10 000", _size(sizes, LARGE), lambda r: r.index_build_cpu_s, 20,
               "s CPU"),
        Verdict("bot start-up (real)", f"{startup['run_cpu']:.2f} s CPU", startup["run_cpu"] < 1),
        Verdict("p99 during a reload",
                f"{reloading['ratio']:.2f}×" if reloading is not None else "not measured",
                reloading["ratio"] <= RELOAD_TOLERANCE if reloading is not None else None),
        Verdict("peak memory growth", f"{growth:.2f}×" if growth is not None else "not measured",
                growth <= 1.5 if growth is not None else None),
        Verdict("throughput vs echo bot", f"{echo:.2f}×", echo >= 0.6),
        Verdict("lost / duplicated", f"{flow['lost']} / {flow['duplicated']}",
                flow["lost"] == 0 and flow["duplicated"] == 0),
        *(_fault_verdicts(fault) if fault is not None else []),
    ]


def _fault_verdicts(fault: dict[str, Any]) -> list[Verdict]:
    lost = sum(row["lost"] for row in fault["outages"])
    twice = sum(row["duplicates"] for row in fault["kills"])
    in_flight = sum(row["in_flight"] for row in fault["kills"])
    killed_lost = sum(row["lost"] for row in fault["kills"])
    base, *slow = fault["slow_person"]
    worst = max(row["others_p99_ms"] for row in slow)
    return [
        Verdict("questions lost in outages", str(lost + killed_lost), lost + killed_lost == 0),
        Verdict("sent twice after a kill", f"{twice} of {in_flight}", twice <= in_flight),
        Verdict("others' p99 with a slow person", f"{worst} / {base['others_p99_ms']} ms",
                worst <= 2 * base["others_p99_ms"]),
    ]


def scale_verdicts(result: dict[str, Any]) -> list[Verdict]:
    """Issue 14's targets against the scale-out run (benchmarks/scale.py)."""
    if "skipped" in result:
        return [Verdict(name, "not measured", None) for name in
                ("scale-out lost (kill)", "through nginx, 3 inst.", "3 vs 1 instances")]
    rows = result["rows"]
    lost = sum(r["lost"] for r in rows)
    best = result["per_s_3"] or 0.0
    ratio = result["ratio_3_vs_1"] or 0.0
    return [Verdict("scale-out lost (kill)", str(lost), lost == 0),
            Verdict("through nginx, 3 inst.", f"{best} upd/s", best >= 300),
            Verdict("3 vs 1 instances", f"{ratio:.2f}×", ratio > 1)]


def target_table(results: list[Verdict]) -> str:
    head = f"{'target':<30}{'measured':>16}{'wanted':>18}  met"
    lines = ["Targets", head, "-" * len(head)]
    marks = {True: "yes", False: "NO", None: "-"}
    lines += [f"{v.name:<30}{v.measured:>16}{TARGETS[v.name]:>18}  {marks[v.met]}"
              for v in results]
    return "\n".join(lines)


def _pct(value: float) -> str:
    return f"{value:.1%}"


def quality_table(title: str, rows: list[Row]) -> str:
    langs = sorted(rows[0].top1)
    head = (f"{'system':<20}{'threshold':>10}"
            + "".join(f"{'top-1 ' + lang:>10}{'top-3 ' + lang:>10}" for lang in langs)
            + f"{'abstain':>10}{'no answer':>10}{'wrong':>8}{'red-flag':>10}")
    lines = [title, head, "-" * len(head)]
    for row in rows:
        threshold = f"{row.threshold:.2f}" if row.threshold is not None else "-"
        cells = "".join(f"{_pct(row.top1[lang]):>10}{_pct(row.top3[lang]):>10}" for lang in langs)
        red = "-" if row.red_flag_recall is None else _pct(row.red_flag_recall)
        lines.append(f"{row.system:<20}{threshold:>10}{cells}{_pct(row.abstention):>10}"
                     f"{_pct(row.not_answered):>10}{_pct(row.wrong_answers):>8}{red:>10}")
    lines.append(f"our top-1 error / best baseline's: {error_ratio(rows):.2f}× "
                 f"(target {TARGETS['top-1 error vs best baseline']}); abstain: off-topic "
                 "questions that got a fallback; no answer: ... or a suggestion; wrong: answers "
                 "from an entry that does not answer the question, off-topic ones included")
    return "\n".join(lines)


def signal_table(rows: list[Row]) -> str:
    head = f"{'signals':<22}{'threshold':>10}{'top-1 en':>10}{'top-1 nl':>10}{'abstain':>10}"
    lines = ["Scoring signals on tests/data/eval_dev.tsv (no red-flag or small-talk step; "
             "each at its best threshold)", head, "-" * len(head)]
    lines += [f"{r.system:<22}{r.threshold or 0:>10.2f}{_pct(r.top1['en']):>10}"
              f"{_pct(r.top1['nl']):>10}{_pct(r.abstention):>10}" for r in rows]
    return "\n".join(lines)


def _spread(values: list[float]) -> str:
    """The median, and the lowest and highest of the repeats."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def speed_table(rows: list[SizeRow], startup: dict[str, float]) -> str:
    head = (f"{'knowledge base':<16}{'entries':>8}{'words':>7}{'p50 ms':>19}{'p99 ms':>19}"
            f"{'wall p99 ms':>19}{'WRatio p99':>11}")
    lines = ["Latency: one match per question, every question new to its process (cold caches); "
             "median (lowest–highest) of 3 processes",
             head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.name:<16}{r.entries:>8}{r.vocabulary:>7}{_spread(r.p50_ms):>19}"
                     f"{_spread(r.p99_ms):>19}{_spread(r.wall_p99_ms):>19}"
                     f"{r.baseline_p99_ms:>11.2f}")
    lines.append(f"({rows[0].questions}+ questions a process; p50/p99: the matcher's CPU time; "
                 f"wall: what a person waits on this shared machine; words: distinct content "
                 f"words, larger language)")
    head = (f"{'knowledge base':<16}{'cold s':>8}{'CPU':>7}{'warm s':>19}{'CPU':>19}"
            f"{'build s':>9}{'CPU':>7}{'peak cold MiB':>14}{'KiB/entry':>10}{'peak warm':>10}"
            f"{'traced MiB':>11}{'KiB/entry':>10}")
    lines += ["", "Start-up (`ask`, a fresh process, to its answer) and memory",
              head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.name:<16}{statistics.median(r.cold_start_s):>8.2f}"
                     f"{statistics.median(r.cold_start_cpu_s):>7.2f}"
                     f"{_spread(r.warm_start_s):>19}{_spread(r.warm_start_cpu_s):>19}"
                     f"{r.index_build_s:>9.2f}{r.index_build_cpu_s:>7.2f}{r.cold_peak_mib:>14.1f}"
                     f"{r.cold_peak_mib * 1024 / r.entries:>10.1f}{r.warm_peak_mib:>10.1f}"
                     f"{r.traced_mib:>11.1f}{r.traced_mib * 1024 / r.entries:>10.1f}")
    growth = memory_growth(rows)
    lines.append("cold: empty cache (read, check, build, save; median of 3 on the real base, "
                 "1 run on the others); warm: the cache it left, median (lowest–highest) of 3; "
                 "build: the index alone; CPU: user + system seconds; peak: the process's peak "
                 "RSS; traced: knowledge base and index as loaded (tracemalloc)")
    if growth is not None:
        lines.append(f"peak memory per added entry, largest step over the one before: "
                     f"{growth:.2f}× (1: linear)")
    lines.append(f"Telegram bot (`run`) to its first poll, real base, warm cache, median of 5: "
                 f"{startup['run_cpu']:.2f} s CPU ({startup['run']:.2f} s wall-clock)")
    return "\n".join(lines)


def throughput_table(result: dict[str, Any]) -> str:
    lines = ["End-to-end throughput (real Application against the fake Bot API)"]
    lines += [f"  {key}: {value}" for key, value in result.items()]
    return "\n".join(lines)


def _load_average() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--quick", action="store_true",
                        help="synthetic knowledge bases of 200 and 1 000 entries instead of "
                        "1 000 and 10 000; fewer messages")
    args = parser.parse_args(argv)
    load_before = _load_average()

    config = load_config(ROOT / "config.example.yaml")
    kb = load_knowledge(ROOT / "knowledge")
    matcher = build(config, kb).matcher

    data = ROOT / "tests" / "data"
    quality = {name: quality_rows(kb, matcher, data / name)
               for name in EVAL_SETS if (data / name).exists()}
    ablation = ablation_rows(matcher, data / DEV)
    with tempfile.TemporaryDirectory(prefix="mythbot-bench-") as scratch:
        # A cold start-up takes seconds at 1 000 entries and a minute at 10 000: measured
        # once there, three times on the real base.
        sizes = [measure_size(n, Path(scratch), cold_repeats=3 if n is None else 1)
                 for n in (QUICK_SIZES if args.quick else SIZES)]
    startup = startup_seconds()
    # /reload while people ask (issue 17): 1 000 entries, 5 reloads; --quick: 200, 1.
    reloading = (reload_under_load(repeats=1, entries=200) if args.quick
                 else reload_under_load())
    pauses = loop_pauses(entries=200, repeats=1) if args.quick else loop_pauses()

    from benchmarks.throughput import throughput

    flow = throughput(messages=300 if args.quick else 600, repeats=1 if args.quick else 3)
    from benchmarks.faults import fault_table, faults
    from benchmarks.scale import scale
    from benchmarks.scale import table as scale_table

    fault = faults(quick=args.quick)
    spread = scale(2_000, 100) if args.quick else scale(10_000, 500)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(),
               "machine": platform.machine(), "system": platform.system(),
               "load_average_before": load_before, "load_average_after": _load_average()}
    results = verdicts(quality, sizes, startup, flow, fault, reloading) + scale_verdicts(spread)
    code = 1 if any(v.met is False for v in results) else 0

    if args.json:
        print(json.dumps({
            "machine": machine,
            "quality": {name: [asdict(r) for r in rows] for name, rows in quality.items()},
            "error_ratio": {name: error_ratio(rows) for name, rows in quality.items()},
            "ablation": [asdict(r) for r in ablation],
            "sizes": [asdict(r) for r in sizes],
            "memory_growth": memory_growth(sizes),
            "startup_s": startup,
            "reload": reloading,
            "reload_loop_pauses": pauses,
            "throughput": flow,
            "faults": fault,
            "scale_out": spread,
            "targets": [asdict(v) | {"wanted": TARGETS[v.name]} for v in results],
        }, indent=2))
        return code
    print(f"machine: {machine['system']} {machine['machine']}, {machine['cpus']} CPUs, "
          f"Python {machine['python']}; load average {load_before} before, "
          f"{machine['load_average_after']} after\n")
    for name, rows in quality.items():
        print(quality_table(f"Matching quality on tests/data/{name}", rows) + "\n")
    print(signal_table(ablation) + "\n")
    print(speed_table(sizes, startup) + "\n")
    print(reload_table(reloading) + "\n")
    print(pauses_table(pauses) + "\n")
    print(throughput_table(flow) + "\n")
    print(fault_table(fault) + "\n")
    print(scale_table(spread) + "\n")
    print(target_table(results))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
