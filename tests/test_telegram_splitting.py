"""Splitting long Telegram-HTML replies: pure functions, no Telegram needed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.telegram_html import html_problems, strip_tags
from bot.telegram import MAX_MESSAGE, split_message
from bot.telegram.splitting import units

pytestmark = pytest.mark.timeout(30)


def visible_words(text: str) -> list[str]:
    return strip_tags(text).split()


def without_space(text: str) -> str:
    return "".join(strip_tags(text).split())


def test_short_text_is_one_part_unchanged() -> None:
    assert split_message("<b>Hallo</b> &amp; welkom") == ["<b>Hallo</b> &amp; welkom"]


def test_empty_text_gives_no_parts() -> None:
    assert split_message("  \n\n ") == []


def test_cuts_between_paragraphs_first() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert split_message(f"{first}\n\n{second}") == [first, second]


def test_paragraphs_are_packed_while_they_fit() -> None:
    paragraphs = [f"paragraaf {n} " + "x" * 900 for n in range(10)]
    parts = split_message("\n\n".join(paragraphs))
    assert len(parts) == 3
    assert all(units(part) <= MAX_MESSAGE for part in parts)
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)


def test_a_paragraph_too_long_is_cut_at_lines_then_words() -> None:
    lines = "\n".join(f"regel {n} " + "woord " * 60 for n in range(30))
    parts = split_message(lines)
    assert len(parts) > 1
    assert all(part.startswith("regel ") for part in parts)  # cut at line ends
    words = "woord " * 2000
    parts = split_message(words.strip())
    assert all(part.endswith("woord") and part.startswith("woord") for part in parts)


def test_a_tag_open_at_the_cut_is_closed_and_reopened() -> None:
    text = '<b>vet</b> <a href="https://example.org/x?a=1&amp;b=2">' + "link " * 1500 + "</a> einde"
    parts = split_message(text, limit=1000)
    assert len(parts) > 2
    for part in parts:
        assert html_problems(part) == [], part[:80]
        assert units(part) <= 1000
    assert parts[1].startswith('<a href="https://example.org/x?a=1&amp;b=2">')
    assert parts[0].endswith("</a>")
    assert visible_words(" ".join(parts)) == visible_words(text)


def test_character_references_are_never_cut() -> None:
    text = "&amp;" * 3000
    parts = split_message(text)
    assert all(re.fullmatch(r"(&amp;)+", part) for part in parts)
    assert "".join(parts) == text


def test_limit_is_counted_in_utf16_units_like_telegram() -> None:
    text = "👍" * 3000  # two UTF-16 units each
    parts = split_message(text)
    assert len(parts) == 2
    assert all(units(part) <= MAX_MESSAGE for part in parts)


_pieces = st.sampled_from([
    "woord", "artrose", "&amp;", "&lt;b&gt;", "👍", "é", " ", " ", "\n", "\n\n",
    "<b>vet</b>", "<i>schuin</i>", '<a href="https://doi.org/10.1/x">doi</a>',
])


@st.composite
def telegram_html(draw: st.DrawFn) -> str:
    """Valid Telegram HTML, sometimes with a long bold or italic stretch around pieces."""
    body = "".join(draw(st.lists(_pieces, max_size=400)))
    wrap = draw(st.sampled_from(["", "b", "i"]))
    return f"<{wrap}>{body}</{wrap}>" if wrap and body.strip() else body


@settings(max_examples=150, deadline=None)
@given(text=telegram_html(), limit=st.integers(min_value=60, max_value=600))
def test_every_part_fits_is_valid_html_and_nothing_is_lost(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    for part in parts:
        assert units(part) <= limit
        assert html_problems(part) == []
        assert strip_tags(part).strip()
    # A hard cut may fall inside a word, so compare the characters, not the words.
    assert without_space("".join(parts)) == without_space(text)
