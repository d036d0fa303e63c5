"""`eval FILE.tsv`: accuracy, abstention and red-flag recall on a labelled question set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.context import CliError, add_common, load_all
from bot.evaluation import EvalFileError, Report, evaluate, read_cases

MAX_CONFUSIONS_SHOWN = 40


def register(commands: Any) -> None:
    parser = commands.add_parser("eval", help="measure the matcher on a labelled TSV file")
    parser.add_argument("file", help="TSV with columns expected, lang, question")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--lang", choices=["nl", "en"],
                        help="force this language (default: detect, as the bot does)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_all(args)
    try:
        cases = read_cases(Path(args.file))
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
