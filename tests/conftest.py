"""Shared fixtures: the real knowledge base, a matcher over it, and a scratch copy to break."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.cache import CACHE_ENV
from bot.config import Config, load_config
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Matcher
from bot.rendering import Renderer
from bot.runtime import Loaded, build
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import TOKEN

# PTB reads duration fields through a deprecation shim unless told to use timedelta; with
# warnings as errors that shim would fail every 429 (RetryAfter) and every voice message.
os.environ.setdefault("PTB_TIMEDELTA", "true")
# The built index is cached on disk: the tests (and the commands they start) use a folder of
# their own, not the developer's ~/.cache/mythbot.
# Once per run: test modules also import this file as `tests.conftest`.
if os.environ.get("MYTHBOT_TEST_CACHE") != os.environ.get(CACHE_ENV, ""):
    os.environ[CACHE_ENV] = os.environ["MYTHBOT_TEST_CACHE"] = tempfile.mkdtemp(
        prefix="mythbot-test-cache-")

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
EXAMPLE_CONFIG = ROOT / "config.example.yaml"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may talk to 127.0.0.1 only; anything else is a bug in the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not (host.startswith("127.") or host in ("::1", "localhost")
                                          or self.family == socket.AF_UNIX):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session", autouse=True)
def _scratch_cache() -> Iterator[None]:
    yield
    shutil.rmtree(os.environ[CACHE_ENV], ignore_errors=True)


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def loaded(kb: KnowledgeBase, config: Config) -> Loaded:
    """Matcher and renderer wired exactly as the commands and the bot wire them."""
    return build(config, kb)


@pytest.fixture(scope="session")
def matcher(loaded: Loaded) -> Matcher:
    return loaded.matcher


@pytest.fixture(scope="session")
def renderer(loaded: Loaded) -> Renderer:
    return loaded.renderer


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake Telegram Bot API on 127.0.0.1 for the bot under test to talk to."""
    async with FakeBotApi(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Iterator[Path]:
    """A scratch copy of the knowledge folder that a test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    yield target


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide logging; put it back afterwards."""
    root = logging.getLogger()
    names = ("aiohttp", "telegram", "aiosqlite", "sqlalchemy", "asyncpg")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = {handler: list(handler.filters) for handler in root.handlers}
    root_level = root.level
    yield
    root.setLevel(root_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
        else:
            handler.filters[:] = handlers[handler]
