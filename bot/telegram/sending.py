"""Send a rendered `Reply`: split to Telegram's length limit, buttons under the last part."""

from __future__ import annotations

from telegram import Bot, ReplyParameters

from bot.rendering import Reply
from bot.telegram.keyboards import keyboard
from bot.telegram.splitting import split_message


async def send(bot: Bot, chat_id: int, reply: Reply, *, quote: int | None = None) -> None:
    """Send `reply` to the chat; with `quote` (a message id, in groups) the first part
    replies to that message, so it is clear whom the bot answers."""
    parts = split_message(reply.text)
    for number, part in enumerate(parts, 1):
        last = number == len(parts)
        await bot.send_message(
            chat_id, part,
            reply_markup=keyboard(reply) if last else None,
            reply_parameters=(ReplyParameters(quote, allow_sending_without_reply=True)
                              if quote is not None and number == 1 else None))
