"""The SQL of the opt-in follow-up (`schema.followups`): offer, consent, answers, and the
claim that lets exactly one of several bot instances send a due follow-up.

Every function runs inside a transaction the `Storage` opened. Changes that must happen once
(an answer counted, a row claimed) are compare-and-set updates: the `WHERE` names the state
they start from, and a rowcount of 0 means another press or instance got there first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.engine import insert_for
from bot.storage.records import FollowUp
from bot.storage.schema import followups, quiz_answers, users

PENDING, CLAIMED, SENT, DONE = "pending", "claimed", "sent", "done"
BLOCKED, CANCELLED = "blocked", "cancelled"
PHASES = ("before", "after")


def to_record(row: Row[Any]) -> FollowUp:
    return FollowUp(row.user_key, row.consent, row.chat_id, row.language,
                    tuple((row.statements or "").split()), row.before_answered,
                    row.after_answered, row.status, row.due)


async def read(conn: AsyncConnection, key: str) -> FollowUp | None:
    row = (await conn.execute(select(followups).where(followups.c.user_key == key))).first()
    return to_record(row) if row is not None else None


async def offer(conn: AsyncConnection, key: str, at: dt.datetime) -> bool:
    """A row for someone never asked; False when they were asked before (by any instance)."""
    insert = insert_for(conn.dialect.name)
    added = await conn.execute(insert(followups).values(
        user_key=key, consent=None, asked_at=at, before_answered=0, after_answered=0,
    ).on_conflict_do_nothing(index_elements=[followups.c.user_key]))
    return bool(added.rowcount)


async def consent(conn: AsyncConnection, key: str, yes: bool, *, chat_id: int | None,
                  language: str, statements: Sequence[str], at: dt.datetime) -> bool:
    """The answer to the offer, once: False when it was answered before or never offered."""
    values: dict[str, Any] = {"consent": yes, "answered_at": at}
    if yes:
        values |= {"chat_id": chat_id, "language": language,
                   "statements": " ".join(statements), "status": PENDING}
    changed = await conn.execute(update(followups).where(
        followups.c.user_key == key, followups.c.consent.is_(None)).values(**values))
    return bool(changed.rowcount)


async def answer(conn: AsyncConnection, key: str, phase: str, index: int, *, answer: str,
                 correct: bool | None, language: str, at: dt.datetime,
                 follow_up_after: dt.timedelta) -> FollowUp | None:
    """Count the answer to statement `index` of `phase` if it is the one awaited; the row as
    it is now, or None when the press changes nothing (answered already, or out of turn).

    The last "before" answer sets the time the follow-up is due; the last "after" one ends it.
    """
    found = await read(conn, key)
    if found is None or not 0 <= index < len(found.statements):
        return None
    column = followups.c.before_answered if phase == "before" else followups.c.after_answered
    awaited = followups.c.status == PENDING if phase == "before" else followups.c.status == SENT
    values: dict[str, Any] = {column.name: index + 1}
    last = index + 1 == len(found.statements)
    if last and phase == "before":
        values["due"] = at + follow_up_after
    if last and phase == "after":
        values["status"] = DONE
    changed = await conn.execute(update(followups).where(
        followups.c.user_key == key, followups.c.consent.is_(True), awaited,
        column == index).values(**values))
    if not changed.rowcount:
        return None
    clinic = (await conn.execute(select(users.c.clinic).where(users.c.key == key))
              ).scalar_one_or_none()
    await conn.execute(quiz_answers.insert().values(
        user_key=key, entry_id=found.statements[index], answer=answer, correct=correct,
        phase=phase, language=language, clinic=clinic, at=at))
    return await read(conn, key)


async def claim(conn: AsyncConnection, owner: str, now: dt.datetime,
                stale_after: dt.timedelta, limit: int) -> list[FollowUp]:
    """Claim due follow-ups for `owner`: pending ones whose time has come, and claims left
    behind by an instance that stopped mid-send (older than `stale_after`)."""
    claimable = _claimable(now, stale_after)
    candidates = (await conn.execute(
        select(followups.c.user_key, followups.c.status, followups.c.claimed_by)
        .where(claimable).order_by(followups.c.due).limit(limit))).all()
    claimed = []
    for candidate in candidates:
        # The row must still be as it was read: another instance may have claimed it since.
        same = (followups.c.claimed_by.is_(None) if candidate.claimed_by is None
                else followups.c.claimed_by == candidate.claimed_by)
        changed = await conn.execute(update(followups).where(
            followups.c.user_key == candidate.user_key, followups.c.status == candidate.status,
            same, claimable).values(status=CLAIMED, claimed_by=owner,
                                                claimed_at=now))
        if changed.rowcount:
            row = await read(conn, candidate.user_key)
            if row is not None:
                claimed.append(row)
    return claimed


async def any_due(conn: AsyncConnection, now: dt.datetime, stale_after: dt.timedelta) -> bool:
    """Whether `claim` would find anything: a read, so that the loop asking every minute
    neither takes SQLite's write lock nor counts as a working write when nothing is due."""
    found = await conn.execute(
        select(followups.c.user_key).where(_claimable(now, stale_after)).limit(1))
    return found.first() is not None


def _claimable(now: dt.datetime, stale_after: dt.timedelta) -> ColumnElement[bool]:
    ready = and_(followups.c.status == PENDING, followups.c.due.is_not(None),
                 followups.c.due <= now)
    abandoned = and_(followups.c.status == CLAIMED, followups.c.claimed_at < now - stale_after)
    return or_(ready, abandoned)


async def settle(conn: AsyncConnection, key: str, owner: str, status: str) -> bool:
    """End `owner`'s claim: sent, blocked or cancelled (the chat id is no longer needed), or
    pending again for a later try. False when the claim was no longer this owner's."""
    values: dict[str, Any] = {"status": status, "claimed_by": None, "claimed_at": None}
    if status != PENDING:
        values["chat_id"] = None
    changed = await conn.execute(update(followups).where(
        followups.c.user_key == key, followups.c.status == CLAIMED,
        followups.c.claimed_by == owner).values(**values))
    return bool(changed.rowcount)


def forget(key: str) -> Any:
    """The deletion for /forget, which also cancels anything scheduled."""
    return delete(followups).where(followups.c.user_key == key)
