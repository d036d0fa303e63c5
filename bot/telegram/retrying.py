"""Outgoing Bot API calls that survive flood limits, 5xx answers and dropped connections.

PTB's `AIORateLimiter` keeps the bot under Telegram's flood limits and waits out
`retry_after`, but it retries nothing else. `RetryingRateLimiter` adds a bounded retry, with
growing pauses, for failures after which the call can safely be made again, so a patient
still gets their one answer when Telegram hiccups.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import AIORateLimiter

from bot.telegram.http import ReplyTimedOut

log = logging.getLogger(__name__)

ApiResult = bool | dict[str, Any] | list[dict[str, Any]]
# `rate_limit_args` of a call that may simply fail: one try, no retries, and a flood limit is
# raised (`RetryAfter`) instead of waited out. Not 0: PTB drops falsy `rate_limit_args`.
ONCE = "once"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed call is tried again."""

    attempts: int = 4  # in all, the first try included
    first_pause: float = 0.5  # seconds; doubles after every failure ...
    max_pause: float = 8.0  # ... up to this
    flood_retries: int = 3  # extra tries after a 429 (each after Telegram's retry_after)


def probably_delivered(exc: BaseException | None) -> bool:
    """Whether the call timed out waiting for Telegram's answer: Telegram got the request and
    is slow, so the message is probably on its way."""
    return isinstance(exc, ReplyTimedOut)


def worth_retrying(exc: TelegramError) -> bool:
    """Whether the call may be made again: Telegram answered 5xx, or the request was lost.

    A read timeout is the exception (`probably_delivered`): a second try would send the
    message twice.
    """
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return False  # 4xx answers (and flood limits, handled by AIORateLimiter)
    return not probably_delivered(exc)


class RetryingRateLimiter(AIORateLimiter):
    """`AIORateLimiter` plus bounded retries of transient failures (`worth_retrying`).

    `flood_limits=False` drops Telegram's rates (about 30 messages a second overall, 20 a
    minute per group) and keeps the retries: only to measure the bot against a fake Bot API.
    A call with `rate_limit_args=ONCE` bypasses both: it is tried once, as it is.
    """

    def __init__(self, policy: RetryPolicy, *, flood_limits: bool = True) -> None:
        if flood_limits:
            super().__init__(max_retries=policy.flood_retries)
        else:  # 0 switches a limit off
            super().__init__(overall_max_rate=0, group_max_rate=0,
                             max_retries=policy.flood_retries)
        self.policy = policy

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | str | None,
    ) -> ApiResult:
        if rate_limit_args == ONCE:
            return await callback(*args, **kwargs)
        flood_retries = rate_limit_args if isinstance(rate_limit_args, int) else None
        pause, attempt = self.policy.first_pause, 1
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, flood_retries)
            except TelegramError as exc:
                if attempt >= self.policy.attempts or not worth_retrying(exc):
                    raise
                log.warning("%s failed (%s: %s); try %d of %d in %.1f s", endpoint,
                            exc.__class__.__name__, exc.message, attempt + 1,
                            self.policy.attempts, pause)
            await asyncio.sleep(pause)
            pause, attempt = min(pause * 2, self.policy.max_pause), attempt + 1
