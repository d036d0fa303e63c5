"""Loading what a command needs, with errors that fit on one line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Config, ConfigError, config_path, load_config
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.runtime import Loaded, build

EXIT_CONTENT = 1
EXIT_USAGE = 2


class CliError(Exception):
    """Ends a command with one clear line on stderr and an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        self.code = code
        super().__init__(message)


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="configuration file (default: $MYTHBOT_CONFIG, "
                        "else ./config.yaml, else ./config.example.yaml)")
    parser.add_argument("--knowledge", help="knowledge folder (default: from the configuration)")


def config_from(args: argparse.Namespace) -> Config:
    try:
        return load_config(config_path(args.config))
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def knowledge_from(args: argparse.Namespace, config: Config) -> KnowledgeBase:
    """The knowledge base; KnowledgeError (with every problem) propagates to the caller."""
    root = Path(args.knowledge) if args.knowledge else config.knowledge_dir
    return load_knowledge(root)


def checked_knowledge(args: argparse.Namespace, config: Config) -> KnowledgeBase | None:
    """The knowledge base, or None after printing every problem as `path:line: message`."""
    try:
        return knowledge_from(args, config)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return None


def valid_knowledge(args: argparse.Namespace, config: Config) -> KnowledgeBase:
    """The knowledge base, or a CliError that names its first problem."""
    try:
        return knowledge_from(args, config)
    except KnowledgeError as exc:
        count = len(exc.problems)
        first = exc.problems[0] if exc.problems else "unknown problem"
        raise CliError(f"the knowledge base has {count} problem(s), first: {first} "
                       f"(run `python -m bot check` for all)", EXIT_CONTENT) from None


def load_all(args: argparse.Namespace) -> Loaded:
    config = config_from(args)
    return build(config, valid_knowledge(args, config))
