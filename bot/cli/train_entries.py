"""`train-entries`: fit the entry model (`bot/matching/entry_model.py`) on the entries' example
questions and the evaluation dev sets, and write its weights.

For maintainers, after the entries or the dev sets changed. Held-out files are never read.
`--until COMMIT` trains on the dev sets as they were at that commit, to measure the model on the
batches that came after it (see README, "A learned second opinion").
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bot.cli.context import CliError, add_common, config_from, valid_knowledge
from bot.evaluation import read_cases
from bot.knowledge.models import LANGS
from bot.matching.entry_model import BUCKETS, MODEL_FILE, NONE, features
from bot.matching.training import fit_rows
from bot.runtime import build

DATA = Path("tests/data")
QUESTION_SETS = (DATA / "eval_dev.tsv", DATA / "eval_near.tsv")
EPOCHS = 100
# Chosen leaving the last two blind batches out (`--until 9a91ccd^`, README): the lowest
# probability at which reordering won more first places than it lost on the first of them.
THRESHOLD = 0.5


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "train-entries", help="fit the entry model on the dev sets (maintainers)")
    parser.add_argument("--out", help="where to write the weights (default: the package's)")
    parser.add_argument("--until", metavar="COMMIT",
                        help="train on the dev sets as they were at COMMIT (needs git)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    kb = valid_knowledge(args, config)
    matcher = build(config, kb).matcher
    if args.until:
        # imported here: training on today's files needs no git
        from subprocess import CalledProcessError

        from bot.cli.history import tree

        try:
            with tree(args.until, *(str(p) for p in QUESTION_SETS)) as folder:
                rows = _questions([folder / p for p in QUESTION_SETS])
        except (OSError, CalledProcessError) as exc:
            raise CliError(f"cannot read the dev sets at {args.until}: {exc}") from exc
    else:
        for path in QUESTION_SETS:
            if not path.is_file():
                raise CliError(f"{path} is missing: run this from the repository's root folder")
        rows = _questions(list(QUESTION_SETS))
    classes = [*sorted(kb.entries), NONE]
    examples = [(q, lang, entry_id) for entry_id, entry in sorted(kb.entries.items())
                for lang in LANGS for q in entry.text(lang).questions]
    texts, labels = [], []
    for question, lang, label in [*examples, *rows]:
        if label in classes:
            texts.append(features(matcher.content_stems(question, lang)))
            labels.append(classes.index(label))
    weights, bias = fit_rows(texts, labels, classes=len(classes), buckets=BUCKETS,
                             balanced=False, epochs=EPOCHS)
    out = Path(args.out) if args.out else Path(str(resources.files("bot.matching") / MODEL_FILE))
    with out.open("wb") as file:
        np.savez_compressed(file, weights=weights.astype(np.float16), bias=bias,
                            classes=np.array(classes), threshold=np.float32(THRESHOLD))
    print(f"{len(texts)} questions ({len(examples)} entry examples), {len(classes)} classes; "
          f"written to {out}")
    return 0


def _questions(paths: Sequence[Path]) -> list[tuple[str, str, str]]:
    """(question, language, label) of each line, once per expected entry ("a|b" twice)."""
    return [(case.question, case.lang, label) for path in paths for case in read_cases(path)
            for label in sorted(case.expected)]
