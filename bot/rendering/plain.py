"""Replies as plain text, for the terminal chat and `ask` without --json."""

from __future__ import annotations

from bot.knowledge.telegram_html import strip_tags
from bot.rendering.reply import Button, Reply


def plain_text(reply: Reply) -> tuple[str, list[Button]]:
    """The reply's text without markup, with its buttons numbered [1], [2], … underneath."""
    buttons = [button for row in reply.buttons for button in row]
    lines = [strip_tags(reply.text)]
    if buttons:
        lines.append("")
        lines += [f"  [{n}] {button.label}" for n, button in enumerate(buttons, 1)]
    return "\n".join(lines), buttons
