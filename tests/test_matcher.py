"""Matcher decisions: answer, suggest, fallback, smalltalk — and never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.speed import synthetic
from bot.knowledge import KnowledgeBase
from bot.matching import KINDS, Matcher, Thresholds
from bot.matching.decision import MAX_CANDIDATES
from bot.matching.index import MAX_SCORED


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("is mijn knie versleten", "worn-out-joint"),
        ("moet ik rusten tot de pijn weg is?", "rest-until-pain-free"),
        ("should I get surgery?", "surgery-inevitable"),
        ("helpt afvallen voor mijn knieen", "weight-loss"),
        ("wat doet een kinesitherapeut eigenlijk", "physiotherapy"),
        ("zijn cortisone spuiten goed voor mijn heup", "injections"),
        ("does my xray show how much pain I will have", "scan-predicts-pain"),
        ("is artrose te genezen", "can-it-be-cured"),
        ("is mijn knie versletn", "worn-out-joint"),  # a typo
        ("IS MIJN KNIE VERSLETEN???", "worn-out-joint"),
    ],
)
def test_clear_questions_get_an_answer(matcher: Matcher, question: str, entry_id: str) -> None:
    decision = matcher.match(question)
    assert decision.kind == "answer", decision
    assert decision.entry_id == entry_id
    assert decision.candidate_ids[0] == entry_id
    assert 0 < decision.score <= 1


@pytest.mark.parametrize(
    "question",
    ["wat voor weer wordt het morgen", "hoe bak ik pannenkoeken", "who won the football match",
     "hoe laat vertrekt de trein naar Gent"],
)
def test_off_topic_falls_back(matcher: Matcher, question: str) -> None:
    decision = matcher.match(question)
    assert decision.kind == "fallback"
    assert decision.entry_id is None


@pytest.mark.parametrize(
    ("question", "intent"),
    [("hallo", "greeting"), ("Dag!", "greeting"), ("dankjewel", "thanks"),
     ("thank you", "thanks"), ("wie ben jij?", "who-are-you"), ("tot ziens", "goodbye"),
     ("ok", "acknowledgement"), ("Oké!", "acknowledgement"), ("yes", "acknowledgement"),
     ("ja", "acknowledgement"), ("got it", "acknowledgement"), ("ok dank je", "thanks")],
)
def test_smalltalk(matcher: Matcher, question: str, intent: str) -> None:
    decision = matcher.match(question)
    assert decision.kind == "smalltalk"
    assert decision.rule == intent


def test_greeting_with_a_question_is_a_question(matcher: Matcher) -> None:
    assert matcher.match("hallo, is mijn knie versleten?").entry_id == "worn-out-joint"


@pytest.mark.parametrize("question", ["", "   ", "🙂🙂", "?!", "12345"])
def test_empty_questions(matcher: Matcher, question: str) -> None:
    decision = matcher.match(question)
    assert decision.kind == "fallback"
    assert decision.empty


def test_unsure_between_entries_suggests(kb: KnowledgeBase) -> None:
    strict = Matcher(kb, Thresholds(answer=0.99, margin=0.0, suggest=0.1, known_words=0.0))
    decision = strict.match("is mijn knie versleten")
    assert decision.kind == "suggest"
    assert decision.entry_id is None
    assert decision.candidate_ids[0] == "worn-out-joint"
    assert len(decision.candidates) <= MAX_CANDIDATES


def test_margin_turns_a_close_call_into_a_suggestion(kb: KnowledgeBase) -> None:
    loose = Matcher(kb, Thresholds(answer=0.1, margin=1.0, suggest=0.1, known_words=0.0))
    assert loose.match("is mijn knie versleten").kind == "suggest"


def test_candidates_are_ranked_and_deterministic(matcher: Matcher) -> None:
    first = matcher.match("helpt wandelen of fietsen tegen de pijn")
    again = matcher.match("helpt wandelen of fietsen tegen de pijn")
    assert first == again
    scores = [c.score for c in first.candidates]
    assert scores == sorted(scores, reverse=True)


def test_very_long_question_is_handled(matcher: Matcher) -> None:
    decision = matcher.match("is mijn knie versleten " * 2000)
    assert decision.kind in KINDS


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_match_never_raises(matcher: Matcher, text: str) -> None:
    decision = matcher.match(text)
    assert decision.kind in KINDS
    assert 0.0 <= decision.score <= 1.0
    assert len(decision.candidates) <= MAX_CANDIDATES


def test_suggestions_need_our_own_vocabulary(kb: KnowledgeBase) -> None:
    # Everything below the answer threshold: only the share of known words decides.
    eager = Matcher(kb, Thresholds(answer=0.99, margin=0.0, suggest=0.01, known_words=0.7))
    assert eager.match("is mijn knie versleten").kind == "suggest"
    off_topic = eager.match("mijn fiets kraakt en de ketting roest bij de garagist")
    assert off_topic.kind == "fallback"
    assert off_topic.candidates  # it did score: the vocabulary, not the score, said no


def test_large_knowledge_bases_score_only_the_best_bm25_entries(kb: KnowledgeBase,
                                                                matcher: Matcher) -> None:
    """Candidate pruning: with many entries, only the MAX_SCORED best by BM25 get the costly
    signals, and the right entry is still found among hundreds that share its words."""
    # The real entries' words, half of them shuffled: they share many stems. Variants of the
    # expected entry itself are left out, as they may well be better answers.
    noise = {entry_id: entry for entry_id, entry in synthetic(kb, 300).entries.items()
             if not entry_id.startswith("worn-out-joint-")}
    large = Matcher(kb.model_copy(update={"entries": {**kb.entries, **noise}}),
                    matcher.thresholds)
    question = "is mijn knie versleten"
    assert len(large.rank(question, "nl")) == MAX_SCORED
    assert large.rank(question, "nl")[0][0] == matcher.rank(question, "nl")[0][0] \
        == "worn-out-joint"
