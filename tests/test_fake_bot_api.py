"""Tests of the fake Bot API server, driven by python-telegram-bot's real Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi, UploadedFile

pytestmark = pytest.mark.timeout(30)

TOKEN = "123456:TEST-token"
App = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it, PTB 22 warns (PTBDeprecationWarning) while *constructing* RetryAfter, which
    # filterwarnings=error turns into an exception inside PTB's request layer.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as fake:
        yield fake


def plain_bot(api: FakeBotApi, *, token: str = TOKEN, read_timeout: float = 5.0) -> Bot:
    request = HTTPXRequest(read_timeout=read_timeout)
    return Bot(
        token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=request,
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


class EchoBot:
    """A tiny bot defined here: echoes text with a button; a press edits the message."""

    def __init__(self) -> None:
        self.replies: list[Message] = []
        self.presses: list[CallbackQuery] = []
        self.errors: list[BaseException] = []

    async def echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Reply with the text and an inline button."""
        assert update.message is not None and update.message.text is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
        sent = await update.message.reply_text(
            f"echo: {update.message.text}", reply_markup=keyboard
        )
        self.replies.append(sent)

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the query first, then replace the message text (dropping the keyboard)."""
        query = update.callback_query
        assert query is not None
        await query.answer("Done")
        await query.edit_message_text(f"pressed <b>{query.data}</b>", parse_mode=ParseMode.HTML)
        self.presses.append(query)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Collect errors instead of logging them."""
        assert context.error is not None
        self.errors.append(context.error)

    def build(self, api: FakeBotApi) -> App:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.echo))
        app.add_handler(CallbackQueryHandler(self.press))
        app.add_error_handler(self.on_error)
        return app


@asynccontextmanager
async def polling(app: App) -> AsyncIterator[App]:
    """Run `app` with long polling the way production does, and stop it properly."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


# ---------------------------------------------------------------------- basics


async def test_get_me_returns_a_bot_user(api: FakeBotApi) -> None:
    async with plain_bot(api) as bot:
        me = await bot.get_me()
    assert me.is_bot is True
    assert me.id == 123456
    assert me.username == "mythbot_test_bot"
    assert me.can_join_groups is True
    assert api.calls("getMe")


async def test_wrong_token_gets_401_and_unknown_method_404(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with plain_bot(api, token="999:WRONG"):
            pass
    async with plain_bot(api) as bot:
        # do_api_request turns the 404 (InvalidToken elsewhere) into EndPointNotFound
        with pytest.raises(EndPointNotFound, match="sendSmokeSignal"):
            await bot.do_api_request("sendSmokeSignal")
    assert [call.status for call in api.log] == [401, 200, 404]


async def test_json_form_and_multipart_bodies_are_decoded(api: FakeBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    url = f"{api.base_url}{TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"chat_id": 5, "text": "json", "reply_markup": markup}):
            pass
        form = {"chat_id": "5", "text": "123", "reply_markup": '{"inline_keyboard": []}'}
        async with session.post(url, data=form) as response:
            body = await response.json()
    assert body["ok"] is True
    assert body["result"]["text"] == "123"
    first, second = api.sent_messages(chat_id=5)
    assert first == {"chat_id": 5, "text": "json", "reply_markup": markup}
    # a text that looks like a number stays a string; nested JSON is decoded
    assert second == {"chat_id": 5, "text": "123", "reply_markup": {"inline_keyboard": []}}

    async with plain_bot(api) as bot:
        sent = await bot.send_document(5, b"%PDF-1.4 fake", filename="leaflet.pdf", caption="Hi")
    params = api.calls("sendDocument")[0]
    assert isinstance(params["document"], UploadedFile)
    assert params["document"].filename == "leaflet.pdf"
    assert params["document"].data == b"%PDF-1.4 fake"
    assert sent.document is not None and sent.caption == "Hi"


# ---------------------------------------------------------------------- getUpdates


async def test_long_poll_returns_as_soon_as_an_update_is_queued(api: FakeBotApi) -> None:
    loop = asyncio.get_running_loop()
    async with plain_bot(api) as bot:
        started = loop.time()
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await api.wait_for("getUpdates")
        queued = api.push_update(updates.text_message("hoi"))
        received = await asyncio.wait_for(poll, timeout=3)
        assert loop.time() - started < 3
        assert [u.update_id for u in received] == [queued["update_id"]]
        assert received[0].message is not None and received[0].message.text == "hoi"

        started = loop.time()
        empty = await bot.get_updates(offset=received[-1].update_id + 1, timeout=1)
        assert empty == ()
        assert loop.time() - started >= 0.9
    assert api.pending_updates == []


async def test_offset_and_limit(api: FakeBotApi) -> None:
    ids = [api.push_update(updates.text_message(f"m{i}"))["update_id"] for i in range(5)]
    async with plain_bot(api) as bot:
        first = await bot.get_updates(limit=2)
        assert [u.update_id for u in first] == ids[:2]
        again = await bot.get_updates(limit=2)  # not confirmed yet: delivered again
        assert [u.update_id for u in again] == ids[:2]
        rest = await bot.get_updates(offset=ids[1] + 1)
        assert [u.update_id for u in rest] == ids[2:]
        last = await bot.get_updates(offset=-1)  # forgets all but the last
        assert [u.update_id for u in last] == ids[-1:]
    assert [u["update_id"] for u in api.pending_updates] == ids[-1:]


async def test_a_second_poller_terminates_the_first_with_conflict(api: FakeBotApi) -> None:
    async with plain_bot(api) as first, plain_bot(api) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=10))
        await api.wait_for("getUpdates")
        await second.get_updates(timeout=0)
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(waiting, timeout=3)


async def test_stopping_the_fake_releases_a_pending_long_poll() -> None:
    loop = asyncio.get_running_loop()
    async with FakeBotApi(token=TOKEN) as api, plain_bot(api) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await api.wait_for("getUpdates")
        started = loop.time()
        await api.stop()
        assert await asyncio.wait_for(poll, timeout=3) == ()
        assert loop.time() - started < 3


# ---------------------------------------------------------------------- a real Application


async def test_echo_bot_replies_with_text_and_keyboard(api: FakeBotApi) -> None:
    anna = updates.user(1001, "Anna")
    bram = updates.user(1002, "Bram", language_code="en")
    echo = EchoBot()
    async with polling(echo.build(api)):
        api.push_update(updates.text_message("Is artrose slijtage?", user=anna))
        api.push_update(updates.text_message("Does rain hurt?", user=bram))
        api.push_update(updates.text_message("Nog één", user=anna))
        await api.wait_for("sendMessage", 3, ok=True)

    assert api.sent_texts(1001) == ["echo: Is artrose slijtage?", "echo: Nog één"]
    assert api.sent_texts(1002) == ["echo: Does rain hurt?"]
    keyboard = {"inline_keyboard": [[{"text": "Again", "callback_data": "again"}]]}
    assert all(params["reply_markup"] == keyboard for params in api.sent_messages())
    # PTB parsed the fake's answers into real Message objects
    # Anna's two messages were queued before the bot replied: ids 1 and 2, replies 3 and 4
    assert [m.message_id for m in echo.replies if m.chat_id == 1001] == [3, 4]
    reply = echo.replies[0]
    assert reply.from_user is not None and reply.from_user.username == "mythbot_test_bot"
    assert reply.reply_markup is not None
    assert reply.reply_markup.inline_keyboard[0][0].callback_data == "again"
    assert reply.chat.first_name == "Anna"
    assert echo.errors == []


async def test_replies_in_groups_quote_the_message_by_default(api: FakeBotApi) -> None:
    group = updates.group_chat()
    echo = EchoBot()
    async with polling(echo.build(api)):
        asked = api.push_update(
            updates.group_message("is artrose slijtage?", mention=api.username, chat=group)
        )
        await api.wait_for("sendMessage", ok=True)

    # PTB's reply_text quotes in non-private chats unless do_quote=False is passed
    (params,) = api.sent_messages(group["id"])
    assert params["reply_parameters"] == {"message_id": asked["message"]["message_id"]}
    (reply,) = echo.replies
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "@mythbot_test_bot is artrose slijtage?"
    assert reply.chat.type == "supergroup"


async def test_callback_query_is_answered_and_edits_the_message(api: FakeBotApi) -> None:
    echo = EchoBot()
    async with polling(echo.build(api)):
        api.push_update(updates.text_message("hallo"))
        await api.wait_for("sendMessage", ok=True)
        bot_message = api.last_bot_message(updates.DEFAULT_USER_ID)
        press = api.push_update(updates.callback_query("again", message=bot_message))
        await api.wait_for("editMessageText", ok=True)

    (answer,) = api.calls("answerCallbackQuery")
    assert answer == {"callback_query_id": press["callback_query"]["id"], "text": "Done"}
    edited = api.message(updates.DEFAULT_USER_ID, bot_message["message_id"])
    assert edited is not None
    assert edited["text"] == "pressed again"
    assert edited["entities"] == [{"type": "bold", "offset": 8, "length": 5}]
    assert "reply_markup" not in edited  # an edit without reply_markup drops the keyboard
    assert "edit_date" in edited
    assert len(echo.presses) == 1 and echo.errors == []


async def test_every_update_is_delivered_once_across_batches(api: FakeBotApi) -> None:
    echo = EchoBot()
    async with polling(echo.build(api)):
        for i in range(3):
            api.push_update(updates.text_message(f"first {i}"))
        await api.wait_for("sendMessage", 3)
        for i in range(2):
            api.push_update(updates.text_message(f"second {i}"))
        await api.wait_for("sendMessage", 5)

    texts = Counter(api.sent_texts())
    assert texts == Counter({f"echo: first {i}": 1 for i in range(3)}) + Counter(
        {f"echo: second {i}": 1 for i in range(2)}
    )
    offsets = [params.get("offset", 0) for params in api.calls("getUpdates")]
    assert offsets == sorted(offsets) and offsets[-1] == 6
    assert api.pending_updates == []  # the final getUpdates on stop confirmed everything


@pytest.mark.fault
async def test_polling_recovers_from_500_and_429(api: FakeBotApi) -> None:
    api.fail("getUpdates", status=500)
    api.fail("getUpdates", status=429, retry_after=1)
    for i in range(2):
        api.push_update(updates.text_message(f"before {i}"))
    echo = EchoBot()
    async with polling(echo.build(api)):
        await api.wait_for("sendMessage", 2, timeout=8)
        api.push_update(updates.text_message("after"))
        await api.wait_for("sendMessage", 3)

    assert Counter(api.sent_texts()) == Counter(["echo: before 0", "echo: before 1", "echo: after"])
    statuses = [call.status for call in api.log if call.method == "getUpdates"]
    assert statuses[:3] == [500, 429, 200]
    failed = [call.description for call in api.log if call.status not in (200, None)]
    assert failed == ["Internal Server Error", "Too Many Requests: retry after 1"]
    assert echo.errors == []  # polling errors go to PTB's retry loop, not the error handler


@pytest.mark.fault
async def test_failed_send_reaches_the_error_handler_and_the_next_one_works(
    api: FakeBotApi,
) -> None:
    api.fail("sendMessage", status=500)
    api.fail("sendMessage", status=403)
    echo = EchoBot()
    async with polling(echo.build(api)):
        for text in ("one", "two", "three"):
            api.push_update(updates.text_message(text))
        await api.wait_for("sendMessage", 3)

    assert [str(error) for error in echo.errors] == [
        "Internal Server Error",
        "Forbidden: bot was blocked by the user",
    ]
    assert api.sent_texts() == ["echo: three"]
    assert len(api.calls("sendMessage", ok=False)) == 2


@pytest.mark.fault
async def test_429_on_send_raises_retry_after(api: FakeBotApi) -> None:
    api.fail("sendMessage", status=429, retry_after=3)
    async with plain_bot(api) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "hi")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
        await bot.send_message(1001, "hi again")
    assert api.sent_texts() == ["hi again"]


@pytest.mark.fault
async def test_connection_reset_and_delay(api: FakeBotApi) -> None:
    api.reset_connection("sendMessage")
    api.reset_connection("sendMessage", after_processing=True)
    api.delay("sendMessage", 1.0)
    async with plain_bot(api, read_timeout=0.3) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "lost before")
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "lost after")
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "slow")
        await bot.send_message(1001, "fine")
        await api.wait_for("sendMessage", 3, ok=True, timeout=3)
    # A reset after handling and a timeout both leave a message the client thinks failed:
    # retrying blindly would send it twice.
    assert api.sent_texts() == ["lost after", "slow", "fine"]
    assert [m["text"] for m in api.bot_messages(1001)] == ["lost after", "fine", "slow"]
    outcome = [(call.status, call.delivered) for call in api.log if call.method == "sendMessage"]
    assert outcome == [(0, False), (200, False), (200, False), (200, True)]


async def test_wait_for_times_out_with_a_report(api: FakeBotApi) -> None:
    async with plain_bot(api) as bot:
        await bot.send_chat_action(1001, "typing")
    with pytest.raises(TimeoutError) as caught:
        await api.wait_for("sendMessage", timeout=0.2)
    report = str(caught.value)
    assert "waiting for 1 call(s) to sendMessage; got 0" in report
    assert "getMe x1" in report and "sendChatAction x1" in report


# ---------------------------------------------------------------------- Telegram's rules


async def test_telegram_rules_are_enforced(api: FakeBotApi) -> None:
    async with plain_bot(api) as bot:
        with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "div"'):
            await bot.send_message(1001, "<div>x</div>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(1001, "1 < 2", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(1001, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(
                1001,
                "choose",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("long", callback_data="x" * 65)]]
                ),
            )
        sent = await bot.send_message(
            1001, "<b>Myth</b> &amp; <i>fact</i> 🦴", parse_mode=ParseMode.HTML
        )
        assert sent.text == "Myth & fact 🦴"
        assert [(e.type, e.offset, e.length) for e in sent.entities] == [
            ("bold", 0, 4),
            ("italic", 7, 4),
        ]
        rich = await bot.send_message(
            1001,
            '<pre><code class="language-python">x = 1</code></pre> '
            '<a href="https://example.org">bron</a> <tg-spoiler>s</tg-spoiler>',
            parse_mode=ParseMode.HTML,
        )
        assert rich.text == "x = 1 bron s"
        assert [(e.type, e.offset, e.length) for e in rich.entities] == [
            ("pre", 0, 5),
            ("text_link", 6, 4),
            ("spoiler", 11, 1),
        ]
        assert rich.entities[0].language == "python"
        assert rich.entities[1].url == "https://example.org"
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "<b>Myth</b> &amp; <i>fact</i> 🦴",
                1001,
                sent.message_id,
                parse_mode=ParseMode.HTML,
            )
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", 1001, 999)
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query("no-such-query")
        assert await bot.delete_message(1001, sent.message_id) is True
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(1001, sent.message_id)


async def test_an_empty_inline_keyboard_removes_the_keyboard(api: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        sent = await bot.send_message(1001, "Vraag?", reply_markup=keyboard)
        edited = await bot.edit_message_reply_markup(
            1001, sent.message_id, reply_markup=InlineKeyboardMarkup([])
        )
        assert isinstance(edited, Message) and edited.reply_markup is None
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(1001, sent.message_id)
    stored = api.message(1001, sent.message_id)
    assert stored is not None and "reply_markup" not in stored


async def test_commands_and_descriptions_are_kept_per_language(api: FakeBotApi) -> None:
    async with plain_bot(api) as bot:
        await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Help")])
        await bot.set_my_commands([BotCommand("start", "Begin")], language_code="nl")
        await bot.set_my_description("Mythes over artrose", language_code="nl")
        await bot.set_my_short_description("Artrose mythes")
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Start", "Capital letters are refused")])
        default = await bot.get_my_commands()
        dutch = await bot.get_my_commands(language_code="nl")
        description = await bot.get_my_description(language_code="nl")
        short = await bot.get_my_short_description(language_code="en")  # falls back to default
    assert [c.command for c in default] == ["start", "help"]
    assert [c.command for c in dutch] == ["start"]
    assert description.description == "Mythes over artrose"
    assert short.short_description == "Artrose mythes"
    assert api.calls("setMyCommands")[1]["commands"] == [
        {"command": "start", "description": "Begin"}
    ]


async def test_files_can_be_fetched_and_downloaded(api: FakeBotApi) -> None:
    api.add_file("voice-1", b"OggS fake voice", file_path="voice/file_1.oga")
    async with plain_bot(api) as bot:
        file = await bot.get_file("voice-1")
        assert file.file_size == len(b"OggS fake voice")
        assert bytes(await file.download_as_bytearray()) == b"OggS fake voice"
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("unknown")


# ---------------------------------------------------------------------- builders


async def test_every_builder_gives_an_update_ptb_parses(api: FakeBotApi) -> None:
    group = updates.group_chat()
    built = {
        "text": updates.text_message("Zie https://example.org #artrose"),
        "command": updates.command("start", "myth_42"),
        "sticker": updates.sticker(),
        "photo": updates.photo(caption="Mijn knie"),
        "voice": updates.voice(4),
        "document": updates.document(),
        "location": updates.location(),
        "group": updates.group_message("wat is artrose?", mention="mythbot_test_bot", chat=group),
        "group_command": updates.command("help", bot_username="mythbot_test_bot", chat=group),
        "blocked": updates.my_chat_member("kicked"),
    }
    async with plain_bot(api) as bot:
        parsed = {name: Update.de_json(data, bot) for name, data in built.items()}
        sent = await bot.send_message(1001, "keuze")
        press = Update.de_json(updates.callback_query("pick:1", message=sent.to_dict()), bot)
        edited_src = updates.text_message("origineel")
        edited = Update.de_json(updates.edited_text_message(edited_src, "nieuw /help"), bot)

    command = parsed["command"].message
    assert command is not None and command.text == "/start myth_42"
    assert command.entities[0].type == "bot_command" and command.entities[0].length == 6
    assert [e.type for e in parsed["text"].message.entities] == ["url", "hashtag"]  # type: ignore[union-attr]
    group_msg = parsed["group"].effective_message
    assert group_msg is not None and group_msg.chat.type == "supergroup"
    assert group_msg.parse_entities(["mention"]).popitem()[1] == "@mythbot_test_bot"
    group_cmd = parsed["group_command"].effective_message
    assert group_cmd is not None and group_cmd.text == "/help@mythbot_test_bot"
    assert group_cmd.entities[0].length == len("/help@mythbot_test_bot")
    assert parsed["sticker"].effective_message.sticker is not None  # type: ignore[union-attr]
    assert parsed["photo"].effective_message.photo[-1].width == 1280  # type: ignore[union-attr]
    assert parsed["voice"].effective_message.voice.duration == dtm.timedelta(seconds=4)  # type: ignore[union-attr]
    assert parsed["location"].effective_message.location is not None  # type: ignore[union-attr]
    assert parsed["blocked"].my_chat_member.new_chat_member.status == "kicked"  # type: ignore[union-attr]
    assert press.callback_query is not None and press.callback_query.data == "pick:1"
    assert press.callback_query.from_user.id == 1001
    assert edited.edited_message is not None and edited.edited_message.text == "nieuw /help"
    for update in (*parsed.values(), press, edited):
        assert isinstance(update, Update)


async def test_push_update_numbers_updates_and_messages_like_telegram(api: FakeBotApi) -> None:
    first = api.push_update(updates.text_message("a"))
    async with plain_bot(api) as bot:
        reply = await bot.send_message(1001, "b")
        reply_to_user = await bot.send_message(
            1001, "c", reply_parameters=ReplyParameters(first["message"]["message_id"])
        )
    second = api.push_update(updates.text_message("d"))
    assert second["update_id"] == first["update_id"] + 1
    ids = [first["message"]["message_id"], reply.message_id, second["message"]["message_id"]]
    assert ids == [1, 2, 4]
    assert reply_to_user.reply_to_message is not None
    assert reply_to_user.reply_to_message.text == "a"
    assert [m["text"] for m in api.chat_messages(1001)] == ["a", "b", "c", "d"]


async def test_update_types_not_asked_for_are_not_delivered(api: FakeBotApi) -> None:
    api.push_update(updates.text_message("kept"))
    async with plain_bot(api) as bot:
        delivered = await bot.get_updates(allowed_updates=["callback_query"])
        assert delivered == ()
        api.push_update(updates.text_message("also dropped"))
        api.push_update(updates.callback_query("x", message=updates.text_message("m")["message"]))
        delivered = await bot.get_updates()  # the previous allowed_updates setting still holds
    assert [u.callback_query is not None for u in delivered] == [True]


async def test_custom_handler_and_generic_error(api: FakeBotApi) -> None:
    api.set_handler("sendMythCard", lambda params: {"card": params["myth"]})
    async with plain_bot(api) as bot:
        result = await bot.do_api_request("sendMythCard", api_kwargs={"myth": 42})
        assert result == {"card": 42}
        api.fail("*", status=502)
        with pytest.raises(TelegramError, match="Bad Gateway"):
            await bot.get_me()
