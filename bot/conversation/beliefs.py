"""The opt-in measure of beliefs, in the conversation: the offer after /start, the consent,
and the answers before and after. The follow-up itself is sent by `followups.py`.

Everything a press needs is in its button and in storage (not in memory), so a press works
after a restart and on any instance, and counts once: storage accepts only the statement
that is awaited.
"""

from __future__ import annotations

import datetime as dt
import random

from bot.config import Config
from bot.knowledge.models import KnowledgeBase
from bot.quiz import grade
from bot.quiz.measure import decode, pick
from bot.rendering import Reply
from bot.rendering import measure as replies
from bot.storage import Storage


class BeliefMeasure:
    def __init__(self, config: Config, rng: random.Random) -> None:
        self.days = config.beliefs.follow_up_days
        self.rng = rng

    async def offer(self, storage: Storage, kb: KnowledgeBase, person_id: int,
                    lang: str) -> Reply | None:
        """The question "may we ask again later?", if this person was never asked."""
        if not kb.quiz or not await storage.offer_follow_up(person_id):
            return None
        return replies.offer(kb, lang, self.days)

    async def consent(self, storage: Storage, kb: KnowledgeBase, person_id: int,
                      chat_id: int | None, lang: str, yes: bool) -> Reply | None:
        """Yes: the first of the three statements; No: an OK. None when answered before."""
        statements: tuple[str, ...] = ()
        if yes:
            if chat_id is None:  # a button forwarded into a group: nowhere to write later
                return None
            statements = pick(kb, await storage.entries_read(person_id) or (), self.rng)
        if not await storage.record_consent(person_id, yes, chat_id=chat_id, language=lang,
                                            statements=statements):
            return None
        if not yes:
            return replies.declined(kb, lang)
        return replies.statement(kb, lang, "before", statements, 0,
                                 kb.message("beliefs-yes", lang))

    async def answer(self, storage: Storage, kb: KnowledgeBase, person_id: int, lang: str,
                     arg: str) -> Reply | None:
        """An answer before or after: the next statement, or the end; None if it changes
        nothing (an old button, a statement answered already, a forged press)."""
        press = decode(arg)
        found = await storage.follow_up(person_id)
        if press is None or found is None or press.index >= len(found.statements):
            return None
        statements = found.statements
        if any(entry_id not in kb.quiz for entry_id in statements):
            return None  # the knowledge base no longer has it: nothing to grade against
        correct = grade(kb, statements[press.index], press.answer)
        now = await storage.record_belief(
            person_id, press.phase, press.index, answer=press.answer, correct=correct,
            language=lang, follow_up_after=dt.timedelta(days=self.days))
        if now is None:
            return None
        following = press.index + 1
        if following < len(statements):
            return replies.statement(kb, lang, press.phase, statements, following,
                                     kb.message("beliefs-thanks", lang))
        if press.phase == "before":
            return replies.before_done(kb, lang, self.days)
        return replies.after_done(kb, lang, statements)
