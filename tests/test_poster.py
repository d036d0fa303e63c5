"""The scale-out benchmark's lean HTTP client, against a real aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from benchmarks.poster import Poster, PostError


@asynccontextmanager
async def server(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                 ) -> AsyncIterator[tuple[str, set[object]]]:
    """A server on a free port running `handler` for POST /hook; its URL and the peers
    (connections) it saw."""
    peers: set[object] = set()

    async def recorded(request: web.Request) -> web.StreamResponse:
        peers.add(request.transport)
        return await handler(request)

    app = web.Application()
    app.router.add_post("/hook", recorded)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/hook", peers
    finally:
        await runner.cleanup()


async def echo(request: web.Request) -> web.Response:
    data = await request.json()
    return web.json_response({"method": "sendMessage", "got": data,
                              "secret": request.headers.get("X-Secret")})


async def test_a_post_gets_the_status_and_body_over_one_kept_alive_connection() -> None:
    async with server(echo) as (url, peers):
        poster = Poster(url, {"X-Secret": "s3"}, timeout=5)
        for n in range(3):
            status, body = await poster.post(json.dumps({"update_id": n}).encode())
            assert status == 200
            assert json.loads(body) == {"method": "sendMessage", "got": {"update_id": n},
                                        "secret": "s3"}
        poster.close()
    assert len(peers) == 1


async def test_posts_at_once_open_a_connection_each_and_reuse_them() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return await echo(request)

    async with server(slow) as (url, peers):
        poster = Poster(url, {}, timeout=5)
        for _ in range(2):
            answers = await asyncio.gather(*(poster.post(b'{"n": %d}' % n) for n in range(4)))
            assert [json.loads(body)["got"]["n"] for _, body in answers] == [0, 1, 2, 3]
        poster.close()
    assert len(peers) == 4


async def test_a_chunked_answer_and_an_error_status_are_read_whole() -> None:
    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=502)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for part in (b"bad ", b"gate", b"way"):
            await response.write(part)
        await response.write_eof()
        return response

    async with server(chunked) as (url, _):
        poster = Poster(url, {}, timeout=5)
        assert await poster.post(b"{}") == (502, b"bad gateway")
        poster.close()


async def test_a_connection_the_server_closes_is_not_used_again() -> None:
    async def closing(request: web.Request) -> web.Response:
        return web.Response(text="ok", headers={"Connection": "close"})

    async with server(closing) as (url, peers):
        poster = Poster(url, {}, timeout=5)
        assert await poster.post(b"{}") == (200, b"ok")
        assert await poster.post(b"{}") == (200, b"ok")
        poster.close()
    assert len(peers) == 2


async def test_a_dropped_connection_or_no_server_is_a_post_error() -> None:
    async def dropping(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        return web.Response(text="never sent")

    async with server(dropping) as (url, _):
        poster = Poster(url, {}, timeout=5)
        with pytest.raises(PostError):
            await poster.post(b"{}")
    with pytest.raises(PostError):  # the server is gone: nothing listens on the port
        await Poster(url, {}, timeout=5).post(b"{}")


async def test_a_server_that_does_not_answer_times_out() -> None:
    async def silent(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="late")

    async with server(silent) as (url, _):
        with pytest.raises(TimeoutError):
            await Poster(url, {}, timeout=0.2).post(b"{}")
