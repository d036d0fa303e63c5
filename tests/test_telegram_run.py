"""`python -m bot run`: refusing to start on bad input, the no-token help, and a real run."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from tests.conftest import EXAMPLE_CONFIG, KNOWLEDGE, ROOT
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, TOKEN

pytestmark = pytest.mark.timeout(30)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def write_config(tmp_path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["knowledge_dir"] = str(KNOWLEDGE)
    data["storage"]["url"] = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    for key, value in changes.items():
        section, _, name = key.partition(".")
        if name:
            data[section][name] = value
        else:
            data[key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)


@pytest.mark.usefixtures("no_token")
def test_without_a_token_it_explains_how_to_get_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["run", "--config", str(write_config(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err
    assert "  1. " in err and "  2. Send /newbot" in err and "  4. " in err
    assert "export TELEGRAM_BOT_TOKEN=" in err
    # Piped or empty input (a service without its token): it says why no chat starts.
    assert err.rstrip().splitlines()[-1] == (
        "mythbot: not starting the chat here, as the input is not a terminal; to pipe "
        "questions in, use: python -m bot chat")


@pytest.mark.usefixtures("no_token")
def test_without_a_token_in_a_terminal_it_starts_the_chat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal("Is artrose slijtage?\n/quit\n"))
    assert main(["run", "--config", str(write_config(tmp_path))]) == 0
    out, err = capsys.readouterr()
    assert "@BotFather" in err
    assert "Fabel" in out and "[1] 📖 Lees meer" in out


def test_a_broken_knowledge_base_is_refused_with_every_problem(
        tmp_path: Path, knowledge_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = knowledge_copy / "entries" / "worn-out-joint.yaml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("verdict: myth", "verdict: ?"),
                     encoding="utf-8")
    config = write_config(tmp_path, knowledge_dir=str(knowledge_copy))
    assert main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "knowledge/entries/worn-out-joint.yaml:3: " in err
    assert "1 problem found" in err


def test_a_wrong_config_key_is_named(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, rate_limit={"messages": 20, "per_second": 60})
    assert main(["run", "--config", str(config)]) == 2
    assert ("the key 'rate_limit.per_second' is not a known key (did you mean 'per_seconds'?)"
            in capsys.readouterr().err)


@pytest.mark.usefixtures("no_token")
def test_an_unreadable_token_file_is_named(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, **{"telegram.token_file": "missing.token"})
    assert main(["run", "--config", str(config)]) == 2
    assert "telegram.token_file: cannot read" in capsys.readouterr().err


@pytest.mark.slow
async def test_run_polls_answers_and_stops_cleanly(tmp_path: Path) -> None:
    """The real command in a child process: run_polling, post_init, a reply, SIGINT."""
    async with FakeBotApi(token=TOKEN) as api:
        config = write_config(tmp_path, log_level="DEBUG", **{"telegram.base_url": api.base_url})
        env = {**os.environ, **SECRET, "TELEGRAM_BOT_TOKEN": TOKEN,
               "MYTHBOT_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await api.wait_for("setMyShortDescription", 3, timeout=15)
            api.push_update(updates.command("start", "demo-kine"))
            greeting = (await api.wait_for("sendMessage", ok=True, timeout=10))[0]
            child.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(child.communicate(), timeout=10)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
    assert child.returncode == 0, err.decode()
    assert greeting["parse_mode"] == "HTML" and "Kinepraktijk Demo" in greeting["text"]
    log = err.decode()
    assert "mythbot is running as @mythbot_test_bot" in log
    assert TOKEN.split(":", 1)[1] not in log
