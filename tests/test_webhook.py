"""`serve` in this process (one instance, SQLite) and `webhook set|info|delete`, against the
fake Bot API: what Telegram's posts get back, that each is answered once, and a drained stop.
The same on PostgreSQL with several instances behind nginx: tests/test_scale.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.cli import main
from bot.config import Config
from bot.conversation.state import UserState
from bot.quiz import QuizRun
from bot.runtime import Loaded
from bot.telegram import ALLOWED_UPDATES
from bot.webhook.service import Listen, listen_settings, serve
from bot.webhook.states import decode, encode
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, TOKEN, bot_config

HOOK_SECRET = "s3cret-for_tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Instance:
    def __init__(self, url: str, session: aiohttp.ClientSession, api: FakeBotApi) -> None:
        self.url = url
        self.session = session
        self.api = api

    async def post(self, update: Any, *, secret: str | None = HOOK_SECRET,
                   raw: bytes | None = None) -> tuple[int, bool | None]:
        """Post as Telegram does, and carry out the reply in the answer as it does;
        (status, whether the update was new: None when the answer does not say)."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[HEADER] = secret
        data = raw if raw is not None else json.dumps(update).encode()
        async with self.session.post(f"{self.url}/telegram", data=data,
                                     headers=headers) as response:
            self.api.answer_in_response(response.status, await response.read(),
                                        update.get("update_id") if isinstance(update, dict)
                                        else None)
            return response.status, _handled(response.headers)


def _handled(headers: Any) -> bool | None:
    return {"new": True, "before": False}.get(headers.get("X-Mythbot-Handled", ""))


def stale_press(user_id: int = updates.DEFAULT_USER_ID) -> dict[str, Any]:
    """A press on a button the bot no longer knows: answered by a Bot API call (a note on
    the button), not inside the webhook's response."""
    who = updates.user(user_id)
    message = {"message_id": 1, "date": 0, "chat": updates.private_chat(who), "text": "?"}
    return updates.callback_query("stale", message=message, user=who)


@contextlib.asynccontextmanager
async def serving(api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path,
                  storage_url: str | None = None
                  ) -> AsyncIterator[tuple[Instance, asyncio.Event, asyncio.Task[None]]]:
    cfg = bot_config(config, api, tmp_path)
    if storage_url is not None:
        cfg = cfg.model_copy(update={"storage": cfg.storage.model_copy(
            update={"url": storage_url})})
    port = free_port()
    stop = asyncio.Event()
    listen = Listen("127.0.0.1", port, HOOK_SECRET, "test-1")
    task = asyncio.create_task(serve(cfg, api.token, loaded, lambda: loaded, listen,
                                     environ=SECRET, stop=stop))
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        break
            if task.done():
                await task
            await asyncio.sleep(0.05)
        try:
            yield Instance(f"http://127.0.0.1:{port}", session, api), stop, task
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)


async def test_an_update_is_answered_once_and_acknowledged_after(
        api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path) -> None:
    async with serving(api, config, loaded, tmp_path) as (instance, _, _):
        update = updates.text_message("Is artrose slijtage?")
        assert await instance.post(update) == (200, True)
        # The reply came inside the webhook's 200, no Bot API call: no waiting needed here.
        [reply] = api._calls("sendMessage", ok=True)
        assert reply.in_response and reply.params["chat_id"] == updates.DEFAULT_USER_ID
        assert reply.params["parse_mode"] == "HTML"
        assert reply.params["reply_markup"]["inline_keyboard"]  # 👍 / 👎 under the answer
        # Telegram delivers it again (had it not got that 200 after all): the same reply,
        # which Telegram carries out only if the first never reached it.
        assert await instance.post(update) == (200, False)
        assert len(api.sent_messages(updates.DEFAULT_USER_ID)) == 1


async def test_a_redelivery_whose_first_answer_was_lost_gets_the_same_reply_once(
        api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path) -> None:
    async with serving(api, config, loaded, tmp_path) as (instance, _, _):
        update = updates.text_message("Is artrose slijtage?")
        headers = {"Content-Type": "application/json", HEADER: HOOK_SECRET}
        # The first answer never reaches Telegram (the connection broke on its way back),
        # so Telegram carries out nothing and delivers the update again.
        async with instance.session.post(f"{instance.url}/telegram", data=json.dumps(update),
                                         headers=headers) as response:
            lost = await response.read()
        assert response.status == 200 and api.sent_messages() == []
        assert await instance.post(update) == (200, False)
        [reply] = api.sent_messages()
        assert json.loads(lost) == {"method": "sendMessage", **reply}


async def test_what_does_not_fit_the_response_goes_by_bot_api_call_in_order(
        api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path) -> None:
    async with serving(api, config, loaded, tmp_path) as (instance, _, _):
        assert await instance.post(stale_press()) == (200, True)
        [note] = api._calls("answerCallbackQuery", ok=None)  # (a query the fake never saw)
        assert not note.in_response and note.params["text"]
        # /sources lists every reference: longer than one Telegram message.
        assert await instance.post(updates.command("sources")) == (200, True)
        sent = api._calls("sendMessage", ok=True)
        assert len(sent) >= 2, "pick a reply longer than one Telegram message"
        assert [call.in_response for call in sent] == [False] * len(sent)


@pytest.mark.parametrize(("secret", "status"), [(None, 401), ("wrong", 403), ("", 403)])
async def test_a_missing_or_wrong_secret_is_refused_and_not_processed(
        api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path,
        secret: str | None, status: int) -> None:
    async with serving(api, config, loaded, tmp_path) as (instance, _, _):
        got, _ = await instance.post(updates.text_message("hallo"), secret=secret)
        assert got == status
        assert api.sent_messages() == []


async def test_bad_posts_get_4xx_not_a_traceback(
        api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    async with serving(api, config, loaded, tmp_path) as (instance, _, _):
        assert (await instance.post(None, raw=b"{not json"))[0] == 400
        assert (await instance.post(None, raw=b"\xff\xfe"))[0] == 400
        assert (await instance.post([1, 2]))[0] == 400
        assert (await instance.post({"message": {}}))[0] == 400  # no update_id
        assert (await instance.post({"update_id": 5, "message": {"chat": 3}}))[0] == 400
        edited = updates.edited_text_message(updates.text_message("a")["message"], "b")
        assert (await instance.post(edited))[0] == 422
        assert (await instance.post({"update_id": 6, "poll": {}}))[0] == 422
        big = updates.text_message("x")
        big["message"]["text"] = "x" * 300_000
        assert (await instance.post(big))[0] == 413
        assert api.sent_messages() == []
        # Still serving after all that.
        assert (await instance.post(updates.text_message("hallo")))[0] == 200
    assert "Traceback" not in caplog.text


async def test_healthz_reports_knowledge_and_database(
        api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path) -> None:
    async with (serving(api, config, loaded, tmp_path) as (instance, _, _),
                instance.session.get(f"{instance.url}/healthz") as response):
        body = await response.json()
        assert response.status == 200
        assert response.headers["X-Mythbot-Instance"] == "test-1"
    assert body["knowledge_entries"] == len(loaded.kb.entries)
    assert (body["status"], body["database"]) == ("ok", "ok")


@pytest.mark.slow
async def test_stopping_finishes_the_update_in_flight_then_refuses_new_ones(
        api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path) -> None:
    api.delay("answerCallbackQuery", 1.0)  # Telegram is slow with this call
    async with serving(api, config, loaded, tmp_path) as (instance, stop, task):
        posted = asyncio.create_task(instance.post(stale_press()))
        await api.wait_for("answerCallbackQuery", 1, timeout=5)  # it is being sent now
        stop.set()  # as SIGTERM does
        await asyncio.sleep(0.1)
        later = await instance.post(updates.text_message("nog iets", user=updates.user(7)))
        assert later[0] == 503  # nginx tries another instance; Telegram retries later
        assert await posted == (200, True)
        await asyncio.wait_for(task, 10)
    assert len(api.calls("answerCallbackQuery")) == 1


def test_several_instances_on_sqlite_are_refused_in_one_line(config: Config) -> None:
    cfg = config.model_copy(update={"webhook": config.webhook.model_copy(
        update={"instances": 3})})
    with pytest.raises(Exception, match="PostgreSQL") as caught:
        listen_settings(cfg, {"MYTHBOT_WEBHOOK_SECRET": "abc"}, host=None, port=None)
    assert "\n" not in str(caught.value)


def test_serve_without_a_secret_says_how_to_set_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("MYTHBOT_WEBHOOK_SECRET", raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MYTHBOT_WEBHOOK_SECRET" in err


def test_a_state_travels_between_instances_with_its_comment_deadline() -> None:
    state = UserState(loaded=True, chosen_lang="en", reply_lang="en", last_kind="suggest",
                      answered=("what-is-oa", "wat is artrose"), suggested="knie pijn",
                      comment_for="what-is-oa", comment_until=1000.0 + 600,
                      quiz_seen=frozenset({"a", "b"}), clinic="demo-kine")
    # Sent by an instance whose monotonic clock reads 1000 at wall time 50 000; read by one
    # whose clock reads 7 at wall time 50 060: sixty seconds later, 540 s left.
    text = encode(state, now=1000.0, wall=50_000.0)
    back = decode(text, now=7.0, wall=50_060.0)
    assert back == UserState(**{**state.__dict__, "comment_until": 7.0 + 540})
    assert decode(encode(UserState())) == UserState()
    quizzing = UserState(loaded=True, quiz=QuizRun(("weather", "cracking-joints"), ("myth",)))
    assert decode(encode(quizzing)) == quizzing


# ----- python -m bot webhook set|info|delete -------------------------------------------------

def _webhook_cli(api: FakeBotApi, tmp_path: Path, *args: str) -> list[str]:
    cfg = tmp_path / "config.yaml"
    example = Path(__file__).resolve().parent.parent / "config.example.yaml"
    text = example.read_text(encoding="utf-8").replace(
        "https://api.telegram.org/bot", api.base_url).replace(
        "knowledge_dir: knowledge", f"knowledge_dir: {example.parent / 'knowledge'}")
    cfg.write_text(text, encoding="utf-8")
    return ["webhook", "--config", str(cfg), *args]


async def test_webhook_set_info_delete(api: FakeBotApi, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
    monkeypatch.setenv("MYTHBOT_WEBHOOK_SECRET", HOOK_SECRET)
    url = "https://bot.example.org/telegram"
    code = await asyncio.to_thread(main, _webhook_cli(api, tmp_path, "set", "--url", url))
    assert code == 0, capsys.readouterr().err
    assert api.webhook == {"url": url, "secret_token": HOOK_SECRET, "max_connections": 40,
                           "allowed_updates": list(ALLOWED_UPDATES)}
    assert await asyncio.to_thread(main, _webhook_cli(api, tmp_path, "info")) == 0
    out = capsys.readouterr().out
    assert f"url: {url}" in out and "max connections: 40" in out
    assert HOOK_SECRET not in out
    assert await asyncio.to_thread(main, _webhook_cli(api, tmp_path, "delete")) == 0
    assert api.webhook == {}


@pytest.mark.parametrize("url", ["http://bot.example.org/t", "https://bot.example.org:9000/t"])
async def test_webhook_set_refuses_what_telegram_cannot_post_to(
        api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], url: str) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
    monkeypatch.setenv("MYTHBOT_WEBHOOK_SECRET", HOOK_SECRET)
    code = await asyncio.to_thread(main, _webhook_cli(api, tmp_path, "set", "--url", url))
    assert code == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert api.calls("setWebhook") == []


def test_the_compose_configuration_is_valid_for_three_instances() -> None:
    from bot.config import load_config

    deploy = Path(__file__).resolve().parent.parent / "deploy"
    config = load_config(deploy / "config.compose.yaml")
    assert config.webhook.instances == 3
    listen = listen_settings(config, {"MYTHBOT_WEBHOOK_SECRET": "abc"}, host=None, port=None)
    assert listen.host == "0.0.0.0"
    assert "replicas: 3" in (deploy / "compose.yaml").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.fault
async def test_sigterm_finishes_the_update_in_hand_then_the_process_exits(
        api: FakeBotApi, tmp_path: Path) -> None:
    from tests.helpers.cluster import HOOK_SECRET as CLUSTER_SECRET
    from tests.helpers.cluster import Instance, write_config

    root = Path(__file__).resolve().parent.parent
    config = write_config(tmp_path / "config.yaml", api=api,
                          storage_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
                          knowledge=root / "knowledge", instances=1)
    instance = Instance("solo", config, api.token, tmp_path)
    instance.start()
    try:
        async with aiohttp.ClientSession() as session:
            await instance.wait_healthy(session)
            api.delay("answerCallbackQuery", 1.5)
            post = asyncio.create_task(session.post(
                f"{instance.url}/telegram", data=json.dumps(stale_press()),
                headers={HEADER: CLUSTER_SECRET, "Content-Type": "application/json"}))
            await api.wait_for("answerCallbackQuery", 1, timeout=10)
            assert instance.proc is not None
            instance.proc.send_signal(signal.SIGTERM)
            response = await post
            assert response.status == 200
            assert _handled(response.headers) is True
            code = await asyncio.to_thread(instance.proc.wait, 30)
    finally:
        instance.kill()
    assert code == 0, instance.log_text()
    assert len(api.calls("answerCallbackQuery")) == 1
    assert "Traceback" not in instance.log_text()


async def test_a_database_failure_half_way_is_not_acknowledged_so_telegram_retries(
        api: FakeBotApi, config: Config, loaded: Loaded, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os


    url = os.environ.get("MYTHBOT_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("set MYTHBOT_TEST_POSTGRES_URL to run serve on PostgreSQL")
    from bot.storage import shared

    finish = shared._FINISH
    monkeypatch.setattr(shared, "_FINISH", "SELECT pg_terminate_backend(pg_backend_pid())")
    async with serving(api, config, loaded, tmp_path, storage_url=url) as (instance, _, _):
        update = updates.text_message("Is artrose slijtage?", user=updates.user(9101))
        # The connection is lost while the claim is being written: not acknowledged, so
        # Telegram sends it again; and no reply went out with a claim that did not hold.
        assert await instance.post(update) == (503, None)
        assert api.sent_messages(9101) == []
        monkeypatch.setattr(shared, "_FINISH", finish)
        assert await instance.post(update) == (200, True)  # the claim was rolled back
        assert len(api.sent_messages(9101)) == 1  # answered this time
        assert await instance.post(update) == (200, False)  # and claimed now
        assert len(api.sent_messages(9101)) == 1
