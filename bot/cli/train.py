"""`train-redflags`: fit the red-flag backstop on the dev sets and write its weights.

For maintainers, after the red-flag dev set changed. Held-out files are never read.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bot.cli.context import CliError, add_common, config_from, valid_knowledge
from bot.matching.redflag_model import MODEL_FILE
from bot.matching.training import (
    choose_threshold,
    fit,
    out_of_fold,
    read_examples,
    save,
)

DATA = Path("tests/data")
SAFETY_SETS = (DATA / "safety_dev.tsv",)
QUESTION_SETS = (DATA / "eval_dev.tsv", DATA / "eval_near.tsv")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "train-redflags", help="fit the red-flag backstop model on the dev sets (maintainers)")
    parser.add_argument("--out", help="where to write the weights (default: the package's)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for path in (*SAFETY_SETS, *QUESTION_SETS):
        if not path.is_file() or "holdout" in path.name:
            raise CliError(f"{path} is missing: run this from the repository's root folder")
    kb = valid_knowledge(args, config_from(args))
    examples = read_examples(kb, SAFETY_SETS, QUESTION_SETS)
    urgent = out_of_fold(examples)
    threshold = choose_threshold(examples, urgent)
    levels = np.array([e.level for e in examples])
    lookalike = np.array([e.lookalike for e in examples])
    fires = urgent >= threshold
    print(f"{len(examples)} examples; out of fold at threshold {threshold:.2f}: red flags "
          f"caught {fires[levels > 0].mean():.1%}, look-alikes {fires[lookalike].mean():.1%}, "
          f"ordinary questions {fires[(levels == 0) & ~lookalike].mean():.2%}")
    weights, bias = fit(examples)
    out = Path(args.out) if args.out else Path(str(resources.files("bot.matching") / MODEL_FILE))
    save(out, weights, bias, threshold)
    print(f"written to {out}")
    return 0
