"""Greetings, thanks and apologies around a question: how it is said, not what it asks.

An older patient's message often opens with "goeiedag mevrouw, sorry dat ik stoor" and closes
with "alvast bedankt, vriendelijke groeten". Scored with the question, those words dilute every
signal (the fuzzy ratios most, which keep function words) and can move the question to another
entry; they are taken out before scoring. Small talk ("bedankt" on its own) is recognised
before this, on the whole message.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from bot.matching.normalize import normalize


@cache
def _pattern(lang: str) -> re.Pattern[str]:
    text = resources.files("bot.matching").joinpath(f"data/courtesy_{lang}.txt").read_text("utf-8")
    phrases = {normalize(line) for line in text.splitlines() if not line.startswith("#")}
    ordered = sorted(phrases - {""}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b")


def without_courtesy(text: str, lang: str) -> str:
    """Normalised `text` without the greetings, thanks and apologies of `lang`."""
    return " ".join(_pattern(lang).sub(" ", normalize(text)).split())
