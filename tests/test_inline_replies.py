"""Replies inside the webhook's response (`bot.telegram.inline`): the same sendMessage that a
Bot API call would make, only the last message of an update, and in order."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

from bot.config import Delivery
from bot.rendering import Button, Reply
from bot.telegram.delivery import UpdateLedger
from bot.telegram.inline import InlineReplies
from bot.telegram.outbox import Outbox
from bot.telegram.retrying import RetryingRateLimiter, RetryPolicy
from tests.helpers.fake_bot_api import FakeBotApi

CHAT = 3003


@pytest.fixture
async def outbox(api: FakeBotApi) -> AsyncIterator[Outbox]:
    # The bot's defaults as build_application sets them.
    bot: ExtBot[None] = ExtBot(api.token, base_url=api.base_url, defaults=Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
    async with bot:
        yield Outbox(bot, UpdateLedger(), Delivery(), inline=InlineReplies())


def answer(text: str = "<b>Nee</b>, dat is een fabel.") -> Reply:
    return Reply(text, ((Button("👍", "up:x"), Button("👎", "dn:x")),))


async def test_the_reply_held_for_the_response_is_the_call_the_bot_would_make(
        api: FakeBotApi, outbox: Outbox) -> None:
    assert outbox.inline is not None
    parcel = outbox.parcel(CHAT, answer(), update_id=1, quote=77)
    with outbox.inline.responding(1, CHAT) as slot:
        await outbox.send(parcel)
    assert slot is not None and slot.method is not None
    assert api.calls("sendMessage") == []  # nothing sent: it goes in the response
    await outbox.send(outbox.parcel(CHAT, answer(), update_id=2, quote=77))  # no response
    [by_call] = api.calls("sendMessage")
    assert {**slot.method, "chat_id": CHAT} == {"method": "sendMessage", **by_call}


async def test_only_the_last_message_of_an_update_goes_in_the_response_after_the_others(
        api: FakeBotApi, outbox: Outbox) -> None:
    assert outbox.inline is not None
    with outbox.inline.responding(5, CHAT) as slot:
        await outbox.send(outbox.parcel(CHAT, Reply("first"), update_id=5))
        assert api.calls("sendMessage") == []
        await outbox.send(outbox.parcel(CHAT, Reply("second"), update_id=5))
        assert api.sent_texts(CHAT) == ["first"]  # sent when the second came, before it
    assert slot is not None and slot.method is not None and slot.method["text"] == "second"


async def test_a_reply_in_several_messages_or_to_another_chat_goes_by_bot_api_call(
        api: FakeBotApi, outbox: Outbox) -> None:
    assert outbox.inline is not None
    with outbox.inline.responding(6, CHAT) as slot:
        await outbox.send(outbox.parcel(CHAT, Reply("lang " * 2000), update_id=6))
        await outbox.send(outbox.parcel(CHAT + 1, Reply("elders"), update_id=6))
    assert slot is not None and slot.method is None
    assert len(api.sent_texts(CHAT)) >= 2 and api.sent_texts(CHAT + 1) == ["elders"]


async def test_replies_in_responses_keep_to_telegrams_flood_limit_as_calls_do(
        api: FakeBotApi) -> None:
    # Telegram holds a call in a response to the same limit (about 30 messages a second) and
    # the bot would never see its 429: so the bot paces them as it paces its calls.
    bot: ExtBot[None] = ExtBot(api.token, base_url=api.base_url,
                               rate_limiter=RetryingRateLimiter(RetryPolicy()))
    async with bot:
        outbox = Outbox(bot, UpdateLedger(), Delivery(), inline=InlineReplies())
        assert outbox.inline is not None
        started = time.monotonic()
        for n in range(40):  # 40 people at once; 10 over the burst Telegram allows
            with outbox.inline.responding(100 + n, 9000 + n) as slot:
                await outbox.send(outbox.parcel(9000 + n, Reply("ok"), update_id=100 + n))
            assert slot is not None and slot.method is not None
        assert time.monotonic() - started >= 0.2  # about 10 / 30 s
    assert api.calls("sendMessage") == []
