"""`Storage`: every read and write of the bot's data, behind one async object.

Two families of methods, so callers know what to expect:
- `record_*`, `purge_expired` and `profile` never raise. When the database is locked,
  read-only or down they give up after about `timeout` seconds, log the outage once (until it
  is over) and return False/None: a reply must never wait on, or fail because of, statistics.
- `forget`, `describe`, `stats`, `unanswered` and `report_rows` raise `StorageError` (one line,
  fit to log), because their caller has to tell a person that it did not work.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

from bot.config import Config
from bot.matching import Decision
from bot.storage import followups as followup_sql
from bot.storage.engine import StorageConfigError, create_engine, insert_for, parse_url
from bot.storage.health import Access, Health, describe_error
from bot.storage.identity import SecretError, resolve_secret, user_key
from bot.storage.migrations import MigrationError, migrate
from bot.storage.privacy import (
    MAX_COMMENT,
    TEXT_KINDS,
    expiry_cutoff,
    one_line,
    question_after_thumbs_down,
    question_to_keep,
)
from bot.storage.records import (
    BeliefAnswer,
    EventRow,
    FeedbackRow,
    FollowUp,
    PendingUpdate,
    Profile,
    ReportRows,
    Stats,
    StoredEvent,
    StoredFeedback,
    Unanswered,
    UserData,
)
from bot.storage.schema import (
    events,
    feedback,
    handled_updates,
    pending_updates,
    quiz_answers,
    users,
)
from bot.storage.shared import Question, take_question
from bot.storage.writer import Rows, WriteQueue

DEFAULT_TIMEOUT = 2.0
UNANSWERED_LIMIT = 20
UPDATE_LIFETIME = dt.timedelta(hours=24)  # Telegram drops updates not fetched within a day

T = TypeVar("T")
Work = Callable[[AsyncConnection], Awaitable[T]]

log = logging.getLogger(__name__)


class StorageError(Exception):
    """A read or deletion did not happen (database locked, read-only or down); try later."""


class Storage:
    """The bot's data: pseudonymous users, their questions and feedback.

    Build it with `open_storage`; tests may build it directly on any `AsyncEngine`.
    """

    def __init__(self, engine: AsyncEngine, secret: bytes | None, *, retention_days: int,
                 clinics: Collection[str] = (), timeout: float = DEFAULT_TIMEOUT) -> None:
        self.engine = engine
        # The SQLite file, if that is the database (others keep nothing of theirs on disk).
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self.local_file = (Path(database) if database and database != ":memory:"
                           and "mode=memory" not in str(engine.url) else None)
        self.retention_days = retention_days
        self._secret = secret
        self._clinics = frozenset(clinics)
        self._timeout = timeout
        self._health = Health(log)
        self._schema_ready = False
        self._schema_lock = asyncio.Lock()
        # SQLite writes one transaction at a time: its writes take turns, many per transaction.
        self._writes = WriteQueue(engine) if engine.dialect.name == "sqlite" else None
        self._question_statements = _question_statements(engine.dialect.name)

    # ----- life cycle ------------------------------------------------------------------------

    async def start(self) -> bool:
        """Bring the schema up to date; False (logged once) if the database is unavailable,
        in which case every later call tries again. A newer schema raises StorageConfigError."""
        try:
            await self._guarded(self._ensure_schema)
        except MigrationError as exc:
            raise StorageConfigError(str(exc)) from None
        except Exception as exc:  # any failure here means "database unavailable"
            self._health.failed("write", "checking the schema", exc)  # it may migrate
            return False
        self._health.succeeded("write")
        return True

    async def close(self) -> None:
        if self._writes is not None:
            await self._writes.drain()
        await self.engine.dispose()

    async def __aenter__(self) -> Storage:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # ----- writes that never raise -----------------------------------------------------------

    async def record_visit(self, telegram_id: int, *, language: str | None = None,
                           clinic: str | None = None, now: dt.datetime | None = None) -> bool:
        """The user opened or restarted the bot (/start, maybe with a clinic deep link) or
        changed language. A clinic slug not in the configuration is ignored; None keeps the
        stored value."""
        key = self._key(telegram_id)
        at = _now(now)
        known_clinic = clinic if clinic in self._clinics else None

        async def work(conn: AsyncConnection) -> bool:
            await conn.execute(self._upsert_user(key, at, language, known_clinic,
                                                 update_language=language is not None))
            return True

        return await self._write("saving a visit", work) or False

    async def record_question(self, telegram_id: int, question: str, decision: Decision, *,
                              update_id: int | None = None,
                              now: dt.datetime | None = None) -> bool:
        """One question and how it was answered. Its text is kept only for fallback and
        suggest decisions (never for red flags); the clinic is the user's current one. With
        `update_id` (the Telegram update it came in), a second record of the same update, as
        after a crash or a redelivery, is left out."""
        key = self._key(telegram_id)
        at = _now(now)
        kept = question_to_keep(decision.kind, question)
        # Behind webhooks, written with the claim on the update being handled, if any.
        if take_question(telegram_id, Question(key, at, decision.kind, decision.entry_id,
                                               float(decision.score), decision.lang, kept,
                                               update_id)):
            return True

        # The most frequent write, so it is `Rows`: under load many go in one executemany.
        work = Rows(self._question_statements, {
            "key": key, "event_language": decision.lang, "at": at, "kind": decision.kind,
            "entry_id": decision.entry_id, "score": float(decision.score),
            "question": kept, "update_id": update_id})
        return await self._write("saving a question", work) or False

    async def record_feedback(self, telegram_id: int, entry_id: str, helpful: bool, *,
                              question: str | None = None,
                              now: dt.datetime | None = None) -> bool:
        """👍 (helpful=True) or 👎 on an answered entry, linked to the user's latest question
        answered with that entry. Pressing again replaces the earlier rating. After 👎 the
        `question` text, if given, is kept with that event (e.g. from the message the answer
        replied to), since editors need to see what the answer failed to address."""
        key = self._key(telegram_id)
        at = _now(now)

        async def work(conn: AsyncConnection) -> bool:
            await conn.execute(self._upsert_user(key, at, None, None, update_language=False))
            event = (await conn.execute(
                select(events.c.id, events.c.kind, events.c.question)
                .where(events.c.user_key == key, events.c.entry_id == entry_id)
                .order_by(events.c.at.desc(), events.c.id.desc()).limit(1))).first()
            event_id = event.id if event is not None else None
            same = and_(feedback.c.user_key == key, feedback.c.entry_id == entry_id,
                        feedback.c.event_id == event_id if event_id is not None
                        else feedback.c.event_id.is_(None))
            changed = await conn.execute(
                update(feedback).where(same).values(helpful=helpful, at=at, comment=None))
            if not changed.rowcount:
                await conn.execute(feedback.insert().values(
                    event_id=event_id, user_key=key, entry_id=entry_id, helpful=helpful, at=at))
            if not helpful and event is not None and event.question is None:
                text = question_after_thumbs_down(event.kind, question)
                if text is not None:
                    await conn.execute(
                        update(events).where(events.c.id == event.id).values(question=text))
            return True

        return await self._write("saving feedback", work) or False

    async def record_rejection(self, telegram_id: int, question: str) -> bool:
        """The user pressed "none of these" under the suggestions for `question`: that
        suggest event, if it is the user's latest, becomes a fallback. For the patient and for
        editors it is a question the bot could not answer, and so it is told apart from a
        suggestion resolved by picking one. False if there was no such event."""
        key = self._key(telegram_id)
        text = question_to_keep("suggest", question)

        async def work(conn: AsyncConnection) -> bool:
            latest = (await conn.execute(
                select(events.c.id, events.c.kind, events.c.question)
                .where(events.c.user_key == key)
                .order_by(events.c.at.desc(), events.c.id.desc()).limit(1))).first()
            if latest is None or latest.kind != "suggest" or latest.question != text:
                return False
            await conn.execute(update(events).where(events.c.id == latest.id)
                               .values(kind="fallback"))
            return True

        return await self._write("saving a rejected suggestion", work) or False

    async def record_comment(self, telegram_id: int, entry_id: str, comment: str) -> bool:
        """The one-line "what was missing?" after 👎 on `entry_id`; False if there was no 👎
        (the comment is then not kept). Newlines are folded and long texts cut."""
        key = self._key(telegram_id)
        text = one_line(comment, MAX_COMMENT)
        if not text:
            return False

        async def work(conn: AsyncConnection) -> bool:
            latest = (await conn.execute(
                select(feedback.c.id)
                .where(feedback.c.user_key == key, feedback.c.entry_id == entry_id,
                       feedback.c.helpful.is_(False))
                .order_by(feedback.c.at.desc(), feedback.c.id.desc()).limit(1))
            ).scalar_one_or_none()
            if latest is None:
                return False
            await conn.execute(update(feedback).where(feedback.c.id == latest)
                               .values(comment=text))
            return True

        return await self._write("saving a comment", work) or False

    async def record_quiz_answer(self, telegram_id: int, entry_id: str, answer: str,
                                 correct: bool | None, *, language: str, phase: str = "quiz",
                                 now: dt.datetime | None = None) -> bool:
        """An answer to a quiz statement (`correct` None for "not sure"), with the user's
        current clinic."""
        key = self._key(telegram_id)
        at = _now(now)

        async def work(conn: AsyncConnection) -> bool:
            await conn.execute(self._upsert_user(key, at, None, None, update_language=False))
            clinic = (await conn.execute(select(users.c.clinic).where(users.c.key == key))
                      ).scalar_one_or_none()
            await conn.execute(quiz_answers.insert().values(
                user_key=key, entry_id=entry_id, answer=answer, correct=correct, phase=phase,
                language=language, clinic=clinic, at=at))
            return True

        return await self._write("saving a quiz answer", work) or False

    async def quiz_seen(self, telegram_id: int) -> frozenset[str] | None:
        """The statements (entry ids) this user has answered in quizzes; None if unavailable."""
        key = self._key(telegram_id)

        async def work(conn: AsyncConnection) -> frozenset[str]:
            rows = await conn.execute(select(quiz_answers.c.entry_id).distinct().where(
                quiz_answers.c.user_key == key, quiz_answers.c.phase == "quiz"))
            return frozenset(rows.scalars())

        return await self._write("reading quiz answers", work, access="read")

    # ----- the opt-in follow-up (see `followups.py`); these never raise either -------------

    async def offer_follow_up(self, telegram_id: int, *, now: dt.datetime | None = None) -> bool:
        """True (and stored) if this person was never offered the follow-up: offer it now."""
        key = self._key(telegram_id)
        at = _now(now)

        async def work(conn: AsyncConnection) -> bool:
            await conn.execute(self._upsert_user(key, at, None, None, update_language=False))
            return await followup_sql.offer(conn, key, at)

        return await self._write("offering the follow-up", work) or False

    async def record_consent(self, telegram_id: int, yes: bool, *, chat_id: int | None,
                             language: str, statements: Collection[str],
                             now: dt.datetime | None = None) -> bool:
        """The answer to the offer; False if already answered, never offered or unavailable.
        The chat id, language and statements are kept only with consent."""
        key = self._key(telegram_id)

        async def work(conn: AsyncConnection) -> bool:
            return await followup_sql.consent(conn, key, yes, chat_id=chat_id,
                                              language=language, statements=list(statements),
                                              at=_now(now))

        return await self._write("saving consent", work) or False

    async def follow_up(self, telegram_id: int) -> FollowUp | None:
        """This person's follow-up row; None if there is none or storage is unavailable."""
        key = self._key(telegram_id)

        async def work(conn: AsyncConnection) -> FollowUp | None:
            return await followup_sql.read(conn, key)

        return await self._write("reading the follow-up", work, access="read")

    async def record_belief(self, telegram_id: int, phase: str, index: int, *, answer: str,
                            correct: bool | None, language: str,
                            follow_up_after: dt.timedelta,
                            now: dt.datetime | None = None) -> FollowUp | None:
        """An answer in the measure (phase "before" or "after"), counted once and only for
        the statement awaited; the follow-up as it is now, or None if nothing changed."""
        key = self._key(telegram_id)

        async def work(conn: AsyncConnection) -> FollowUp | None:
            return await followup_sql.answer(conn, key, phase, index, answer=answer,
                                             correct=correct, language=language,
                                             at=_now(now), follow_up_after=follow_up_after)

        return await self._write("saving a belief", work)

    async def entries_read(self, telegram_id: int) -> frozenset[str] | None:
        """The entries this person was answered with or quizzed on; None if unavailable."""
        key = self._key(telegram_id)

        async def work(conn: AsyncConnection) -> frozenset[str]:
            answered = await conn.execute(select(events.c.entry_id).distinct().where(
                events.c.user_key == key, events.c.entry_id.is_not(None)))
            quizzed = await conn.execute(select(quiz_answers.c.entry_id).distinct().where(
                quiz_answers.c.user_key == key))
            return frozenset(str(e) for e in [*answered.scalars(), *quizzed.scalars()])

        return await self._write("reading entries read", work, access="read")

    async def claim_follow_ups(self, owner: str, now: dt.datetime, *,
                               stale_after: dt.timedelta, limit: int = 20) -> list[FollowUp]:
        """Due follow-ups, now claimed by `owner` and by no other instance; [] if none or
        unavailable."""
        _now(now)

        async def due(conn: AsyncConnection) -> bool:
            return await followup_sql.any_due(conn, now, stale_after)

        async def work(conn: AsyncConnection) -> list[FollowUp]:
            return await followup_sql.claim(conn, owner, now, stale_after, limit)

        if not await self._write("looking for due follow-ups", due, access="read"):
            return []
        return await self._write("claiming follow-ups", work) or []

    async def settle_follow_up(self, key: str, owner: str, status: str) -> bool:
        """End a claim (see `followups.settle`); False if not this owner's or unavailable."""

        async def work(conn: AsyncConnection) -> bool:
            return await followup_sql.settle(conn, key, owner, status)

        return await self._write("saving a follow-up's outcome", work) or False

    async def purge_expired(self, now: dt.datetime | None = None) -> int | None:
        """Delete question texts and comments older than the retention period (the rows and
        their counts stay). Run daily and at start-up. The number of texts deleted, or None
        when the database was unavailable (logged once)."""
        cutoff = expiry_cutoff(_now(now), self.retention_days)

        async def work(conn: AsyncConnection) -> int:
            texts = await conn.execute(
                update(events).where(events.c.question.is_not(None), events.c.at < cutoff)
                .values(question=None))
            comments = await conn.execute(
                update(feedback).where(feedback.c.comment.is_not(None), feedback.c.at < cutoff)
                .values(comment=None))
            return int(texts.rowcount or 0) + int(comments.rowcount or 0)

        return await self._write("deleting old texts", work)

    async def record_handled(self, update_ids: Collection[int], *,
                             confirmed_below: int | None = None,
                             now: dt.datetime | None = None) -> bool:
        """Mark Telegram updates as answered (no longer pending: `record_pending`), and forget
        those Telegram will not send again: below `confirmed_below` (the offset Telegram has
        confirmed) or older than `UPDATE_LIFETIME` (Telegram keeps an unconfirmed update no
        longer)."""
        at = _now(now)
        ids = sorted(set(update_ids))
        rows = [{"update_id": update_id, "at": at} for update_id in ids]

        async def work(conn: AsyncConnection) -> bool:
            if rows:
                await conn.execute(self._insert(handled_updates).on_conflict_do_nothing(), rows)
                await conn.execute(delete(pending_updates)
                                   .where(pending_updates.c.update_id.in_(ids)))
            stale = handled_updates.c.at < at - UPDATE_LIFETIME
            if confirmed_below is not None:
                stale = or_(stale, handled_updates.c.update_id < confirmed_below)
            await conn.execute(delete(handled_updates).where(stale))
            return True

        return await self._write("saving handled updates", work) or False

    async def record_pending(self, updates: Mapping[int, str], *,
                             replies: Mapping[int, str] | None = None,
                             now: dt.datetime | None = None) -> bool:
        """Keep updates received and not answered yet (update id -> the update as JSON, without
        names), so that Telegram may forget them and a restart still answers them; and the
        replies still to send for pending updates (update id -> JSON), so that a restart
        sends them without handling the update again. A reply for an update that is not
        pending is left out."""
        at = _now(now)
        rows = [{"update_id": update_id, "received_at": at, "payload": payload}
                for update_id, payload in sorted(updates.items())]
        texts = [{"id": update_id, "text": reply}
                 for update_id, reply in sorted((replies or {}).items())]

        async def work(conn: AsyncConnection) -> bool:
            if rows:
                await conn.execute(self._insert(pending_updates).on_conflict_do_nothing(), rows)
            if texts:
                await conn.execute(
                    update(pending_updates)
                    .where(pending_updates.c.update_id == bindparam("id"))
                    .values(reply=bindparam("text")), texts)
            return True

        return await self._write("saving updates to answer", work) or False

    async def pending(self) -> list[PendingUpdate] | None:
        """Every update received and not yet answered, oldest first; None if unavailable."""

        async def work(conn: AsyncConnection) -> list[PendingUpdate]:
            found = await conn.execute(select(pending_updates)
                                       .order_by(pending_updates.c.update_id))
            return [PendingUpdate(int(r.update_id), r.received_at, r.payload, r.reply)
                    for r in found]

        return await self._write("reading updates to answer", work, access="read")

    async def handled_updates(self, now: dt.datetime | None = None) -> frozenset[int] | None:
        """The updates marked answered that Telegram may still send (see `record_handled`);
        None if unavailable."""
        since = _now(now) - UPDATE_LIFETIME

        async def work(conn: AsyncConnection) -> frozenset[int]:
            found = await conn.execute(
                select(handled_updates.c.update_id).where(handled_updates.c.at >= since))
            return frozenset(int(update_id) for update_id in found.scalars())

        return await self._write("reading handled updates", work, access="read")

    async def profile(self, telegram_id: int) -> Profile | None:
        """The user's stored language and clinic; None if unknown or unavailable."""
        key = self._key(telegram_id)

        async def work(conn: AsyncConnection) -> Profile | None:
            row = (await conn.execute(select(users).where(users.c.key == key))).first()
            return _profile(row) if row is not None else None

        return await self._write("reading a profile", work, access="read")

    # ----- reads and deletions that raise StorageError ----------------------------------------

    async def forget(self, telegram_id: int) -> int:
        """Delete everything stored about this user; the number of rows deleted (0: nothing
        was stored)."""
        key = self._key(telegram_id)

        async def work(conn: AsyncConnection) -> int:
            count = 0
            # Children first: foreign keys point from feedback to events to users.
            for statement in (followup_sql.forget(key),
                              delete(feedback).where(feedback.c.user_key == key),
                              delete(quiz_answers).where(quiz_answers.c.user_key == key),
                              delete(events).where(events.c.user_key == key),
                              delete(users).where(users.c.key == key)):
                count += int((await conn.execute(statement)).rowcount or 0)
            return count

        deleted = await self._read("deleting a user's data", work, access="write")
        await self._checkpoint()
        return deleted

    async def _checkpoint(self) -> None:
        """SQLite keeps the old pages of deleted rows in its `-wal` file until a checkpoint,
        which happens in its own time; after /forget the texts must be gone from the disk now.
        (secure_delete, set on every connection, zeroes them in the database file.)"""
        if self.engine.dialect.name != "sqlite":
            return
        try:
            async with asyncio.timeout(self._timeout * 3), self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception as exc:  # the deletion itself succeeded
            log.warning("could not checkpoint the database after a deletion (%s)",
                        describe_error(exc))

    async def describe(self, telegram_id: int) -> UserData | None:
        """Everything stored about this user, or None if nothing is."""
        key = self._key(telegram_id)

        async def work(conn: AsyncConnection) -> UserData | None:
            row = (await conn.execute(select(users).where(users.c.key == key))).first()
            if row is None:
                return None
            event_rows = await conn.execute(
                select(events).where(events.c.user_key == key)
                .order_by(events.c.at, events.c.id))
            feedback_rows = await conn.execute(
                select(feedback).where(feedback.c.user_key == key)
                .order_by(feedback.c.at, feedback.c.id))
            follow_up = await followup_sql.read(conn, key)
            return UserData(
                follow_up=follow_up,
                profile=_profile(row),
                events=tuple(StoredEvent(e.at, e.kind, e.entry_id, e.score, e.language,
                                         e.clinic, e.question) for e in event_rows),
                feedback=tuple(StoredFeedback(f.at, f.entry_id, f.helpful, f.comment)
                               for f in feedback_rows))

        return await self._read("reading a user's data", work)

    async def stats(self, days: int = 7, *, top: int = 5, clinic: str | None = None,
                    now: dt.datetime | None = None) -> Stats:
        """Counts of the last `days` days: questions per kind, users, top answered entries,
        👍 and 👎; only those of one clinic when `clinic` is given."""
        since = _now(now) - dt.timedelta(days=days)
        in_scope = [events.c.at >= since]
        if clinic is not None:
            in_scope.append(events.c.clinic == clinic)

        async def work(conn: AsyncConnection) -> Stats:
            kinds = {row.kind: int(row.n) for row in await conn.execute(
                select(events.c.kind, func.count().label("n")).where(*in_scope)
                .group_by(events.c.kind))}
            user_count = (await conn.execute(
                select(func.count(func.distinct(events.c.user_key))).where(*in_scope))
            ).scalar_one()
            n = func.count().label("n")
            top_rows = await conn.execute(
                select(events.c.entry_id, n)
                .where(*in_scope, events.c.kind == "answer", events.c.entry_id.is_not(None))
                .group_by(events.c.entry_id).order_by(n.desc(), events.c.entry_id).limit(top))
            ratings = select(feedback.c.helpful, func.count().label("n")).where(
                feedback.c.at >= since)
            if clinic is not None:
                ratings = ratings.join_from(
                    feedback, events, feedback.c.event_id == events.c.id).where(
                    events.c.clinic == clinic)
            votes = {bool(row.helpful): int(row.n) for row in await conn.execute(
                ratings.group_by(feedback.c.helpful))}
            return Stats(days=days, since=since, questions=sum(kinds.values()),
                         users=int(user_count), kinds=kinds,
                         top_entries=tuple((str(r.entry_id), int(r.n)) for r in top_rows),
                         helpful=votes.get(True, 0), not_helpful=votes.get(False, 0))

        return await self._read("reading statistics", work)

    async def unanswered(self, limit: int = UNANSWERED_LIMIT) -> list[Unanswered]:
        """The latest question texts the bot could not answer (fallback or suggest)."""

        async def work(conn: AsyncConnection) -> list[Unanswered]:
            rows = await conn.execute(
                select(events.c.at, events.c.kind, events.c.language, events.c.clinic,
                       events.c.question)
                .where(events.c.kind.in_(sorted(TEXT_KINDS)), events.c.question.is_not(None))
                .order_by(events.c.at.desc(), events.c.id.desc()).limit(limit))
            return [Unanswered(r.at, r.kind, r.language, r.clinic, r.question) for r in rows]

        return await self._read("reading unanswered questions", work)

    async def report_rows(self, since: dt.datetime | None = None,
                          clinic: str | None = None) -> ReportRows:
        """Every event and rating since `since` (all when None), of one clinic if given."""

        async def work(conn: AsyncConnection) -> ReportRows:
            query = select(events).order_by(events.c.at, events.c.id)
            if since is not None:
                query = query.where(events.c.at >= since)
            if clinic is not None:
                query = query.where(events.c.clinic == clinic)
            event_rows = tuple(
                EventRow(r.user_key, r.at, r.kind, r.entry_id, r.language, r.clinic,
                         r.question) for r in await conn.execute(query))
            rated_clinic = func.coalesce(events.c.clinic, users.c.clinic).label("clinic")
            ratings = (select(feedback, rated_clinic)
                       .join_from(feedback, users, feedback.c.user_key == users.c.key)
                       .outerjoin(events, feedback.c.event_id == events.c.id)
                       .order_by(feedback.c.at, feedback.c.id))
            if since is not None:
                ratings = ratings.where(feedback.c.at >= since)
            if clinic is not None:
                ratings = ratings.where(or_(events.c.clinic == clinic,
                                            and_(events.c.id.is_(None),
                                                 users.c.clinic == clinic)))
            feedback_rows = tuple(
                FeedbackRow(r.user_key, r.at, r.entry_id, r.helpful, r.comment, r.clinic)
                for r in await conn.execute(ratings))
            # Beliefs before and after, whenever given: the report pairs them and keeps the
            # pairs whose follow-up falls in the period.
            measured = (select(quiz_answers)
                        .where(quiz_answers.c.phase.in_(("before", "after")))
                        .order_by(quiz_answers.c.at, quiz_answers.c.id))
            if clinic is not None:
                measured = measured.where(quiz_answers.c.clinic == clinic)
            belief_rows = tuple(
                BeliefAnswer(r.user_key, r.at, r.entry_id, r.phase, r.correct, r.clinic)
                for r in await conn.execute(measured))
            return ReportRows(event_rows, feedback_rows, belief_rows)

        return await self._read("reading report data", work)

    # ----- plumbing -------------------------------------------------------------------------

    def _key(self, telegram_id: int) -> str:
        if self._secret is None:
            raise StorageConfigError("this storage was opened without a secret (reports only)")
        return user_key(self._secret, telegram_id)

    def _insert(self, table: Any) -> Any:
        """INSERT with ON CONFLICT, in this database's dialect."""
        return insert_for(self.engine.dialect.name)(table)

    def _upsert_user(self, key: str, at: dt.datetime, language: str | None,
                     clinic: str | None, *, update_language: bool) -> Executable:
        insert = insert_for(self.engine.dialect.name)
        statement = insert(users).values(key=key, language=language, clinic=clinic,
                                         first_seen=at, last_seen=at)
        changes: dict[str, Any] = {"last_seen": statement.excluded.last_seen}
        if update_language:
            changes["language"] = statement.excluded.language
        if clinic is not None:
            changes["clinic"] = statement.excluded.clinic
        return statement.on_conflict_do_update(index_elements=[users.c.key], set_=changes)

    async def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        async with self._schema_lock:
            if not self._schema_ready:
                await migrate(self.engine)
                self._schema_ready = True

    async def _guarded(self, work: Callable[[], Awaitable[T]]) -> T:
        # The drivers' own timeouts cover locks, connecting and statements; this one also
        # covers waiting for a pooled connection and anything they miss.
        async with asyncio.timeout(self._timeout * 3):
            return await work()

    async def _run(self, work: Work[T], access: Access) -> T:
        async def attempt() -> T:
            await self._ensure_schema()
            if access == "write" and self._writes is not None:
                return await self._writes.run(work)
            async with self.engine.begin() as conn:
                return await work(conn)

        return await self._guarded(attempt)

    async def _write(self, what: str, work: Work[T], *, access: Access = "write") -> T | None:
        """`work`, or None when storage failed (logged once): for callers that go on without."""
        try:
            result = await self._run(work, access)
        except Exception as exc:  # a reply must never fail because of storage
            self._health.failed(access, what, exc)
            return None
        self._health.succeeded(access)
        return result

    async def _read(self, what: str, work: Work[T], *, access: Access = "read") -> T:
        """`work`, or StorageError when storage failed: for callers that must tell someone."""
        try:
            result = await self._run(work, access)
        except Exception as exc:
            self._health.failed(access, what, exc)
            raise StorageError(f"{what} failed: {describe_error(exc)}") from None
        self._health.succeeded(access)
        return result


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one, e.g. datetime.now(UTC)")
    return now


def _question_statements(dialect: str) -> tuple[Executable, ...]:
    """`record_question`: the user seen now (created if new), then the event, which takes
    the user's current clinic in the same statement.

    The user's `language` is the one they chose with /language (`record_visit`); a question's
    language belongs to the event only, or the bot would take it for a choice after a restart.
    (Its parameter is not called `language`: SQLAlchemy would fill the user's column with any
    parameter named after it.)
    """
    insert = insert_for(dialect)
    new_user = insert(users).values(key=bindparam("key"), first_seen=bindparam("at"),
                                    last_seen=bindparam("at"))
    seen = new_user.on_conflict_do_update(index_elements=[users.c.key],
                                          set_={"last_seen": new_user.excluded.last_seen})
    clinic = select(users.c.clinic).where(users.c.key == bindparam("key")).scalar_subquery()
    event = insert(events).values(
        user_key=bindparam("key"), kind=bindparam("kind"), entry_id=bindparam("entry_id"),
        score=bindparam("score"), language=bindparam("event_language"), at=bindparam("at"),
        question=bindparam("question"), clinic=clinic, update_id=bindparam("update_id"),
    ).on_conflict_do_nothing()  # the same update recorded before
    return seen, event


def _profile(row: Row[Any]) -> Profile:
    return Profile(row.language, row.clinic, row.first_seen, row.last_seen)


async def open_storage(config: Config, environ: Mapping[str, str], *,
                       identify_users: bool = True,
                       timeout: float = DEFAULT_TIMEOUT) -> Storage:
    """The storage of `config.storage`, its schema brought up to date when reachable.

    `environ` supplies MYTHBOT_SECRET (see `identity.py`). `identify_users=False` opens
    without the secret, for reports that only count. Raises StorageConfigError for what an
    operator must fix (bad URL, no usable secret, a schema newer than this program); an
    unreachable database is not an error here: it is logged and retried on every call.
    """
    target = parse_url(config.storage.url)
    secret: bytes | None = None
    if identify_users:
        try:
            secret = resolve_secret(environ, target.sqlite_file)
        except SecretError as exc:
            raise StorageConfigError(str(exc)) from None
    storage = Storage(create_engine(target, timeout), secret,
                      retention_days=config.storage.retention_days,
                      clinics=[c.slug for c in config.clinics], timeout=timeout)
    await storage.start()
    return storage
