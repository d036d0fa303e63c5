"""Rendered buttons as Telegram inline keyboards."""

from __future__ import annotations

from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rendering import Button, Reply

KEYBOARDS = 4_096  # distinct keyboards kept: each entry's, per language and regional variant


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's button rows as an inline keyboard; None when it has no buttons."""
    return _markup(tuple(row for row in reply.buttons if row))


@lru_cache(maxsize=KEYBOARDS)
def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    # An answer's buttons are the same every time it is given, and PTB's objects are
    # immutable: made once, rather than a dozen validated objects for every answer.
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(button.label, callback_data=button.action)
                                  for button in row] for row in rows])
