"""`eval FILE.tsv`: accuracy, abstention and red-flag recall on a labelled question set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.context import CliError, add_common, load_all
from bot.evaluation import (
    SAFETY_LEVELS,
    EvalFileError,
    Report,
    SafetyReport,
    evaluate,
    evaluate_safety,
    is_safety_file,
    read_cases,
    read_safety_cases,
)

MAX_CONFUSIONS_SHOWN = 40


def register(commands: Any) -> None:
    parser = commands.add_parser("eval", help="measure the matcher on a labelled TSV file")
    parser.add_argument("file", help="TSV with columns expected, lang, question; or a red-flag "
                        "set with columns level, kind, lang, question (told by its header)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--lang", choices=["nl", "en"],
                        help="force this language (default: detect, as the bot does)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_all(args)
    path = Path(args.file)
    if is_safety_file(path):
        try:
            safety_cases = read_safety_cases(path)
        except EvalFileError as exc:
            raise CliError(str(exc)) from None
        safety = evaluate_safety(loaded.matcher, safety_cases, args.lang)
        if args.json:
            print(json.dumps(safety.as_json(), ensure_ascii=False, indent=2))
        else:
            print(format_safety(safety))
        return 0
    try:
        cases = read_cases(path)
    except EvalFileError as exc:
        raise CliError(str(exc)) from None
    report = evaluate(loaded.matcher, cases, args.lang)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


def format_report(report: Report) -> str:
    lines = [f"{'language':<10}{'questions':>10}{'top-1':>9}{'top-3':>9}{'answered':>10}"
             f"{'wrong answers':>15}"]
    for lang, score in sorted(report.per_lang.items()):
        lines.append(f"{lang:<10}{score.total:>10}{score.rate(score.top1):>9.1%}"
                     f"{score.rate(score.top3):>9.1%}{score.rate(score.answered):>10.1%}"
                     f"{score.wrong_answer_rate:>15.1%}")
    lines += [
        "",
        f"wrong answers:           {report.wrong_answer_rate:.1%} "
        f"({report.wrong_answers}/{report.judged}; answered from an entry that does not answer "
        "the question, off-topic questions included)",
        f"abstention on off-topic: {report.abstention:.1%} ({report.abstained}/{report.off_topic})",
        f"off-topic not answered:  {report.not_answered:.1%} "
        f"({report.off_topic - report.off_topic_answered}/{report.off_topic}; fallback, "
        "suggestion or small talk)",
        f"red-flag recall:         {report.red_flag_recall:.1%} "
        f"({report.red_flags_caught}/{report.red_flags})",
        f"false red-flag rate:     {report.false_red_flag_rate:.1%} "
        f"({report.false_red}/{report.not_red})",
        "decisions:               "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(report.kinds.items())),
    ]
    if report.confusions:
        lines += ["", f"confusions ({len(report.confusions)}, "
                      f"showing at most {MAX_CONFUSIONS_SHOWN}):"]
        for case, decision in report.confusions[:MAX_CONFUSIONS_SHOWN]:
            got = decision.entry_id or ",".join(decision.candidate_ids) or "-"
            lines.append(f"  line {case.line}: [{'|'.join(sorted(case.expected))}] "
                         f"-> {decision.kind} {got} ({decision.score:.2f}): {case.question}")
    return "\n".join(lines)


def format_safety(report: SafetyReport) -> str:
    """Recall per level and language, false alarms on look-alikes, then every mistake."""
    langs = sorted({lang for _, lang in report.recall} | set(report.false_alarms))
    lines = [f"{'red-flag recall':<18}" + "".join(f"{lang:>16}" for lang in [*langs, "all"])]
    for level in SAFETY_LEVELS[:2]:
        cells = [report.recall.get((level, lang)) for lang in langs]
        cells.append(report.level_recall(level))
        lines.append(f"{level:<18}" + "".join(
            f"{'-':>16}" if t is None else f"{t.rate:>7.1%} ({t.hits:>3}/{t.total:>3})"
            for t in cells))
    alarms = [report.false_alarms.get(lang) for lang in langs] + [report.false_alarm_total()]
    lines.append(f"{'false alarms':<18}" + "".join(
        f"{'-':>16}" if t is None else f"{t.hits / t.total if t.total else 0:>7.1%} "
        f"({t.hits:>3}/{t.total:>3})" for t in alarms))
    exact = ", ".join(f"{level} {t.rate:.1%} ({t.hits}/{t.total})"
                      for level, t in sorted(report.exact.items()))
    lines += ["", "recall: fired at its level or a more urgent one; at exactly its level: "
              + (exact or "-")]
    if report.misses:
        lines += ["", f"missed red flags ({len(report.misses)}):"]
        for case, decision in report.misses:
            got = decision.urgency if decision.kind == "red_flag" else decision.kind
            lines.append(f"  line {case.line}: {case.level} {case.kind} {case.lang} -> {got}: "
                         f"{case.question}")
    if report.alarms:
        lines += ["", f"false alarms ({len(report.alarms)}):"]
        for case, decision in report.alarms:
            lines.append(f"  line {case.line}: {case.kind} {case.lang} -> {decision.urgency} "
                         f"{decision.rule}: {case.question}")
    return "\n".join(lines)
