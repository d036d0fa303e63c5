"""Normalisation and language detection, each testable on its own."""

from __future__ import annotations

import pytest

from bot.matching import Matcher, normalize
from bot.matching.normalize import MAX_CHARS
from bot.textfold import fold


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Geïrriteerd", "geirriteerd"),
        ("KNIEËN!!!", "knieen"),
        ("Is mijn knie   versleten?", "is mijn knie versleten"),
        ("crème, café & rosé", "creme cafe rose"),
        ("5-10% gewicht", "gewicht"),
        ("'s nachts", "s nachts"),
        ("😀 pijn 👍", "pijn"),
        ("", ""),
        ("🙂🙂🙂", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_fold_keeps_digits_normalize_drops_them() -> None:
    assert fold("Bel 112!") == "bel 112"
    assert normalize("Bel 112!") == "bel"


def test_long_text_is_cut() -> None:
    assert len(normalize("knie " * 10_000)) <= MAX_CHARS


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("is mijn knie versleten", "nl"),
        ("moet ik rusten tot de pijn weg is", "nl"),
        ("artrose", "nl"),
        ("kiné", "nl"),
        ("is my knee worn out", "en"),
        ("should I get surgery?", "en"),
        ("osteoarthritis", "en"),
        ("does walking help my hip", "en"),
    ],
)
def test_detect_language(matcher: Matcher, question: str, lang: str) -> None:
    assert matcher.detect_language(question) == lang


def test_undecided_language_uses_the_default(matcher: Matcher) -> None:
    assert matcher.detect_language("🙂") == matcher.default_lang
    assert matcher.detect_language("xyzzy") == matcher.default_lang


def test_given_language_wins(matcher: Matcher) -> None:
    assert matcher.match("is mijn knie versleten", lang="en").lang == "en"


def test_fallback_language_when_words_do_not_tell(matcher: Matcher) -> None:
    assert matcher.match("🙂", fallback_lang="en").lang == "en"
    assert matcher.match("is my knee worn out", fallback_lang="nl").lang == "en"
