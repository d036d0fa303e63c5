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
class UserData:
    """Everything stored about one user, oldest first (for "see what is kept about me")."""

    profile: Profile
    events: tuple[StoredEvent, ...]
    feedback: tuple[StoredFeedback, ...]


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
class ReportRows:
    events: tuple[EventRow, ...]
    feedback: tuple[FeedbackRow, ...]


@dataclass(frozen=True)
class PendingUpdate:
    """A Telegram update received and not yet answered: its JSON (without names) and, once
    known, the reply still to send (JSON)."""

    update_id: int
    received_at: dt.datetime
    payload: str
    reply: str | None
