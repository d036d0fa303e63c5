"""The bot's aiohttp client for the Bot API (`bot.telegram.http`), through PTB's own `Bot`
against the fake Bot API: forms, file uploads, and the errors PTB expects."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.http import AiohttpRequest, ReplyTimedOut
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi, UploadedFile
from tests.helpers.telegram_bot import TOKEN

CHAT = updates.private_chat(updates.user(4242, "Lien"))


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url,
                   request=AiohttpRequest(read_timeout=0.5),
                   get_updates_request=AiohttpRequest(connections=1)) as bot:
        yield bot


async def test_a_message_with_a_keyboard_arrives_as_sent(api: FakeBotApi, bot: Bot) -> None:
    api.add_chat(CHAT)
    sent = await bot.send_message(CHAT["id"], "<b>Artrose</b> & bewegen", parse_mode="HTML",
                                  reply_markup={"inline_keyboard": [[
                                      {"text": "Lees meer", "callback_data": "more:x"}]]})
    assert sent.text == "Artrose & bewegen"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "more:x"


async def test_a_file_is_uploaded_as_a_multipart_part(api: FakeBotApi, bot: Bot) -> None:
    api.add_chat(CHAT)
    await bot.send_document(CHAT["id"], b"%PDF-1.4 poster", filename="poster.pdf",
                            caption="QR-poster")
    (call,) = api.calls("sendDocument")
    upload = call["document"]
    assert isinstance(upload, UploadedFile)
    assert (upload.filename, upload.data) == ("poster.pdf", b"%PDF-1.4 poster")
    assert call["caption"] == "QR-poster"


async def test_an_answer_that_does_not_come_is_a_reply_timeout(api: FakeBotApi,
                                                                bot: Bot) -> None:
    """Sent, but unconfirmed: `retrying` must not send it again, so it has its own type."""
    api.add_chat(CHAT)
    api.delay("sendMessage", 2.0)
    with pytest.raises(ReplyTimedOut):
        await bot.send_message(CHAT["id"], "hallo")


async def test_a_server_that_is_not_there_is_a_network_error_without_the_token() -> None:
    with socket.socket() as probe:  # a free port, with nobody listening once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot",
              request=AiohttpRequest(connect_timeout=1))
    try:
        with pytest.raises(NetworkError) as raised:
            await bot.initialize()  # asks getMe
    finally:
        await bot.shutdown()
    assert not isinstance(raised.value, TimedOut)
    assert TOKEN not in str(raised.value)
    assert TOKEN.split(":")[1] not in repr(raised.value)
