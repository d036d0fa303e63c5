"""The command line: `python -m bot <command>` (also installed as `mythbot`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

from bot import __version__
from bot.cli.context import EXIT_USAGE, CliError, ready

# Each command's module, in the order `--help` lists them. Only the chosen command's module is
# imported: the Telegram bot's start-up does not pay for the poster maker's imaging library or
# the site builder.
COMMANDS = {
    "ask": "ask", "check": "check", "export": "export", "eval": "evaluate", "chat": "chat",
    "qr": "qr",
    "report": "report",
    "site": "site",
    "backup": "backup",
    "train-redflags": "train",
    "train-entries": "train_entries",
    "run": "run",
    "serve": "serve",
    "webhook": "webhook",
}  # command: its module in bot.cli


# Commands that call `ready` themselves, once they are set up to serve (see bot/__main__.py).
SET_UP_FIRST = ("run", "serve")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or (`chosen`) of that one only."""
    parser = _Parser(
        prog="mythbot", description="mythbot: answers to myths about osteoarthritis.")
    parser.add_argument("--version", action="version", version=f"mythbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in (chosen,) if chosen in COMMANDS else COMMANDS:
        import_module(f"bot.cli.{COMMANDS[name]}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    # the command is the first word that is not an option (`mythbot` has none with a value)
    chosen = next((a for a in arguments if not a.startswith("-")), None)
    args = build_parser(chosen).parse_args(arguments)
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
