"""Which user texts may be kept, and in what form. Pure functions, tested on their own."""

from __future__ import annotations

import datetime as dt
import re

# Texts editors need to improve the knowledge base: questions the bot could not answer well.
TEXT_KINDS = frozenset({"fallback", "suggest"})
# Questions that tripped a red-flag rule may describe a medical emergency: never kept.
NEVER_KEPT_KINDS = frozenset({"red_flag"})
MAX_TEXT = 1000
MAX_COMMENT = 300

_SPACE = re.compile(r"\s+")


def one_line(text: str, limit: int) -> str:
    """Whitespace (newlines too) folded to single spaces, cut to `limit` characters."""
    flat = _SPACE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def question_to_keep(kind: str, question: str) -> str | None:
    """The text to store with a new event: only for fallback and suggest decisions."""
    if kind not in TEXT_KINDS:
        return None
    text = one_line(question, MAX_TEXT)
    return text or None


def question_after_thumbs_down(kind: str, question: str | None) -> str | None:
    """The text to add to an answered event once its user said the answer did not help."""
    if kind in NEVER_KEPT_KINDS or question is None:
        return None
    text = one_line(question, MAX_TEXT)
    return text or None


def expiry_cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    """Texts from before this moment are deleted."""
    return now - dt.timedelta(days=retention_days)
