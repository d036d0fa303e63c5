"""What several bot instances behind a load balancer share, in the one database.

`SharedStore` keeps, under the same pseudonymous user keys as `Storage`:
- conversation states (opaque JSON text; `bot.webhook.states` knows what is in it),
- per-user rate-limit windows, counted in one statement so that two instances cannot both
  let the same message through,
- claims on Telegram update ids (`claim`): the id is inserted in a transaction that also
  holds a per-user lock, and committed only after the update was handled. A redelivered
  update therefore waits for the first delivery and is then skipped, on any instance; an
  instance killed half-way rolls back, so Telegram's redelivery handles the update again
  (nothing lost, at worst one reply sent twice). The per-user lock (a PostgreSQL
  transaction-level advisory lock) also keeps one person's updates in order across
  instances.
  The claim is also the update's whole database round: taking it reads the person's state
  and rate-limit window (`Turn`), and what the handlers change is written with the claim,
  in the same transaction, as is the reply given inside the webhook's response. Four round
  trips an update (BEGIN with the lock, claim and read, write, COMMIT), on asyncpg directly:
  the path every update takes, where SQLAlchemy's per-statement work cost more than the
  database.
- the knowledge-base version: one row per successful /reload, which all instances follow.

It has its own connection pools, apart from `Storage`'s (which the handlers use meanwhile), so
that claims held while updates are handled can never starve it: asyncpg's, one connection per
update in hand, and SQLAlchemy's for the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import Config
from bot.storage.engine import StorageConfigError, Target, insert_for, parse_url
from bot.storage.identity import SecretError, resolve_secret, user_key
from bot.storage.migrations import MigrationError, migrate
from bot.storage.schema import (
    conversation_states,
    handled_updates,
    knowledge_reloads,
    rate_windows,
)

log = logging.getLogger(__name__)

STATE_LIFETIME = dt.timedelta(hours=24)  # a conversation idle this long starts afresh
UPDATE_LIFETIME = dt.timedelta(hours=24)  # Telegram gives up redelivering within a day
MIGRATION_LOCK = (0x6D79, 1)  # ("my", 1): instances starting together migrate one by one
CONNECT_TIMEOUT = 2.0  # seconds: an unreachable database must fail a request fast
# A claim may wait this long for the same person's earlier update on another instance.
STATEMENT_TIMEOUT = 30.0


class SharedStore:
    def __init__(self, engine: AsyncEngine, secret: bytes, *, claims: int = 1) -> None:
        self.engine = engine
        self._secret = secret
        self._postgres = engine.dialect.name == "postgresql"
        self._insert = insert_for(engine.dialect.name)
        self._claims = claims
        self._pool: Any = None  # asyncpg's pool for the claims (PostgreSQL), from `prepare`

    @property
    def is_postgres(self) -> bool:
        return self._postgres

    async def prepare(self) -> None:
        """Bring the schema up to date; on PostgreSQL one instance at a time.

        Raises StorageConfigError for a schema newer than this program, and the driver's
        error when the database cannot be reached (the caller says so in one line).
        """
        try:
            if not self._postgres:
                await migrate(self.engine)
                return
            if self._pool is None:
                self._pool = await _claim_pool(self.engine, self._claims)
            async with self.engine.connect() as conn:
                lock = text("SELECT pg_advisory_lock(:a, :b)")
                await conn.execute(lock, {"a": MIGRATION_LOCK[0], "b": MIGRATION_LOCK[1]})
                await conn.commit()
                try:
                    await migrate(self.engine)
                finally:
                    await conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"),
                                       {"a": MIGRATION_LOCK[0], "b": MIGRATION_LOCK[1]})
                    await conn.commit()
        except MigrationError as exc:
            raise StorageConfigError(str(exc)) from None

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        await self.engine.dispose()

    async def ping(self) -> bool:
        """Whether the database answers now (for /healthz)."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not reachable" to a health check
            log.debug("database ping failed (%s)", exc.__class__.__name__)
            return False
        return True

    def key(self, telegram_id: int) -> str:
        return user_key(self._secret, telegram_id)

    # ----- conversation states ------------------------------------------------------------

    async def load_state(self, telegram_id: int) -> str | None:
        async with self.engine.connect() as conn:
            found = await conn.execute(select(conversation_states.c.state).where(
                conversation_states.c.user_key == self.key(telegram_id)))
            return found.scalar_one_or_none()

    async def save_state(self, telegram_id: int, state: str) -> None:
        now = dt.datetime.now(dt.UTC)
        statement = self._insert(conversation_states).values(
            user_key=self.key(telegram_id), state=state, updated_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[conversation_states.c.user_key],
            set_={"state": statement.excluded.state, "updated_at": now})
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def drop_state(self, telegram_id: int) -> None:
        key = self.key(telegram_id)
        async with self.engine.begin() as conn:
            await conn.execute(delete(conversation_states).where(
                conversation_states.c.user_key == key))
            await conn.execute(delete(rate_windows).where(rate_windows.c.user_key == key))

    # ----- rate limit ---------------------------------------------------------------------

    async def count_message(self, telegram_id: int, per_seconds: float) -> int:
        """Count one message in the user's window and return how many it now holds; a
        window older than `per_seconds` starts again at 1."""
        now = dt.datetime.now(dt.UTC)
        expired = now - dt.timedelta(seconds=per_seconds)
        table = rate_windows
        insert_row = self._insert(table).values(
            user_key=self.key(telegram_id), started_at=now, count=1)
        fresh = table.c.started_at <= expired
        statement = insert_row.on_conflict_do_update(
            index_elements=[table.c.user_key],
            set_={"started_at": case((fresh, now), else_=table.c.started_at),
                  "count": case((fresh, 1), else_=table.c.count + 1)},
        ).returning(table.c.count)
        async with self.engine.begin() as conn:
            return int((await conn.execute(statement)).scalar_one())

    # ----- claims on update ids -----------------------------------------------------------

    @asynccontextmanager
    async def claim(self, update_id: int, user_id: int | None) -> AsyncIterator[Turn]:
        """Hold the update's claim until the block ends (see the module): the `Turn` says
        whether this instance is to handle it now (`fresh`) or it was handled already (with
        the reply kept then, if any), and carries the person's state and rate-limit window.
        Its changes are written, and the claim committed, when the block ends.

        An exception inside the block rolls it all back: the update is not handled.
        """
        if self._pool is None:
            raise StorageConfigError("claims across instances need PostgreSQL")
        now = dt.datetime.now(dt.UTC)
        key = self.key(user_id) if user_id is not None else None
        async with self._pool.acquire(timeout=STATEMENT_TIMEOUT) as conn:
            # One round trip for both; the id is a number, so it can go in the text.
            await conn.execute("BEGIN" if user_id is None else
                               f"BEGIN; SELECT pg_advisory_xact_lock({int(user_id)})")
            try:
                row = await conn.fetchrow(_CLAIM, update_id, now, key)
                window = (row["started_at"], row["count"]) if row["count"] is not None else None
                turn = Turn(row["fresh"], row["state"], window,
                            None if row["fresh"] else row["reply"])
                try:
                    yield turn
                finally:
                    turn.closed = True
                if turn.fresh and (turn.changed or turn.reply is not None):
                    if turn.dropped:
                        await conn.execute(_DROP, key)
                    window, asked = turn.saved_window, turn.question
                    await conn.execute(
                        _FINISH, update_id, key, turn.saved_state,
                        window[0] if window else None, window[1] if window else None,
                        turn.reply, dt.datetime.now(dt.UTC),
                        *((asked.key, asked.at, asked.kind, asked.entry_id, asked.score,
                           asked.language, asked.question, asked.update_id) if asked
                          else (None,) * 8))
                await conn.execute("COMMIT")
            except BaseException:
                # A connection that broke is closed by the pool instead.
                with contextlib.suppress(Exception):
                    if not conn.is_closed():
                        await conn.execute("ROLLBACK")
                raise

    # ----- knowledge base version ---------------------------------------------------------

    async def knowledge_version(self) -> int:
        async with self.engine.connect() as conn:
            found = await conn.execute(select(func.max(knowledge_reloads.c.version)))
            return int(found.scalar_one_or_none() or 0)

    async def knowledge_reloaded(self) -> int:
        """Record a successful /reload; the new version, which the other instances follow."""
        async with self.engine.begin() as conn:
            found = await conn.execute(insert(knowledge_reloads)
                                       .values(at=dt.datetime.now(dt.UTC))
                                       .returning(knowledge_reloads.c.version))
            return int(found.scalar_one())

    # ----- housekeeping -------------------------------------------------------------------

    async def purge(self, now: dt.datetime | None = None) -> None:
        """Forget idle conversations, old rate windows and claims Telegram no longer needs."""
        now = now or dt.datetime.now(dt.UTC)
        async with self.engine.begin() as conn:
            await conn.execute(delete(conversation_states).where(
                conversation_states.c.updated_at < now - STATE_LIFETIME))
            await conn.execute(delete(rate_windows).where(
                rate_windows.c.started_at < now - STATE_LIFETIME))
            await conn.execute(delete(handled_updates).where(
                handled_updates.c.at < now - UPDATE_LIFETIME))


@dataclass
class Turn:
    """One update's claim while it is handled: what was read with it, and the changes to
    write with it. `state` is the person's state as stored (JSON text, None: none); `window`
    their rate-limit window (start, messages counted), None: none.

    For an update handled before (`fresh` False), `reply` is the reply kept with its claim;
    for a fresh one, the handler sets it to the reply given inside the webhook's response.
    """

    fresh: bool
    state: str | None
    window: tuple[dt.datetime, int] | None
    reply: str | None = None
    saved_state: str | None = None
    saved_window: tuple[dt.datetime, int] | None = None
    dropped: bool = False
    question: Question | None = None  # recorded by `Storage.record_question`, see below
    closed: bool = False  # the claim is being written: too late to add to it

    @property
    def changed(self) -> bool:
        return (self.dropped or self.saved_state is not None or self.saved_window is not None
                or self.question is not None)

    def add_question(self, question: Question) -> bool:
        """Record the update's question with its claim; False if it cannot be (then it is
        written as usual)."""
        if not self.fresh or self.closed or self.question is not None:
            return False
        self.question = question
        return True

    def put_state(self, state: str) -> None:
        self.state = self.saved_state = state

    def drop(self) -> None:
        """Forget the person's state and window (/forget), as `SharedStore.drop_state`."""
        self.dropped = True
        self.state = self.saved_state = None
        self.window = self.saved_window = None

    def count_message(self, per_seconds: float, now: dt.datetime | None = None) -> int:
        """As `SharedStore.count_message`, counted in the window read with the claim (the
        claim's lock keeps other instances off it meanwhile)."""
        now = now or dt.datetime.now(dt.UTC)
        started, count = self.window or (now, 0)
        if started <= now - dt.timedelta(seconds=per_seconds):
            started, count = now, 0
        self.window = self.saved_window = (started, count + 1)
        return count + 1


@dataclass(frozen=True)
class Question:
    """A row of `Storage.record_question`: the user (their key) seen at `at`, the event."""

    key: str
    at: dt.datetime
    kind: str
    entry_id: str | None
    score: float
    language: str
    question: str | None
    update_id: int | None


# The update being handled in this task and the tasks it starts (its storage writes): whose
# it is and its turn, which `DatabaseStates`, `SharedRateLimit` and `Storage.record_question`
# use instead of a round trip of their own.
_HELD: ContextVar[tuple[int, Turn] | None] = ContextVar("mythbot_held_turn", default=None)


@contextmanager
def holding(user_id: int, turn: Turn) -> Iterator[None]:
    """While an update of `user_id` is handled under `turn` (see `held`)."""
    token = _HELD.set((user_id, turn))
    try:
        yield
    finally:
        _HELD.reset(token)


def held(user_id: int) -> Turn | None:
    """The turn of the update of `user_id` being handled, while its claim can still take
    changes; None outside one (e.g. a /reload reply sent later): then they go as usual."""
    found = _HELD.get()
    if found is None or found[0] != user_id or found[1].closed or not found[1].fresh:
        return None
    return found[1]


def take_question(telegram_id: int, question: Question) -> bool:
    """True if the question was handed to the claim of the update being handled."""
    turn = held(telegram_id)
    return turn is not None and turn.add_question(question)


# The claim and what is read with it, in one statement. The lock was taken in a statement
# of its own before: a statement reads what was committed when it began, so these reads
# see the person's previous update even when it ended on another instance just now.
_CLAIM = """
WITH claimed AS (
    INSERT INTO handled_updates (update_id, at) VALUES ($1, $2)
    ON CONFLICT DO NOTHING RETURNING update_id)
SELECT EXISTS (SELECT 1 FROM claimed) AS fresh,
       (SELECT reply FROM handled_updates WHERE update_id = $1) AS reply,
       (SELECT state FROM conversation_states WHERE user_key = $3) AS state,
       w.started_at, w.count
FROM (SELECT 1) AS one
LEFT JOIN rate_windows AS w ON w.user_key = $3
"""

# What the handlers changed, with the claim. A NULL leaves that part as it is. The question
# is `Storage.record_question`'s two statements in one (the user's clinic as it was before
# this statement, which only touches their last_seen).
_FINISH = """
WITH saved AS (
    INSERT INTO conversation_states (user_key, state, updated_at)
    SELECT $2::varchar, $3::text, $7::timestamptz WHERE $3::text IS NOT NULL
    ON CONFLICT (user_key) DO UPDATE SET state = EXCLUDED.state,
                                         updated_at = EXCLUDED.updated_at),
counted AS (
    INSERT INTO rate_windows (user_key, started_at, count)
    SELECT $2::varchar, $4::timestamptz, $5::integer WHERE $5::integer IS NOT NULL
    ON CONFLICT (user_key) DO UPDATE SET started_at = EXCLUDED.started_at,
                                         count = EXCLUDED.count),
seen AS (
    INSERT INTO users (key, first_seen, last_seen)
    SELECT $8::varchar, $9::timestamptz, $9::timestamptz WHERE $10::varchar IS NOT NULL
    ON CONFLICT (key) DO UPDATE SET last_seen = EXCLUDED.last_seen),
asked AS (
    INSERT INTO events (user_key, kind, entry_id, score, language, at, question, clinic,
                        update_id)
    SELECT $8::varchar, $10::varchar, $11::varchar, $12::float8, $13::varchar,
           $9::timestamptz, $14::text, (SELECT clinic FROM users WHERE key = $8::varchar),
           $15::bigint
    WHERE $10::varchar IS NOT NULL
    ON CONFLICT DO NOTHING)
UPDATE handled_updates SET reply = $6 WHERE update_id = $1 AND $6::text IS NOT NULL
"""

_DROP = """
WITH states AS (DELETE FROM conversation_states WHERE user_key = $1)
DELETE FROM rate_windows WHERE user_key = $1
"""


def open_shared(config: Config, environ: Mapping[str, str], *, connections: int,
                claims: int) -> SharedStore:
    """The shared store of `config.storage`, with a pool of `connections` and, on
    PostgreSQL, one of `claims` for the updates being handled; nothing is connected yet (call
    `prepare`). Raises StorageConfigError like `open_storage`."""
    target = parse_url(config.storage.url)
    try:
        secret = resolve_secret(environ, target.sqlite_file)
    except SecretError as exc:
        raise StorageConfigError(str(exc)) from None
    return SharedStore(_engine(target, connections), secret, claims=claims)


async def _claim_pool(engine: AsyncEngine, size: int) -> Any:
    """asyncpg's own pool on the engine's database, with the same settings (see `_engine`).
    No reset query when a connection goes back: a claim ends its transaction itself, and
    the pool rolls back whatever is left open."""
    import asyncpg

    async def keep(connection: Any) -> None:
        return None

    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return await asyncpg.create_pool(
        dsn, min_size=0, max_size=size, timeout=CONNECT_TIMEOUT,
        command_timeout=STATEMENT_TIMEOUT, max_inactive_connection_lifetime=600,
        server_settings={"synchronous_commit": "off"}, reset=keep)


def _engine(target: Target, connections: int) -> AsyncEngine:
    if target.is_sqlite:
        if target.sqlite_file is not None:
            target.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        return create_async_engine(target.url, connect_args={"timeout": CONNECT_TIMEOUT},
                                   hide_parameters=True)
    # Commits here do not wait for the disk (synchronous_commit off): each would otherwise
    # cost a flush of its own, several per update. Only a crash of PostgreSQL itself can
    # lose the last fraction of a second of them, which means at worst a conversation state
    # a step behind or a redelivered update answered a second time: never a lost update.
    return create_async_engine(
        target.url,
        connect_args={"timeout": CONNECT_TIMEOUT, "command_timeout": STATEMENT_TIMEOUT,
                      "server_settings": {"synchronous_commit": "off"}},
        # No ping before each use (a round trip each time, many per update): a connection
        # that died with a restarted server fails one update, which Telegram sends again.
        pool_size=connections, max_overflow=0, pool_timeout=STATEMENT_TIMEOUT,
        pool_recycle=600, hide_parameters=True)
