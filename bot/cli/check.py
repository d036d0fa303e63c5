"""`check`: validate the knowledge base and list every problem as file:line: message."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.context import EXIT_CONTENT, add_common, config_from, knowledge_from, print_problems
from bot.knowledge import KnowledgeError


def register(commands: Any) -> None:
    parser = commands.add_parser("check", help="validate the knowledge base")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    try:
        kb = knowledge_from(args, config)
    except KnowledgeError as exc:
        print_problems(exc)
        return EXIT_CONTENT
    print(f"knowledge base OK: {len(kb.entries)} entries, {len(kb.sources)} sources, "
          f"{len(kb.safety.rules)} red-flag rules")
    return 0
