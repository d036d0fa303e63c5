"""`check`: validate the knowledge base and list every problem as file:line: message."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.context import EXIT_CONTENT, add_common, checked_knowledge, config_from


def register(commands: Any) -> None:
    parser = commands.add_parser("check", help="validate the knowledge base")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    kb = checked_knowledge(args, config_from(args))
    if kb is None:
        return EXIT_CONTENT
    print(f"knowledge base OK: {len(kb.entries)} entries, {len(kb.sources)} sources, "
          f"{len(kb.safety.rules)} red-flag rules")
    return 0
