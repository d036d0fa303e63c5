"""Three `serve` instances on one PostgreSQL behind nginx (deploy/nginx/mythbot.conf), and a
fake Telegram that posts updates and records the bot's Bot API calls (tests/helpers/cluster.py).

Needs MYTHBOT_TEST_POSTGRES_URL and nginx; .ci/run provides both. Without them these tests
skip, saying which is missing (in CI they fail instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.rendering import Action
from bot.storage.schema import metadata
from tests.helpers import updates
from tests.helpers.cluster import ADMIN_ID, Cluster, nginx_binary
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import questions_of_kind

pytestmark = [pytest.mark.slow, pytest.mark.fault, pytest.mark.timeout(300)]

POSTGRES_ENV = "MYTHBOT_TEST_POSTGRES_URL"


def _requirements() -> str:
    url = os.environ.get(POSTGRES_ENV)
    missing = []
    if not url:
        missing.append(f"PostgreSQL ({POSTGRES_ENV} is not set)")
    if nginx_binary() is None:
        missing.append("nginx (apt-get install nginx-light)")
    if missing:
        reason = "the scale-out tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert url is not None
    return url


async def _empty(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(text(f"DROP TABLE IF EXISTS {table.name} CASCADE"))
    await engine.dispose()


async def _rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        found = list(await conn.execute(text(sql), params))
    await engine.dispose()
    return found


def _callback(api: FakeBotApi, chat_id: int, data: str, user: dict[str, Any]) -> dict[str, Any]:
    """A press on a button with `data` under the bot's last message in the chat."""
    message = api.last_bot_message(chat_id)
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    assert any(b.get("callback_data") == data for row in rows for b in row), (data, rows)
    return updates.callback_query(data, message=message, user=user)


async def _replied(api: FakeBotApi, chat_id: int, count: int) -> list[str]:
    async with asyncio.timeout(10):
        while len(api.sent_texts(chat_id)) < count:
            await asyncio.sleep(0.02)
    return api.sent_texts(chat_id)


@contextlib.asynccontextmanager
async def db_proxy(target_url: str) -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A TCP relay to the database; setting the event cuts it (the database is "down" for
    whoever connects through it, and existing connections break)."""
    parts = urlsplit(target_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    cut = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if cut.is_set():
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(host, port)
        writers.extend([writer, up_writer])
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    proxy_port = server.sockets[0].getsockname()[1]
    netloc = parts.netloc.replace(f"{host}:{port}", f"127.0.0.1:{proxy_port}")
    if netloc == parts.netloc:  # no port in the URL
        netloc = parts.netloc.replace(host, f"127.0.0.1:{proxy_port}")

    async def cutter() -> None:
        await cut.wait()
        server.close()
        for writer in writers:
            writer.close()

    task = asyncio.create_task(cutter())
    try:
        yield parts._replace(netloc=netloc).geturl(), cut
    finally:
        cut.set()
        await task


async def test_three_instances_behind_nginx_act_as_one_bot(
        api: FakeBotApi, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher,
        knowledge_copy: Path) -> None:
    url = _requirements()
    await _empty(url)
    async with Cluster(tmp_path / "cluster", url, api, instances=3,
                       knowledge=knowledge_copy) as cluster:
        a, b, c = cluster.instances

        # A conversation whose messages land on one instance after another keeps its state.
        ann = updates.user(501, "Ann", language_code="nl")
        chat = 501
        assert (await cluster.post(updates.command("language", user=ann), to=a))[0] == 200
        lang_en = Action("lang", "en").encode()
        assert (await cluster.post(_callback(api, chat, lang_en, ann), to=b))[0] == 200
        assert (await cluster.post(updates.command("help", user=ann), to=c))[0] == 200
        texts = await _replied(api, chat, 3)
        assert texts[-1] == kb.message("help", "en")  # the language chosen on b, seen on c

        suggest = questions_of_kind(matcher, "suggest", "en")[0]
        assert (await cluster.post(updates.text_message(suggest, user=ann), to=a))[0] == 200
        none = Action("none").encode()
        assert (await cluster.post(_callback(api, chat, none, ann), to=b))[0] == 200
        # "None of these" on b turned a's suggestion into a question the bot could not
        # answer: b knew which question the suggestions were for.
        kinds = await _rows(url, "SELECT kind FROM events WHERE question = :q", q=suggest)
        assert [row.kind for row in kinds] == ["fallback"]

        question = questions_of_kind(matcher, "answer", "en")[0]
        entry = matcher.match(question).entry_id
        assert entry is not None
        assert (await cluster.post(updates.text_message(question, user=ann), to=c))[0] == 200
        down = Action("down", entry).encode()
        assert (await cluster.post(_callback(api, chat, down, ann), to=a))[0] == 200
        comment = "more pictures please"  # not a question (see reads_as_question)
        before = len(api.sent_texts(chat))
        assert (await cluster.post(updates.text_message(comment, user=ann), to=b))[0] == 200
        texts = await _replied(api, chat, before + 1)
        assert texts[-1] == kb.message("comment-thanks", "en")
        stored = await _rows(url, "SELECT entry_id, helpful, comment FROM feedback")
        assert [tuple(row) for row in stored] == [(entry, False, comment)]

        # A redelivered update is answered once, even when two instances get it at once.
        bob = updates.user(502, "Bob")
        update = updates.text_message("hallo", user=bob)
        results = await asyncio.gather(cluster.post(update, to=a), cluster.post(update, to=b))
        results.append(await cluster.post(update, to=c))
        assert [status for status, _ in results] == [200, 200, 200]
        assert len(await _replied(api, 502, 1)) == 1
        await asyncio.sleep(0.5)
        assert len(api.sent_texts(502)) == 1

        # A wrong secret is refused at every door, and nothing is sent.
        eve = updates.user(503, "Eve")
        assert (await cluster.post(updates.text_message("hallo", user=eve),
                                   secret="guess"))[0] == 403
        assert (await cluster.post(updates.text_message("hallo", user=eve),
                                   secret=None))[0] == 401
        await asyncio.sleep(0.3)
        assert api.sent_texts(503) == []

        # Through nginx, every instance gets a share.
        served = set()
        for i in range(12):
            who = updates.user(600 + i, f"U{i}")
            status, instance = await cluster.post(updates.text_message("hallo", user=who))
            assert status == 200
            served.add(instance)
        assert served == {"1", "2", "3"}

        # /reload on one instance: all three serve the new text within seconds.
        messages = knowledge_copy / "messages.yaml"
        old = "I don't know that command."
        messages.write_text(messages.read_text("utf-8").replace(old, "RELOADED " + old),
                            encoding="utf-8")
        admin = updates.user(ADMIN_ID, "Admin", language_code="en")
        assert (await cluster.post(updates.command("reload", user=admin), to=a))[0] == 200
        report = await _replied(api, ADMIN_ID, 1)  # sent when the reload is done
        assert "RELOADED" not in report[-1]
        # Instances check the version every second, then rebuild in the loop's spare time:
        # a loaded CI machine takes a few seconds, so each is asked until it answers anew.
        for instance in cluster.instances:
            carl_id = 700 + int(instance.name)
            carl = updates.user(carl_id, "Carl", language_code="en")
            texts: list[str] = []
            async with asyncio.timeout(30):
                while not (texts and texts[-1].startswith("RELOADED")):
                    await cluster.post(updates.command("nonsense", user=carl), to=instance)
                    texts = await _replied(api, carl_id, len(texts) + 1)
                    await asyncio.sleep(0.5)


async def test_an_instance_without_its_database_goes_red_and_nginx_passes_it_by(
        api: FakeBotApi, tmp_path: Path, knowledge_copy: Path) -> None:
    url = _requirements()
    await _empty(url)
    async with db_proxy(url) as (proxied, cut), \
            Cluster(tmp_path / "cluster", url, api, instances=3, knowledge=knowledge_copy,
                    storage_urls={2: proxied}) as cluster:
        third = cluster.instances[2]
        assert cluster.session is not None
        assert (await third.health(cluster.session))[0] == 200
        cut.set()
        status, body = await third.health(cluster.session)
        assert (status, body["database"]) == (503, "unreachable")
        served = []
        for i in range(15):
            who = updates.user(800 + i, f"U{i}")
            status, instance = await cluster.post(updates.text_message("hallo", user=who))
            assert status == 200
            served.append(instance)
        assert "3" not in served and set(served) == {"1", "2"}
        for i in range(15):
            assert len(await _replied(api, 800 + i, 1)) == 1


def test_the_benchmark_counts_cpu_per_update_and_prints_it() -> None:
    from benchmarks.scale import _cpu, table

    assert _cpu(os.getpid()) > 0
    assert _cpu(2**22 + 12345) == 0.0  # no such process (pid_max is at most 2**22)
    row = {"instances": 1, "updates": 10, "answered": 10, "lost": 0, "duplicated": 0,
           "answered_per_s": 5.0, "p50_ms": 1, "p99_ms": 2, "restart_s": 1.0,
           "cpu_ms_per_update": {"instances": 4.0, "nginx": 0.1, "postgres": 0.6,
                                 "telegram": 0.8},
           "capacity_per_s": 363, "load_average": 1.5}
    printed = table({"updates": 10, "users": 2, "rows": [row], "per_s_3": None,
                     "ratio_3_vs_1": None})
    assert "        1     4.0       0.6    0.1       0.8     5.5         363       1.5" in printed
