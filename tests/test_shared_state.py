"""What instances share in PostgreSQL (`bot.storage.shared`), each instance played by its own
`SharedStore` (its own pool): states, the rate limit, claims on update ids, reloads.

Needs MYTHBOT_TEST_POSTGRES_URL (a database the tests may empty; .ci/run sets it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Config
from bot.conversation.state import UserState
from bot.knowledge import load_knowledge
from bot.matching import Decision
from bot.runtime import Loaded, build
from bot.storage.schema import metadata
from bot.storage.shared import SharedStore, holding, open_shared
from bot.storage.store import open_storage
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
    a, b = (open_shared(cfg, ENV, connections=4, claims=4) for _ in range(2))
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
        async with store.claim(1001, user_id=5) as turn:
            if turn.fresh:
                await asyncio.sleep(0.3)  # handling it
                handled.append(name)
                turn.reply = f'{{"method": "sendMessage", "text": "from {name}"}}'
            else:
                handled.append(f"{turn.reply} again")

    await asyncio.gather(deliver(a, "a"), deliver(b, "b"))
    first, second = handled
    # The second delivery waited for the first, then gave the reply kept with its claim.
    assert second == f"{{\"method\": \"sendMessage\", \"text\": \"from {first}\"}} again"


async def test_a_claim_rolled_back_by_a_crash_lets_the_redelivery_handle_it(
        stores: tuple[SharedStore, SharedStore]) -> None:
    a, b = stores
    with pytest.raises(RuntimeError):
        async with a.claim(2002, user_id=5) as turn:
            assert turn.fresh
            turn.put_state('{"last_kind": "answer"}')
            turn.count_message(60)
            turn.reply = '{"method": "sendMessage"}'
            raise RuntimeError("instance died half-way")
    async with b.claim(2002, user_id=5) as turn:  # as if the first had never been
        assert (turn.fresh, turn.state, turn.window, turn.reply) == (True, None, None, None)


async def test_what_an_update_changes_is_written_with_its_claim_and_read_with_the_next(
        stores: tuple[SharedStore, SharedStore]) -> None:
    a, b = stores
    limit_a = SharedRateLimit(a, messages=1, per_seconds=60)
    async with a.claim(3001, user_id=6) as turn:
        assert (turn.state, turn.window) == (None, None)
        turn.put_state('{"chosen_lang": "en"}')
        assert turn.count_message(60) == 1
        # Not written before the claim is: another instance still sees nothing.
        assert await b.load_state(6) is None
    async with b.claim(3002, user_id=6) as turn:
        assert turn.state == '{"chosen_lang": "en"}'
        assert turn.window is not None and turn.window[1] == 1
        assert turn.count_message(60) == 2
        turn.drop()  # /forget
        turn.put_state('{"loaded": true}')
    assert await a.load_state(6) == '{"loaded": true}'
    assert await limit_a.verdict(6) is Verdict.ALLOW  # the window went with /forget
    async with a.claim(3003, user_id=6) as turn:  # and a claim sees the window counted since
        assert turn.window is not None and turn.window[1] == 1


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


async def test_the_question_of_an_update_is_written_with_its_claim_once(
        stores: tuple[SharedStore, SharedStore], config: Config) -> None:
    a, _ = stores
    cfg = config.model_copy(update={"storage": config.storage.model_copy(
        update={"url": os.environ[POSTGRES_ENV]})})
    storage = await open_storage(cfg, ENV)
    try:
        assert await storage.record_visit(11, clinic="demo-kine")  # came by a clinic's link
        answer = Decision("answer", "nl", 0.8, "worn-out-joint")
        with pytest.raises(RuntimeError):  # the first delivery: the instance dies half-way
            async with a.claim(4001, user_id=11) as turn:
                with holding(11, turn):
                    assert await storage.record_question(11, "slijt mijn knie?", answer,
                                                         update_id=4001)
                raise RuntimeError("killed")
        async with a.claim(4001, user_id=11) as turn:  # Telegram sends it again
            assert turn.fresh
            with holding(11, turn):
                assert await storage.record_question(11, "slijt mijn knie?", answer,
                                                     update_id=4001)
            assert turn.question is not None
            assert await _events(a) == []  # held for the claim, not written before it
        assert await _events(a) == [("answer", "worn-out-joint", 4001, "demo-kine")]
        # Without a claim held (or after it was written), a question is written as before.
        async with a.claim(4002, user_id=11) as turn:
            held = turn
        with holding(11, held):
            assert await storage.record_question(11, "en mijn heup?", answer, update_id=4002)
        assert len(await _events(a)) == 2
    finally:
        await storage.close()


async def _events(store: SharedStore) -> list[tuple[object, ...]]:
    async with store.engine.connect() as conn:
        found = await conn.execute(text("SELECT kind, entry_id, update_id, clinic FROM events "
                                        "ORDER BY update_id"))
        return [tuple(row) for row in found]


async def test_states_and_the_limit_use_the_turn_of_the_update_being_handled(
        stores: tuple[SharedStore, SharedStore]) -> None:
    a, b = stores
    states, limit = DatabaseStates(a), SharedRateLimit(a, messages=1, per_seconds=60)
    await DatabaseStates(b).put(12, UserState(loaded=True, chosen_lang="en"))
    async with a.claim(5001, user_id=12) as turn, contextlib.AsyncExitStack() as stack:
        stack.enter_context(holding(12, turn))
        assert (await states.get(12)).chosen_lang == "en"  # read with the claim
        await states.put(12, UserState(loaded=True, chosen_lang="nl"))
        assert await limit.verdict(12) is Verdict.ALLOW
        assert await limit.verdict(12) is Verdict.WARN
        assert (await states.get(12)).chosen_lang == "nl"
        assert '"chosen_lang":"en"' in str(await b.load_state(12))  # not written yet
        assert await states.get(13) == UserState()  # someone else: no turn of theirs here
    assert (await DatabaseStates(b).get(12)).chosen_lang == "nl"  # written with the claim
    with holding(12, turn):  # too late for that claim: straight to the database
        await states.put(12, UserState(loaded=True, chosen_lang="en"))
        assert await limit.verdict(12) is Verdict.DROP
        assert await b.count_message(12, 60) == 4  # the two counted with the claim, and one
    assert (await DatabaseStates(b).get(12)).chosen_lang == "en"
