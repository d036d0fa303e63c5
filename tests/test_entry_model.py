"""The entry model: a second opinion that only reorders the candidates the signals found, only
when it is sure, never towards "none" or an entry it does not know; trained deterministically."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.matching.entry_model import BUCKETS, MODEL_ENV, NONE, OFF, EntryModel, features
from bot.matching.training import fit_rows


def _model(classes: tuple[str, ...], words: dict[str, str], threshold: float = 0.5
           ) -> EntryModel:
    """A model that knows one word per class: `words` maps a stem to its class."""
    weights = np.zeros((len(classes), BUCKETS), dtype=np.float32)
    for word, label in words.items():
        weights[classes.index(label), features([word])] = 40.0
    return EntryModel(weights, np.zeros(len(classes), dtype=np.float32), classes, threshold)


def test_it_is_sure_only_above_its_threshold_and_never_of_none() -> None:
    model = _model(("a", "b", NONE), {"fiets": "a", "belasting": NONE})
    assert model.sure_of(["fiets"]) == "a"
    assert model.sure_of(["belasting"]) is None  # sure it is none: no entry to put first
    assert model.sure_of(["onbekend"]) is None  # three classes alike: a third each
    assert model.sure_of([]) is None
    assert abs(float(model.probabilities(["fiets"]).sum()) - 1.0) < 1e-9
    assert replace(model, threshold=1.01).sure_of(["fiets"]) is None


def test_the_matcher_puts_its_choice_first_only_among_the_candidates(
        matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    question = "helpt fietsen tegen artrose in mijn knie"
    stems = matcher.content_stems(question, "nl")
    before = matcher.match(question, "nl").candidate_ids
    assert len(before) >= 2
    second = before[1]
    # whatever the question says, the model is sure of the runner-up
    monkeypatch.setattr(matcher, "_entry_model", _model(
        (before[0], second, NONE), dict.fromkeys(stems, second)))
    after = matcher.match(question, "nl")
    assert after.candidate_ids[0] == second
    assert set(after.candidate_ids) == set(before)
    # an entry the signals did not find stays out
    monkeypatch.setattr(matcher, "_entry_model", _model(
        ("not-an-entry", NONE), dict.fromkeys(stems, "not-an-entry")))
    assert matcher.match(question, "nl").candidate_ids == before


def test_without_a_model_the_signals_alone_order(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "missing.npz"))
    assert EntryModel.load() is None
    monkeypatch.setenv(MODEL_ENV, OFF)  # as the answer gate's training reads the matcher
    assert EntryModel.load() is None


def test_training_is_deterministic_and_learns_the_classes() -> None:
    rows = [features(["fiets"]), features(["zwem"]), features(["belasting"])]
    first = fit_rows(rows, [0, 1, 2], classes=3, buckets=BUCKETS, balanced=False, epochs=30)
    second = fit_rows(rows, [0, 1, 2], classes=3, buckets=BUCKETS, balanced=False, epochs=30)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    model = EntryModel(*first, classes=("a", "b", NONE), threshold=0.5)
    assert (model.sure_of(["fiets"]), model.sure_of(["zwem"]),
            model.sure_of(["belasting"])) == ("a", "b", None)


def test_the_shipped_model_knows_every_entry(kb: KnowledgeBase) -> None:
    """Retrain (`python -m bot train-entries`) when entries are added or renamed."""
    model = EntryModel.load()
    assert model is not None
    assert set(model.classes) == {*kb.entries, NONE}
