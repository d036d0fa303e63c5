import logging, sqlite3, os
from pathlib import Path
import pytest
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import TOKEN, bot_config, running_bot

async def test_ro(config, loaded, tmp_path, caplog):
    async with FakeBotApi(token=TOKEN) as api:
        settings = bot_config(config, api, tmp_path)
        async with running_bot(api, settings, loaded=loaded) as bot:
            await bot.say("Is artrose slijtage?")
        path = tmp_path / "bot.sqlite3"
        url = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
        ro = settings.model_copy(update={"storage": settings.storage.model_copy(update={"url": url})})
        caplog.set_level(logging.INFO)
        async with running_bot(api, ro, loaded=loaded) as bot:
            for n in range(5):
                api.push_update(updates.text_message("Is artrose slijtage?", user=updates.user(7000+n)))
            await api.wait_for("sendMessage", 6, ok=True)
            import asyncio; await asyncio.sleep(1)
    print([ (r.levelname, r.getMessage()[:100]) for r in caplog.records if r.name.startswith("bot.storage")])
    assert 0
