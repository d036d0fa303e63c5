"""`run`: the Telegram bot, by long polling. Without a token: how to get one, then the chat."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from typing import Any

from bot.cli.chat import converse
from bot.cli.context import (
    EXIT_CONTENT,
    EXIT_USAGE,
    CliError,
    add_common,
    config_from,
    knowledge_root,
    loaded_from,
    print_problems,
    ready,
    token_from,
)
from bot.config import TOKEN_ENV, Config
from bot.knowledge import KnowledgeError
from bot.runtime import reload_in_background

NO_TOKEN = f"""\
mythbot: no Telegram bot token: {TOKEN_ENV} is not set and telegram.token_file names no file.

To get a token:
  1. In Telegram, open a chat with @BotFather.
  2. Send /newbot and answer its two questions: a display name, then a username that ends
     in "bot" (put that username in config.yaml under telegram.bot_username).
  3. BotFather replies with a token that looks like 123456789:AAE...; keep it secret.
  4. Start the bot with it:
       export {TOKEN_ENV}=123456789:AAE...
       python -m bot run

Without a token you can talk to the bot in this terminal: python -m bot chat
"""


TOKEN_SOURCE = f"the token (from {TOKEN_ENV} or telegram.token_file)"
TOKEN_REFUSED = (f"Telegram refused {TOKEN_SOURCE}; copy it again from @BotFather "
                 "(/mybots → your bot → API Token), or revoke it there and use the new one")
EXIT_UNREACHABLE = 3


def register(commands: Any) -> None:
    parser = commands.add_parser("run", help="run the Telegram bot (long polling)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    try:
        loaded = loaded_from(args, config)
    except KnowledgeError as exc:
        print_problems(exc)
        print("mythbot: the bot does not start on a broken knowledge base", file=sys.stderr)
        return EXIT_CONTENT
    token = token_from(config)
    if token is None:
        print(NO_TOKEN, file=sys.stderr)
        if not sys.stdin.isatty():
            # A service started without its token must fail visibly, not chat with /dev/null.
            print("mythbot: not starting the chat here, as the input is not a terminal; "
                  "to pipe questions in, use: python -m bot chat", file=sys.stderr)
            return EXIT_USAGE
        print("Starting the terminal chat now.\n", file=sys.stderr)
        ready()
        converse(loaded, None, sys.stdin, sys.stdout)
        return 0

    # Imported here: the other commands should not pay for loading python-telegram-bot.
    from telegram.error import InvalidToken

    from bot.storage import StorageConfigError
    from bot.telegram import (
        ALLOWED_UPDATES,
        build_application,
        configure_logging,
        use_fast_event_loop,
    )
    from bot.telegram.preflight import well_formed

    secret = token.get_secret_value()
    if not well_formed(secret):
        raise CliError(f"{TOKEN_SOURCE} does not look like a bot token (digits, a colon, then "
                       "letters and digits, as @BotFather gives it); check for a typo or "
                       "stray quotes")
    configure_logging(config.log_level, [secret])
    # PTB 22 warns on every `RetryAfter` unless durations are opted in to timedelta.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    application = build_application(
        config, secret, loaded,
        reload=lambda: reload_in_background(config, knowledge_root(args, config)))
    use_fast_event_loop()
    # One loop for the check below and for run_polling, which takes the current one.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    reached = False
    try:
        reached = _reach_telegram(secret, config, loop)
    finally:
        if not reached:
            loop.close()
    if not reached:
        return 0
    ready()
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=5)
    except InvalidToken:
        raise CliError(TOKEN_REFUSED) from None
    except StorageConfigError as exc:
        raise CliError(str(exc)) from None
    return 0


def _reach_telegram(token: str, config: Config, loop: asyncio.AbstractEventLoop) -> bool:
    """Whether Telegram answers and takes the token; False if stopped (SIGINT, SIGTERM) while
    trying. Raises `CliError` when the token is refused or Telegram cannot be reached."""
    from bot.telegram.preflight import TokenRefused, Unreachable, reach

    task = loop.create_task(reach(
        token, config.telegram.base_url, attempts=config.telegram.startup_attempts,
        say=lambda line: print(f"mythbot: {line}", file=sys.stderr, flush=True)))
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    with contextlib.suppress(NotImplementedError):  # Windows: Ctrl+C still interrupts
        for sig in stop_signals:
            loop.add_signal_handler(sig, task.cancel)
    try:
        loop.run_until_complete(task)
    except asyncio.CancelledError:
        print("mythbot: stopped before Telegram was reached", file=sys.stderr)
        return False
    except TokenRefused:
        raise CliError(TOKEN_REFUSED) from None
    except Unreachable as exc:
        raise CliError(f"Telegram could not be reached in {exc.attempts} attempt"
                       f"{'s' if exc.attempts > 1 else ''}: {exc.reason}; check the network "
                       "(a proxy or firewall?) and telegram.base_url, then start again",
                       EXIT_UNREACHABLE) from None
    finally:
        with contextlib.suppress(NotImplementedError):
            for sig in stop_signals:
                loop.remove_signal_handler(sig)
    return True
