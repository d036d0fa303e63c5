"""Which messages are meant for the bot: all in a private chat; in groups, only those that
mention the bot or reply to one of its messages (commands are routed by PTB itself)."""

from __future__ import annotations

import re

from telegram import Message, MessageEntity
from telegram.constants import ChatType
from telegram.ext.filters import MessageFilter


class _Addressed(MessageFilter):
    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        replied = message.reply_to_message
        sender = replied.from_user if replied is not None else None
        if sender is not None and sender.id == bot.id:
            return True
        mention = f"@{bot.username}".lower()
        found = {**message.parse_entities([MessageEntity.MENTION]),
                 **message.parse_caption_entities([MessageEntity.MENTION])}
        return any(text.lower() == mention for text in found.values())


ADDRESSED = _Addressed(name="addressed")


def without_mention(text: str, username: str) -> str:
    """The text with "@bot_username" taken out, so the matcher sees only the question."""
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()
