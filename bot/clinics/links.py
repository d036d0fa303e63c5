"""Deep links that bring a clinic's patients to the bot: t.me/<bot>?start=<clinic slug>."""

from __future__ import annotations

# The /start payload is the clinic slug itself; `Config.clinic(payload)` finds the clinic.
DEEP_LINK = "https://t.me/{username}?start={slug}"


def deep_link(bot_username: str, slug: str) -> str:
    return DEEP_LINK.format(username=bot_username.removeprefix("@"), slug=slug)


def bot_link(bot_username: str) -> str:
    """The bot itself, without a clinic."""
    return f"https://t.me/{bot_username.removeprefix('@')}"


def handle(bot_username: str) -> str:
    """The bot's @username as people type it in Telegram's search."""
    return "@" + bot_username.removeprefix("@")
