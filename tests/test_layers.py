"""The core is Telegram-free: the conversation, matcher, renderer, quiz and site import no
python-telegram-bot, so every front end can drive them."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["bot.conversation", "bot.matching", "bot.rendering",
                                    "bot.quiz", "bot.site", "bot.reporting"])
def test_the_core_imports_no_telegram(module: str) -> None:
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"
