"""The HTTP client for the bot's Bot API calls (all but getUpdates, which has its own).

At most `connections` requests are on their way at once; the others wait here. httpx would
queue them itself, but its pool looks at every connection and every waiting request each
time a request starts or ends, which under a burst cost the bot more time than matching the
questions did (the throughput benchmark: about 240 answers a second with 256 connections,
300 with 8 behind this gate).
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.request import HTTPXRequest

CONNECTIONS = 8  # Telegram allows ~30 messages a second; at 0.2 s a call that needs ~6


class GatedRequest(HTTPXRequest):
    __slots__ = ("_gate",)

    def __init__(self, connections: int = CONNECTIONS, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connections, **kwargs)
        self._gate = asyncio.Semaphore(connections)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """The request, once one of the connections is free."""
        async with self._gate:
            return await super().do_request(*args, **kwargs)
