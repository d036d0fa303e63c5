"""The fuzzy signals skip only examples that cannot be their entry's closest: every result is
what comparing each example with rapidfuzz gives."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from rapidfuzz import fuzz

from bot.knowledge import KnowledgeBase
from bot.matching import fuzzy
from bot.matching.analyzer import Analyzer
from bot.matching.fuzzy import Phrasings

# few words and letters, so that questions and examples share many of them
WORDS = st.text(alphabet="aeknoprst", min_size=1, max_size=7)
PHRASING = st.lists(WORDS, min_size=0, max_size=9).map(" ".join)
GROUPS = st.lists(st.lists(PHRASING, min_size=1, max_size=6).map(tuple), min_size=1,
                  max_size=8)


def compared(query: str, groups: list[tuple[str, ...]], chosen: list[int]
             ) -> tuple[list[float], list[float]]:
    return ([max(fuzz.token_set_ratio(query, p) for p in groups[g]) for g in chosen],
            [max(fuzz.ratio(query, p) for p in groups[g]) for g in chosen])


@settings(max_examples=300, deadline=None)
@given(groups=GROUPS, query=st.lists(WORDS, min_size=1, max_size=40).map(" ".join),
       data=st.data())
def test_the_closest_phrasing_is_rapidfuzz_s_own(groups: list[tuple[str, ...]], query: str,
                                                  data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.integers(0, len(groups) - 1), unique=True))
    assert Phrasings(groups).closest(query, chosen) == compared(query, groups, chosen)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_long_questions_against_the_real_examples(kb: KnowledgeBase, lang: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = Analyzer(lang, kb.synonyms.get(lang))
    groups = [tuple(" ".join(analyzer.stems(analyzer.words(q))) for q in e.text(lang).questions)
              for e in kb.entries.values()]
    phrasings = Phrasings(groups)
    everything = list(range(len(groups)))
    rng = np.random.default_rng(3)
    words = sorted({w for group in groups for p in group for w in p.split()})
    skipped = 0
    compare = fuzzy._compared

    def counted(query: str, chosen: list[str], scorer: Callable[..., float]
                ) -> NDArray[np.float64]:
        nonlocal skipped
        if scorer is fuzz.token_set_ratio:
            skipped += sum(len(g) for g in groups) - len(chosen)
        return compare(query, chosen, scorer)

    monkeypatch.setattr(fuzzy, "_compared", counted)
    for _ in range(40):
        query = " ".join(rng.choice(words, size=30))
        assert phrasings.closest(query, everything) == compared(query, groups, everything)
    assert skipped > 0  # the long questions were bounded, not compared in full


def test_no_phrasings_chosen() -> None:
    assert Phrasings([("a b",)]).closest("a b c", []) == ([], [])


@given(query=PHRASING, phrasing=PHRASING)
def test_the_token_set_ratio_reads_only_the_sets_of_words(query: str, phrasing: str) -> None:
    """Why a phrasing is compared as its sorted distinct words (`Phrasings._sets`)."""
    as_set = " ".join(sorted(set(phrasing.split())))
    assert fuzz.token_set_ratio(query, as_set) == fuzz.token_set_ratio(query, phrasing)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_short_questions_against_the_real_examples(kb: KnowledgeBase, lang: str) -> None:
    analyzer = Analyzer(lang, kb.synonyms.get(lang))
    groups = [tuple(" ".join(analyzer.stems(analyzer.words(q))) for q in e.text(lang).questions)
              for e in kb.entries.values()]
    everything = list(range(len(groups)))
    rng = np.random.default_rng(5)
    words = sorted({w for group in groups for p in group for w in p.split()})
    for size in (1, 3, 6, 10, 17):
        for _ in range(10):
            query = " ".join(rng.choice(words, size=size))
            assert Phrasings(groups).closest(query, everything) == compared(query, groups,
                                                                              everything)
