"""`train-redflags`: fit the red-flag backstop on the dev sets and write its weights.

For maintainers, after the red-flag dev set changed. Held-out files are never read. `--report`
writes nothing and prints the check's figures leaving one writer out (`redflag_report.py`).
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bot.cli.context import CliError, add_common, config_from, valid_knowledge
from bot.knowledge.models import LANGS
from bot.matching.redflag_model import LEVELS, MODEL_FILE, RedFlagModel
from bot.matching.safety import SafetyCheck
from bot.matching.training import (
    MAX_VETO_LOSS,
    choose_threshold,
    fit,
    ordinary_floor,
    out_of_fold,
    read_examples,
    save,
)

DATA = Path("tests/data")
SAFETY_SETS = (DATA / "safety_dev.tsv",)
# Ordinary messages besides the knowledge base's: the evaluation dev sets' questions and the rule
# author's ordinary statements ("I took my paracetamol this morning"), which the look-alikes lack.
QUESTION_SETS = (DATA / "eval_dev.tsv", DATA / "eval_near.tsv", DATA / "safety_ordinary.tsv")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "train-redflags", help="fit the red-flag backstop model on the dev sets (maintainers)")
    parser.add_argument("--out", help="where to write the weights (default: the package's)")
    parser.add_argument(
        "--report", action="store_true",
        help="write nothing: print recall and false alarms leaving one writer out (each blind "
             "batch of the red-flag dev set), with and without a veto (needs git; minutes)")
    parser.add_argument(
        "--rules-of-the-day", action="store_true",
        help="with --report: also score each batch with the rules of the commit before it")
    parser.add_argument(
        "--threshold", type=float, metavar="T",
        help="the threshold chosen by forward chaining (scripts/redflag_forward.py --choose); "
             "written unless the out-of-fold bound on ordinary questions asks for a higher "
             "one (default: the lowest within the out-of-fold bounds, as before round 14)")
    parser.add_argument(
        "--keep-weights", action="store_true",
        help="with --threshold: write the threshold into the weights file as it is, fitting "
             "nothing")
    parser.add_argument(
        "--veto-loss", type=float, default=MAX_VETO_LOSS, metavar="SHARE",
        help="with --report: the share of red flags the veto may lose in any pool of the other "
             f"batches while its limits are chosen (default {MAX_VETO_LOSS})")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for path in (*SAFETY_SETS, *QUESTION_SETS):
        if not path.is_file() or "holdout" in path.name:
            raise CliError(f"{path} is missing: run this from the repository's root folder")
    kb = valid_knowledge(args, config_from(args))
    examples = read_examples(kb, SAFETY_SETS, QUESTION_SETS)
    if args.report:
        # imported here: `train-redflags` alone needs neither git nor subprocesses
        from bot.cli.redflag_report import report

        report(kb, examples, SAFETY_SETS[0], args.rules_of_the_day, args.veto_loss)
        return 0
    out = Path(args.out) if args.out else Path(str(resources.files("bot.matching") / MODEL_FILE))
    if args.keep_weights:
        if args.threshold is None:
            raise CliError("--keep-weights needs --threshold")
        model = RedFlagModel.load()
        save(out, model.weights, model.bias, args.threshold)
        print(f"threshold {args.threshold:.2f} written to {out}, weights unchanged")
        return 0
    check = SafetyCheck(kb.safety)
    probabilities = out_of_fold(examples, check.read)
    urgent = 1.0 - probabilities[:, 0]
    predicted = np.where(probabilities[:, 2] >= probabilities[:, 1], 2, 1)
    # as in use: the backstop is not asked where a rule's `unless` ruled the message out
    urgent[[check.ruled_out(e.text) for e in examples]] = 0.0
    if args.threshold is None:
        threshold = choose_threshold(examples, urgent)
    else:
        # forward chaining weighs red flags against look-alikes; ordinary questions keep
        # their out-of-fold bound
        floor = ordinary_floor(examples, urgent)
        threshold = max(args.threshold, floor)
        print(f"forward-chained threshold {args.threshold:.2f}, ordinary questions' floor "
              f"{floor:.2f}")
    levels = np.array([e.level for e in examples])
    langs = np.array([e.lang for e in examples])
    lookalike = np.array([e.lookalike for e in examples])
    fires = urgent >= threshold
    print(f"{len(examples)} examples; out of fold at threshold {threshold:.2f}: red flags "
          f"caught {fires[levels > 0].mean():.1%}, look-alikes {fires[lookalike].mean():.1%}, "
          f"ordinary questions {fires[(levels == 0) & ~lookalike].mean():.2%}")
    # Each level and language on the wordings of writers the backstop did not see: alone, and
    # behind the rules (which were written from all of them: their part is a tuned figure).
    # A red flag counts at its level or a more urgent one, as in `eval`.
    backstop = np.where(fires, predicted, 0)
    ruled = np.array([_rule_level(check, e.text) if e.red_flag_set else 0 for e in examples])
    combined = np.maximum(ruled, backstop)
    for name, got in (("backstop alone", backstop), ("rules + backstop", combined)):
        print(f"  {name}: " + "; ".join(
            f"{LEVELS[level]} " + " / ".join(
                f"{(got >= level)[(levels == level) & (langs == lang)].mean():.1%}"
                for lang in LANGS) for level in (2, 1))
            + "; look-alikes " + " / ".join(
                f"{(got > 0)[lookalike & (langs == lang)].mean():.1%}" for lang in LANGS)
            + f" ({'/'.join(LANGS)})")
    weights, bias = fit(examples, check.read)
    save(out, weights, bias, threshold)
    print(f"written to {out}")
    return 0


def _rule_level(check: SafetyCheck, text: str) -> int:
    rule = check.check(text)
    return LEVELS.index(rule.level) if rule else 0
