"""The symmetric-delete index finds what comparing with every word finds, at any size."""

from __future__ import annotations

import random
import string

import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.analyzer import Analyzer, sound
from bot.matching.typos import MAX_WORD_LENGTH, DeleteIndex, deletions


def brute_force(word: str, vocabulary: list[str], max_edits: int) -> str | None:
    found = process.extractOne(word, sorted(vocabulary), scorer=OSA.distance,
                               score_cutoff=max_edits)
    return None if found is None else str(found[0])


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(len(word))
    letter = rng.choice("aeinorst")
    return rng.choice([word[:i] + word[i + 1:], word[:i] + letter + word[i:],
                       word[:i] + letter + word[i + 1:], word[:i] + word[i + 1:i + 2] + word[i]
                       + word[i + 2:]])


def test_deletions_reach_every_string_within_the_depth() -> None:
    assert deletions("knie", 1) == {"knie", "nie", "kie", "kne", "kni"}
    assert "ke" in deletions("knie", 2) and "k" not in deletions("knie", 2)


@pytest.mark.parametrize("seed", range(3))
def test_same_repair_as_comparing_with_every_word(seed: int) -> None:
    rng = random.Random(seed)
    # Few letters, so that many words are near each other and ties are common.
    vocabulary = sorted({"".join(rng.choice("aeiknrst") for _ in range(rng.randint(5, 11)))
                         for _ in range(3000)})
    index = DeleteIndex(vocabulary, max_edits=2)
    questions = [typo(rng, typo(rng, w)) for w in rng.sample(vocabulary, 300)]
    questions += ["".join(rng.choice(string.ascii_lowercase) for _ in range(8))
                  for _ in range(100)]
    for word in questions:
        for edits in (1, 2):
            assert index.closest(word, edits) == brute_force(word, vocabulary, edits), word


def test_an_exact_word_and_words_too_long_or_too_far() -> None:
    index = DeleteIndex(["gewricht", "versleten", "kraakbeen"])
    assert index.closest("gewricht", 2) == "gewricht"
    assert index.closest("versleetn", 2) == "versleten"
    assert index.closest("fietsband", 2) is None
    assert index.closest("x" * (MAX_WORD_LENGTH + 1), 2) is None
    assert DeleteIndex([]).closest("gewricht", 2) is None


def test_an_ordinary_word_is_no_typo_of_ours() -> None:
    """"maanden" is one letter from "handen", but a word of its own: with the language's
    ordinary words given, it is left alone (and a real typo is still mended)."""
    texts = ["pijn in mijn handen", "wat is artrose"]
    plain = Analyzer("nl", {}, texts)
    assert plain.words("al maanden pijn", repair=True) == ["al", "handen", "pijn"]
    aware = Analyzer("nl", {}, texts, words=frozenset({"maanden"}))
    assert aware.words("al maanden pijn", repair=True) == ["al", "maanden", "pijn"]
    assert aware.words("wat is artorse", repair=True) == ["wat", "is", "artrose"]


def test_a_short_word_spelt_as_it_sounds_is_repaired() -> None:
    """Too short for an edit ("fisio", "heub"), but said like one word of ours: repaired. Said
    like two different words, or like none, it is left alone; two spellings of one term
    ("physio", "fysio") are one word."""
    texts = ["helpt de fysio of de physio", "pijn in mijn heup", "het hout dat ik houd"]
    analyzer = Analyzer("nl", {"fysio": ["physio"]}, texts)
    assert analyzer.words("fisio en heub", repair=True) == ["fysio", "en", "heup"]
    assert analyzer.words("houdt", repair=True) == ["houdt"]  # "hout", or "houd"? neither
    assert analyzer.words("kado", repair=True) == ["kado"]
    # an ordinary word is never taken for another's sound
    aware = Analyzer("nl", {}, texts, words=frozenset({"heub"}))
    assert aware.words("heub", repair=True) == ["heub"]


def test_a_sound_is_the_spelling_of_one_sound_whatever_the_letters() -> None:
    assert sound("fysio") == sound("fisio") == sound("physio")
    assert sound("artrose") == sound("artroze")
    assert sound("heup") == sound("heub")
    assert sound("knee") == sound("nee")
    assert sound("knie") != sound("kine")
    assert sound("lopen") == sound("lope")


def test_function_words_typed_without_their_apostrophe_are_function_words() -> None:
    """"thats", "whats", "isnt": the same words as "that's", "what's", "isn't", which carry no
    topic (and must not count as words the knowledge base has never used)."""
    analyzer = Analyzer("en", {}, ["is knee pain normal"])
    assert analyzer.content(analyzer.words("thats normal isnt it, whats wrong")) == [
        "normal", "wrong"]
    assert analyzer.content(analyzer.words("that's normal isn't it")) == ["normal"]
