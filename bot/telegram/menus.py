"""The bot's profile in Telegram: command menus and descriptions, per language.

Set at every start-up, so they follow messages.yaml. They only decorate the bot: a failure
is logged in one line and start-up goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.knowledge import LANGS, KnowledgeBase

log = logging.getLogger(__name__)

# The commands in the menu, in menu order; each has a "command-<name>" message.
MENU = ("start", "help", "topics", "language", "sources", "privacy", "forget", "about")


async def describe_bot(bot: Bot, kb: KnowledgeBase, default_lang: str) -> None:
    """Menus and descriptions in each language, and in the default one for everyone else."""
    for lang in (*LANGS, None):
        texts = lang or default_lang
        commands = [BotCommand(name, kb.message(f"command-{name}", texts)) for name in MENU]
        await _decorate("set_my_commands", lang,
                        bot.set_my_commands(commands, language_code=lang))
        await _decorate("set_my_description", lang, bot.set_my_description(
            kb.message("bot-description", texts), language_code=lang))
        await _decorate("set_my_short_description", lang, bot.set_my_short_description(
            kb.message("bot-short-description", texts), language_code=lang))


async def _decorate(what: str, lang: str | None, call: Awaitable[bool]) -> None:
    try:
        await call
    except TelegramError as exc:
        log.warning("%s (%s) failed, going on without it: %s", what, lang or "default", exc)
