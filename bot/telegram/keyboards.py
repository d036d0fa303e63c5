"""Rendered buttons as Telegram inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rendering import Reply


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's button rows as an inline keyboard; None when it has no buttons."""
    rows = [[InlineKeyboardButton(button.label, callback_data=button.action) for button in row]
            for row in reply.buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None
