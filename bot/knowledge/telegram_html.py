"""Does a text render in Telegram's HTML parse mode? If not, Telegram refuses the whole message."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
     "blockquote", "tg-spoiler"}
)
_BARE_AMPERSAND = re.compile(r"&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)")
_TAG = re.compile(r"<[^>]*>")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(
                f"the tag <{tag}> is not allowed by Telegram (use <b>, <i>, <u>, <a href=...>)"
                f"; write '&lt;' for a plain '<'"
            )
            return
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("a link <a> needs an href=\"https://...\"")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"the closing tag </{tag}> has no matching <{tag}>")
            return
        self.open.pop()


def html_problems(text: str) -> list[str]:
    """Every reason `text` would not render as Telegram HTML (empty when it is fine)."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    problems = checker.problems
    problems += [f"the tag <{tag}> is never closed" for tag in reversed(checker.open)]
    if _BARE_AMPERSAND.search(text):
        problems.append("a plain '&' must be written as '&amp;'")
    stray = _TAG.sub("", text)
    if "<" in stray or ">" in stray:
        problems.append("a plain '<' or '>' must be written as '&lt;' or '&gt;'")
    return problems


def strip_tags(text: str) -> str:
    """Plain text for places that show no formatting (buttons, the terminal)."""
    return unescape(_TAG.sub("", text))
