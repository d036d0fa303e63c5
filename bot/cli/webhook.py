"""`webhook set|info|delete`: tell Telegram where to post updates (for `serve`)."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any
from urllib.parse import urlsplit

from bot.cli.context import CliError, config_from, token_from
from bot.config import TOKEN_ENV, Config

PORTS = (443, 80, 88, 8443)  # the only ports Telegram posts to


def register(commands: Any) -> None:
    parser = commands.add_parser("webhook", help="set, show or delete the Telegram webhook")
    parser.add_argument("--config", help="configuration file (default: config.yaml, "
                        "else $MYTHBOT_CONFIG, else config.example.yaml)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    set_ = actions.add_parser("set", help="tell Telegram to post updates to webhook.url")
    set_.add_argument("--url", help="public HTTPS address (default: webhook.url)")
    set_.add_argument("--drop-pending", action="store_true",
                      help="forget updates Telegram holds for the bot")
    actions.add_parser("info", help="what Telegram knows about the webhook")
    delete = actions.add_parser("delete", help="stop webhooks (back to `python -m bot run`)")
    delete.add_argument("--drop-pending", action="store_true",
                        help="forget updates Telegram holds for the bot")
    parser.set_defaults(run=webhook)


def webhook(args: argparse.Namespace) -> int:
    config = config_from(args)
    token = token_from(config)
    if token is None:
        raise CliError(f"no Telegram bot token: set {TOKEN_ENV}")
    from telegram.error import InvalidToken, TelegramError

    try:
        lines = asyncio.run(_act(args, config, token.get_secret_value()))
    except InvalidToken:
        raise CliError(f"Telegram refused the token; check {TOKEN_ENV}") from None
    except TelegramError as exc:
        raise CliError(f"Telegram refused: {exc}") from None
    print("\n".join(lines))
    return 0


async def _act(args: argparse.Namespace, config: Config, token: str) -> list[str]:
    from telegram import Bot

    from bot.telegram import ALLOWED_UPDATES
    from bot.webhook.service import SECRET_ENV, ServeError, listen_settings

    bot = Bot(token, base_url=config.telegram.base_url)
    async with bot:
        if args.action == "set":
            url = _checked_url(args.url or config.webhook.url)
            try:
                secret = listen_settings(config, os.environ, host=None, port=None).secret
            except ServeError as exc:
                raise CliError(str(exc)) from None
            await bot.set_webhook(url, secret_token=secret,
                                  allowed_updates=list(ALLOWED_UPDATES),
                                  max_connections=config.webhook.max_connections,
                                  drop_pending_updates=args.drop_pending)
            return [f"webhook set: {url}",
                    f"  updates: {', '.join(ALLOWED_UPDATES)}; at most "
                    f"{config.webhook.max_connections} at once; secret from "
                    f"{SECRET_ENV if os.environ.get(SECRET_ENV) else 'webhook.secret'}"]
        if args.action == "delete":
            await bot.delete_webhook(drop_pending_updates=args.drop_pending)
            return ["webhook deleted: Telegram keeps updates for `python -m bot run` "
                    "(long polling)"]
        info = await bot.get_webhook_info()
        lines = [f"url: {info.url or '(none: long polling)'}",
                 f"pending updates: {info.pending_update_count}"]
        if info.max_connections:
            lines.append(f"max connections: {info.max_connections}")
        if info.allowed_updates:
            lines.append(f"allowed updates: {', '.join(info.allowed_updates)}")
        if info.last_error_message:
            when = f" at {info.last_error_date:%Y-%m-%d %H:%M} UTC" if info.last_error_date else ""
            lines.append(f"last error{when}: {info.last_error_message}")
        return lines


def _checked_url(url: str | None) -> str:
    if not url:
        raise CliError("no webhook address: pass --url or set webhook.url")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise CliError(f"{url}: Telegram posts only to https:// addresses (terminate TLS "
                       "at nginx; see README 'Running at scale')")
    try:
        port = parts.port or 443
    except ValueError:
        raise CliError(f"{url}: not a valid port") from None
    if port not in PORTS:
        raise CliError(f"{url}: Telegram posts only to ports "
                       f"{', '.join(map(str, PORTS))}")
    return url
