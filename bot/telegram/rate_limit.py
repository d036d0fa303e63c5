"""A per-user limit on messages: the first one over it gets a friendly note, the rest silence.

Only accepted messages count, so a person who keeps typing while limited is served again
as soon as their earlier messages leave the window. A button press counts for less than a
typed message (`PRESS_WEIGHT`): reading on costs the bot little. The note comes at most once
per window, however long someone keeps going. Kept in memory: a limit is about the last
minute or so and need not survive a restart.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

MAX_TRACKED = 10_000
PRESS_WEIGHT = 0.5  # a button press, against 1 for a message


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first message over the limit in a window: say so once
    DROP = "drop"  # later ones in the same window: stay silent


@dataclass
class _Window:
    times: deque[tuple[float, float]] = field(default_factory=deque)  # (when, weight)
    warned_at: float | None = None


class Limiter(Protocol):
    """What the rate-limit gate asks: in memory here, or shared by several instances
    (`bot.webhook.limits.SharedRateLimit`)."""

    async def verdict(self, user_id: int, weight: float = 1.0,
                      exempt: Callable[[], bool] | None = None) -> Verdict: ...


class RateLimit:
    def __init__(self, messages: int, per_seconds: float, *,
                 clock: Callable[[], float] = time.monotonic,
                 max_tracked: int = MAX_TRACKED) -> None:
        self.messages = messages
        self.per_seconds = per_seconds
        self._clock = clock
        self._max = max_tracked
        self._windows: OrderedDict[int, _Window] = OrderedDict()

    async def verdict(self, user_id: int, weight: float = 1.0,
                      exempt: Callable[[], bool] | None = None) -> Verdict:
        return self.check(user_id, weight, exempt)

    def check(self, user_id: int, weight: float = 1.0,
              exempt: Callable[[], bool] | None = None) -> Verdict:
        """ALLOW (and count) a message of `weight`, or not. `exempt` is asked only when the
        user is over the limit: True lets the message through without counting it."""
        now = self._clock()
        window = self._windows.setdefault(user_id, _Window())
        self._windows.move_to_end(user_id)
        while window.times and window.times[0][0] <= now - self.per_seconds:
            window.times.popleft()
        if sum(w for _, w in window.times) + weight <= self.messages + 1e-9:
            window.times.append((now, weight))
            self._evict()
            return Verdict.ALLOW
        if exempt is not None and exempt():
            return Verdict.ALLOW
        if window.warned_at is not None and now - window.warned_at < self.per_seconds:
            return Verdict.DROP
        window.warned_at = now
        return Verdict.WARN

    def _evict(self) -> None:
        # The least recently active users go first; their windows have most likely passed.
        while len(self._windows) > self._max:
            self._windows.popitem(last=False)
