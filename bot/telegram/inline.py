"""Replies given inside the webhook's response instead of by a Bot API call (`InlineReplies`).

Telegram carries out a Bot API method sent back as the JSON body of the 200 to its post: one
HTTP round trip fewer for the bot and for Telegram. There is room for one method, and its
result is never seen, so `Outbox` puts there only the last message of an update's reply, in
one part, to the chat the update came from and not late; a message before it (a second one
for the same update) is sent by a Bot API call first, so the order holds. Everything else
(several parts, a chat whose earlier replies still wait, answers to button presses) goes by
Bot API call as in long polling. A reply in a response waits for the bot's flood limits like
a call (`RetryingRateLimiter.admit`): Telegram holds it to the same limits, and a 429 for it
would never reach the bot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.telegram.outbox import Parcel


@dataclass
class Slot:
    """The response to one update: the reply held for it, and that reply as the method to
    put in the response body (JSON, without `chat_id`: the update's chat)."""

    chat_id: int
    parcel: Parcel | None = None
    method: dict[str, Any] | None = None


class InlineReplies:
    def __init__(self) -> None:
        self._slots: dict[int, Slot] = {}

    @contextmanager
    def responding(self, update_id: int, chat_id: int | None) -> Iterator[Slot | None]:
        """While the update is handled, its reply may be held for the response (None: it
        has no chat to answer in)."""
        if chat_id is None:
            yield None
            return
        slot = self._slots[update_id] = Slot(chat_id)
        try:
            yield slot
        finally:
            self._slots.pop(update_id, None)

    def slot(self, update_id: int | None) -> Slot | None:
        return self._slots.get(update_id) if update_id is not None else None
