"""What is kept about one person, in plain words, for them to see under /privacy.

Their own texts are escaped here. Only the latest few questions and ratings are listed, each
text cut short, so that even someone who asked a lot gets a few messages, not a flood; the
older ones are counted, and /forget deletes them all the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from bot.knowledge.models import KnowledgeBase

if TYPE_CHECKING:  # at run time only attributes are read: no need to load SQLAlchemy here
    from bot.storage import FollowUp, StoredFeedback, UserData

SHOWN = 10  # questions with text, and ratings, listed (the latest ones)
TEXT_SHOWN = 300  # characters of a kept question or comment listed


def kept_data(data: UserData, kb: KnowledgeBase, lang: str, clinic: str | None) -> str:
    """What `data` holds, as Telegram HTML; `clinic` is the display name of the user's
    clinic (the slug when the configuration no longer knows it)."""

    def date(at: dt.datetime) -> str:
        return kb.message("privacy-date", lang, day=f"{at.day:02}", month=f"{at.month:02}",
                          year=str(at.year))

    profile = data.profile
    about = [kb.message("privacy-kept", lang)]
    if profile.language is not None:
        about.append(kb.message("privacy-language", lang,
                                language=kb.message("language-name", profile.language)))
    if clinic is not None:
        about.append(kb.message("privacy-clinic", lang, clinic=escape(clinic)))
    about.append(kb.message("privacy-seen", lang, first=date(profile.first_seen),
                            last=date(profile.last_seen)))
    if data.events:
        about.append(kb.message("privacy-questions", lang, count=str(len(data.events))))
    follow_up = _follow_up(data.follow_up, kb, lang, date)
    if follow_up is not None:
        about.append(follow_up)
    parts = ["\n".join(about)]

    questions = [f"{date(event.at)}: <i>{_cut(event.question)}</i>"
                 for event in data.events if event.question is not None]
    ratings = [_rating(rating, kb, lang, date(rating.at)) for rating in data.feedback]
    for heading, lines in (("privacy-texts", questions), ("privacy-ratings", ratings)):
        if lines:
            parts.append(_listing(kb, lang, heading, lines))
    return "\n\n".join(parts)


def _follow_up(follow_up: FollowUp | None, kb: KnowledgeBase, lang: str,
               date: Callable[[dt.datetime], str]) -> str | None:
    """The answer to "may we ask again later?", and whether the chat number is kept for it."""
    if follow_up is None or follow_up.consent is None:
        return None
    if not follow_up.consent:
        return kb.message("privacy-followup-no", lang)
    if follow_up.chat_id is None:
        return kb.message("privacy-followup-sent", lang)
    if follow_up.due is None:
        return kb.message("privacy-followup-asking", lang)
    return kb.message("privacy-followup-yes", lang, date=date(follow_up.due))


def _listing(kb: KnowledgeBase, lang: str, heading: str, lines: list[str]) -> str:
    """The latest `SHOWN` of `lines` (oldest first), newest first under `heading`."""
    shown = [kb.message(heading, lang), *reversed(lines[-SHOWN:])]
    if len(lines) > SHOWN:
        shown.append(kb.message("privacy-older", lang, count=str(len(lines) - SHOWN)))
    return "\n".join(shown)


def _rating(rating: StoredFeedback, kb: KnowledgeBase, lang: str, date: str) -> str:
    entry = kb.entries.get(rating.entry_id)
    title = entry.text(lang).title if entry is not None else escape(rating.entry_id)
    line = f"{date}: {'👍' if rating.helpful else '👎'} {title}"
    if rating.comment is not None:
        line += "\n" + kb.message("privacy-comment", lang, comment=_cut(rating.comment))
    return line


def _cut(text: str) -> str:
    """`text` escaped, cut to `TEXT_SHOWN` characters."""
    return escape(text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1].rstrip() + "…")
