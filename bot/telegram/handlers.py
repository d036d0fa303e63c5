"""The PTB callbacks: each turns an update into one call on `Conversation` and sends the result.

No decisions are made here beyond reading the update; `app.py` decides which callback sees
which update.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.conversation.conversation import Conversation, Person
from bot.rendering import Reply, parse
from bot.telegram.addressing import without_mention
from bot.telegram.delivery import UpdateLedger
from bot.telegram.outbox import Outbox
from bot.telegram.rate_limit import PRESS_WEIGHT, Limiter, Verdict
from bot.telegram.retrying import probably_delivered

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

# Never rate-limited: how to start, get help, see or delete one's data, change language.
UNLIMITED_COMMANDS = frozenset({"start", "help", "privacy", "forget", "language"})
UNLIMITED_PRESSES = frozenset({"forget", "keep", "lang"})  # /forget's answers, a language


class Handlers:
    def __init__(self, conversation: Conversation, limit: Limiter, outbox: Outbox,
                 ledger: UpdateLedger) -> None:
        self.chat = conversation
        self.limit = limit
        self.outbox = outbox
        self.ledger = ledger

    # Messages ----------------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        """/start, maybe with a clinic's deep-link payload (t.me/<bot>?start=<slug>)."""
        payload = context.args[0] if context.args else None
        await self._reply(update, await self.chat.start(_person(update), payload))
        offer = await self.chat.offer_follow_up(_person(update))  # a message of its own
        if offer is not None:
            await self._reply(update, offer)

    async def help(self, update: Update, context: Context) -> None:
        """/help: how to use the bot."""
        await self._reply(update, await self.chat.help(_person(update)))

    async def topics(self, update: Update, context: Context) -> None:
        """/topics: the topic buttons."""
        await self._reply(update, await self.chat.topics(_person(update)))

    async def quiz(self, update: Update, context: Context) -> None:
        """/quiz: five statements, myth or fact?"""
        await self._reply(update, await self.chat.quiz(_person(update)))

    async def language(self, update: Update, context: Context) -> None:
        """/language: buttons to choose Dutch or English."""
        await self._reply(update, await self.chat.language_menu(_person(update)))

    async def sources(self, update: Update, context: Context) -> None:
        """/sources: every reference of the knowledge base."""
        await self._reply(update, await self.chat.sources(_person(update)))

    async def privacy(self, update: Update, context: Context) -> None:
        """/privacy: what is stored, why, how long, how to delete it."""
        if await self._in_private(update, "privacy"):
            await self._reply(update, await self.chat.privacy(_person(update)))

    async def forget(self, update: Update, context: Context) -> None:
        """/forget: ask for confirmation before deleting the user's data."""
        if await self._in_private(update, "forget"):
            await self._reply(update, await self.chat.forget_menu(_person(update)))

    async def about(self, update: Update, context: Context) -> None:
        """/about: what this bot is."""
        await self._reply(update, await self.chat.about(_person(update)))

    async def whoami(self, update: Update, context: Context) -> None:
        """/whoami: the person's own Telegram id (for admins to find theirs)."""
        await self._reply(update, await self.chat.whoami(_person(update)))

    async def stats(self, update: Update, context: Context) -> None:
        """/stats (admins): the last seven days in one message."""
        if await self._in_private(update, "stats"):
            await self._reply(update, await self.chat.stats(_person(update)))

    async def unanswered(self, update: Update, context: Context) -> None:
        """/unanswered (admins): the latest questions the bot could not answer."""
        if await self._in_private(update, "unanswered"):
            await self._reply(update, await self.chat.unanswered(_person(update)))

    async def reload(self, update: Update, context: Context) -> None:
        """/reload (admins): read the knowledge base again, keeping the old one on errors.

        Off the update path: reading a large or slow folder holds up nobody, not even the
        admin's next message. The update counts as handled once the outcome is sent.
        """
        self.ledger.defer(update.update_id)
        context.application.create_task(self._reload(update))

    async def _reload(self, update: Update) -> None:
        try:
            await self._reply(update, await self.chat.reload(_person(update)))
        except Exception:
            log.exception("/reload failed")
            self.ledger.handled(update.update_id)

    async def admin_only(self, update: Update, context: Context) -> None:
        """An admin command from someone who is not an admin: refuse politely."""
        await self._reply(update, await self.chat.admin_only(_person(update)))

    async def unknown_command(self, update: Update, context: Context) -> None:
        """A command the bot does not have: point to /help."""
        await self._reply(update, await self.chat.unknown_command(_person(update)))

    async def text(self, update: Update, context: Context) -> None:
        """A typed message: a question, or the comment after 👎."""
        text = without_mention(_message_text(update), context.bot.username)
        await self._reply(update, await self.chat.text(_person(update), text,
                                                       update_id=update.update_id))

    async def media(self, update: Update, context: Context) -> None:
        """A sticker, photo, voice note, location…: say that only text can be read."""
        await self._reply(update, await self.chat.media(_person(update)))

    # Buttons -----------------------------------------------------------------------------

    async def press(self, update: Update, context: Context) -> None:
        """A button press: answer the query, then send what the button asked for below."""
        query = update.callback_query
        assert query is not None  # routed here by CallbackQueryHandler
        outcome = await self.chat.press(_person(update), query.data)
        await _answer(query, outcome.note)
        if outcome.reply is not None and update.effective_chat is not None:
            await self._send(update, update.effective_chat.id, outcome.reply)

    # Guards ------------------------------------------------------------------------------

    async def gate(self, update: Update, context: Context) -> None:
        """Stop an update over the user's rate limit; only the first one gets a note.

        What protects or informs the person is never held back: the commands and buttons of
        `UNLIMITED_COMMANDS` / `UNLIMITED_PRESSES`, and a message that raises a red flag. A
        message without a sender (sent on behalf of a channel or a group) is not for us."""
        if update.effective_user is None:
            raise ApplicationHandlerStop
        person = _person(update)
        if update.callback_query is not None:
            action = parse(update.callback_query.data)
            if action is not None and action.kind in UNLIMITED_PRESSES:
                return
            verdict = await self.limit.verdict(person.id, PRESS_WEIGHT)
        else:
            text = _message_text(update)
            if _command(text, context.bot.username) in UNLIMITED_COMMANDS:
                return
            verdict = await self.limit.verdict(
                person.id, exempt=lambda: self.chat.is_red_flag(text))
        if verdict is Verdict.ALLOW:
            return
        if update.callback_query is not None:
            note = await self.chat.slow_down(_person(update)) if verdict is Verdict.WARN else None
            await _answer(update.callback_query, note)
        elif verdict is Verdict.WARN:
            await self._reply(update, Reply(await self.chat.slow_down(_person(update))))
        raise ApplicationHandlerStop

    async def error(self, update: object, context: Context) -> None:
        """Log the error; where a chat is known, tell the user that something went wrong."""
        error = context.error
        if update is None and isinstance(error, NetworkError):
            # getUpdates failed; PTB polls again with growing pauses. One line is enough.
            log.warning("polling for updates failed (%s); retrying", error)
            return
        if probably_delivered(error):
            # Replies are sent by the outbox, which takes a late answer for a sent message;
            # this was another call, which Telegram most likely carried out.
            log.warning("Telegram was slow to answer a call (%s)", error.__class__.__name__)
            return
        log.error("error while handling an update", exc_info=error)
        if (not isinstance(update, Update) or update.effective_chat is None
                or update.effective_user is None):
            return
        try:
            reply = await self.chat.error(_person(update))
            await self._send(update, update.effective_chat.id, reply)
        except TelegramError as exc:
            log.warning("could not tell the user about the error either (%s)",
                        exc.__class__.__name__)

    # Sending -----------------------------------------------------------------------------

    async def _reply(self, update: Update, reply: Reply) -> None:
        """Send `reply` to the update's chat; in groups it quotes the message it answers."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None:
            return
        quote = (message.message_id if message is not None and chat.type != ChatType.PRIVATE
                 else None)
        await self._send(update, chat.id, reply, quote=quote)

    async def _send(self, update: Update, chat_id: int, reply: Reply, *,
                    quote: int | None = None) -> None:
        # When the person asked: the message's time, or when the bot first got the update
        # (a button press has no time of its own), whichever is earlier.
        times = [update.message.date.timestamp()] if update.message is not None else []
        received = self.ledger.received_at(update.update_id)
        times += [received] if received is not None else []
        notice = (await self.chat.late_notice(_person(update))
                  if update.effective_user is not None else "")
        await self.outbox.send(self.outbox.parcel(
            chat_id, reply, update_id=update.update_id,
            asked_at=min(times) if times else None,
            late_notice=notice, quote=quote))

    async def _in_private(self, update: Update, command: str) -> bool:
        """Whether the chat is private; in a group, a one-line pointer is the reply instead:
        these replies show a person's own data or everyone's questions."""
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return True
        await self._reply(update, Reply(await self.chat.private_only(_person(update),
                                                                     command)))
        return False


def _person(update: Update) -> Person:
    user = update.effective_user
    if user is None:  # app.py routes only messages and button presses, which have a sender
        raise ValueError(f"update {update.update_id} has no sender")
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    return Person(user.id, user.language_code, chat.id if chat is not None and private else None)


def _command(text: str, bot_username: str | None) -> str | None:
    """The command of a message ("/help@the_bot now" -> "help"), or None."""
    words = text.split(maxsplit=1)
    if not words or not words[0].startswith("/"):
        return None
    name, _, addressee = words[0][1:].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None
    return name.lower()


async def _answer(query: CallbackQuery, note: str | None) -> None:
    """Answer a button press; if that fails (too old, Telegram slow or down), the reply below
    it still matters, so it goes on."""
    try:
        await query.answer(note)
    except TelegramError as exc:
        log.info("could not answer a button press (%s)", exc.__class__.__name__)


def _message_text(update: Update) -> str:
    message = update.effective_message
    return message.text or "" if message is not None else ""
