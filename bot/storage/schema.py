"""The tables as they are at the newest schema version, for queries (SQLAlchemy Core).

Migrations (`migrations.py`) create and change the real tables; this module only describes
the result. A test compares the two, so they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

KEY_LENGTH = 64  # hex HMAC-SHA256
SLUG_LENGTH = 64  # Telegram's limit for a deep-link payload
ENTRY_LENGTH = 100
LANG_LENGTH = 8
KIND_LENGTH = 16
STATEMENTS_LENGTH = 400  # a few entry ids, space separated


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in and out, on every database.

    SQLite has no time zones and hands back naive values; PostgreSQL converts to the session's
    zone. Storing naive UTC on SQLite keeps its text values sortable, so `<` works in SQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None,
                           dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: dt.datetime | None,
                             dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, nullable=False),
)

users = Table(
    "users", metadata,
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("language", String(LANG_LENGTH), nullable=True),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("clinic", String(SLUG_LENGTH), nullable=True),  # since v2
)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_key", String(KEY_LENGTH), ForeignKey("users.key"), nullable=False, index=True),
    Column("kind", String(KIND_LENGTH), nullable=False),
    Column("entry_id", String(ENTRY_LENGTH), nullable=True),
    Column("score", Float, nullable=False),
    Column("language", String(LANG_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("question", Text, nullable=True),
    Column("clinic", String(SLUG_LENGTH), nullable=True),  # since v2
    # since v4: the Telegram update it answered, so that a question handled twice (after a
    # crash or a redelivery) is counted once; NULL for events not tied to an update.
    Column("update_id", BigInteger, nullable=True),
    Index("ix_events_clinic_at", "clinic", "at"),  # since v2: per-clinic reports
    Index("ux_events_update_id", "update_id", unique=True),  # since v4
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Integer, ForeignKey("events.id"), nullable=True, index=True),
    Column("user_key", String(KEY_LENGTH), ForeignKey("users.key"), nullable=False, index=True),
    Column("entry_id", String(ENTRY_LENGTH), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("comment", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False),
)

# Answers to quiz statements (since v5). `phase` is "quiz" for /quiz, and "before" / "after"
# for the opt-in measure of beliefs; `correct` is None for "not sure". The clinic is the
# user's at the time, as for events, so that reports per clinic need no join.
quiz_answers = Table(
    "quiz_answers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_key", String(KEY_LENGTH), ForeignKey("users.key"), nullable=False, index=True),
    Column("entry_id", String(ENTRY_LENGTH), nullable=False),
    Column("answer", String(KIND_LENGTH), nullable=False),
    Column("correct", Boolean, nullable=True),
    Column("phase", String(KIND_LENGTH), nullable=False),
    Column("language", String(LANG_LENGTH), nullable=False),
    Column("clinic", String(SLUG_LENGTH), nullable=True),
    Column("at", UtcDateTime, nullable=False, index=True),
)

# Telegram updates the bot has answered while Telegram may still send them again (their
# offset is not confirmed yet); after a crash the restarted bot skips them. Only update ids
# (numbers Telegram gives each update, not people) and when: nothing about the person.
handled_updates = Table(
    "handled_updates", metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),  # since v3
    Column("at", UtcDateTime, nullable=False),
    # Webhooks (since v8): the Bot API call given inside the response to this update (JSON,
    # without the chat id: the bot's own text), given again if Telegram sends the update
    # again because that response never reached it. Deleted with the row, after a day.
    Column("reply", Text, nullable=True),
)

# The opt-in measure of beliefs (since v6): one row per person asked "may we ask again later?".
# `consent` is None until they answer. Only with consent are kept: the chat to write to later
# (cleared once the follow-up is sent), the language, the three statements (entry ids, space
# separated) and how many of them were answered before and after. `status`: pending (waiting
# for its `due` time, which is set once the three "before" answers are in), claimed (an
# instance is sending it: `claimed_by`, `claimed_at`), sent, done (answered), blocked (the
# person blocked the bot), cancelled (its statements left the knowledge base).
followups = Table(
    "followups", metadata,
    Column("user_key", String(KEY_LENGTH), ForeignKey("users.key"), primary_key=True),
    Column("consent", Boolean, nullable=True),
    Column("asked_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("chat_id", BigInteger, nullable=True),
    Column("language", String(LANG_LENGTH), nullable=True),
    Column("statements", String(STATEMENTS_LENGTH), nullable=True),
    Column("before_answered", Integer, nullable=False, default=0),
    Column("after_answered", Integer, nullable=False, default=0),
    Column("status", String(KIND_LENGTH), nullable=True),
    Column("due", UtcDateTime, nullable=True),
    Column("claimed_by", String(KEY_LENGTH), nullable=True),
    Column("claimed_at", UtcDateTime, nullable=True),
    Index("ix_followups_status_due", "status", "due"),
)

# Since v4: updates received but not answered yet (Telegram is down, a chat is flood-limited,
# the bot crashed). Kept so that Telegram can be told to forget them (no head-of-line
# blocking) and nothing is lost: `payload` is the update without names (to handle it again
# after a crash), `reply` the parts still to send once its answer is known (JSON). Deleted
# (with secure_delete on SQLite) the moment the reply is confirmed sent.
pending_updates = Table(
    "pending_updates", metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("payload", Text, nullable=False),
    Column("reply", Text, nullable=True),
)

# Since v7: what several instances behind a load balancer share (`shared.py`). A person's
# conversation between two messages (as JSON: language, pending "did you mean", the 👎 that
# awaits a comment; deleted a day after the last message), their messages in the current
# rate-limit window, and one row per successful /reload, which the other instances follow.
conversation_states = Table(
    "conversation_states", metadata,
    Column("user_key", String(KEY_LENGTH), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, index=True),
)

rate_windows = Table(
    "rate_windows", metadata,
    Column("user_key", String(KEY_LENGTH), primary_key=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("count", Integer, nullable=False),
)

knowledge_reloads = Table(
    "knowledge_reloads", metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
)
