"""The Telegram front end: python-telegram-bot wired to the matcher, renderer and storage."""

from bot.telegram.app import ALLOWED_UPDATES, build_application, use_fast_event_loop
from bot.telegram.logging_setup import configure_logging
from bot.telegram.retrying import RetryPolicy
from bot.telegram.splitting import MAX_MESSAGE, split_message

__all__ = [
    "ALLOWED_UPDATES",
    "MAX_MESSAGE",
    "RetryPolicy",
    "build_application",
    "configure_logging",
    "split_message",
    "use_fast_event_loop",
]
