"""The statistical backstop behind the red-flag rules: it only adds, it sees a buried
sentence, and its training gives the same model from the same data."""

from __future__ import annotations

import numpy as np

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.matching.decision import Decision
from bot.matching.redflag_model import BACKSTOP, BUCKETS, LEVELS, RedFlagModel, features
from bot.matching.training import Example, fit
from bot.rendering import Renderer

ORDINARY = ["helpt fietsen bij artrose", "is mijn knie versleten", "does walking help my hip",
            "moet ik rusten tot de pijn weg is"]
URGENT = ["mijn been is opgezwollen als een ballon", "my leg swelled up like a balloon"]


def _toy_model() -> RedFlagModel:
    """A model that knows one thing: 'ballon'/'balloon' is urgent (today)."""
    weights = np.zeros((len(LEVELS), BUCKETS), dtype=np.float32)
    for word in ("ballon", "balloon"):
        weights[1, features([word])] = 40.0
    return RedFlagModel(weights, np.array([3.0, 0.0, -5.0], dtype=np.float32), threshold=0.9)


def test_the_model_flags_what_it_learnt_and_nothing_else() -> None:
    model = _toy_model()
    assert [model.level(text) for text in URGENT] == ["today", "today"]
    assert [model.level(text) for text in ORDINARY] == [None] * len(ORDINARY)


def test_a_sentence_buried_in_a_long_message_is_not_drowned_out() -> None:
    model = _toy_model()
    story = ("ik wou eigenlijk vragen welke hometrainer goed is voor mijn knie want de kine zei "
             "dat fietsen goed is en ik twijfel tussen twee merken ")
    assert model.level(story * 3 + "en mijn been is opgezwollen als een ballon") == "today"
    assert model.level(story * 3) is None


def test_training_is_deterministic() -> None:
    examples = ([Example(t, 0, False) for t in ORDINARY]
                + [Example(t, 1, False) for t in URGENT])
    first, second = fit(examples), fit(examples)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    model = RedFlagModel(*first, threshold=0.5)
    assert model.level("mijn been is opgezwollen als een ballon") is not None


def test_the_shipped_model_never_overrides_a_rule(matcher: Matcher) -> None:
    decision = matcher.match("ik heb pijn op de borst")
    assert decision.kind == "red_flag" and decision.rule != BACKSTOP
    for question in ORDINARY:
        assert matcher.match(question).kind != "red_flag"


def test_a_backstop_flag_gets_the_reply_of_its_level(kb: KnowledgeBase,
                                                     renderer: Renderer) -> None:
    today = renderer.decision(Decision("red_flag", "nl", 1.0, rule=BACKSTOP, urgency="today"))
    emergency = renderer.decision(Decision("red_flag", "nl", 1.0, rule=BACKSTOP,
                                           urgency="emergency"))
    assert today.text.startswith(kb.safety.replies["today"].nl.split("\n")[0][:40])
    assert emergency.text.startswith(kb.safety.replies["emergency"].nl.split("\n")[0][:40])
