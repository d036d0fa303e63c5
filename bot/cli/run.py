"""`run`: the Telegram bot, by long polling. Without a token: how to get one, then the chat."""

from __future__ import annotations

import argparse
import os
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
)
from bot.config import TOKEN_ENV, ConfigError, read_token
from bot.knowledge import KnowledgeError
from bot.runtime import load

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
    try:
        token = read_token(config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    if token is None:
        print(NO_TOKEN, file=sys.stderr)
        if not sys.stdin.isatty():
            # A service started without its token must fail visibly, not chat with /dev/null.
            print("mythbot: not starting the chat here, as the input is not a terminal; "
                  "to pipe questions in, use: python -m bot chat", file=sys.stderr)
            return EXIT_USAGE
        print("Starting the terminal chat now.\n", file=sys.stderr)
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

    secret = token.get_secret_value()
    configure_logging(config.log_level, [secret])
    # PTB 22 warns on every `RetryAfter` unless durations are opted in to timedelta.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    application = build_application(
        config, secret, loaded, reload=lambda: load(config, knowledge_root(args, config)))
    use_fast_event_loop()
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=5)
    except InvalidToken:
        raise CliError(f"Telegram refused the token; check {TOKEN_ENV}") from None
    except StorageConfigError as exc:
        raise CliError(str(exc)) from None
    return 0
