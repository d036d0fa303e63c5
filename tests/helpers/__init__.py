"""Test helpers: a fake Telegram Bot API server and builders for update JSON.

Import from the modules directly::

    from tests.helpers.fake_bot_api import FakeBotApi
    from tests.helpers import updates
"""
