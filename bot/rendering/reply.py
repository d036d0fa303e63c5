"""A reply as every front end shows it: Telegram-HTML text plus rows of buttons."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # an encoded `bot.rendering.actions` action; fits Telegram's 64-byte limit


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
