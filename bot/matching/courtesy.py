"""Greetings, thanks and apologies around a question, and who said what it is about: how it is
said, not what it asks.

An older patient's message often opens with "goeiedag mevrouw, sorry dat ik stoor" and closes
with "alvast bedankt, vriendelijke groeten". Scored with the question, those words dilute every
signal (the fuzzy ratios most, which keep function words) and can move the question to another
entry; they are taken out before scoring. Small talk ("bedankt" on its own) is recognised
before this, on the whole message.

So is hearsay (`data/hearsay_{lang}.txt`): "mijn buurman zegt dat", "the GP said", "I read on
facebook that", "wat moet ik daarvan denken". A question asked after a visit or after reading
something names who said it ("de kine", "my physio"), and that word pulled the question to the
entry about that professional; the frame itself is one many questions share. A profession named
without a verb of saying stays: "moet ik naar de kine" asks about the physiotherapist.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from bot.matching.normalize import normalize

# What may stand before the one who said it, and after the verb ("dat", "that").
_BEFORE = {"nl": ("mijn", "m n", "mn", "de", "onze", "ons", "haar", "zijn", "ne", "nen", "een"),
           "en": ("my", "the", "our", "her", "his", "a")}
_AFTER = {"nl": ("dat",), "en": ("that",)}

# letter by letter; "" marks the end of a phrase
_Trie = dict[str, "_Trie"]


def _lines(name: str) -> list[str]:
    text = resources.files("bot.matching").joinpath(f"data/{name}").read_text("utf-8")
    return [line for line in text.splitlines() if not line.startswith("#")]


def _alternatives(phrases: set[str]) -> str:
    """A pattern that matches any of `phrases`, the longest first, as a trie: a message is
    read once whatever the number of phrases, each place tried letter by letter rather than
    against every phrase in turn."""
    trie: _Trie = {}
    for phrase in phrases - {""}:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _pattern_of(trie)


def _pattern_of(node: _Trie) -> str:
    ends = "" in node
    branches = [re.escape(char) + _pattern_of(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # a longer phrase is tried before the shorter one it extends
    return f"(?:{body})?" if ends else body


def _sections(lines: list[str]) -> dict[str, set[str]]:
    """The `[section]`s of a data file, each a set of normalised phrases."""
    found: dict[str, set[str]] = {}
    current: set[str] = set()
    for line in lines:
        if line.startswith("[") and line.rstrip().endswith("]"):
            current = found.setdefault(line.strip()[1:-1], set())
        else:
            current.add(normalize(line))
    return found


@cache
def _pattern(lang: str) -> re.Pattern[str]:
    """One pattern for all of it, so that the text is read once."""
    courtesy = {normalize(line) for line in _lines(f"courtesy_{lang}.txt")}
    hearsay = _sections(_lines(f"hearsay_{lang}.txt"))
    who = rf"(?:(?:{_alternatives(set(_BEFORE[lang]))}) )?(?:{_alternatives(hearsay['who'])})"
    said = (rf"{who} (?:{_alternatives(hearsay['says'])})"
            rf"(?: (?:{_alternatives(set(_AFTER[lang]))}))?")
    by = rf"(?:{_alternatives(hearsay['by'])}) {who}"
    return re.compile(rf"\b(?:{said}|{by}|{_alternatives(hearsay['frames'] | courtesy)})\b")


def without_courtesy(text: str, lang: str) -> str:
    """Normalised `text` without the greetings, thanks, apologies and hearsay of `lang`."""
    return " ".join(_pattern(lang).sub(" ", normalize(text)).split())
