"""What storage hands back: plain frozen values, no database objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """What is kept about a user apart from their questions."""

    language: str | None
    clinic: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime


@dataclass(frozen=True)
class StoredEvent:
    """One question; `question` is None unless its text is kept (see `privacy.py`)."""

    at: dt.datetime
    kind: str
    entry_id: str | None
    score: float
    language: str
    clinic: str | None
    question: str | None


@dataclass(frozen=True)
class StoredFeedback:
    at: dt.datetime
    entry_id: str
    helpful: bool
    comment: str | None


@dataclass(frozen=True)
class FollowUp:
    """One person's answer to "may we ask three questions again later?" and its schedule.

    `key` is the pseudonymous user key; `chat_id` is kept only with consent, until the
    follow-up is sent. `status` is None without consent (see `schema.followups`)."""

    key: str
    consent: bool | None
    chat_id: int | None
    language: str | None
    statements: tuple[str, ...]
    before_answered: int
    after_answered: int
    status: str | None
    due: dt.datetime | None


@dataclass(frozen=True)
class UserData:
    """Everything stored about one user, oldest first (for "see what is kept about me")."""

    profile: Profile
    events: tuple[StoredEvent, ...]
    feedback: tuple[StoredFeedback, ...]
    follow_up: FollowUp | None = None


@dataclass(frozen=True)
class Stats:
    """Admin summary of the last `days` days."""

    days: int
    since: dt.datetime
    questions: int
    users: int
    kinds: dict[str, int]
    top_entries: tuple[tuple[str, int], ...]
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class Unanswered:
    at: dt.datetime
    kind: str
    language: str
    clinic: str | None
    question: str


@dataclass(frozen=True)
class EventRow:
    """An event for reports; `user` is the pseudonymous key, only ever used for counting."""

    user: str
    at: dt.datetime
    kind: str
    entry_id: str | None
    language: str
    clinic: str | None
    question: str | None


@dataclass(frozen=True)
class FeedbackRow:
    """Feedback for reports; `clinic` is that of the event it rates (else of its user)."""

    user: str
    at: dt.datetime
    entry_id: str
    helpful: bool
    comment: str | None
    clinic: str | None


@dataclass(frozen=True)
class BeliefAnswer:
    """An answer to a quiz statement in the opt-in measure: `phase` "before" reading anything,
    or "after" (the follow-up); `correct` None for "not sure"."""

    user: str
    at: dt.datetime
    entry_id: str
    phase: str
    correct: bool | None
    clinic: str | None


@dataclass(frozen=True)
class ReportRows:
    events: tuple[EventRow, ...]
    feedback: tuple[FeedbackRow, ...]
    beliefs: tuple[BeliefAnswer, ...] = ()


@dataclass(frozen=True)
class PendingUpdate:
    """A Telegram update received and not yet answered: its JSON (without names) and, once
    known, the reply still to send (JSON)."""

    update_id: int
    received_at: dt.datetime
    payload: str
    reply: str | None
