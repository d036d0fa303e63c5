"""`SharedRateLimit`: the per-user limit counted in the database, whichever instance a
message lands on. A fixed window per user (the in-memory `RateLimit` slides): the first
message over the limit gets the note, the rest of the window silence."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.storage.shared import SharedStore, held
from bot.telegram.rate_limit import Verdict

log = logging.getLogger(__name__)


class SharedRateLimit:
    def __init__(self, shared: SharedStore, messages: int, per_seconds: float) -> None:
        self._shared = shared
        self.messages = messages
        self.per_seconds = per_seconds

    async def verdict(self, user_id: int, weight: float = 1.0,
                      exempt: Callable[[], bool] | None = None) -> Verdict:
        """Every message counts one, whatever its `weight` (a button press counts as a
        message here); `exempt` (a red flag) lets a message over the limit through."""
        turn = held(user_id)
        try:
            # In the update's turn: counted in the window read with its claim, written with it.
            count = (turn.count_message(self.per_seconds) if turn is not None
                     else await self._shared.count_message(user_id, self.per_seconds))
        except Exception as exc:  # a limit must never keep a patient from an answer
            log.warning("rate limit not checked: database unavailable (%s)",
                        exc.__class__.__name__)
            return Verdict.ALLOW
        if count <= self.messages or (exempt is not None and exempt()):
            return Verdict.ALLOW
        return Verdict.WARN if count == self.messages + 1 else Verdict.DROP
