"""Loading what a command needs, with errors that fit on one line."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from pydantic import SecretStr

from bot.cli.progress import ProgressBar
from bot.config import Config, ConfigError, config_path, load_config, read_token
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.runtime import Loaded, load

EXIT_CONTENT = 1
EXIT_USAGE = 2


class CliError(Exception):
    """Ends a command with one clear line on stderr and an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        self.code = code
        super().__init__(message)


def ready() -> None:
    """Start-up is over: the garbage collector (paused while starting, see bot/__main__.py)
    runs again, and leaves what was made so far alone (`gc.freeze`)."""
    gc.freeze()
    gc.enable()


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="configuration file (default: $MYTHBOT_CONFIG, "
                        "else ./config.yaml, else ./config.example.yaml)")
    parser.add_argument("--knowledge", help="knowledge folder (default: from the configuration)")


def config_from(args: argparse.Namespace) -> Config:
    try:
        return load_config(config_path(args.config))
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def token_from(config: Config) -> SecretStr | None:
    """The bot token (None when there is none); a broken token file is one line."""
    try:
        return read_token(config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def knowledge_root(args: argparse.Namespace, config: Config) -> Path:
    return Path(args.knowledge) if args.knowledge else config.knowledge_dir


def print_problems(exc: KnowledgeError) -> None:
    """Every problem as `path:line: message`, and how many."""
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    count = len(exc.problems)
    print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)


def checked_knowledge(args: argparse.Namespace, config: Config) -> KnowledgeBase | None:
    """The knowledge base, always read and checked anew (never from the cache), or None after
    printing every problem."""
    try:
        return load_knowledge(knowledge_root(args, config))
    except KnowledgeError as exc:
        print_problems(exc)
        return None


def loaded_from(args: argparse.Namespace, config: Config) -> Loaded:
    """The knowledge base and matcher, from the cache if it is current; a progress bar on a
    terminal while a large base is built. KnowledgeError propagates to the caller."""
    with ProgressBar() as bar:
        return load(config, knowledge_root(args, config), progress=bar)


def _content_error(exc: KnowledgeError) -> CliError:
    count = len(exc.problems)
    first = exc.problems[0] if exc.problems else "unknown problem"
    return CliError(f"the knowledge base has {count} problem(s), first: {first} "
                    f"(run `python -m bot check` for all)", EXIT_CONTENT)


def valid_knowledge(args: argparse.Namespace, config: Config) -> KnowledgeBase:
    """The knowledge base (from the cache if it is current), or a CliError that names its
    first problem."""
    try:
        return loaded_from(args, config).kb
    except KnowledgeError as exc:
        raise _content_error(exc) from None


def load_all(args: argparse.Namespace) -> Loaded:
    config = config_from(args)
    try:
        return loaded_from(args, config)
    except KnowledgeError as exc:
        raise _content_error(exc) from None
