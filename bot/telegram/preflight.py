"""Before polling: is the token well formed, and does Telegram answer and accept it?

PTB's own start-up retries a failed `getMe` inside its bootstrap loop, our retrying rate
limiter retries each of those again, and when it gives up it logs tracebacks and leaves HTTP
sessions open. Here one plain `getMe` per attempt is made on a throwaway client that is
always closed, so the command can say in one line what went wrong and what to do.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

from bot.telegram.http import AiohttpRequest

# What BotFather hands out: the bot's numeric id, a colon, then letters, digits, - and _.
TOKEN_SHAPE = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{16,}$")
PROBE_TIMEOUT = 10.0  # seconds to connect, and to wait for getMe's answer
FIRST_PAUSE = 1.0  # seconds before the second attempt; doubles after each failure


def well_formed(token: str) -> bool:
    return TOKEN_SHAPE.fullmatch(token) is not None


class TokenRefused(Exception):
    """Telegram answered that the token is not (or no longer) valid."""


@dataclass(frozen=True)
class Unreachable(Exception):
    """Every attempt failed; `reason` is the last failure in plain words."""

    attempts: int
    reason: str


async def probe(token: str, base_url: str, timeout: float = PROBE_TIMEOUT) -> None:
    """One `getMe`; raises `TokenRefused`, or a `TelegramError` when Telegram was not reached."""
    request = AiohttpRequest(1, connect_timeout=timeout, read_timeout=timeout)
    bot = Bot(token, base_url=base_url, request=request, get_updates_request=request)
    try:
        await bot.initialize()
    except InvalidToken:
        raise TokenRefused from None
    finally:
        await request.shutdown()


def describe(exc: BaseException, base_url: str) -> str:
    """Why Telegram was not reached, without the token (which is part of the URL's path)."""
    host = urlsplit(base_url).netloc or base_url.split("/", 1)[0]
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientConnectorDNSError):
        return f"the name {host} cannot be looked up (no network, or no DNS)"
    if isinstance(cause, aiohttp.ClientConnectorError):
        error = cause.os_error
        why = os.strerror(error.errno) if error.errno else error.__class__.__name__
        return f"cannot connect to {host} ({why.lower()})"
    if isinstance(exc, TimedOut):
        return f"{host} did not answer in time"
    if isinstance(exc, NetworkError) and not isinstance(cause, aiohttp.ClientError):
        # Telegram (or whatever is at base_url) answered with an error status.
        return f"{host} answered with an error ({exc.message})"
    return f"cannot reach {host} ({exc.__class__.__name__})"


async def reach(token: str, base_url: str, *, attempts: int,
                say: Callable[[str], None],
                sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                timeout: float = PROBE_TIMEOUT) -> None:
    """Try `probe` up to `attempts` times, saying before each wait what failed and how long
    it waits. Raises `TokenRefused` at once, or `Unreachable` after the last attempt."""
    pause = FIRST_PAUSE
    for attempt in range(1, attempts + 1):
        try:
            await probe(token, base_url, timeout)
            return
        except TelegramError as exc:
            reason = describe(exc, base_url)
        if attempt == attempts:
            raise Unreachable(attempts, reason)
        say(f"Telegram not reached: {reason}; "
            f"attempt {attempt} of {attempts}, next in {pause:g} s")
        await sleep(pause)
        pause *= 2
