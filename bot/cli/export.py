"""`export [--json]`: the whole knowledge base as one JSON document."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.cli.context import add_common, load_all


def register(commands: Any) -> None:
    parser = commands.add_parser("export", help="print the knowledge base as JSON")
    parser.add_argument("--json", action="store_true",
                        help="JSON output (the default and only format; accepted for scripts)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    kb = load_all(args).kb
    document = {
        "entries": [entry.model_dump(mode="json") for entry in kb.entries.values()],
        "sources": [source.model_dump(mode="json", exclude_none=True)
                    for source in kb.sources.values()],
        "topics": [topic.model_dump(mode="json") for topic in kb.topics.values()],
        # An entry's `reviewed_by` is null unless one of these reviewed it.
        "reviewers": [reviewer.model_dump(mode="json") for reviewer in kb.reviewers.values()],
    }
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0
