"""`python -m benchmarks` (or `make bench`): every benchmark, as tables or as JSON.

    python -m benchmarks               # all tables (quality, speed, throughput)
    python -m benchmarks --quick       # skip the 10 000-entry case and use fewer messages
    python -m benchmarks --json        # the same numbers, machine-readable
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.ablation import ablation_rows
from benchmarks.quality import Row, error_ratio, quality_rows
from benchmarks.speed import SpeedRow, speed_row, startup_seconds
from bot.config import load_config
from bot.evaluation import read_cases
from bot.knowledge import load_knowledge
from bot.runtime import build

ROOT = Path(__file__).resolve().parent.parent
EVAL_SETS = ("eval_dev.tsv", "eval_holdout.tsv")
SIZES = (1_000, 10_000)
TARGETS = {
    "top-1 error vs best baseline": "≤ 0.5×",
    "abstention": "≥ 90%",
    "p99 real": "< 5 ms",
    "p99 10 000": "< 25 ms",
    "start-up": "< 1 s",
    "throughput": "≥ 300 msg/s",
}


def _pct(value: float) -> str:
    return f"{value:.1%}"


def quality_table(title: str, rows: list[Row]) -> str:
    langs = sorted(rows[0].top1)
    head = (f"{'system':<20}{'threshold':>10}"
            + "".join(f"{'top-1 ' + lang:>10}{'top-3 ' + lang:>10}" for lang in langs)
            + f"{'abstain':>10}{'red-flag':>10}")
    lines = [title, head, "-" * len(head)]
    for row in rows:
        threshold = f"{row.threshold:.2f}" if row.threshold is not None else "-"
        cells = "".join(f"{_pct(row.top1[lang]):>10}{_pct(row.top3[lang]):>10}" for lang in langs)
        red = "-" if row.red_flag_recall is None else _pct(row.red_flag_recall)
        lines.append(f"{row.system:<20}{threshold:>10}{cells}{_pct(row.abstention):>10}{red:>10}")
    lines.append(f"our top-1 error / best baseline's: {error_ratio(rows):.2f}× "
                 f"(target {TARGETS['top-1 error vs best baseline']})")
    return "\n".join(lines)


def signal_table(rows: list[Row]) -> str:
    head = f"{'signals':<22}{'threshold':>10}{'top-1 en':>10}{'top-1 nl':>10}{'abstain':>10}"
    lines = ["Scoring signals on tests/data/eval_dev.tsv (no red-flag or small-talk step; "
             "each at its best threshold)", head, "-" * len(head)]
    lines += [f"{r.system:<22}{r.threshold or 0:>10.2f}{_pct(r.top1['en']):>10}"
              f"{_pct(r.top1['nl']):>10}{_pct(r.abstention):>10}" for r in rows]
    return "\n".join(lines)


def speed_table(rows: list[SpeedRow], startup: float) -> str:
    head = (f"{'knowledge base':<16}{'entries':>8}{'build s':>9}{'peak MiB':>10}{'p50 ms':>9}"
            f"{'p99 ms':>9}{'WRatio p50':>12}{'WRatio p99':>12}")
    lines = ["Latency and memory (one match; baseline: rapidfuzz WRatio over every question)",
             head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.name:<16}{r.entries:>8}{r.build_s:>9.2f}{r.peak_mib:>10.1f}"
                     f"{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.baseline_p50_ms:>12.2f}"
                     f"{r.baseline_p99_ms:>12.2f}")
    lines.append(f"start-up to first answer (fresh process): {startup:.2f} s "
                 f"(target {TARGETS['start-up']}); targets p99 {TARGETS['p99 real']} real, "
                 f"{TARGETS['p99 10 000']} at 10 000 entries")
    return "\n".join(lines)


def throughput_table(result: dict[str, Any]) -> str:
    lines = ["End-to-end throughput (real Application against the fake Bot API)"]
    lines += [f"  {key}: {value}" for key, value in result.items()]
    lines.append(f"  target: {TARGETS['throughput']}, zero lost, zero duplicated")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--quick", action="store_true",
                        help="skip the 10 000-entry knowledge base; fewer messages")
    args = parser.parse_args(argv)

    config = load_config(ROOT / "config.example.yaml")
    kb = load_knowledge(ROOT / "knowledge")
    matcher = build(config, kb).matcher

    quality = {name: quality_rows(kb, matcher, ROOT / "tests" / "data" / name)
               for name in EVAL_SETS}
    ablation = ablation_rows(matcher, ROOT / "tests" / "data" / EVAL_SETS[0])
    questions = [c.question for c in read_cases(ROOT / "tests" / "data" / EVAL_SETS[0])]
    sizes = SIZES[:1] if args.quick else SIZES
    speed = [speed_row(None, questions)]
    speed += [speed_row(n, questions[:200]) for n in sizes]
    startup = startup_seconds()

    from benchmarks.throughput import throughput

    flow = throughput(messages=500 if args.quick else 2000)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(),
               "machine": platform.machine(), "system": platform.system()}

    if args.json:
        print(json.dumps({
            "machine": machine,
            "quality": {name: [asdict(r) for r in rows] for name, rows in quality.items()},
            "error_ratio": {name: error_ratio(rows) for name, rows in quality.items()},
            "ablation": [asdict(r) for r in ablation],
            "speed": [asdict(r) for r in speed],
            "startup_s": startup,
            "throughput": flow,
        }, indent=2))
        return 0
    print(f"machine: {machine['system']} {machine['machine']}, {machine['cpus']} CPUs, "
          f"Python {machine['python']}\n")
    for name, rows in quality.items():
        print(quality_table(f"Matching quality on tests/data/{name}", rows) + "\n")
    print(signal_table(ablation) + "\n")
    print(speed_table(speed, startup) + "\n")
    print(throughput_table(flow))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
