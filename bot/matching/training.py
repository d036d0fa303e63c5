"""Training the red-flag backstop (`redflag_model.py`): deterministic, numpy only.

Examples: the red-flag dev set (its levels and its look-alikes), and as ordinary questions the
entries' example questions, the small talk and the non-urgent questions of the evaluation dev
sets. Never a held-out file. The threshold is chosen by forward chaining (`forward_threshold`,
round 14), with the out-of-fold bound on ordinary questions as a floor (`ordinary_floor`);
before round 14 it was the lowest at which the out-of-fold false alarms stayed within bounds on
look-alikes and on ordinary questions (`choose_threshold`, still the default). The folds of
the red-flag set are consecutive stretches of it, not every k-th line: the file holds each
writer's messages together, so a fold leaves out (mostly) one writer's wordings, and the
threshold is chosen on wordings the model has not seen, as the held-out set's are.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.knowledge.models import LANGS, KnowledgeBase
from bot.matching.normalize import normalize
from bot.matching.redflag_model import BUCKETS, LEVELS, Reader, RedFlagModel, features

EPOCHS = 300
LEARNING_RATE = 0.5
L2 = 1e-5  # chosen out of fold on the dev sets (1e-3, 1e-4, 1e-5 tried)
FOLDS = 6
# Out of fold, on the look-alikes of the red-flag dev set: the rules leave little of the 2% that
# issue 10 allows, and on the third blind batch, unseen, the backstop raised twice the false
# alarms that its out-of-fold figure had promised (2.5% of look-alikes at a 1% bound).
MAX_LOOKALIKE_ALARMS = 0.005
MAX_ORDINARY_ALARMS = 0.003  # out of fold, on ordinary questions
# The share of red flags a veto (`vetoed`) may lose, leaving one writer out, while its limits are
# chosen: about the noise of one writer's batch.
MAX_VETO_LOSS = 0.003


@dataclass(frozen=True)
class Example:
    text: str
    level: int  # index in LEVELS
    lookalike: bool  # a deliberate look-alike (else an ordinary question or a red flag)
    red_flag_set: bool = False  # from the red-flag set (its folds are consecutive stretches)
    lang: str = ""  # nl or en, where the set says


def read_examples(kb: KnowledgeBase, safety_sets: Sequence[Path],
                  question_sets: Sequence[Path]) -> list[Example]:
    examples = []
    for path in safety_sets:
        for row in csv.DictReader(path.read_text("utf-8").splitlines(), delimiter="\t",
                                  quoting=csv.QUOTE_NONE):
            examples.append(Example(row["question"], LEVELS.index(row["level"]),
                                    row["level"] == "none", red_flag_set=True,
                                    lang=row["lang"]))
    for path in question_sets:
        for row in csv.DictReader(path.read_text("utf-8").splitlines(), delimiter="\t",
                                  quoting=csv.QUOTE_NONE):
            if "red-flag" not in row["expected"].split("|") and not row["expected"].startswith("#"):
                examples.append(Example(row["question"], 0, False))
    ordinary = [q for e in kb.entries.values() for lang in LANGS for q in e.text(lang).questions]
    ordinary += [p for i in kb.smalltalk.intents for lang in LANGS for p in i.phrases.get(lang)]
    examples += [Example(q, 0, False) for q in ordinary]
    return examples


def feature_rows(texts: Sequence[str], reader: Reader | None) -> list[npt.NDArray[np.int64]]:
    """Each text's hashed features, read as the model reads it (computed once, then fitted on
    as many subsets as a measurement needs: `fit_rows`)."""
    model = RedFlagModel(np.zeros((0, 0), np.float32), np.zeros(0, np.float32), 0.0, reader)
    rows = []
    for text in texts:
        words, marks = model.read(text)
        rows.append(features(words, [(name, sentence) for name, sentence, _ in marks]))
    return rows


def fit(examples: Sequence[Example], reader: Reader | None = None
        ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Weights and bias by full-batch gradient descent with Adam: the same data gives the
    same model, bit for bit. `reader` reads the words and red-flag concepts of a text (as the
    model will when it is used)."""
    examples = [e for e in examples if normalize(e.text)]  # nothing to learn from
    return fit_rows(feature_rows([e.text for e in examples], reader),
                    [e.level for e in examples])


def fit_rows(rows: Sequence[npt.NDArray[np.int64]], levels: Sequence[int], *,
             classes: int = len(LEVELS), buckets: int = BUCKETS, balanced: bool = True,
             epochs: int = EPOCHS) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """`fit` on rows of features already computed (`feature_rows`), with their levels (or
    any `classes`, over features below `buckets`: the entry model's). `balanced`: each class
    weighs the same in the loss, however many examples it has."""
    starts = np.cumsum([0] + [len(r) for r in rows])
    index = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    lengths = np.diff(starts)
    row_of = np.repeat(np.arange(len(rows)), lengths)
    scale = (1.0 / np.sqrt(np.maximum(lengths, 1)))[row_of]
    y = np.array(levels)
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    sample_weight = ((len(y) / (classes * np.maximum(counts, 1)))[y] if balanced
                     else np.ones(len(y)))
    onehot = np.eye(classes)[y]
    w = np.zeros((classes, buckets))
    b = np.zeros(classes)
    m_w, v_w, m_b, v_b = (np.zeros_like(w), np.zeros_like(w), np.zeros_like(b),
                          np.zeros_like(b))
    for step in range(1, epochs + 1):
        contrib = w[:, index] * scale  # levels × nonzeros
        logits = np.add.reduceat(contrib, starts[:-1], axis=1).T + b if len(index) else b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        error = (p - onehot) * sample_weight[:, None] / len(y)  # samples × levels
        # bincount sums each bucket's share as np.add.at did, several times faster
        grad_w: npt.NDArray[np.float64] = np.stack([
            np.bincount(index, weights=error[row_of, level] * scale, minlength=buckets)
            for level in range(classes)])
        grad_w += L2 * w
        grad_b = error.sum(axis=0)
        for param, grad, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= LEARNING_RATE * (m / (1 - 0.9 ** step)) / (
                np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    return w.astype(np.float32), b.astype(np.float32)


def folds(examples: Sequence[Example]) -> npt.NDArray[np.int64]:
    """The fold of each example: consecutive stretches of the red-flag set (one writer's
    messages stand together), every FOLDS-th of the other questions."""
    fold_of = np.arange(len(examples)) % FOLDS
    red = np.flatnonzero([e.red_flag_set for e in examples])
    fold_of[red] = np.arange(len(red)) * FOLDS // max(len(red), 1)
    return fold_of


def out_of_fold(examples: Sequence[Example],
                reader: Reader | None = None) -> npt.NDArray[np.float32]:
    """P(none, today, emergency) of each example from a model that did not see it (FOLDS
    folds)."""
    fold_of = folds(examples)
    probabilities = np.zeros((len(examples), len(LEVELS)), dtype=np.float32)
    for fold in range(FOLDS):
        train = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
        weights, bias = fit(train, reader)
        model = RedFlagModel(weights, bias, threshold=0.5, reader=reader)
        for i in np.flatnonzero(fold_of == fold).tolist():
            probabilities[i] = model.probabilities(examples[i].text)
    return probabilities


def choose_threshold(examples: Sequence[Example], urgent: npt.NDArray[np.float32]) -> float:
    """The lowest threshold whose out-of-fold false alarms stay within both bounds."""
    lookalikes = np.array([e.lookalike for e in examples])
    ordinary = np.array([e.level == 0 and not e.lookalike for e in examples])
    for threshold in np.arange(0.30, 0.99, 0.01):
        fires = urgent >= threshold
        if (fires[lookalikes].mean() <= MAX_LOOKALIKE_ALARMS
                and fires[ordinary].mean() <= MAX_ORDINARY_ALARMS):
            return round(float(threshold), 2)
    return 0.99


# The backstop's threshold by forward chaining (round 14, written down before it was measured on
# batch AC): every blind batch from the third on is scored by the rules of the commit before it
# and by a backstop trained on the batches before it (scripts/redflag_forward.py), as a new
# writer meets the bot. Of FORWARD_THRESHOLDS, the one with the lowest cost, FORWARD_MISS_COST
# per red flag not caught at its level or a more urgent one plus 1 per look-alike flagged; a tie
# goes to the higher threshold. A miss costs two false alarms: issue 10 calls a missed
# emergency the worst thing the bot can do, and a false alarm costs a doctor's call.
# `train-redflags` then keeps the out-of-fold bound on ordinary questions as a floor, and the
# maintainer raises it (`--keep-weights`) to the lowest at which eval_dev and eval_near raise no
# more false red flags than before (README, round 14).
FORWARD_MISS_COST = 2.0
FORWARD_THRESHOLDS = tuple(round(0.50 + 0.01 * i, 2) for i in range(49))  # 0.50 .. 0.98


def forward_cost(truth: npt.NDArray[np.int64], rules: npt.NDArray[np.int64],
                 urgent: npt.NDArray[np.float32], predicted: npt.NDArray[np.int64],
                 threshold: float) -> tuple[float, int, int]:
    """(cost, red flags missed, look-alikes flagged) of the rules' levels (index in LEVELS)
    with the backstop behind them at `threshold`: it raises `predicted` where the rules raised
    nothing and P(today or emergency) `urgent` reaches the threshold (0 where it is not asked)."""
    got = np.where((rules == 0) & (urgent >= threshold), predicted, rules)
    missed = int(((truth > 0) & (got < truth)).sum())
    alarms = int(((truth == 0) & (got > 0)).sum())
    return FORWARD_MISS_COST * missed + alarms, missed, alarms


def forward_threshold(truth: npt.NDArray[np.int64], rules: npt.NDArray[np.int64],
                      urgent: npt.NDArray[np.float32], predicted: npt.NDArray[np.int64]
                      ) -> float:
    """The threshold of FORWARD_THRESHOLDS with the lowest `forward_cost`, the higher on a tie."""
    return min(FORWARD_THRESHOLDS, key=lambda t: (
        forward_cost(truth, rules, urgent, predicted, t)[0], -t))


def ordinary_floor(examples: Sequence[Example], urgent: npt.NDArray[np.float32]) -> float:
    """The lowest threshold at which the out-of-fold alarms on ordinary questions (not the
    look-alikes: forward chaining weighs those) stay within MAX_ORDINARY_ALARMS."""
    ordinary = np.array([e.level == 0 and not e.lookalike for e in examples])
    for threshold in np.arange(0.30, 0.99, 0.01):
        if (urgent >= threshold)[ordinary].mean() <= MAX_ORDINARY_ALARMS:
            return round(float(threshold), 2)
    return 0.99


def save(path: Path, weights: npt.NDArray[np.float32], bias: npt.NDArray[np.float32],
         threshold: float) -> None:
    with path.open("wb") as file:
        np.savez_compressed(file, weights=weights.astype(np.float16), bias=bias,
                            threshold=np.float32(threshold))


def groups_of(examples: Sequence[Example], batches: Sequence[str]) -> npt.NDArray[np.int64]:
    """Each example's group for leaving one writer out: a line of the red-flag set by its batch
    (`batches`: one label per line of the set, in order; each blind batch is one writer or two),
    every other question spread over the groups in turn."""
    names = sorted(set(batches), key=list(batches).index)
    red = [e.red_flag_set for e in examples]
    if sum(red) != len(batches):
        raise ValueError(f"{len(batches)} batch labels for {sum(red)} red-flag lines")
    label = iter(batches)
    return np.array([names.index(next(label)) if is_red else i % len(names)
                     for i, is_red in enumerate(red)], dtype=np.int64)


def leave_one_group_out(examples: Sequence[Example], groups: npt.NDArray[np.int64],
                        reader: Reader | None = None) -> npt.NDArray[np.float32]:
    """P(none, today, emergency) of each example from a model trained without its group."""
    probabilities = np.zeros((len(examples), len(LEVELS)), dtype=np.float32)
    for group in np.unique(groups).tolist():
        weights, bias = fit([e for e, g in zip(examples, groups, strict=True) if g != group],
                            reader)
        model = RedFlagModel(weights, bias, threshold=0.5, reader=reader)
        for i in np.flatnonzero(groups == group).tolist():
            probabilities[i] = model.probabilities(examples[i].text)
    return probabilities


def vetoed(levels: npt.NDArray[np.int64], p_none: npt.NDArray[np.float32],
           limits: tuple[float, float], exempt: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """`levels` (index in LEVELS) with a red flag dropped where the model is sure enough that
    the message is ordinary: P(none) at least `limits` (today, emergency) for its level, never
    where `exempt` (the crisis reply)."""
    out = levels.copy()
    for level, limit in zip((1, 2), limits, strict=True):
        out[(levels == level) & (p_none >= limit) & ~exempt] = 0
    return out
