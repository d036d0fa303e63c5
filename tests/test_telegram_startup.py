"""`python -m bot run` as a child process when start-up goes wrong: every failure is one clear
line and a non-zero exit, with no traceback and no unclosed HTTP session."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, TOKEN
from tests.test_telegram_run import ROOT, write_config

pytestmark = [pytest.mark.timeout(60), pytest.mark.slow]

NOISE = ("Traceback", "Unclosed")


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start(config: Path, token: str, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, **SECRET, "TELEGRAM_BOT_TOKEN": token, "PYTHONPATH": str(ROOT)}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def finish(child: asyncio.subprocess.Process, timeout: float = 30) -> list[str]:
    try:
        _, err = await asyncio.wait_for(child.communicate(), timeout)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    return err.decode().splitlines()


def assert_quiet(lines: list[str]) -> None:
    for line in lines:
        assert not any(word in line for word in NOISE), "\n".join(lines)


async def test_no_network_says_each_retry_then_gives_up(tmp_path: Path) -> None:
    config = write_config(tmp_path, **{
        "telegram.base_url": f"http://127.0.0.1:{free_port()}/bot",
        "telegram.startup_attempts": 3})
    child = await start(config, TOKEN, tmp_path)
    lines = await finish(child)
    assert child.returncode == 3, lines
    assert_quiet(lines)
    assert len(lines) == 3, lines
    assert "attempt 1 of 3, next in 1 s" in lines[0]
    assert "attempt 2 of 3, next in 2 s" in lines[1]
    assert all("connection refused" in line for line in lines)
    assert lines[2].startswith("mythbot: Telegram could not be reached in 3 attempts")
    assert "telegram.base_url" in lines[2]


async def test_a_wrong_token_is_one_line(tmp_path: Path) -> None:
    async with FakeBotApi(token=TOKEN) as api:
        config = write_config(tmp_path, **{"telegram.base_url": api.base_url})
        wrong = TOKEN.split(":")[0] + ":" + "x" * 35
        child = await start(config, wrong, tmp_path)
        lines = await finish(child)
        assert child.returncode == 2, lines
        assert_quiet(lines)
        assert lines == ["mythbot: Telegram refused the token (from TELEGRAM_BOT_TOKEN or "
                         "telegram.token_file); copy it again from @BotFather (/mybots → your "
                         "bot → API Token), or revoke it there and use the new one"]
        assert [method for method, _ in api.requests] == ["getMe"]
        assert "x" * 35 not in "".join(lines)


@pytest.mark.parametrize("token", ["abc", "123456", "'123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ'",
                                   "123456:short"])
async def test_a_malformed_token_is_refused_before_any_request(
        tmp_path: Path, token: str) -> None:
    async with FakeBotApi(token=TOKEN) as api:
        config = write_config(tmp_path, **{"telegram.base_url": api.base_url})
        child = await start(config, token, tmp_path)
        lines = await finish(child)
        assert child.returncode == 2, lines
        assert len(lines) == 1 and "does not look like a bot token" in lines[0], lines
        assert api.requests == []


async def test_sigterm_while_telegram_is_unreachable_stops_quietly(tmp_path: Path) -> None:
    config = write_config(tmp_path, **{
        "telegram.base_url": f"http://127.0.0.1:{free_port()}/bot",
        "telegram.startup_attempts": 10})
    child = await start(config, TOKEN, tmp_path)
    assert child.stderr is not None
    first = await asyncio.wait_for(child.stderr.readline(), 20)
    assert b"attempt 1 of 10" in first
    child.send_signal(signal.SIGTERM)
    lines = await finish(child)
    assert child.returncode == 0, lines
    assert_quiet(lines)
    assert lines == ["mythbot: stopped before Telegram was reached"]


async def test_sigterm_after_telegram_went_away_stops_quietly(tmp_path: Path) -> None:
    """Telegram answered at start-up, then vanished: stopping must not print PTB's errors."""
    api = FakeBotApi(token=TOKEN)
    await api.start()
    try:
        config = write_config(tmp_path, **{"telegram.base_url": api.base_url})
        child = await start(config, TOKEN, tmp_path)
        await api.wait_for("getUpdates", 1, timeout=20)
    finally:
        await api.stop()
    await asyncio.sleep(1.5)  # a few failed polls
    child.send_signal(signal.SIGTERM)
    lines = await finish(child)
    assert child.returncode == 0, lines
    assert_quiet(lines)
