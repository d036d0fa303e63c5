"""`serve`: the Telegram bot by webhook, one instance of many behind a load balancer."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from bot.cli.context import (
    EXIT_CONTENT,
    CliError,
    add_common,
    config_from,
    knowledge_root,
    loaded_from,
    print_problems,
    ready,
    token_from,
)
from bot.config import TOKEN_ENV
from bot.knowledge import KnowledgeError
from bot.runtime import reload_in_background


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve", help="run the Telegram bot by webhook (several instances behind nginx)")
    add_common(parser)
    parser.add_argument("--host", help="address to listen on (default: webhook.host)")
    parser.add_argument("--port", type=int, help="port to listen on (default: webhook.port)")
    # Drops Telegram's send-rate limits: for benchmarks against a fake Bot API only.
    parser.add_argument("--no-flood-limits", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(run=serve)


def serve(args: argparse.Namespace) -> int:
    config = config_from(args)
    try:
        loaded = loaded_from(args, config)  # from the cache, as `run` does
    except KnowledgeError as exc:
        print_problems(exc)
        print("mythbot: the bot does not start on a broken knowledge base", file=sys.stderr)
        return EXIT_CONTENT
    token = token_from(config)
    if token is None:
        raise CliError(f"no Telegram bot token: set {TOKEN_ENV} (see `python -m bot run`)")

    # Imported here: the other commands should not pay for loading python-telegram-bot.
    from telegram.error import InvalidToken

    from bot.storage import StorageConfigError
    from bot.telegram import configure_logging, use_fast_event_loop
    from bot.webhook.service import ServeError, listen_settings
    from bot.webhook.service import serve as serve_webhooks

    try:
        listen = listen_settings(config, os.environ, host=args.host, port=args.port)
    except ServeError as exc:
        raise CliError(str(exc)) from None
    secret = token.get_secret_value()
    configure_logging(config.log_level, [secret, listen.secret])
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # as `run` does
    use_fast_event_loop()
    ready()
    try:
        asyncio.run(serve_webhooks(
            config, secret, loaded,
            lambda: reload_in_background(config, knowledge_root(args, config)),
            listen, flood_limits=not args.no_flood_limits))
    except InvalidToken:
        raise CliError(f"Telegram refused the token; check {TOKEN_ENV}") from None
    except (StorageConfigError, ServeError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise CliError(f"cannot listen on {listen.host}:{listen.port} ({exc.strerror})") from None
    return 0
