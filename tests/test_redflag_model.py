"""The statistical backstop behind the red-flag rules: it only adds, it sees a buried
sentence, and its training gives the same model from the same data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.cli.redflag_report import batches, choose_veto, rules_of_the_day
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.matching.decision import Decision
from bot.matching.redflag_model import BACKSTOP, BUCKETS, LEVELS, RedFlagModel, features
from bot.matching.training import (
    Example,
    feature_rows,
    fit,
    fit_rows,
    forward_cost,
    forward_threshold,
    groups_of,
    vetoed,
)
from bot.rendering import Renderer
from tests.helpers.history import full_history

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


def test_features_computed_once_fit_as_the_texts_do() -> None:
    """Forward chaining fits many subsets on features computed once (`fit_rows`): the same
    model as `fit` on the texts."""
    examples = ([Example(t, 0, False) for t in ORDINARY]
                + [Example(t, 1, False) for t in URGENT])
    rows = feature_rows([e.text for e in examples], None)
    by_rows, by_texts = fit_rows(rows, [e.level for e in examples]), fit(examples)
    assert np.array_equal(by_rows[0], by_texts[0]) and np.array_equal(by_rows[1], by_texts[1])


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


def test_each_batch_is_one_group_and_the_other_questions_are_spread() -> None:
    examples = ([Example(t, 1, False, red_flag_set=True) for t in URGENT]
                + [Example("fall", 2, False, red_flag_set=True)]
                + [Example(t, 0, False) for t in ORDINARY])
    groups = groups_of(examples, ["b1", "b1", "b2"])
    assert groups.tolist()[:3] == [0, 0, 1]
    assert set(groups.tolist()[3:]) == {0, 1}
    with pytest.raises(ValueError, match="2 batch labels for 3"):
        groups_of(examples, ["b1", "b2"])


def test_the_veto_drops_only_flags_it_is_sure_of_and_never_the_crisis_reply() -> None:
    levels = np.array([1, 1, 2, 2, 2, 0])
    p_none = np.array([0.9, 0.5, 0.9, 0.99, 0.99, 0.99], dtype=np.float32)
    exempt = np.array([False, False, False, False, True, False])
    assert vetoed(levels, p_none, (0.8, 0.95), exempt).tolist() == [0, 1, 2, 0, 2, 0]


def test_veto_limits_remove_false_alarms_but_keep_red_flags() -> None:
    truth = np.array([0, 0, 1, 2, 2])
    lookalike = truth == 0
    got = np.array([1, 2, 1, 2, 2])  # both look-alikes raised a false alarm
    everywhere = np.ones(5, dtype=bool)
    nothing = np.zeros(5, dtype=bool)
    # sure of the look-alikes, less sure of the red flags: both false alarms go, no flag
    p_none = np.array([0.97, 0.97, 0.85, 0.5, 0.5], dtype=np.float32)
    today, emergency = choose_veto([(got, everywhere, nothing)], p_none, truth, lookalike)
    vetoed_now = vetoed(got, p_none, (today, emergency), nothing)
    assert vetoed_now.tolist() == [0, 0, 1, 2, 2]
    # a red flag it is surer of than of any false alarm: no limit is safe, the veto stays off
    p_none = np.array([0.7, 0.7, 0.99, 0.99, 0.99], dtype=np.float32)
    assert choose_veto([(got, everywhere, nothing)], p_none, truth, lookalike) == (2.0, 2.0)


@pytest.mark.slow
@pytest.mark.skipif(not full_history(), reason="needs the repository's full git history")
def test_the_report_finds_the_batches_and_the_rules_of_a_past_commit() -> None:
    labels = batches(Path("tests/data/safety_dev.tsv"))
    assert len(labels) == len(Path("tests/data/safety_dev.tsv").read_text("utf-8")
                              .splitlines()) - 1
    assert len(set(labels)) >= 9  # one commit per blind batch
    # the rules as they stood before the last batch came
    levels = rules_of_the_day(labels[-1], ["ik heb pijn op de borst", "helpt fietsen bij artrose"])
    assert levels is not None
    assert [level for level, _ in levels] == [2, 0]


def test_the_report_prints_each_batch_left_out(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import redflag_report

    examples = [Example("ik heb pijn op de borst", 2, False, True, "nl"),
                Example("mijn vader is gevallen en kan niet meer opstaan", 2, False, True, "nl"),
                Example("I have chest pain", 2, False, True, "en"),
                Example("my knee is hot red and swollen since this morning", 1, False, True, "en"),
                Example("mijn buurman had vorig jaar pijn op de borst", 0, True, True, "nl"),
                Example("my dog fell off the sofa", 0, True, True, "en")]
    examples += [Example(t, 0, False) for t in ORDINARY]
    monkeypatch.setattr(redflag_report, "batches", lambda path: ["a"] * 3 + ["b"] * 3)
    redflag_report.report(kb, examples, Path("unused.tsv"), old_rules=False)
    out = capsys.readouterr().out
    assert "2 batches of the red-flag set" in out
    # the rules catch all four red flags and raise no false alarm on these two look-alikes
    assert "rules alone (tuned on every batch): emergency 100.0% / 100.0%; today - / 100.0%; " \
           "false alarms 0.0% / 0.0% (0/2); missed 0/4" in out
    assert "veto (both) limits" in out and "veto (today) limits" in out
    assert out.count("missed") == 5 + 2 * 2  # five rows, and two lines per batch


def test_the_forward_threshold_weighs_a_miss_as_two_false_alarms() -> None:
    """Behind rules that raise nothing, the threshold that misses fewest red flags wins unless
    the look-alikes it flags cost more than two per red flag caught; a tie goes higher."""
    truth = np.array([2, 1, 0, 0, 0])
    rules = np.zeros(5, dtype=np.int64)
    predicted = np.array([2, 1, 1, 1, 1])
    # the emergency at 0.9, the 'today' red flag at 0.6, the look-alikes at 0.65 and 0.55
    urgent = np.array([0.9, 0.6, 0.65, 0.55, 0.1], dtype=np.float32)
    assert forward_cost(truth, rules, urgent, predicted, 0.6) == (1.0, 0, 1)
    assert forward_cost(truth, rules, urgent, predicted, 0.7) == (2.0, 1, 0)
    assert forward_threshold(truth, rules, urgent, predicted) == 0.6
    # a rule's flag stands whatever the backstop says, a red flag below its level is missed
    assert forward_cost(truth, np.array([1, 0, 0, 0, 0]), urgent, predicted, 0.98) == (4.0, 2, 0)
