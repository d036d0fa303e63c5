"""What the bot says and remembers, per person: the logic behind the thin Telegram handlers.

Nothing here knows about PTB: handlers turn updates into `Person` and strings, and turn the
returned `Reply` (and, for button presses, a short `note`) into Bot API calls. Decisions come
from the matcher, texts from the renderer and messages.yaml; storage writes go through the
`Recorder`, after the reply is computed, so they never delay or break it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from html import escape
from typing import TypeVar

from bot import __version__
from bot.config import Clinic, Config
from bot.conversation.beliefs import BeliefMeasure
from bot.conversation.recorder import Recorder
from bot.conversation.state import COMMENT_WINDOW, StateStore, UserState
from bot.knowledge import LANGS, KnowledgeError
from bot.knowledge.dutch import Dutch
from bot.matching import Decision
from bot.quiz import grade, new_run
from bot.rendering import Action, Button, Reply, kept_data, parse
from bot.rendering import quiz as quiz_replies
from bot.runtime import Loaded, in_dutch, let_go
from bot.spare_time import in_spare_time
from bot.storage import Stats, Storage, StorageError

log = logging.getLogger(__name__)

RELOAD_PROBLEMS_SHOWN = 15  # in a chat; `python -m bot check` lists them all
T = TypeVar("T")

PROFILE_WAIT = 1.0  # seconds a first message may wait for the stored language
STATS_DAYS = 7
UNANSWERED_SHOWN = 20
NONE_SHOWN = "–"


@dataclass(frozen=True)
class Person:
    """Who is talking: the Telegram user id and the language of their Telegram app."""

    id: int
    app_language: str | None = None
    chat_id: int | None = None  # the private chat the bot may write to later (with consent)


@dataclass(frozen=True)
class Outcome:
    """The result of a button press: a short `note` on the button, a `reply` below, or both."""

    reply: Reply | None = None
    note: str | None = None


# Reads and builds the knowledge base again, without holding up the event loop (the bot's
# is `bot.runtime.reload_in_background`: in another process); raises KnowledgeError.
Reload = Callable[[], Awaitable[Loaded]]


class Library:
    """The knowledge base in use; `/reload` swaps it whole, so a reply never mixes two."""

    def __init__(self, loaded: Loaded, reload: Reload) -> None:
        self.loaded = loaded
        self._reload = reload
        self._dutch: dict[Dutch, tuple[Loaded, Loaded]] = {}  # (made from, made)

    def in_dutch(self, dutch: Dutch) -> Loaded:
        """The knowledge base in use, with Belgian or Netherlands words (made once)."""
        loaded = self.loaded
        made = self._dutch.get(dutch)
        if made is None or made[0] is not loaded:
            made = (loaded, in_dutch(loaded, dutch))
            self._dutch[dutch] = made
        return made[1]

    async def reload(self) -> Loaded:
        """Read the knowledge base again (off the event loop); raises KnowledgeError, and
        then the one in use stays. Answers come from the one in use until the new one is
        swapped in."""
        loaded = await self._reload()
        # The regional variants in use are made before the swap, in the loop's spare time: at
        # 1 000 entries each is a tenth of a second of copying, which would hold up the loop at
        # once after.
        made = {dutch: (loaded, await in_spare_time(partial(in_dutch, loaded, dutch)))
                for dutch in self._dutch}
        old: list[object] = [self.loaded, self._dutch]
        self.loaded, self._dutch = loaded, made
        # Freeing the old one is hundreds of thousands of objects at 1 000 entries: in spare
        # time too, a few at a time (unless a reply being written still holds them).
        await in_spare_time(partial(let_go, old))
        return loaded


class Conversation:
    def __init__(self, config: Config, library: Library, states: StateStore,
                 recorder: Recorder) -> None:
        self.config = config
        self.library = library
        self.states = states
        self.recorder = recorder
        self.storage: Storage | None = None  # opened at start-up, in the bot's event loop
        self.rng = random.Random()  # which quiz statements, in which order
        self.measure = BeliefMeasure(config, self.rng)

    # Conversation ------------------------------------------------------------------------

    async def start(self, person: Person, payload: str | None) -> Reply:
        """The greeting: what the bot can and cannot do, the clinic's welcome, the topics."""
        state = await self._state(person)
        lang = self._lang(person, state)
        clinic = self.config.clinic(payload) if payload else None
        if clinic is not None:
            state = replace(state, clinic=clinic.slug)
        loaded = self._shown(state)
        parts = [loaded.kb.message("start-intro", lang)]
        if clinic is not None:
            parts.append(self._clinic_lines(clinic, lang, loaded))
        elif payload:
            parts.append(loaded.kb.message("start-unknown-link", lang))
        await self.states.put(person.id, replace(state, reply_lang=lang, last_kind=None))
        slug = clinic.slug if clinic else None
        self._record(person, lambda storage: storage.record_visit(person.id, clinic=slug))
        return Reply("\n\n".join(parts), loaded.renderer.topics(lang).buttons)

    async def text(self, person: Person, text: str, *, update_id: int | None = None) -> Reply:
        """A typed message: the comment after 👎 if one is awaited, else a question (recorded
        once per `update_id`, however often it is handled).

        Only the very next message after 👎 can be the comment, and only if it does not read
        as a question (`reads_as_question`): then it is answered and no comment is kept. A red
        flag is always a question.
        """
        state = await self._state(person)
        decision = self._decide(person, state, text)
        entry_id = state.awaits_comment(time.monotonic())
        if entry_id is None or reads_as_question(decision, text):
            return await self._answer(person, state, text, decision, update_id)
        await self.states.put(person.id, replace(state, comment_for=None))
        self._record(person, lambda storage: storage.record_comment(person.id, entry_id, text))
        return Reply(self._shown(state).kb.message("comment-thanks", self._lang(person, state)))

    async def press(self, person: Person, data: str | None) -> Outcome:
        """A button press; stale or forged data gets a gentle note, never an error."""
        action = parse(data)
        state = await self._state(person)
        if state.comment_for is not None and (action is None or action.kind != "down"):
            # Pressing anything else ends the wait for a comment, as another message does.
            state = replace(state, comment_for=None)
            await self.states.put(person.id, state)
        lang = self._lang(person, state)
        kb = self._shown(state).kb
        stale = Outcome(note=kb.message("button-stale", lang))
        if action is None:
            return stale
        if action.kind in ("up", "down"):
            return await self._rate(person, state, lang, action.arg, action.kind == "up")
        if action.kind == "skip":
            await self.states.put(person.id, replace(state, comment_for=None))
            return Outcome(Reply(kb.message("comment-skipped", lang)))
        if action.kind == "lang":
            return await self._choose_language(person, state, action.arg) or stale
        if action.kind == "forget":
            return Outcome(await self._forget(person, lang))
        if action.kind == "keep":
            return Outcome(Reply(kb.message("forget-cancelled", lang)))
        if action.kind == "none":
            return Outcome(await self._reject_suggestions(person, state, lang))
        if action.kind == "quiz":
            return Outcome(await self.quiz(person))
        if action.kind == "quiz-answer":
            return await self._quiz_answer(person, state, lang, action.arg) or stale
        if action.kind in ("consent", "belief"):
            return await self._measure(person, lang, action) or stale
        if action.kind == "quiz-next":
            if state.quiz is None:
                return stale
            return Outcome(quiz_replies.statement(self._shown(state).kb, state.quiz, lang))
        reply = self._shown(state).renderer.navigate(action, lang)
        if reply is None:
            return stale
        if action.kind == "answer":
            await self.states.put(person.id, replace(state, last_kind="answer", answered=None,
                                                     suggested=None))
        return Outcome(reply)

    # Commands ----------------------------------------------------------------------------

    async def help(self, person: Person) -> Reply:
        return Reply(await self._message(person, "help"))

    async def topics(self, person: Person) -> Reply:
        lang, loaded = await self._view(person)
        return loaded.renderer.topics(lang)

    async def sources(self, person: Person) -> Reply:
        lang, loaded = await self._view(person)
        return loaded.renderer.all_sources(lang)

    async def about(self, person: Person) -> Reply:
        lang, loaded = await self._view(person)
        return loaded.renderer.about(lang, __version__)

    async def quiz(self, person: Person) -> Reply:
        """A new quiz of statements this person has not answered before, where there are."""
        lang, loaded = await self._view(person)
        state = await self._state(person)
        kb = loaded.kb
        run = new_run(kb, state.quiz_seen, self.rng)
        if not run.statements:
            return Reply(kb.message("quiz-empty", lang))
        await self.states.put(person.id, replace(state, quiz=run, reply_lang=lang))
        return quiz_replies.statement(kb, run, lang, intro=True)

    async def offer_follow_up(self, person: Person) -> Reply | None:
        """After the greeting in a private chat, once per person: may we ask again later?"""
        if self.storage is None or person.chat_id is None:
            return None
        return await self.measure.offer(self.storage, self.library.loaded.kb, person.id,
                                        await self.language(person))

    async def language_menu(self, person: Person) -> Reply:
        lang, loaded = await self._view(person)
        kb = loaded.kb
        buttons = tuple(Button(kb.message("language-name", choice),
                               Action("lang", choice).encode()) for choice in LANGS)
        return Reply(kb.message("language-choose", lang), (buttons,))

    async def privacy(self, person: Person) -> Reply:
        """The privacy notice, plus what is stored about this person right now, item by item:
        seeing their own questions tells a patient more than any explanation."""
        lang, loaded = await self._view(person)
        kb = loaded.kb
        text = kb.message("privacy", lang, days=str(self.config.storage.retention_days))
        if self.storage is not None:
            await self.recorder.flush(person.id)
            try:
                data = await self.storage.describe(person.id)
            except StorageError:
                return Reply(text)
            if data is None:
                kept = kb.message("privacy-nothing", lang)
            else:
                slug = data.profile.clinic
                clinic = self.config.clinic(slug) if slug else None
                kept = kept_data(data, kb, lang, clinic.name if clinic else slug)
            text += "\n\n" + kept
        return Reply(text)

    async def forget_menu(self, person: Person) -> Reply:
        lang, loaded = await self._view(person)
        kb = loaded.kb
        return Reply(kb.message("forget-confirm", lang), (
            (Button(kb.message("button-forget-yes", lang), Action("forget").encode()),),
            (Button(kb.message("button-forget-no", lang), Action("keep").encode()),)))

    async def unknown_command(self, person: Person) -> Reply:
        return Reply(await self._message(person, "unknown-command"))

    async def media(self, person: Person) -> Reply:
        return Reply(await self._message(person, "media-unsupported"))

    def is_red_flag(self, text: str) -> bool:
        """Whether `text` may describe an emergency (the rate limit never holds those back)."""
        return self.library.loaded.matcher.match(text).kind == "red_flag"

    async def slow_down(self, person: Person) -> str:
        return await self._message(person, "rate-limited")

    async def error(self, person: Person) -> Reply:
        return Reply(await self._message(person, "error"))

    async def whoami(self, person: Person) -> Reply:
        """The person's own Telegram id: how a clinic's admin finds the number to configure."""
        lang, loaded = await self._view(person)
        return Reply(loaded.kb.message("whoami", lang, id=str(person.id)))

    async def late_notice(self, person: Person) -> str:
        """Put before a reply that reaches the person late (Telegram was down). Asked for
        every reply sent, so it must not end a wait for a comment as a command does."""
        state = await self._state(person)
        return self._shown(state).kb.message("delivery-late", self._lang(person, state))

    async def private_only(self, person: Person, command: str) -> str:
        """The reply in a group to a command whose answer belongs in a private chat."""
        kb = self.library.loaded.kb
        return kb.message("private-only", await self.language(person), command=f"/{command}")

    # Admin commands (the handlers check who may use them) --------------------------------

    async def admin_only(self, person: Person) -> Reply:
        return Reply(await self._message(person, "admin-only"))

    async def stats(self, person: Person) -> Reply:
        lang, loaded = await self._view(person)
        kb = loaded.kb
        try:
            stats = await self._read_all(lambda storage: storage.stats(STATS_DAYS))
        except StorageError:
            return Reply(kb.message("storage-failed", lang))
        return Reply(kb.message("stats", lang, **_stats_fields(stats)))

    async def unanswered(self, person: Person) -> Reply:
        lang, loaded = await self._view(person)
        kb = loaded.kb
        try:
            found = await self._read_all(lambda storage: storage.unanswered(UNANSWERED_SHOWN))
        except StorageError:
            return Reply(kb.message("storage-failed", lang))
        if not found:
            return Reply(kb.message("unanswered-none", lang))
        lines = [kb.message("unanswered-heading", lang, count=str(len(found)))]
        for item in found:
            where = f" · {escape(item.clinic)}" if item.clinic else ""
            lines.append(f"<i>{item.at:%Y-%m-%d %H:%M} · {item.language} · {item.kind}{where}</i>"
                         f"\n{escape(item.question)}")
        return Reply("\n\n".join(lines))

    async def reload(self, person: Person) -> Reply:
        """Swap in the knowledge base as it is on disk now; on problems keep the old one."""
        state = await self._state(person)
        lang = self._lang(person, state)
        old = self._shown(state).kb
        try:
            await self.library.reload()
            kb = self._shown(state).kb
        except KnowledgeError as exc:
            log.warning("reload refused: %d problem(s) in the knowledge base", len(exc.problems))
            lines = [old.message("reload-failed", lang, count=str(len(exc.problems)))]
            lines += [f"<code>{escape(str(problem))}</code>"
                      for problem in exc.problems[:RELOAD_PROBLEMS_SHOWN]]
            if len(exc.problems) > RELOAD_PROBLEMS_SHOWN:
                lines.append(old.message("reload-more", lang,
                                         count=str(len(exc.problems) - RELOAD_PROBLEMS_SHOWN)))
            return Reply("\n".join(lines))
        log.info("knowledge base reloaded: %d entries", len(kb.entries))
        return Reply(kb.message("reload-done", lang, entries=str(len(kb.entries)),
                                sources=str(len(kb.sources))))

    # Language ----------------------------------------------------------------------------

    async def language(self, person: Person) -> str:
        """The language to talk to this person in right now."""
        return self._lang(person, await self._state(person))

    def _lang(self, person: Person, state: UserState) -> str:
        # Chosen with /language, else that of the last reply (the language they type in),
        # else that of their Telegram app, else the configured default.
        app = (person.app_language or "").split("-")[0].lower()
        return (state.chosen_lang or state.reply_lang
                or (app if app in LANGS else self.config.default_language))

    async def _choose_language(self, person: Person, state: UserState,
                               lang: str) -> Outcome | None:
        if lang not in LANGS:
            return None
        await self.states.put(person.id, replace(state, chosen_lang=lang, reply_lang=lang))
        self._record(person, lambda storage: storage.record_visit(person.id, language=lang))
        loaded = self._shown(state)
        return Outcome(Reply(loaded.kb.message("language-set", lang),
                             loaded.renderer.topics(lang).buttons))

    # Pieces ------------------------------------------------------------------------------

    def _decide(self, person: Person, state: UserState, text: str) -> Decision:
        # A chosen language wins; otherwise the text tells, and where it doesn't ("ok", "🙂")
        # the person gets the language they are addressed in.
        return self.library.loaded.matcher.match(text, state.chosen_lang,
                                                 fallback_lang=self._lang(person, state))

    async def _answer(self, person: Person, state: UserState, text: str,
                      decision: Decision, update_id: int | None = None) -> Reply:
        renderer = self._shown(state).renderer
        reply = renderer.decision(decision, state.last_kind)
        answered = (decision.entry_id, text) if decision.entry_id else None
        suggested = text if renderer.offers_suggestions(decision, state.last_kind) else None
        await self.states.put(person.id, replace(
            state, reply_lang=decision.lang, last_kind=decision.kind, answered=answered,
            suggested=suggested, comment_for=None))
        self._record(person, lambda storage: storage.record_question(
            person.id, text, decision, update_id=update_id))
        return reply

    async def _rate(self, person: Person, state: UserState, lang: str, entry_id: str,
                    helpful: bool) -> Outcome:
        kb = self._shown(state).kb
        if entry_id not in kb.entries:
            return Outcome(note=kb.message("button-stale", lang))
        # The question goes with a 👎 so editors see what the answer missed (storage decides
        # whether to keep it); only the question this very entry answered qualifies.
        question = state.answered[1] if state.answered and state.answered[0] == entry_id else None
        self._record(person, lambda storage: storage.record_feedback(
            person.id, entry_id, helpful, question=question))
        thanks = kb.message("feedback-thanks", lang)
        if helpful:
            return Outcome(Reply(thanks))
        await self.states.put(person.id, replace(state, comment_for=entry_id,
                                         comment_until=time.monotonic() + COMMENT_WINDOW))
        skip = Button(kb.message("button-skip", lang), Action("skip").encode())
        return Outcome(Reply(f"{thanks}\n\n{kb.message('feedback-ask', lang)}", ((skip,),)))

    async def _quiz_answer(self, person: Person, state: UserState, lang: str,
                           arg: str) -> Outcome | None:
        """An answer to the current statement. A press on an earlier statement's buttons, or
        on a quiz that was replaced, changes nothing (None: the note for a stale button)."""
        kb = self._shown(state).kb
        decoded = quiz_replies.decode_answer(arg)
        if decoded is None or state.quiz is None or decoded[0] not in kb.quiz:
            return None
        entry_id, answer = decoded
        run = state.quiz.answer(entry_id, answer)
        if run is None:
            return None
        await self.states.put(person.id, replace(state, quiz=run,
                                                 quiz_seen=state.quiz_seen | {entry_id}))
        correct = grade(kb, entry_id, answer)
        self._record(person, lambda storage: storage.record_quiz_answer(
            person.id, entry_id, answer, correct, language=lang))
        return Outcome(quiz_replies.feedback(kb, run, entry_id, answer, lang))

    async def _measure(self, person: Person, lang: str, action: Action) -> Outcome | None:
        """Consent to the follow-up, or an answer before or after (bot/telegram/beliefs.py)."""
        if self.storage is None:
            return None
        kb = self.library.loaded.kb
        if action.kind == "consent":
            await self.recorder.flush(person.id)  # the entries just read count as read
            reply = await self.measure.consent(self.storage, kb, person.id, person.chat_id,
                                               lang, action.arg == "y")
        else:
            reply = await self.measure.answer(self.storage, kb, person.id, lang, action.arg)
        return Outcome(reply) if reply is not None else None

    async def _reject_suggestions(self, person: Person, state: UserState, lang: str) -> Reply:
        """The reply to "none of these": the fallback. If these suggestions are still the
        latest, their question is recorded as one the bot could not answer."""
        await self.states.put(person.id, replace(state, last_kind="fallback", suggested=None))
        question = state.suggested
        if question is not None:
            self._record(person, lambda storage: storage.record_rejection(person.id, question))
        return self._shown(state).renderer.fallback(lang)

    async def _forget(self, person: Person, lang: str) -> Reply:
        kb = (await self._view(person))[1].kb
        if self.storage is None:
            return Reply(kb.message("storage-failed", lang))
        await self.recorder.flush(person.id)  # nothing recorded earlier may land afterwards
        try:
            deleted = await self.storage.forget(person.id)
        except StorageError as exc:
            log.warning("/forget failed: %s", exc)
            return Reply(kb.message("storage-failed", lang))
        await self.states.drop(person.id)
        return Reply(kb.message("forget-done" if deleted else "forget-nothing", lang))

    def _clinic_lines(self, clinic: Clinic, lang: str, loaded: Loaded) -> str:
        kb = loaded.kb
        lines = [f"<b>{escape(clinic.welcome.get(lang))}</b>"]
        if clinic.phone:
            lines.append(kb.message("clinic-phone", lang, phone=escape(clinic.phone)))
        if clinic.url:
            lines.append(kb.message("clinic-website", lang, url=escape(clinic.url)))
        return "\n".join(lines)

    async def _message(self, person: Person, key: str) -> str:
        lang, loaded = await self._view(person)
        return loaded.kb.message(key, lang)

    async def _view(self, person: Person) -> tuple[str, Loaded]:
        """The language to talk to this person in, and the texts as they read them.

        Called for every command: a command after 👎 ends the wait for a comment."""
        state = await self._state(person)
        if state.comment_for is not None:
            state = replace(state, comment_for=None)
            await self.states.put(person.id, state)
        return self._lang(person, state), self._shown(state)

    def _shown(self, state: UserState) -> Loaded:
        # In the Dutch of the clinic whose link brought them, else the configured one.
        return self.library.in_dutch(self.config.dutch_for(state.clinic))

    async def _state(self, person: Person) -> UserState:
        """The person's state; on first sight, with the language chosen earlier (storage)."""
        state = await self.states.get(person.id)
        if state.loaded:
            return state
        profile = None
        seen: frozenset[str] | None = None
        if self.storage is not None:
            try:
                async with asyncio.timeout(PROFILE_WAIT):
                    profile = await self.storage.profile(person.id)
                    seen = await self.storage.quiz_seen(person.id)
            except TimeoutError:
                log.warning("storage too slow to read a profile; going on without it")
        state = replace(state, loaded=True, chosen_lang=profile.language if profile else None,
                        quiz_seen=seen or frozenset(),
                        clinic=profile.clinic if profile else None)
        await self.states.put(person.id, state)
        return state

    def _record(self, person: Person, write: Callable[[Storage], Awaitable[object]]) -> None:
        """Queue a storage write for this person; without storage, nothing is recorded."""
        if self.storage is not None:
            self.recorder.submit(person.id, partial(write, self.storage))

    async def _read_all(self, read: Callable[[Storage], Awaitable[T]]) -> T:
        """A read over every user, after the writes still pending; raises StorageError."""
        if self.storage is None:
            raise StorageError("storage is not open")
        await self.recorder.drain()
        return await read(self.storage)


def reads_as_question(decision: Decision, text: str) -> bool:
    """Whether a message after 👎 is a new question rather than the "what was missing?"
    comment: the matcher recognises it (an answer, a suggestion or a red flag), or it ends
    with a question mark."""
    return decision.kind in ("answer", "suggest", "red_flag") or text.rstrip().endswith("?")


def _stats_fields(stats: Stats) -> dict[str, str]:
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(stats.kinds.items()))
    top = ", ".join(f"{escape(entry)} ({n})" for entry, n in stats.top_entries)
    return {"days": str(stats.days), "questions": str(stats.questions),
            "users": str(stats.users), "kinds": kinds or NONE_SHOWN, "top": top or NONE_SHOWN,
            "helpful": str(stats.helpful), "not_helpful": str(stats.not_helpful)}
