"""Topic words: which keywords name one entry's subject (bot/matching/topicwords.py)."""

from __future__ import annotations

from bot.knowledge import KnowledgeBase
from bot.knowledge.models import Entry
from bot.matching.analyzer import Analyzer
from bot.matching.index import LanguageIndex
from bot.matching.rarity import common_words
from bot.matching.topicwords import EVERYDAY_ZIPF, SHARED_UNCOMMON_ZIPF, TopicWords


def _topics(kb: KnowledgeBase, entries: list[Entry]) -> TopicWords:
    index = LanguageIndex(Analyzer("en", kb.synonyms.get("en")), entries)
    return TopicWords(index, entries, common_words("en", EVERYDAY_ZIPF))


def _with(entry: Entry, keywords: tuple[str, ...] = (), question: str | None = None) -> Entry:
    text = entry.en.model_copy(update={
        "keywords": [*entry.en.keywords, *keywords],
        "questions": [*entry.en.questions, *([question] if question else [])]})
    return entry.model_copy(update={"en": text})


def test_an_entrys_own_keyword_is_its_topic_word(kb: KnowledgeBase) -> None:
    topics = _topics(kb, list(kb.entries.values()))
    assert topics.owners("would a sauna help my stiff knees") == {"heat-and-cold": ["sauna"]}
    assert "sauna" in topics.of("heat-and-cold")


def test_a_keyword_of_two_entries_is_no_ones(kb: KnowledgeBase) -> None:
    entries = dict(kb.entries)
    entries["weather"] = _with(entries["weather"], keywords=("sauna",))
    topics = _topics(kb, list(entries.values()))
    assert topics.owners("would a sauna help my stiff knees") == {}


def test_a_keyword_another_entrys_example_uses_is_shared_ground(kb: KnowledgeBase) -> None:
    entries = dict(kb.entries)
    entries["physiotherapy"] = _with(entries["physiotherapy"],
                                     question="does the physio send me to the sauna")
    topics = _topics(kb, list(entries.values()))
    assert "sauna" not in topics.of("heat-and-cold")


def test_an_everyday_keyword_is_no_topic_word(kb: KnowledgeBase) -> None:
    entries = dict(kb.entries)
    entries["work"] = _with(entries["work"], keywords=("people",))  # Zipf 6.0
    topics = _topics(kb, list(entries.values()))
    assert "people" not in topics.of("work")
    assert topics.owners("do people with arthritis work less") == {}


def test_a_keyword_of_several_words_is_shared_only_where_one_phrase_has_them_all(
        kb: KnowledgeBase) -> None:
    """"before the replacement" is exercise-before-surgery's though other entries say "before"
    and "replacement" in different questions; once one question has both, it is shared."""
    entries = dict(kb.entries)
    assert "befor+replac" in _topics(kb, list(entries.values())).of("exercise-before-surgery")
    entries["surgery-inevitable"] = _with(entries["surgery-inevitable"],
                                          question="should i lose weight before the replacement")
    assert "befor+replac" not in _topics(kb, list(entries.values())).of(
        "exercise-before-surgery")


def test_the_entries_using_a_stem_come_in_order(kb: KnowledgeBase) -> None:
    """Topic words intersect these lists by binary search: they must be sorted."""
    entries = list(kb.entries.values())
    index = LanguageIndex(Analyzer("en", kb.synonyms.get("en")), entries)
    for stem in ("knee", "pain", "osteoarthr", "ice", "replac"):
        using = index.entries_using(stem).tolist()
        assert using == sorted(set(using)) and using, stem


def test_a_keyword_of_two_entries_names_both_of_them(kb: KnowledgeBase) -> None:
    """No one's topic word, but the question is about one of the two: `shared` says which."""
    entries = dict(kb.entries)
    entries["weather"] = _with(entries["weather"], keywords=("sauna",))
    topics = _topics(kb, list(entries.values()))
    stems = set(topics.analyzer.terms("would a sauna help my stiff knees", repair=True))
    assert topics.named(stems) == {}
    assert topics.shared(stems) == [frozenset({"heat-and-cold", "weather"})]
    assert "sauna" in topics.shared_by("weather") and "sauna" not in topics.of("weather")
    # a third entry's keyword too: it names nothing any more
    entries["work"] = _with(entries["work"], keywords=("sauna",))
    topics = _topics(kb, list(entries.values()))
    assert topics.shared(stems) == [] and topics.named(stems) == {}


def test_an_uncommon_keyword_one_other_entry_uses_names_the_two(kb: KnowledgeBase) -> None:
    """"sauna" in one of physiotherapy's questions: not heat-and-cold's alone any more, but a
    question about a sauna is still about one of those two; an everyday word ("people", Zipf
    6.0) never is, nor is anything without the list of uncommon words."""
    entries = dict(kb.entries)
    entries["physiotherapy"] = _with(entries["physiotherapy"],
                                     question="does the physio send me to the sauna")
    entries["work"] = _with(entries["work"], keywords=("people",))
    entries["weather"] = _with(entries["weather"], question="do people feel the weather")
    listed = list(entries.values())
    index = LanguageIndex(Analyzer("en", kb.synonyms.get("en")), listed)
    topics = TopicWords(index, listed, common_words("en", EVERYDAY_ZIPF),
                        common_words("en", SHARED_UNCOMMON_ZIPF))
    stems = set(topics.analyzer.terms("would a sauna help my stiff knees", repair=True))
    assert topics.shared(stems) == [frozenset({"heat-and-cold", "physiotherapy"})]
    assert "sauna" in topics.shared_by("physiotherapy")
    assert topics.shared(set(topics.analyzer.terms("do people with arthritis work less",
                                                   repair=True))) == []
    assert _topics(kb, listed).shared(stems) == []
