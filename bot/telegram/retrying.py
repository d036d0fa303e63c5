"""Outgoing Bot API calls that survive flood limits, 5xx answers and dropped connections.

PTB's `AIORateLimiter` keeps the bot under Telegram's flood limits, but it retries nothing
else, and it waits out any `retry_after` by pausing every call of the bot: one chat's 429
(Telegram's limit per group is 20 messages a minute) stopped the replies to everyone else.
`RetryingRateLimiter` keeps the rates, adds a bounded retry with growing pauses for failures
after which the call can safely be made again (a hiccup), and tells a chat's 429 apart from
a flood of the whole bot: the first goes back to the caller (the outbox keeps that chat's
reply until the wait is over, and the other chats go on), the second pauses every call.
Longer outages are the outbox's business too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
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
    flood_retries: int = 3  # extra tries after a bot-wide 429 (each after its retry_after)
    # 429s for this many different chats within `flood_window` seconds: the whole bot is
    # over Telegram's limit, not one chat
    flood_chats: int = 3
    flood_window: float = 1.0


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
    """`AIORateLimiter`'s rates plus bounded retries of transient failures (`worth_retrying`)
    and flood waits per chat (see the module).

    `flood_limits=False` drops Telegram's rates (about 30 messages a second overall, 20 a
    minute per group) and keeps the retries: only to measure the bot against a fake Bot API.
    A call with `rate_limit_args=ONCE` bypasses all: it is tried once, as it is.
    """

    def __init__(self, policy: RetryPolicy, *, flood_limits: bool = True) -> None:
        if flood_limits:
            super().__init__()
        else:  # 0 switches a limit off
            super().__init__(overall_max_rate=0, group_max_rate=0)
        self.policy = policy
        self._paused_until = 0.0  # time.monotonic(): every call waits until then
        self._floods: deque[tuple[float, object]] = deque()  # (when, chat) of recent 429s

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
        chat = data.get("chat_id")
        pause, attempt, floods = self.policy.first_pause, 1, 0
        while True:
            await self._bot_wide_pause()
            try:
                return await self._rated(callback, args, kwargs, chat)
            except RetryAfter as exc:
                seconds = exc.retry_after
                wait = (seconds.total_seconds() if not isinstance(seconds, int)
                        else float(seconds))
                if chat is not None and not self._bot_wide(chat):
                    raise  # one chat must wait: its caller keeps the reply for later
                floods += 1
                if floods > self.policy.flood_retries:
                    raise
                log.warning("Telegram asks the bot to slow down; every call waits %.0f s", wait)
                self._paused_until = max(self._paused_until, time.monotonic() + wait)
                continue
            except TelegramError as exc:
                if attempt >= self.policy.attempts or not worth_retrying(exc):
                    raise
                # DEBUG: in an outage every reply fails like this; the outbox says it once.
                log.debug("%s failed (%s: %s); try %d of %d in %.1f s", endpoint,
                            exc.__class__.__name__, exc.message, attempt + 1,
                            self.policy.attempts, pause)
            await asyncio.sleep(pause)
            pause, attempt = min(pause * 2, self.policy.max_pause), attempt + 1

    async def admit(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` may go, as a call would wait, and count it: for
        a reply that goes inside a webhook's response instead of by call, which Telegram
        holds to the same flood limits (and whose 429 the bot would never see)."""
        async def nothing() -> ApiResult:
            return True

        await self._bot_wide_pause()
        await self._rated(nothing, (), {}, chat_id)

    async def _rated(self, callback: Callable[..., Coroutine[Any, Any, ApiResult]],
                     args: Any, kwargs: dict[str, Any], chat: object) -> ApiResult:
        # AIORateLimiter's rates without its handling of RetryAfter, which would pause every
        # chat for one (`_run_request` is the part of `process_request` that applies them).
        group: int | str | bool = False
        with contextlib.suppress(ValueError, TypeError):
            chat = int(chat)  # type: ignore[call-overload]
        if (isinstance(chat, int) and chat < 0) or isinstance(chat, str):
            group = chat
        return await self._run_request(chat=chat is not None, group=group,
                                       allow_paid_broadcast=False, callback=callback,
                                       args=args, kwargs=kwargs)

    def _bot_wide(self, chat: object) -> bool:
        """Whether 429s came for enough different chats at once to mean the whole bot."""
        now = time.monotonic()
        self._floods.append((now, chat))
        while self._floods and self._floods[0][0] < now - self.policy.flood_window:
            self._floods.popleft()
        return len({chat for _, chat in self._floods}) >= self.policy.flood_chats

    async def _bot_wide_pause(self) -> None:
        wait = self._paused_until - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
