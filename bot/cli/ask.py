"""`ask`: match questions; `--json` prints the stable one-object-per-line contract."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from bot.cli.context import add_common, load_all
from bot.rendering import plain_text


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "ask", help="answer a question (no QUESTION: one question per line from stdin)")
    parser.add_argument("question", nargs="*", help="the question (several words are joined)")
    parser.add_argument("--json", action="store_true", help="one JSON object per question")
    parser.add_argument("--lang", choices=["nl", "en"], help="the question's language "
                        "(default: detected from the text)")
    add_common(parser)
    parser.set_defaults(run=run)


def _questions(args: argparse.Namespace) -> Iterator[str]:
    if args.question:
        yield " ".join(args.question)
        return
    for line in sys.stdin:
        yield line.rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    loaded = load_all(args)
    for question in _questions(args):
        decision = loaded.matcher.match(question, args.lang)
        if args.json:
            print(json.dumps(decision.as_json(question), ensure_ascii=False), flush=True)
        else:
            text, _ = plain_text(loaded.renderer.decision(decision))
            print(text + "\n", flush=True)
    return 0
