"""Storage: pseudonymous users, their questions and feedback, in SQLite or PostgreSQL.

How the Telegram layer uses it (every method is async; `now` defaults to the current UTC
time and must be timezone-aware when given, e.g. `message.date`)::

    storage = await open_storage(config, os.environ)       # in post_init; migrates the schema
    ...
    await storage.close()                                   # in post_shutdown

Writes, called *after* the reply is sent (or via `application.create_task`). They never
raise: when the database is locked, read-only or down they give up after a few seconds,
log the outage once (and again only after it recovered and failed anew) and return False::

    record_visit(telegram_id, *, language=None, clinic=None, now=None) -> bool
        /start (clinic = the deep-link payload; slugs not in the config are ignored),
        or a language change. None leaves the stored value as it is.
    record_question(telegram_id, question, decision, *, now=None) -> bool
        every matched question, with the matcher's `Decision`. The text is kept only for
        fallback/suggest; red-flag texts never.
    record_feedback(telegram_id, entry_id, helpful, *, question=None, now=None) -> bool
        👍 (True) / 👎 (False) from the `up:`/`down:` buttons; links to the user's latest
        event answered with `entry_id`. On 👎 pass the question text if you have it (e.g.
        `query.message.reply_to_message.text` when answers are sent as replies): it is then
        kept with that event. Pressing again replaces the earlier rating.
    record_rejection(telegram_id, question) -> bool
        "none of these" under the suggestions for `question`: that suggest event (the
        user's latest) becomes a fallback, so it is told apart from a suggestion resolved by
        a pick. False (nothing changed) if the latest event is not that suggestion.
    record_comment(telegram_id, entry_id, comment) -> bool
        the one-line "what was missing?" after 👎; False (not kept) without a 👎 before it.
    purge_expired(now=None) -> int | None
        deletes texts older than `storage.retention_days`; run at start-up and daily
        (JobQueue.run_daily). The number deleted, None if the database was unavailable.
    profile(telegram_id) -> Profile | None
        stored language and clinic (e.g. to greet a returning user); None if unknown/unavailable.
    record_handled(update_ids, *, confirmed_below=None, now=None) -> bool
    handled_updates(now=None) -> frozenset[int] | None
        Telegram updates answered but not yet confirmed to Telegram, so that a bot restarted
        after a crash skips them (`bot/telegram/delivery.py`); ids only, kept at most a day.
    record_pending({update_id: json}, *, replies={update_id: json}, now=None) -> bool
    pending() -> list[PendingUpdate] | None
        updates received and not answered yet (Telegram down, a chat flood-limited, a crash),
        so that nothing is lost and Telegram may forget them; `record_handled` deletes them.

The opt-in follow-up of the measure of beliefs (`followups.py`; these never raise either)::

    offer_follow_up(telegram_id) -> bool          True once per person: ask "may we ask again?"
    record_consent(telegram_id, yes, *, chat_id, language, statements) -> bool
    record_belief(telegram_id, phase, index, *, answer, correct, language,
                  follow_up_after) -> FollowUp | None      an answer, counted once, in turn
    follow_up(telegram_id) -> FollowUp | None
    entries_read(telegram_id) -> frozenset[str] | None
    claim_follow_ups(owner, now, *, stale_after) -> list[FollowUp]     due rows, for one instance
    settle_follow_up(key, owner, status) -> bool  sent / blocked / cancelled / pending again

Reads and deletions a person waits for raise `StorageError` (a one-line message) so the
handler can say "that did not work, try again later"::

    forget(telegram_id) -> int                     /forget: rows deleted (0: nothing stored)
    describe(telegram_id) -> UserData | None       /privacy "what is kept about me"
    stats(days=7, *, top=5, clinic=None, now=None) -> Stats       /stats (admins)
    unanswered(limit=20) -> list[Unanswered]       /unanswered (admins): newest first
    report_rows(since=None, clinic=None) -> ReportRows            `python -m bot report`

`open_storage` itself raises `StorageConfigError` only for what an operator must fix (a bad
`storage.url`, no usable secret, a schema newer than the program). An unreachable database at
start-up is logged and retried on each call, so the bot still answers.

Users are stored under `user_key(secret, telegram_id)`, an HMAC-SHA256 with MYTHBOT_SECRET;
without it a secret is generated once into `<database file>.secret` (mode 0600) for SQLite;
PostgreSQL requires the variable. No raw id, name or username is kept about a person; the one
exception is an update waiting for its reply (`pending_updates`: the message without names, so
its text and chat id, and the reply), deleted the moment the reply is confirmed sent.
"""

from bot.storage.engine import StorageConfigError
from bot.storage.identity import SECRET_ENV, user_key
from bot.storage.migrations import LATEST as SCHEMA_VERSION
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
from bot.storage.store import Storage, StorageError, open_storage

__all__ = [
    "SCHEMA_VERSION",
    "SECRET_ENV",
    "BeliefAnswer",
    "EventRow",
    "FeedbackRow",
    "FollowUp",
    "PendingUpdate",
    "Profile",
    "ReportRows",
    "Stats",
    "Storage",
    "StorageConfigError",
    "StorageError",
    "StoredEvent",
    "StoredFeedback",
    "Unanswered",
    "UserData",
    "open_storage",
    "user_key",
]
