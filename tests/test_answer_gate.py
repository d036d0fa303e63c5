"""The learned answer gate: which offered entry is answered outright (bot/matching/gate.py)."""

from __future__ import annotations

import copy
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.cli.history import tree
from bot.matching import Matcher
from bot.matching.gate import FEATURES, SIGNALS, AnswerGate, Evidence, features
from bot.matching.matcher import decide
from tests.helpers.history import full_history


@pytest.fixture(scope="module")
def gate() -> AnswerGate:
    shipped = AnswerGate.load()
    assert shipped is not None, "bot/matching/data/answer_gate.npz is missing"
    return shipped


def _evidence(first: float, second: float, words: int = 6, **changes: object) -> Evidence:
    """A question whose first candidate scores `first` on every signal, its runner-up
    `second`."""
    mine, other = dict.fromkeys(SIGNALS, first), dict.fromkeys(SIGNALS, second)
    evidence = Evidence(lang="nl", words=words, scores=(first, second),
                        signals=(mine, other), votes=(4, 0), topical=(False, False),
                        best=first, runner_up=second, agreed=4, known=1.0, rare=0,
                        named=False, elsewhere=False)
    return replace(evidence, **changes)  # type: ignore[arg-type]


RANKED = [("worn-out-joint", 0.9), ("symptoms", 0.3)]


def test_the_shipped_gate_reads_todays_evidence(gate: AnswerGate) -> None:
    assert len(gate.mean) == len(gate.scale) == len(FEATURES) == len(gate.weights) - 1
    assert 0.5 <= gate.threshold < 1.0
    assert len(features(_evidence(0.9, 0.3))) == len(FEATURES)


def test_a_clear_lead_is_answered_and_a_close_call_suggested(gate: AnswerGate,
                                                             matcher: Matcher) -> None:
    clear = decide(RANKED, _evidence(0.9, 0.3), matcher.thresholds, gate)
    assert (clear.kind, clear.entry_id) == ("answer", "worn-out-joint")
    close = decide(RANKED, _evidence(0.5, 0.49, agreed=1, votes=(1, 3)), matcher.thresholds,
                   gate)
    assert (close.kind, close.entry_id) == ("suggest", None)
    assert close.candidate_ids[0] == "worn-out-joint"
    assert gate.chance(_evidence(0.9, 0.3)) > gate.chance(_evidence(0.5, 0.49, agreed=1))


@pytest.mark.parametrize("change", [{"words": 2}, {"rare": 1}, {"elsewhere": True}])
def test_no_gate_overrules_a_bare_subject_an_unknown_topic_or_another_entrys_topic(
        gate: AnswerGate, matcher: Matcher, change: dict[str, object]) -> None:
    evidence = _evidence(0.95, 0.2, **change)
    assert gate.answers(evidence)  # the model alone would answer it
    assert decide(RANKED, evidence, matcher.thresholds, gate).kind == "suggest"


def test_an_entry_moved_up_past_a_better_score_is_never_answered(gate: AnswerGate) -> None:
    """Its topic words put it first though another entry scored more: the person chooses,
    however sure the model is of it."""
    named = _evidence(0.9, 0.3, topical=(True, False), named=True)
    moved = replace(named, runner_up=0.91, best=0.91)
    assert gate.chance(moved) >= gate.threshold  # the model alone would answer it
    assert gate.answers(named)
    assert not gate.answers(moved)


def test_the_thresholds_still_decide_what_is_offered(gate: AnswerGate, matcher: Matcher) -> None:
    t = matcher.thresholds
    unknown = _evidence(0.9, 0.3, known=t.min_known_words / 2)
    assert decide(RANKED, unknown, t, gate).kind == "fallback"
    low = _evidence(t.suggest / 2, 0.0)
    assert decide(RANKED, low, t, gate).kind == "fallback"


def test_the_gate_chooses_among_what_the_rules_offer(matcher: Matcher) -> None:
    """On the dev sets the gate changes answers into suggestions and back, never a reply's
    kind otherwise, nor its candidates."""
    rules = copy.copy(matcher)
    rules.gate = None
    questions = ["is sporten slecht voor mijn knie", "helpt wandelen bij artrose",
                 "is wandelen goed voor mijn knie, vraagt mijn buurvrouw", "knie",
                 "wat kost een fysiotherapeut", "ik heb plots hevige pijn op de borst",
                 "dank je wel", "does cracking my knuckles cause arthritis"]
    changed = 0
    for question in questions:
        gated, alone = matcher.match(question), rules.match(question)
        assert gated.candidate_ids == alone.candidate_ids
        offered = ("answer", "suggest")
        assert gated.kind == alone.kind or {gated.kind, alone.kind} <= set(offered)
        changed += gated.kind != alone.kind
    # "..., vraagt mijn buurvrouw": the rules answer it, the gate is less sure
    assert changed


def test_a_gate_saved_is_loaded_the_same(gate: AnswerGate, tmp_path: Path) -> None:
    path = tmp_path / "gate.npz"
    gate.save(path)
    again = AnswerGate.load(path)
    assert again is not None
    evidence = _evidence(0.6, 0.5, agreed=2)
    assert again.chance(evidence) == gate.chance(evidence)
    assert again.threshold == gate.threshold


def test_a_gate_trained_on_other_evidence_is_not_read(gate: AnswerGate, tmp_path: Path) -> None:
    path = tmp_path / "old.npz"
    np.savez(path, mean=gate.mean[:-1], scale=gate.scale[:-1], weights=gate.weights[:-1],
             threshold=np.float64(gate.threshold), features=np.array(FEATURES[:-1]))
    assert AnswerGate.load(path) is None
    assert AnswerGate.load(tmp_path / "missing.npz") is None


def _questions(entries: Path) -> dict[tuple[str, str], set[str]]:
    found = {}
    for path in entries.glob("*.yaml"):
        data = yaml.safe_load(path.read_text("utf-8"))
        for lang in ("nl", "en"):
            found[(path.stem, lang)] = set(data[lang]["questions"])
    return found


@pytest.mark.slow
@pytest.mark.skipif(not full_history(), reason="needs the repository's full git history")
def test_the_training_knowledge_holds_the_blind_examples_in_todays_wording() -> None:
    """scripts/answer_gate.py reads each later batch with the knowledge base of the day before
    it plus the example questions written blind (batch E), as today's entries word them: one
    reworded later (taken out of a who-said-it frame) is there in its new wording, not left
    out, and never in its old one."""
    spec = importlib.util.spec_from_file_location("answer_gate", "scripts/answer_gate.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules["answer_gate"] = script  # its dataclasses look their module up there
    spec.loader.exec_module(script)
    blind = script.BLIND_EXAMPLES[0]
    with tree(f"{blind}^", "knowledge") as folder:
        before = _questions(folder / "knowledge" / "entries")
        followed = script._add_examples(blind, folder / "knowledge")
        rebuilt = _questions(folder / "knowledge" / "entries")
    today = _questions(Path("knowledge/entries"))
    assert followed >= 30  # 38 when this was written
    for key, questions in rebuilt.items():
        assert questions - before[key] <= today[key], key
    diet = rebuilt[("diet-and-food", "en")]
    assert "dairy makes arthritis worse" in diet
    assert "my sister says dairy makes arthritis worse, is that true?" not in diet
