"""The bot's profile in Telegram: command menus and descriptions, per language.

Set at every start-up, so they follow messages.yaml, in the background: polling does not wait
for them. They only decorate the bot, so each call is tried once (`retrying.ONCE`): a failure
is logged in one line, and a flood limit ends the decorating, because waiting it out would
hold up the patients' replies too (PTB pauses every call while it waits).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import BotCommand
from telegram.error import RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.knowledge import LANGS, KnowledgeBase
from bot.telegram.retrying import ONCE

log = logging.getLogger(__name__)

# The commands in the menu, in menu order; each has a "command-<name>" message.
MENU = ("start", "help", "topics", "quiz", "language", "sources", "privacy", "forget", "about")


async def describe_bot(bot: ExtBot[Any], kb: KnowledgeBase, default_lang: str) -> None:
    """Menus and descriptions in each language, and in the default one for everyone else."""
    try:
        for lang in (*LANGS, None):
            texts = lang or default_lang
            commands = [BotCommand(name, kb.message(f"command-{name}", texts)) for name in MENU]
            await _decorate("set_my_commands", lang, bot.set_my_commands(
                commands, language_code=lang, rate_limit_args=ONCE))
            await _decorate("set_my_description", lang, bot.set_my_description(
                kb.message("bot-description", texts), language_code=lang,
                rate_limit_args=ONCE))
            await _decorate("set_my_short_description", lang, bot.set_my_short_description(
                kb.message("bot-short-description", texts), language_code=lang,
                rate_limit_args=ONCE))
    except RetryAfter as exc:
        log.warning("Telegram asks to wait %s before more calls; menus and descriptions stay "
                    "as they were", exc.retry_after)


async def _decorate(what: str, lang: str | None, call: Awaitable[bool]) -> None:
    try:
        await call
    except RetryAfter:
        raise
    except TelegramError as exc:
        log.warning("%s (%s) failed, going on without it: %s", what, lang or "default", exc)
