"""The fast index build (words numbered once, n-grams counted with NumPy a chunk of entries at a
time) gives the very same index as the plain entry-by-entry build it replaced, which
`tests/helpers/reference_index.py` keeps as the definition."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.synthetic import synthetic
from bot.knowledge import LANGS, KnowledgeBase
from bot.matching import index as index_module
from bot.matching.analyzer import Analyzer
from bot.matching.index import LanguageIndex
from bot.matching.normalize import normalize
from bot.matching.typos import _checksums, _deletion_checksums, deletions
from tests.helpers.reference_index import ReferenceIndex, reference_phrases, reference_words


def assert_same_index(fast: LanguageIndex, reference: LanguageIndex) -> None:
    mine: dict[str, Any] = vars(fast)
    theirs: dict[str, Any] = vars(reference)
    assert mine.keys() == theirs.keys()
    for name, value in mine.items():
        other = theirs[name]
        if isinstance(value, np.ndarray):
            assert value.dtype == other.dtype and np.array_equal(value, other), name
        elif isinstance(value, Analyzer):
            assert value.vocabulary == other.vocabulary
            assert np.array_equal(value._typos._keys, other._typos._keys)
            assert np.array_equal(value._typos._ids, other._typos._ids)
        else:
            assert value == other, name
            if isinstance(value, dict):  # numbered in the same order
                assert list(value) == list(other), name


def both(kb: KnowledgeBase, lang: str) -> tuple[LanguageIndex, LanguageIndex]:
    entries = list(kb.entries.values())
    return (LanguageIndex(Analyzer(lang, kb.synonyms.get(lang)), entries),
            ReferenceIndex(Analyzer(lang, kb.synonyms.get(lang)), entries))


@pytest.mark.parametrize("chunk", [3, index_module.CHUNK])
@pytest.mark.parametrize("lang", LANGS)
def test_the_real_base_gives_the_same_index(kb: KnowledgeBase, lang: str, chunk: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # A chunk of 3 entries: many chunks, the last one short.
    monkeypatch.setattr(index_module, "CHUNK", chunk)
    assert_same_index(*both(kb, lang))


@pytest.mark.parametrize("lang", LANGS)
def test_a_larger_base_with_new_words_gives_the_same_index(
        kb: KnowledgeBase, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "CHUNK", 64)
    assert_same_index(*both(synthetic(kb, 200), lang))


def test_the_same_answers_as_the_reference_index(kb: KnowledgeBase) -> None:
    fast, reference = both(kb, "nl")
    for question in ["is mijn knie versleten", "helpt glucosamine tegen artrose",
                     "mag ik nog fietsen met een nieuwe knie", "kraakbeen slijt"]:
        assert fast.signals(question) == reference.signals(question)


# Any text, and pieces that make the multi-word synonyms, accents, digits and odd spaces.
pieces = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(["nieuwe knie", "NIEUWE\u00a0Knie!", "kunst", "knie", "nieuwe", "2de",
                     "Geïrriteerde", "ﬁets", "①", "e\u0301", "\u0301", "\t", "\u2028"]))
SYNONYMS = {"knieprothese": ["nieuwe knie", "kunst knie"]}


@given(st.lists(pieces, max_size=6).map(" ".join))
def test_words_token_by_token_are_the_words_of_the_whole_text(text: str) -> None:
    analyzer = Analyzer("nl", SYNONYMS)
    assert analyzer.words(text) == reference_words(analyzer, text)


# Phrases that overlap, share their first words or hold one another: the longest wins where
# several start at one word, and the leftmost where they overlap.
OVERLAPPING = {"knieprothese": ["nieuwe knie", "kunst knie", "nieuwe knie links"],
               "kapotmaken": ["kapot maken", "kapot"], "slijtage": ["knie kapot", "bot op bot"],
               "twee woorden": ["op bot"]}


@given(st.lists(st.sampled_from(["nieuwe", "knie", "links", "kunst", "kapot", "maken", "bot",
                                 "op", "rechts", "Knie!", "2"]), max_size=12).map(" ".join))
def test_overlapping_phrases_are_replaced_as_the_regex_of_them_all_did(text: str) -> None:
    analyzer = Analyzer("nl", OVERLAPPING)
    assert analyzer.words(text) == reference_words(analyzer, text)


@pytest.mark.parametrize("lang", LANGS)
def test_the_phrases_are_the_multi_word_synonyms(kb: KnowledgeBase, lang: str) -> None:
    """What the word-by-word replacement reads is what the regex was made of."""
    expected = {normalize(variant): normalize(canonical)
                for canonical, variants in kb.synonyms.get(lang).items() for variant in variants
                if " " in normalize(variant)}
    assert expected and reference_phrases(Analyzer(lang, kb.synonyms.get(lang))) == expected


def test_a_long_paste_is_cut_where_it_was() -> None:
    analyzer = Analyzer("nl", SYNONYMS)
    for text in ["knie " * 1000, "x" * 3999 + " nieuwe knie", "nieuwe " * 571 + "knie"]:
        assert analyzer.words(text) == reference_words(analyzer, text)
        assert len(" ".join(analyzer.words(text))) <= len(normalize(text)) + 20


@pytest.mark.parametrize("word", ["gewricht", "knie", "a", "", "geïrriteerd", "çava"])
def test_deletions_by_bytes_are_the_deletions_by_letters(word: str) -> None:
    assert sorted(_deletion_checksums(word, 2)) == sorted(_checksums(deletions(word, 2)))


def test_no_entries_give_the_same_empty_index() -> None:
    assert_same_index(LanguageIndex(Analyzer("nl", {}), []), ReferenceIndex(Analyzer("nl", {}), []))
    assert LanguageIndex(Analyzer("nl", {}), []).signals("is mijn knie versleten") == []


def test_what_questions_taught_the_index_is_not_saved_with_it(kb: KnowledgeBase) -> None:
    # The n-grams remembered per question word would make the on-disk cache grow with use.
    index = LanguageIndex(Analyzer("nl", kb.synonyms.get("nl")), list(kb.entries.values()))
    saved = pickle.dumps(index)
    assert index.signals("mijn knie is stijf en pijnlijk na het fietsen")
    assert index._gram_memo
    assert pickle.dumps(index) == saved
    copy = pickle.loads(saved)
    assert copy.signals("is fietsen goed voor mijn knie") == index.signals(
        "is fietsen goed voor mijn knie")
