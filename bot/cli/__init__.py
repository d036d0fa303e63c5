"""The command line: `python -m bot <command>` (also installed as `mythbot`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot import __version__
from bot.cli import (
    ask,
    backup,
    chat,
    check,
    evaluate,
    export,
    qr,
    report,
    run,
    serve,
    site,
    train,
    webhook,
)
from bot.cli.context import EXIT_USAGE, CliError, ready

COMMANDS = (
    ask, check, export, evaluate, chat,
    qr,
    report,
    site,
    backup,
    train,
    run,
    serve,
    webhook,
)


# Commands that call `ready` themselves, once they are set up to serve (see bot/__main__.py).
SET_UP_FIRST = ("run", "serve")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mythbot", description="mythbot: answers to myths about osteoarthritis.")
    parser.add_argument("--version", action="version", version=f"mythbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command not in SET_UP_FIRST:
        ready()
    try:
        code: int = args.run(args)
    except CliError as exc:
        print(f"mythbot: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `mythbot ask ... | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0
    return code
