"""What the running bot does by itself, besides answering: deleting expired question texts at
start-up and then daily (issue 5: texts are kept for `storage.retention_days` only)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bot.config import Config
from bot.matching import Decision
from bot.runtime import Loaded
from bot.storage import Storage, open_storage
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, bot_config, running_bot

pytestmark = pytest.mark.timeout(20)

PATIENT = 555_000_111
FALLBACK = Decision("fallback", "nl", 0.2)


@pytest.fixture
def settings(config: Config, api: FakeBotApi, tmp_path: Path) -> Config:
    return bot_config(config, api, tmp_path)


def days_ago(settings: Config, extra: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.storage.retention_days + extra)


async def kept_texts(storage: Storage) -> list[str | None]:
    data = await storage.describe(PATIENT)
    return [] if data is None else [event.question for event in data.events]


async def test_expired_texts_are_deleted_at_start_up(
        api: FakeBotApi, settings: Config, loaded: Loaded) -> None:
    storage = await open_storage(settings, SECRET)
    async with storage:
        await storage.record_question(PATIENT, "hoe bak ik pannenkoeken", FALLBACK,
                                      now=days_ago(settings, 1))
        await storage.record_question(PATIENT, "mag ik zwemmen", FALLBACK,
                                      now=days_ago(settings, -1))
        async with running_bot(api, settings, loaded=loaded):
            # Deleted before the bot polls for its first update.
            assert await kept_texts(storage) == [None, "mag ik zwemmen"]


async def test_expired_texts_are_deleted_again_while_the_bot_runs(
        api: FakeBotApi, settings: Config, loaded: Loaded,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.telegram.app.PURGE_EVERY", 0.1)  # instead of once a day
    storage = await open_storage(settings, SECRET)
    async with storage, running_bot(api, settings, loaded=loaded):
        await storage.record_question(PATIENT, "hoe bak ik pannenkoeken", FALLBACK,
                                      now=days_ago(settings, 1))
        # The event stays (it is counted in reports); only its text goes.
        async with asyncio.timeout(2):
            while await kept_texts(storage) != [None]:
                await asyncio.sleep(0.05)
