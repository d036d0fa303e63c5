"""The PTB callbacks: each turns an update into one call on `Conversation` and sends the result.

No decisions are made here beyond reading the update; `app.py` decides which callback sees
which update.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.rendering import Reply
from bot.telegram.addressing import without_mention
from bot.telegram.conversation import Conversation, Person
from bot.telegram.rate_limit import Limiter, Verdict
from bot.telegram.retrying import probably_delivered
from bot.telegram.sending import send

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


class Handlers:
    def __init__(self, conversation: Conversation, limit: Limiter) -> None:
        self.chat = conversation
        self.limit = limit

    # Messages ----------------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        """/start, maybe with a clinic's deep-link payload (t.me/<bot>?start=<slug>)."""
        payload = context.args[0] if context.args else None
        await _reply(update, context, await self.chat.start(_person(update), payload))

    async def help(self, update: Update, context: Context) -> None:
        """/help: how to use the bot."""
        await _reply(update, context, await self.chat.help(_person(update)))

    async def topics(self, update: Update, context: Context) -> None:
        """/topics: the topic buttons."""
        await _reply(update, context, await self.chat.topics(_person(update)))

    async def quiz(self, update: Update, context: Context) -> None:
        """/quiz: five statements, myth or fact?"""
        await _reply(update, context, await self.chat.quiz(_person(update)))

    async def language(self, update: Update, context: Context) -> None:
        """/language: buttons to choose Dutch or English."""
        await _reply(update, context, await self.chat.language_menu(_person(update)))

    async def sources(self, update: Update, context: Context) -> None:
        """/sources: every reference of the knowledge base."""
        await _reply(update, context, await self.chat.sources(_person(update)))

    async def privacy(self, update: Update, context: Context) -> None:
        """/privacy: what is stored, why, how long, how to delete it."""
        await _reply(update, context, await self.chat.privacy(_person(update)))

    async def forget(self, update: Update, context: Context) -> None:
        """/forget: ask for confirmation before deleting the user's data."""
        await _reply(update, context, await self.chat.forget_menu(_person(update)))

    async def about(self, update: Update, context: Context) -> None:
        """/about: what this bot is."""
        await _reply(update, context, await self.chat.about(_person(update)))

    async def stats(self, update: Update, context: Context) -> None:
        """/stats (admins): the last seven days in one message."""
        await _reply(update, context, await self.chat.stats(_person(update)))

    async def unanswered(self, update: Update, context: Context) -> None:
        """/unanswered (admins): the latest questions the bot could not answer."""
        await _reply(update, context, await self.chat.unanswered(_person(update)))

    async def reload(self, update: Update, context: Context) -> None:
        """/reload (admins): read the knowledge base again, keeping the old one on errors."""
        await _reply(update, context, await self.chat.reload(_person(update)))

    async def admin_only(self, update: Update, context: Context) -> None:
        """An admin command from someone who is not an admin: refuse politely."""
        await _reply(update, context, await self.chat.admin_only(_person(update)))

    async def unknown_command(self, update: Update, context: Context) -> None:
        """A command the bot does not have: point to /help."""
        await _reply(update, context, await self.chat.unknown_command(_person(update)))

    async def text(self, update: Update, context: Context) -> None:
        """A typed message: a question, or the comment after 👎."""
        text = without_mention(_message_text(update), context.bot.username)
        await _reply(update, context, await self.chat.text(_person(update), text))

    async def media(self, update: Update, context: Context) -> None:
        """A sticker, photo, voice note, location…: say that only text can be read."""
        await _reply(update, context, await self.chat.media(_person(update)))

    # Buttons -----------------------------------------------------------------------------

    async def press(self, update: Update, context: Context) -> None:
        """A button press: answer the query, then send what the button asked for below."""
        query = update.callback_query
        assert query is not None  # routed here by CallbackQueryHandler
        outcome = await self.chat.press(_person(update), query.data)
        try:
            await query.answer(outcome.note)
        except BadRequest as exc:
            # Too old to answer (pressed while the bot was down): the reply still matters.
            log.info("could not answer a button press (%s)", exc)
        if outcome.reply is not None and update.effective_chat is not None:
            await send(context.bot, update.effective_chat.id, outcome.reply)

    # Guards ------------------------------------------------------------------------------

    async def gate(self, update: Update, context: Context) -> None:
        """Stop an update over the user's rate limit; only the first one gets a note."""
        verdict = await self.limit.verdict(_person(update).id)
        if verdict is Verdict.ALLOW:
            return
        if update.callback_query is not None:
            note = await self.chat.slow_down(_person(update)) if verdict is Verdict.WARN else None
            await update.callback_query.answer(note)
        elif verdict is Verdict.WARN:
            await _reply(update, context, Reply(await self.chat.slow_down(_person(update))))
        raise ApplicationHandlerStop

    async def error(self, update: object, context: Context) -> None:
        """Log the error; where a chat is known, tell the user that something went wrong."""
        error = context.error
        if update is None and isinstance(error, NetworkError):
            # getUpdates failed; PTB polls again with growing pauses. One line is enough.
            log.warning("polling for updates failed (%s); retrying", error)
            return
        if probably_delivered(error):
            # The reply reached Telegram, which answered too late: the person most likely has
            # it, and a "sorry" on top would say something went wrong when it did not.
            log.warning("Telegram was slow to confirm a reply (%s); it is not sent again", error)
            return
        log.error("error while handling an update", exc_info=error)
        if (not isinstance(update, Update) or update.effective_chat is None
                or update.effective_user is None):
            return
        try:
            reply = await self.chat.error(_person(update))
            await send(context.bot, update.effective_chat.id, reply)
        except TelegramError as exc:
            log.warning("could not tell the user about the error either (%s)", exc)


def _person(update: Update) -> Person:
    user = update.effective_user
    if user is None:  # app.py routes only messages and button presses, which have a sender
        raise ValueError(f"update {update.update_id} has no sender")
    return Person(user.id, user.language_code)


def _message_text(update: Update) -> str:
    message = update.effective_message
    return message.text or "" if message is not None else ""


async def _reply(update: Update, context: Context, reply: Reply) -> None:
    """Send `reply` to the update's chat; in groups it quotes the message it answers."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return
    quote = message.message_id if message is not None and chat.type != ChatType.PRIVATE else None
    await send(context.bot, chat.id, reply, quote=quote)
