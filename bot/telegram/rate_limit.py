"""A per-user limit on messages: the first one over it gets a friendly note, the rest silence.

Only accepted messages count, so a person who keeps typing while limited is served again
as soon as their earlier messages leave the window. Kept in memory: a limit is about the
last minute or so and need not survive a restart.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

MAX_TRACKED = 10_000


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first message over the limit: say so once
    DROP = "drop"  # later ones in the same window: stay silent


@dataclass
class _Window:
    times: deque[float] = field(default_factory=deque)
    warned: bool = False


class Limiter(Protocol):
    """What the rate-limit gate asks: in memory here, or shared by several instances
    (`bot.webhook.limits.SharedRateLimit`)."""

    async def verdict(self, user_id: int) -> Verdict: ...


class RateLimit:
    def __init__(self, messages: int, per_seconds: float, *,
                 clock: Callable[[], float] = time.monotonic,
                 max_tracked: int = MAX_TRACKED) -> None:
        self.messages = messages
        self.per_seconds = per_seconds
        self._clock = clock
        self._max = max_tracked
        self._windows: OrderedDict[int, _Window] = OrderedDict()

    async def verdict(self, user_id: int) -> Verdict:
        return self.check(user_id)

    def check(self, user_id: int) -> Verdict:
        now = self._clock()
        window = self._windows.setdefault(user_id, _Window())
        self._windows.move_to_end(user_id)
        while window.times and window.times[0] <= now - self.per_seconds:
            window.times.popleft()
        if len(window.times) < self.messages:
            window.times.append(now)
            window.warned = False
            self._evict()
            return Verdict.ALLOW
        if window.warned:
            return Verdict.DROP
        window.warned = True
        return Verdict.WARN

    def _evict(self) -> None:
        # The least recently active users go first; their windows have most likely passed.
        while len(self._windows) > self._max:
            self._windows.popitem(last=False)
