"""What instances share in PostgreSQL (`bot.storage.shared`), each instance played by its own
`SharedStore` (its own pool): states, the rate limit, claims on update ids, reloads.

Needs MYTHBOT_TEST_POSTGRES_URL (a database the tests may empty; .ci/run sets it)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Config
from bot.conversation.state import UserState
from bot.knowledge import load_knowledge
from bot.runtime import Loaded, build
from bot.storage.schema import metadata
from bot.storage.shared import SharedStore, open_shared
from bot.telegram.rate_limit import Verdict
from bot.webhook.limits import SharedRateLimit
from bot.webhook.reloading import SharedLibrary
from bot.webhook.states import DatabaseStates

POSTGRES_ENV = "MYTHBOT_TEST_POSTGRES_URL"
ENV = {"MYTHBOT_SECRET": "0123456789abcdef0123456789abcdef"}


@pytest.fixture
async def stores(config: Config) -> AsyncIterator[tuple[SharedStore, SharedStore]]:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"set {POSTGRES_ENV} to run the shared-state tests on PostgreSQL")
    cfg = config.model_copy(update={"storage": config.storage.model_copy(update={"url": url})})
    a, b = (open_shared(cfg, ENV, connections=4) for _ in range(2))
    async with a.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(text(f"DROP TABLE IF EXISTS {table.name} CASCADE"))
    # Two instances starting at once migrate one after the other, not into each other.
    await asyncio.gather(a.prepare(), b.prepare())
    yield a, b
    await a.close()
    await b.close()


async def test_a_state_written_by_one_instance_is_read_by_another(
        stores: tuple[SharedStore, SharedStore]) -> None:
    a, b = stores
    state = UserState(loaded=True, chosen_lang="en", suggested="knie", comment_for="x",
                      comment_until=10**9)
    await DatabaseStates(a).put(42, state)
    assert await DatabaseStates(b).get(42) == replace(state, comment_until=pytest.approx(10**9))
    await DatabaseStates(b).drop(42)
    assert await DatabaseStates(a).get(42) == UserState()


async def test_the_rate_limit_counts_messages_on_every_instance(
        stores: tuple[SharedStore, SharedStore]) -> None:
    a, b = (SharedRateLimit(store, messages=2, per_seconds=60) for store in stores)
    verdicts = [await limit.verdict(7) for limit in (a, b, a, b)]
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP]
    assert await b.verdict(8) is Verdict.ALLOW  # per person


async def test_a_redelivered_update_is_handled_once_across_instances(
        stores: tuple[SharedStore, SharedStore]) -> None:
    a, b = stores
    handled: list[str] = []

    async def deliver(store: SharedStore, name: str) -> None:
        async with store.claim(1001, user_id=5) as fresh:
            if fresh:
                await asyncio.sleep(0.3)  # sending the reply
                handled.append(name)

    await asyncio.gather(deliver(a, "a"), deliver(b, "b"))
    assert len(handled) == 1


async def test_a_claim_rolled_back_by_a_crash_lets_the_redelivery_handle_it(
        stores: tuple[SharedStore, SharedStore]) -> None:
    a, b = stores
    with pytest.raises(RuntimeError):
        async with a.claim(2002, user_id=5) as fresh:
            assert fresh
            raise RuntimeError("instance died half-way")
    async with b.claim(2002, user_id=5) as fresh:
        assert fresh


async def test_one_persons_updates_take_turns_across_instances(
        stores: tuple[SharedStore, SharedStore]) -> None:
    a, b = stores
    events: list[str] = []

    async def handle(store: SharedStore, update_id: int, user: int, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.claim(update_id, user_id=user):
            events.append(f"start {update_id}")
            await asyncio.sleep(0.3)
            events.append(f"end {update_id}")

    await asyncio.gather(handle(a, 1, 9, 0), handle(b, 2, 9, 0.1), handle(b, 3, 10, 0.1))
    # Person 9's second update waited for the first; person 10 did not wait for anyone.
    assert events.index("end 1") < events.index("start 2")
    assert events.index("start 3") < events.index("end 1")


async def test_a_reload_on_one_instance_reaches_the_other_and_errors_keep_the_old_one(
        stores: tuple[SharedStore, SharedStore], config: Config, loaded: Loaded,
        knowledge_copy: Path) -> None:
    a, b = stores

    async def reload() -> Loaded:
        return build(config, load_knowledge(knowledge_copy))

    first, second = SharedLibrary(loaded, reload, a), SharedLibrary(loaded, reload, b)
    await first.start()
    await second.start()
    assert not await second.catch_up()
    await first.reload()
    assert await second.catch_up()
    assert second.loaded is not loaded
    # A copy with an error: the instance keeps what it had, and does not try again and again.
    kept = second.loaded
    await first.reload()
    entry = next(knowledge_copy.glob("entries/*.yaml"))
    entry.write_text("id: [broken\n", encoding="utf-8")
    assert not await second.catch_up()
    assert second.loaded is kept
    assert not await second.catch_up()
