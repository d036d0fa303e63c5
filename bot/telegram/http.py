"""The bot's HTTP client for the Bot API: PTB's `BaseRequest` on aiohttp.

PTB's own client is httpx, whose every request runs through anyio's cancel scopes and locks;
each of those asks asyncio for the running loop, which on Python 3.11 is a `getpid` system
call. Under a burst that overhead cost the bot more than matching the questions did: in the
throughput benchmark on two cores, 245–275 answers a second with httpx, 330–350 with this.

Timeouts keep PTB's meaning, with one distinction PTB does not make: `ReplyTimedOut` says the
request went out and the answer did not come back, so Telegram probably acted on it and
sending it again could send a message twice (see `retrying.probably_delivered`).
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from aiohttp.payload import BytesPayload
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

CONNECTIONS = 8  # Telegram allows ~30 messages a second; at 0.2 s a call that needs ~6
TIMEOUT = 5.0  # seconds; PTB's default for connecting, writing and reading
FORM = "application/x-www-form-urlencoded"


class ReplyTimedOut(TimedOut):
    """The request was sent, but Telegram's answer did not arrive in time."""


class AiohttpRequest(BaseRequest):
    """Requests to the Bot API over at most `connections` kept-alive connections; requests
    beyond those wait for a free one (without a time limit: waiting is not failing).

    There is no write timeout: aiohttp has none, and the bot sends small forms only.
    """

    __slots__ = ("_connections", "_session", "_timeouts")

    def __init__(self, connections: int = CONNECTIONS, *, connect_timeout: float = TIMEOUT,
                 read_timeout: float = TIMEOUT) -> None:
        self._connections = connections
        self._timeouts = {"connect": connect_timeout, "read": read_timeout}
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=_given(connect_timeout, self._timeouts["connect"]),
            sock_read=_given(read_timeout, self._timeouts["read"]))
        try:
            async with self._session.request(method, url, data=_body(request_data),
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.SocketTimeoutError as exc:
            raise ReplyTimedOut from exc
        except aiohttp.ServerTimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class name only: some aiohttp errors quote the URL, which holds the token.
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}") from exc


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | BytesPayload | None:
    """Form fields as PTB encodes them (each value JSON), and files as multipart parts."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        # The form aiohttp would make of the dict, made directly: aiohttp's own way starts a
        # multipart writer with a random boundary for every request, then does not use it.
        return BytesPayload(urlencode(list(fields.items())).encode(), content_type=FORM)
    form = aiohttp.FormData(fields)
    for name, (filename, content, *mime) in files.items():
        form.add_field(name, content, filename=filename,
                       content_type=mime[0] if mime else "application/octet-stream")
    return form
