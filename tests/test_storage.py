"""Storage: round trips, migrations, pseudonymous keys, text retention, forget, outages.

Every test runs on SQLite; those taking `engine` or `store` also run on PostgreSQL when
MYTHBOT_TEST_POSTGRES_URL names a database they may empty. A throw-away server on Debian:

    apt-get install -y postgresql && pg_ctlcluster 15 main start
    su postgres -c "psql -c \"CREATE USER mythbot PASSWORD 'mythbot'\" \
                         -c \"CREATE DATABASE mythbot_test OWNER mythbot\""
    MYTHBOT_TEST_POSTGRES_URL=postgresql+asyncpg://mythbot:mythbot@127.0.0.1/mythbot_test \
        .venv/bin/pytest tests/test_storage.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sqlite3
import stat
import struct
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import pytest
from sqlalchemy import DateTime, TextClause, bindparam, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.config import Config, load_config
from bot.matching import Decision
from bot.storage import (
    SCHEMA_VERSION,
    FollowUp,
    Storage,
    StorageConfigError,
    StorageError,
    user_key,
)
from bot.storage.engine import create_engine, parse_url
from bot.storage.identity import SECRET_ENV, SecretError, resolve_secret, secret_file_for
from bot.storage.migrations import migrate
from bot.storage.privacy import question_after_thumbs_down, question_to_keep
from bot.storage.schema import metadata
from bot.storage.store import open_storage
from bot.storage.writer import Rows, WriteQueue
from tests.conftest import EXAMPLE_CONFIG

POSTGRES_ENV = "MYTHBOT_TEST_POSTGRES_URL"
SECRET = b"test-secret-0123456789abcdef"
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
ALICE, BOB = 987654321, 123987456
# Every table of the schema (a list written out here went stale when tables were added).
TABLES = tuple(table.name for table in reversed(metadata.sorted_tables))


def answer(entry: str, lang: str = "nl") -> Decision:
    return Decision("answer", lang, 0.8, entry)


def kind(name: str, lang: str = "nl") -> Decision:
    return Decision(name, lang, 0.2)


async def drop_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in TABLES:
            await conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "postgres":
        url = os.environ.get(POSTGRES_ENV)
        if not url:
            pytest.skip(f"set {POSTGRES_ENV} to run the storage tests on PostgreSQL")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"
    engine = create_engine(parse_url(url), timeout=2.0)
    if request.param == "postgres":
        await drop_all(engine)
    yield engine
    if request.param == "postgres":
        await drop_all(engine)
    await engine.dispose()


@pytest.fixture
async def store(engine: AsyncEngine) -> AsyncIterator[Storage]:
    storage = Storage(engine, SECRET, retention_days=90, clinics=["demo-kine", "other"])
    assert await storage.start()
    yield storage


# ----- round trips -------------------------------------------------------------------------


async def test_round_trip(store: Storage) -> None:
    assert await store.record_visit(ALICE, language="en", clinic="demo-kine", now=NOW)
    assert await store.record_question(ALICE, "is my knee worn out", answer("worn-out-joint",
                                                                              "en"), now=NOW)
    later = NOW + dt.timedelta(minutes=5)
    assert await store.record_question(ALICE, "can I eat tomatoes", kind("fallback", "en"),
                                       now=later)
    assert await store.record_feedback(ALICE, "worn-out-joint", True, now=later)

    data = await store.describe(ALICE)
    assert data is not None
    assert data.profile.language == "en" and data.profile.clinic == "demo-kine"
    assert data.profile.first_seen == NOW and data.profile.last_seen == later
    assert [(e.kind, e.entry_id, e.question, e.clinic) for e in data.events] == [
        ("answer", "worn-out-joint", None, "demo-kine"),
        ("fallback", None, "can I eat tomatoes", "demo-kine"),
    ]
    assert data.events[0].score == pytest.approx(0.8)
    assert [(f.entry_id, f.helpful, f.comment) for f in data.feedback] == [
        ("worn-out-joint", True, None)]
    assert (await store.profile(ALICE)) == data.profile
    assert await store.describe(BOB) is None
    assert await store.profile(BOB) is None


async def test_visit_keeps_what_is_not_given(store: Storage) -> None:
    await store.record_visit(ALICE, language="nl", clinic="demo-kine", now=NOW)
    await store.record_visit(ALICE, now=NOW + dt.timedelta(days=1))
    await store.record_visit(ALICE, clinic="no-such-clinic", now=NOW + dt.timedelta(days=2))
    profile = await store.profile(ALICE)
    assert profile is not None
    assert (profile.language, profile.clinic) == ("nl", "demo-kine")
    assert profile.last_seen == NOW + dt.timedelta(days=2)
    await store.record_visit(ALICE, language="en", clinic="other", now=NOW)
    profile = await store.profile(ALICE)
    assert profile is not None and (profile.language, profile.clinic) == ("en", "other")


async def test_unknown_clinic_is_not_stored(store: Storage) -> None:
    await store.record_visit(BOB, clinic="Jan Jansen 0470123456", now=NOW)
    profile = await store.profile(BOB)
    assert profile is not None and profile.clinic is None


async def test_feedback_links_to_latest_answer_and_replaces_earlier_rating(
        store: Storage) -> None:
    await store.record_question(ALICE, "first", answer("injections"), now=NOW)
    await store.record_question(ALICE, "second", answer("injections"),
                                now=NOW + dt.timedelta(minutes=1))
    await store.record_feedback(ALICE, "injections", True, now=NOW + dt.timedelta(minutes=2))
    await store.record_feedback(ALICE, "injections", False, question="second",
                                now=NOW + dt.timedelta(minutes=3))
    assert await store.record_comment(ALICE, "injections", "  what\nabout  the knee?  ")
    data = await store.describe(ALICE)
    assert data is not None
    assert [(f.helpful, f.comment) for f in data.feedback] == [(False, "what about the knee?")]
    # The 👎 keeps the text of the rated (latest) event only.
    assert [e.question for e in data.events] == [None, "second"]


async def test_rejected_suggestions_become_a_fallback(store: Storage) -> None:
    await store.record_question(ALICE, "mag ik\nzwemmen", kind("suggest"), now=NOW)
    await store.record_question(BOB, "mag ik zwemmen", kind("suggest"), now=NOW)
    assert await store.record_rejection(ALICE, "mag ik\nzwemmen")
    assert not await store.record_rejection(ALICE, "mag ik\nzwemmen")  # already a fallback
    assert [(u.kind, u.question) for u in await store.unanswered()] == [
        ("suggest", "mag ik zwemmen"), ("fallback", "mag ik zwemmen")]
    # Only the user's latest question, and only if it is the suggestion rejected.
    await store.record_question(BOB, "is artrose slijtage", answer("worn-out-joint"),
                                now=NOW + dt.timedelta(minutes=1))
    assert not await store.record_rejection(BOB, "mag ik zwemmen")
    await store.record_question(BOB, "fietsen", kind("suggest"), now=NOW + dt.timedelta(minutes=2))
    assert not await store.record_rejection(BOB, "mag ik zwemmen")
    bob = await store.describe(BOB)
    assert bob is not None and [e.kind for e in bob.events] == ["suggest", "answer", "suggest"]
    assert not await store.record_rejection(123, "nooit gevraagd")


async def test_comment_needs_a_thumbs_down(store: Storage) -> None:
    await store.record_question(ALICE, "q", answer("injections"), now=NOW)
    assert not await store.record_comment(ALICE, "injections", "nothing rated yet")
    await store.record_feedback(ALICE, "injections", True, now=NOW)
    assert not await store.record_comment(ALICE, "injections", "it was fine")
    assert not await store.record_comment(ALICE, "injections", "   ")
    data = await store.describe(ALICE)
    assert data is not None and all(f.comment is None for f in data.feedback)


async def test_feedback_without_a_matching_answer_is_kept_unlinked(store: Storage) -> None:
    # E.g. an entry opened from the topic list: nothing was asked, so no text to keep.
    assert await store.record_feedback(ALICE, "medication", False, question="never asked",
                                       now=NOW)
    data = await store.describe(ALICE)
    assert data is not None and data.events == ()
    assert [(f.entry_id, f.helpful) for f in data.feedback] == [("medication", False)]


# ----- text retention ----------------------------------------------------------------------


def test_which_texts_are_kept() -> None:
    assert question_to_keep("fallback", "hoe bak ik\npannenkoeken") == "hoe bak ik pannenkoeken"
    assert question_to_keep("suggest", "zwemmen?") == "zwemmen?"
    for never in ("answer", "red_flag", "smalltalk"):
        assert question_to_keep(never, "text") is None
    assert question_after_thumbs_down("answer", "why?") == "why?"
    assert question_after_thumbs_down("red_flag", "my knee is hot and I have a fever") is None
    assert question_to_keep("fallback", "x" * 5000) is not None
    assert len(question_to_keep("fallback", "x" * 5000) or "") <= 1000


async def test_red_flag_text_is_never_stored(store: Storage) -> None:
    danger = "ik heb koorts en mijn knie is heet"
    await store.record_question(ALICE, danger, kind("red_flag"), now=NOW)
    await store.record_question(ALICE, "hoe bak ik pannenkoeken", kind("fallback"), now=NOW)
    await store.record_question(ALICE, "zwemmen", kind("suggest"), now=NOW)
    await store.record_question(ALICE, "dank je", kind("smalltalk"), now=NOW)
    await store.record_question(ALICE, "is mijn knie versleten", answer("worn-out-joint"),
                                now=NOW)
    data = await store.describe(ALICE)
    assert data is not None
    assert [(e.kind, e.question) for e in data.events] == [
        ("red_flag", None), ("fallback", "hoe bak ik pannenkoeken"), ("suggest", "zwemmen"),
        ("smalltalk", None), ("answer", None)]


async def test_purge_expired_deletes_old_texts_only(store: Storage) -> None:
    old, recent = NOW - dt.timedelta(days=91), NOW - dt.timedelta(days=89)
    await store.record_question(ALICE, "old question", kind("fallback"), now=old)
    await store.record_question(ALICE, "recent question", kind("suggest"), now=recent)
    await store.record_question(BOB, "old answer", answer("injections"), now=old)
    await store.record_feedback(BOB, "injections", False, question="old answer", now=old)
    await store.record_comment(BOB, "injections", "old comment")

    assert await store.purge_expired(NOW) == 3  # two texts and a comment
    alice, bob = await store.describe(ALICE), await store.describe(BOB)
    assert alice is not None and bob is not None
    assert [e.question for e in alice.events] == [None, "recent question"]
    assert [e.question for e in bob.events] == [None]
    assert [(f.helpful, f.comment) for f in bob.feedback] == [(False, None)]
    stats = await store.stats(days=365, now=NOW)
    assert stats.questions == 3  # counts stay
    assert await store.purge_expired(NOW) == 0
    assert [u.question for u in await store.unanswered()] == ["recent question"]


# ----- forget ------------------------------------------------------------------------------


async def test_forget_removes_everything_of_that_user_only(store: Storage) -> None:
    for user in (ALICE, BOB):
        await store.record_visit(user, language="nl", clinic="demo-kine", now=NOW)
        await store.record_question(user, "q", answer("injections"), now=NOW)
        await store.record_question(user, "onbekend", kind("fallback"), now=NOW)
        await store.record_feedback(user, "injections", False, question="q", now=NOW)
        await store.record_comment(user, "injections", "more please")

    assert await store.forget(ALICE) == 1 + 2 + 1
    assert await store.describe(ALICE) is None
    assert await store.forget(ALICE) == 0
    bob = await store.describe(BOB)
    assert bob is not None and len(bob.events) == 2 and len(bob.feedback) == 1
    rows = await store.report_rows()
    assert {e.user for e in rows.events} == {user_key(SECRET, BOB)}
    assert {f.user for f in rows.feedback} == {user_key(SECRET, BOB)}


# ----- the opt-in follow-up ----------------------------------------------------------------


async def test_follow_up_lifecycle_counts_everything_once(store: Storage) -> None:
    statements = ["rest-until-pain-free", "exercise-is-harmful", "worn-out-joint"]
    weeks = dt.timedelta(days=14)
    assert await store.offer_follow_up(ALICE, now=NOW)
    assert not await store.offer_follow_up(ALICE, now=NOW)  # once per person
    assert not await store.record_consent(BOB, True, chat_id=BOB, language="nl",
                                          statements=statements)  # never offered
    assert await store.record_consent(ALICE, True, chat_id=ALICE, language="en",
                                      statements=statements, now=NOW)
    assert not await store.record_consent(ALICE, False, chat_id=None, language="en",
                                          statements=())  # answered already

    def belief(index: int, phase: str = "before", at: dt.datetime = NOW) -> Awaitable[object]:
        return store.record_belief(ALICE, phase, index, answer="myth", correct=True,
                                   language="en", follow_up_after=weeks, now=at)

    assert await belief(1) is None  # out of turn
    assert await belief(0) is not None
    assert await belief(0) is None  # the same statement again
    assert await belief(0, "after") is None  # not sent yet
    assert await belief(1) is not None
    last = await belief(2)
    assert isinstance(last, FollowUp) and last.due == NOW + weeks and last.status == "pending"

    assert await store.claim_follow_ups("a", NOW + weeks - dt.timedelta(seconds=1),
                                        stale_after=weeks) == []
    (claimed,) = await store.claim_follow_ups("a", NOW + weeks, stale_after=weeks)
    assert claimed.chat_id == ALICE and claimed.statements == tuple(statements)
    assert await store.claim_follow_ups("b", NOW + weeks, stale_after=weeks) == []
    assert not await store.settle_follow_up(claimed.key, "b", "sent")
    assert await store.settle_follow_up(claimed.key, "a", "sent")
    data = await store.describe(ALICE)
    assert data is not None and data.follow_up is not None
    assert data.follow_up.status == "sent" and data.follow_up.chat_id is None

    later = NOW + weeks + dt.timedelta(hours=1)
    for index in range(3):
        assert await belief(index, "after", later) is not None
    assert (await store.follow_up(ALICE)).status == "done"  # type: ignore[union-attr]
    rows = await store.report_rows()
    assert [(b.phase, b.entry_id) for b in rows.beliefs] == [
        *(("before", e) for e in statements), *(("after", e) for e in statements)]
    assert await store.forget(ALICE) == 1 + 6 + 1  # the follow-up, six answers, the user
    assert await store.follow_up(ALICE) is None


async def test_concurrent_claims_never_take_a_row_twice(engine: AsyncEngine) -> None:
    """Instances that read the same due rows at once: each row is claimed by one of them."""
    instances = [Storage(engine, SECRET, retention_days=90) for _ in range(2)]
    one = instances[0]
    assert await one.start()
    people = range(1000, 1030)
    for person in people:
        assert await one.offer_follow_up(person, now=NOW)
        assert await one.record_consent(person, True, chat_id=person, language="nl",
                                        statements=["only-old-age"], now=NOW)
        assert await one.record_belief(person, "before", 0, answer="true", correct=False,
                                       language="nl", follow_up_after=dt.timedelta(days=1),
                                       now=NOW)
    due = NOW + dt.timedelta(days=2)
    claims = await asyncio.gather(*(
        storage.claim_follow_ups(f"owner-{n}", due, stale_after=dt.timedelta(hours=1), limit=50)
        for n, storage in enumerate(instances * 3)))
    keys = [row.key for claimed in claims for row in claimed]
    assert sorted(keys) == sorted(user_key(SECRET, person) for person in people)


# ----- admin queries -----------------------------------------------------------------------


async def test_stats_and_unanswered(store: Storage) -> None:
    await store.record_visit(BOB, clinic="demo-kine", now=NOW)
    await store.record_question(ALICE, "a1", answer("injections"), now=NOW)
    await store.record_question(BOB, "a2", answer("injections"), now=NOW)
    await store.record_question(BOB, "a3", answer("medication"), now=NOW)
    await store.record_question(ALICE, "too old", answer("medication"),
                                now=NOW - dt.timedelta(days=8))
    for i in range(25):
        await store.record_question(ALICE, f"unknown {i}", kind("fallback" if i % 2 else
                                                                "suggest"),
                                    now=NOW - dt.timedelta(minutes=25 - i))
    await store.record_question(ALICE, "fever", kind("red_flag"), now=NOW)
    await store.record_feedback(ALICE, "injections", True, now=NOW)
    await store.record_feedback(BOB, "injections", False, now=NOW)
    await store.record_feedback(BOB, "medication", True, now=NOW)

    stats = await store.stats(days=7, now=NOW)
    assert stats.questions == 3 + 25 + 1 and stats.users == 2
    assert stats.kinds == {"answer": 3, "fallback": 12, "suggest": 13, "red_flag": 1}
    assert stats.top_entries == (("injections", 2), ("medication", 1))
    assert (stats.helpful, stats.not_helpful) == (2, 1)

    clinic = await store.stats(days=7, clinic="demo-kine", now=NOW)
    assert clinic.questions == 2 and clinic.users == 1
    assert (clinic.helpful, clinic.not_helpful) == (1, 1)

    latest = await store.unanswered()
    assert len(latest) == 20
    assert [u.question for u in latest[:2]] == ["unknown 24", "unknown 23"]
    assert all(u.kind in ("fallback", "suggest") for u in latest)


# ----- migrations --------------------------------------------------------------------------


async def test_migrate_from_empty_matches_schema(engine: AsyncEngine) -> None:
    assert await migrate(engine) == SCHEMA_VERSION
    assert await migrate(engine) == SCHEMA_VERSION  # idempotent

    def shape(sync_conn: object) -> dict[str, tuple[set[str], set[str]]]:
        found = inspect(sync_conn)
        return {table: ({c["name"] for c in found.get_columns(table)},
                        {str(i["name"]) for i in found.get_indexes(table)})
                for table in found.get_table_names()}

    async with engine.connect() as conn:
        migrated = await conn.run_sync(shape)
    declared = {table.name: ({c.name for c in table.columns},
                             {str(i.name) for i in table.indexes})
                for table in metadata.sorted_tables}
    assert migrated == declared


def sql(statement: str) -> TextClause:
    """A statement of rows as an older program wrote them; `:t` is a moment."""
    return text(statement).bindparams(bindparam("t", type_=DateTime(timezone=True)))


async def upgraded(engine: AsyncEngine) -> Storage:
    """The storage on `engine`, started: its schema brought up to the current version."""
    storage = Storage(engine, SECRET, retention_days=90, clinics=["demo-kine"])
    assert await storage.start()
    async with engine.connect() as conn:
        version = (await conn.execute(text("SELECT version FROM schema_version"))).scalar_one()
    assert version == SCHEMA_VERSION == 8
    return storage


async def test_migrate_from_v1_keeps_data(engine: AsyncEngine) -> None:
    assert await migrate(engine, target=1) == 1
    alice = user_key(SECRET, ALICE)
    at = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)

    # Rows as the v1 program wrote them: no clinic anywhere.
    async with engine.begin() as conn:
        await conn.execute(sql(
            "INSERT INTO users (key, language, first_seen, last_seen) VALUES (:k, 'nl', :t, :t)"),
            {"k": alice, "t": at})
        await conn.execute(sql(
            "INSERT INTO events (user_key, kind, entry_id, score, language, at, question) "
            "VALUES (:k, 'fallback', NULL, 0.1, 'nl', :t, 'mag ik zwemmen')"),
            {"k": alice, "t": at})
        await conn.execute(sql(
            "INSERT INTO events (user_key, kind, entry_id, score, language, at, question) "
            "VALUES (:k, 'answer', 'injections', 0.9, 'nl', :t, NULL)"), {"k": alice, "t": at})
        await conn.execute(sql(
            "INSERT INTO feedback (event_id, user_key, entry_id, helpful, comment, at) "
            "SELECT id, :k, 'injections', :no, 'te kort', :t FROM events WHERE entry_id IS NOT "
            "NULL"), {"k": alice, "t": at, "no": False})

    storage = await upgraded(engine)

    data = await storage.describe(ALICE)
    assert data is not None
    assert data.profile.language == "nl" and data.profile.clinic is None
    assert data.profile.first_seen == at
    assert [(e.kind, e.entry_id, e.question, e.clinic) for e in data.events] == [
        ("fallback", None, "mag ik zwemmen", None), ("answer", "injections", None, None)]
    assert [(f.helpful, f.comment) for f in data.feedback] == [(False, "te kort")]
    # The new column works for old users.
    await storage.record_visit(ALICE, clinic="demo-kine", now=NOW)
    await storage.record_question(ALICE, "nog een", kind("fallback"), now=NOW)
    data = await storage.describe(ALICE)
    assert data is not None and data.profile.clinic == "demo-kine"
    assert data.events[-1].clinic == "demo-kine"


async def test_migrate_from_v2_keeps_data(engine: AsyncEngine) -> None:
    assert await migrate(engine, target=2) == 2
    alice = user_key(SECRET, ALICE)
    at = dt.datetime(2026, 2, 10, 16, 45, tzinfo=dt.UTC)

    # Rows as the v2 program wrote them: clinics, but no table of handled updates.
    async with engine.begin() as conn:
        await conn.execute(sql(
            "INSERT INTO users (key, language, clinic, first_seen, last_seen) "
            "VALUES (:k, 'en', 'demo-kine', :t, :t)"), {"k": alice, "t": at})
        await conn.execute(sql(
            "INSERT INTO events (user_key, kind, entry_id, score, language, clinic, at, question) "
            "VALUES (:k, 'suggest', NULL, 0.3, 'en', 'demo-kine', :t, 'can I swim')"),
            {"k": alice, "t": at})
        await conn.execute(sql(
            "INSERT INTO events (user_key, kind, entry_id, score, language, clinic, at, question) "
            "VALUES (:k, 'answer', 'injections', 0.9, 'en', 'demo-kine', :t, NULL)"),
            {"k": alice, "t": at})
        await conn.execute(sql(
            "INSERT INTO feedback (event_id, user_key, entry_id, helpful, comment, at) "
            "SELECT id, :k, 'injections', :yes, NULL, :t FROM events WHERE entry_id IS NOT "
            "NULL"), {"k": alice, "t": at, "yes": True})

    storage = await upgraded(engine)

    data = await storage.describe(ALICE)
    assert data is not None
    assert (data.profile.language, data.profile.clinic) == ("en", "demo-kine")
    assert data.profile.first_seen == at
    assert [(e.kind, e.entry_id, e.question, e.clinic) for e in data.events] == [
        ("suggest", None, "can I swim", "demo-kine"),
        ("answer", "injections", None, "demo-kine")]
    assert [(f.entry_id, f.helpful) for f in data.feedback] == [("injections", True)]
    stats = await storage.stats(days=30, clinic="demo-kine", now=at)
    assert (stats.questions, stats.users, stats.helpful) == (2, 1, 1)
    # The new table works.
    assert await storage.record_handled([7, 8], now=NOW)
    assert await storage.handled_updates(now=NOW) == frozenset({7, 8})


async def test_newer_schema_is_refused(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE schema_version SET version = 99"))
    with pytest.raises(StorageConfigError, match="newer"):
        await Storage(engine, SECRET, retention_days=90).start()


# ----- pseudonymous keys -------------------------------------------------------------------


def test_user_keys() -> None:
    key = user_key(SECRET, ALICE)
    assert key == user_key(SECRET, ALICE)
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != user_key(SECRET, BOB)
    assert key != user_key(b"another-secret-0123456789", ALICE)
    assert str(ALICE) not in key


async def test_other_secret_sees_nothing(store: Storage) -> None:
    await store.record_question(ALICE, "onbekend", kind("fallback"), now=NOW)
    other = Storage(store.engine, b"another-secret-0123456789", retention_days=90)
    assert await other.describe(ALICE) is None
    assert await other.forget(ALICE) == 0


async def test_no_raw_id_in_the_sqlite_files(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    engine = create_engine(parse_url(f"sqlite+aiosqlite:///{path}"), timeout=2.0)
    storage = Storage(engine, SECRET, retention_days=90, clinics=["demo-kine"])
    await storage.start()
    await storage.record_visit(ALICE, language="nl", clinic="demo-kine", now=NOW)
    await storage.record_question(ALICE, "hoe bak ik pannenkoeken", kind("fallback"), now=NOW)
    await storage.record_question(ALICE, "versleten", answer("worn-out-joint"), now=NOW)
    await storage.record_feedback(ALICE, "worn-out-joint", False, question="versleten",
                                  now=NOW)
    forbidden = [str(ALICE).encode(), str(ALICE).encode("utf-16-le"),
                 struct.pack(">q", ALICE), struct.pack("<q", ALICE), struct.pack(">i", ALICE),
                 struct.pack("<i", ALICE)]

    def leaks() -> list[bytes]:
        files = [p for p in tmp_path.iterdir() if p.name.startswith("bot.sqlite3")]
        assert files
        blob = b"".join(p.read_bytes() for p in files)
        return [f for f in forbidden if f in blob]

    assert any(p.name.endswith("-wal") for p in tmp_path.iterdir())  # WAL mode, still open
    assert leaks() == []
    await storage.close()
    assert leaks() == []
    assert user_key(SECRET, ALICE).encode() in path.read_bytes()


# ----- secrets -----------------------------------------------------------------------------


def test_secret_from_environment(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    assert resolve_secret({SECRET_ENV: "s" * 32}, database) == b"s" * 32
    assert not secret_file_for(database).exists()
    with pytest.raises(SecretError, match="too short"):
        resolve_secret({SECRET_ENV: "short"}, database)
    with pytest.raises(SecretError, match="must be set"):
        resolve_secret({}, None)


def test_generated_secret_is_kept_private_and_reused(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    database = tmp_path / "data" / "db.sqlite3"
    with caplog.at_level(logging.WARNING):
        first = resolve_secret({}, database)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and SECRET_ENV in warnings[0].getMessage()
        path = secret_file_for(database)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert resolve_secret({}, database) == first  # the next start reads the same one
    assert len(first) >= 32
    assert first.decode() not in caplog.text


async def test_open_storage_with_the_default_url(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's relative SQLite path is taken from the config file's folder."""
    example = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert "url: sqlite+aiosqlite:///data/mythbot.sqlite3\n" in example
    (tmp_path / "config.yaml").write_text(example, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(tmp_path / "config.yaml")
    async with await open_storage(config, {}) as storage:
        assert await storage.record_visit(ALICE, clinic="demo-kine", now=NOW)
        async with storage.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
    assert mode == "wal"
    assert (tmp_path / "data" / "mythbot.sqlite3").is_file()
    assert (tmp_path / "data" / "mythbot.sqlite3.secret").is_file()


def test_bad_urls_are_explained() -> None:
    with pytest.raises(StorageConfigError, match="sqlite\\+aiosqlite"):
        parse_url("mysql://user:hunter2@db/bot")
    with pytest.raises(StorageConfigError, match="not a database URL") as info:
        parse_url("nonsense")
    assert "hunter2" not in str(info.value)


# ----- outages: replies never wait or fail -------------------------------------------------


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("bot.storage")
            and r.levelno >= logging.ERROR]


async def test_locked_database_logs_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = Storage(create_engine(parse_url(f"sqlite+aiosqlite:///{path}"), timeout=0.2),
                      SECRET, retention_days=90)
    assert await storage.start()
    blocker = sqlite3.connect(path, isolation_level=None)
    secret_question = "hoe bak ik pannenkoeken"
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        with caplog.at_level(logging.INFO, logger="bot.storage"):
            for _ in range(3):
                assert not await storage.record_question(ALICE, secret_question,
                                                         kind("fallback"), now=NOW)
            assert not await storage.record_visit(ALICE, now=NOW)
            assert await storage.purge_expired(NOW) is None
            assert len(errors(caplog)) == 1
            assert "locked" in errors(caplog)[0].getMessage()
            with pytest.raises(StorageError, match="locked"):
                await storage.forget(ALICE)
            assert len(errors(caplog)) == 1

            blocker.execute("COMMIT")
            assert await storage.record_question(ALICE, secret_question, kind("fallback"),
                                                 now=NOW)
            assert "works again" in caplog.text

            blocker.execute("BEGIN EXCLUSIVE")
            assert not await storage.record_visit(ALICE, now=NOW)
            assert len(errors(caplog)) == 2
    finally:
        blocker.close()
        await storage.close()
    assert secret_question not in caplog.text
    assert user_key(SECRET, ALICE) not in caplog.text


async def test_read_only_database(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "bot.sqlite3"
    writer = Storage(create_engine(parse_url(f"sqlite+aiosqlite:///{path}"), timeout=0.2),
                     SECRET, retention_days=90)
    assert await writer.start()
    await writer.record_question(ALICE, "onbekend", kind("fallback"), now=NOW)
    await writer.close()

    url = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    reader = Storage(create_engine(parse_url(url), timeout=0.2), SECRET, retention_days=90)
    try:
        with caplog.at_level(logging.INFO, logger="bot.storage"):
            assert await reader.start()
            assert not await reader.record_question(ALICE, "q", answer("injections"), now=NOW)
            assert not await reader.record_feedback(ALICE, "injections", True, now=NOW)
            assert await reader.purge_expired(NOW + dt.timedelta(days=365)) is None
            assert len(errors(caplog)) == 1
            assert "readonly" in errors(caplog)[0].getMessage()
            data = await reader.describe(ALICE)  # reading still works
            assert data is not None and len(data.events) == 1
            # A read that works does not end the outage of writes: no second error line.
            assert not await reader.record_question(BOB, "q", answer("injections"), now=NOW)
            assert len(errors(caplog)) == 1
            assert "works again" not in caplog.text
    finally:
        await reader.close()


async def test_unreachable_server_does_not_break_start_or_writes(
        config: Config, caplog: pytest.LogCaptureFixture) -> None:
    url = "postgresql+asyncpg://mythbot:hunter2@127.0.0.1:9/mythbot"  # nothing listens there
    broken = config.model_copy(update={"storage": config.storage.model_copy(
        update={"url": url})})
    with caplog.at_level(logging.INFO, logger="bot.storage"):
        storage = await open_storage(broken, {SECRET_ENV: "s" * 32}, timeout=0.5)
        try:
            assert not await storage.record_visit(ALICE, now=NOW)
            assert not await storage.record_question(ALICE, "q", kind("fallback"), now=NOW)
            with pytest.raises(StorageError):
                await storage.stats()
        finally:
            await storage.close()
    assert len(errors(caplog)) == 1
    assert "hunter2" not in caplog.text and "s" * 32 not in caplog.text


async def test_postgres_needs_the_secret_variable(config: Config) -> None:
    url = "postgresql+asyncpg://mythbot@127.0.0.1:9/mythbot"
    broken = config.model_copy(update={"storage": config.storage.model_copy(
        update={"url": url})})
    with pytest.raises(StorageConfigError, match=SECRET_ENV):
        await open_storage(broken, {})


async def test_handled_updates_are_kept_until_confirmed_or_a_day_old(store: Storage) -> None:
    assert await store.handled_updates(now=NOW) == frozenset()
    assert await store.record_handled([101, 103], now=NOW - dt.timedelta(hours=25))
    assert await store.record_handled([104, 105, 106, 105], now=NOW)
    # The day-old marks are gone: Telegram no longer keeps those updates.
    assert await store.handled_updates(now=NOW) == {104, 105, 106}
    assert await store.record_handled([107], confirmed_below=106, now=NOW)
    assert await store.handled_updates(now=NOW) == {106, 107}
    assert await store.record_handled((), confirmed_below=200, now=NOW)
    assert await store.handled_updates(now=NOW) == frozenset()


async def test_sqlite_writes_queued_together_share_a_transaction_not_a_failure(
        tmp_path: Path) -> None:
    engine = create_engine(parse_url(f"sqlite+aiosqlite:///{tmp_path / 'q.sqlite3'}"), 2.0)
    queue = WriteQueue(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
    insert = (text("INSERT INTO t (n) VALUES (:n)"),)

    async def duplicate(conn: AsyncConnection) -> bool:
        await conn.execute(text("INSERT INTO t (n) VALUES (1)"))  # also inserted as a row
        return True

    try:
        writes = [queue.run(Rows(insert, {"n": n})) for n in range(1, 50)]
        results = await asyncio.gather(*writes, queue.run(duplicate), return_exceptions=True)
        assert results[:-1] == [True] * 49  # one failing write does not undo the others
        assert isinstance(results[-1], IntegrityError)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 49
    finally:
        await queue.drain()
        await engine.dispose()


async def test_naive_times_are_refused(store: Storage) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.record_visit(ALICE, now=dt.datetime(2026, 1, 1))



async def test_a_question_does_not_choose_the_users_language(store: Storage) -> None:
    # After a restart the bot treats the stored language as a /language choice: a first
    # question in English must not pin a person to English for good.
    assert await store.record_question(ALICE, "is my knee worn out",
                                       answer("worn-out-joint", "en"), now=NOW)
    data = await store.describe(ALICE)
    assert data is not None
    assert data.profile.language is None
    assert [e.language for e in data.events] == ["en"]


async def test_pending_updates_are_kept_until_handled(store: Storage) -> None:
    """Updates kept while their reply cannot be sent: the reply is added when known, and
    `record_handled` deletes them in the same write that marks them answered."""
    assert await store.pending() == []
    assert await store.record_pending({12: '{"update_id": 12}', 11: '{"update_id": 11}'},
                                      now=NOW)
    assert await store.record_pending({11: '{"again": true}'}, now=NOW)  # kept once
    assert await store.record_pending({}, replies={12: '{"parts": []}', 99: "{}"})
    kept = await store.pending()
    assert kept is not None
    assert [(p.update_id, p.payload, p.reply) for p in kept] == [
        (11, '{"update_id": 11}', None), (12, '{"update_id": 12}', '{"parts": []}')]
    assert kept[0].received_at == NOW
    assert await store.record_handled([11], now=NOW)
    assert [p.update_id for p in await store.pending() or []] == [12]
    assert await store.handled_updates(now=NOW) == {11}
    assert await store.record_handled([12], now=NOW)
    assert await store.pending() == []  # and no row for 99, which was never pending


async def test_a_question_is_recorded_once_per_update(store: Storage) -> None:
    """Handled twice (a restart after a crash), one update is one question in the counts."""
    for _ in range(2):
        assert await store.record_question(ALICE, "is my knee worn out",
                                           answer("worn-out-joint"), update_id=501, now=NOW)
    assert await store.record_question(ALICE, "is my knee worn out", answer("worn-out-joint"),
                                       update_id=502, now=NOW)
    for _ in range(2):  # questions that came with no update are all kept
        assert await store.record_question(ALICE, "typed in the terminal",
                                           answer("worn-out-joint"), now=NOW)
    assert (await store.stats(now=NOW + dt.timedelta(minutes=1))).questions == 4
