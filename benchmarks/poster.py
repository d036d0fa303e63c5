"""A lean HTTP/1.1 client for the scale-out benchmark's fake Telegram: POSTs a JSON body to one
URL over kept-alive connections and returns the status and body.

The fake Telegram shares the machine's two cores with what it measures. aiohttp's client
spends about 0.4 ms of CPU on a request; this one, which knows only what nginx answers the
webhook (a status line, headers, a body of known length or in chunks), about a tenth of that.
The real Telegram posts from its own machines, so the less the stand-in costs here, the closer
the run is to a real one."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class PostError(ConnectionError):
    """The connection broke, or the answer was not HTTP/1.1 as expected."""


class Poster:
    def __init__(self, url: str, headers: dict[str, str], timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only plain http URLs: {url}")
        self._host, self._port = parts.hostname, parts.port or 80
        lines = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}",
                 "Content-Type: application/json",
                 *(f"{name}: {value}" for name, value in headers.items())]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        self._timeout = timeout
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """(status, body) of one POST; PostError or TimeoutError when it failed."""
        connection = self._idle.pop() if self._idle else None
        try:
            async with asyncio.timeout(self._timeout):
                if connection is None:
                    connection = await asyncio.open_connection(self._host, self._port)
                reader, writer = connection
                writer.write(self._head + b"%d\r\n\r\n" % len(body) + body)
                status, answer, keep = await _response(reader)
        except TimeoutError:  # an OSError too, but the run tells a timeout apart
            _close(connection)
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError) as exc:
            _close(connection)
            raise PostError(str(exc) or type(exc).__name__) from None
        except BaseException:  # the run cancelled: the connection is in an unknown state
            _close(connection)
            raise
        if keep:
            self._idle.append(connection)
        else:
            _close(connection)
        return status, answer

    def close(self) -> None:
        while self._idle:
            _close(self._idle.pop())


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    version, status = head[0].split(" ", 2)[:2]
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        body = await _chunks(reader)
    else:
        raise ValueError("a response of unknown length")
    keep = version == "HTTP/1.1" and headers.get("connection") != "close"
    return int(status), body, keep


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers from nginx: the closing empty line
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _close(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
    if connection is not None:
        connection[1].close()
