"""Does a learned text classifier rank better on writers it has not seen? (issue 12, round 10)

    python scripts/ranker.py            # the history test (each later batch as it came)
    python scripts/ranker.py --dev      # leave-one-writer-out on the dev sets as they are
    python scripts/ranker.py --alone    # the classifier alone on each later batch

A multinomial logistic regression over entry ids, on hashed features of the analysed question
(stems, pairs of neighbouring stems, character 3-5-grams of its content words), trained on
the entries' example questions (both languages) and the dev lines with an entry label. It
re-ranks the matcher's first three candidates: score + weight x p(entry); a question whose
first candidate changes is suggested, never answered. The weight is chosen out of fold.

The honest test (`history`): each later blind batch is read by today's code with the knowledge
base of the day before it came (as scripts/answer_gate.py --history), and its classifier is
trained only on the example questions of that day and the dev lines that existed then; the
weight is chosen leave-one-writer-out among those earlier lines. Never a held-out file.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answer_gate import DEV_SETS, LATER_BATCHES, Tally, knowledge_before, writers

from bot.cli.context import load_all
from bot.evaluation import Case, read_cases
from bot.matching.courtesy import without_courtesy
from bot.matching.decision import Decision
from bot.matching.normalize import normalize

DIM = 1 << 18  # hashed feature space
L2 = 1e-4  # per training example
STEPS = 150
WEIGHTS = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)
CACHE = Path("/tmp/rank10-rows.pkl")


@dataclass(frozen=True)
class Line:
    case: Case
    writer: str
    commit: str
    decision: Decision
    stems: tuple[str, ...]  # the analysed question's content stems, in order
    words: tuple[str, ...]  # its content words

    @property
    def right_first(self) -> bool:
        ids = self.decision.candidate_ids
        return bool(ids) and ids[0] in self.case.expected

    @property
    def labelled(self) -> bool:
        return self.case.kind == "entry"


def featurize(stems: Sequence[str], words: Sequence[str]) -> list[int]:
    feats = [f"s:{s}" for s in stems]
    feats += [f"p:{a} {b}" for a, b in pairwise(stems)]
    for w in words:
        padded = f" {w} "
        feats += [f"g:{padded[i:i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    return sorted({zlib.crc32(f.encode()) % DIM for f in feats})


@dataclass(frozen=True)
class Batch:
    """Rows of hashed features (CSR) with their class."""

    rows: list[list[int]]
    labels: list[int]


def _csr(rows: Sequence[Sequence[int]]) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                                   NDArray[np.float32]]:
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    cols = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=int(lengths.sum()))
    owner = np.repeat(np.arange(len(rows)), lengths)
    vals = np.repeat((1 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32), lengths)
    return owner, cols, vals


class Classifier:
    def __init__(self, classes: list[str], columns: NDArray[np.int64],
                 w: NDArray[np.float32], b: NDArray[np.float32]) -> None:
        self.classes = classes
        self.index = {c: n for n, c in enumerate(classes)}
        self.columns = columns  # sorted hashed columns seen in training
        self.w, self.b = w, b

    @classmethod
    def fit(cls, rows: Sequence[Sequence[int]], labels: Sequence[str]) -> Classifier:
        classes = sorted(set(labels))
        y = np.array([classes.index(x) for x in labels])
        owner, cols, vals = _csr(rows)
        columns, local = np.unique(cols, return_inverse=True)
        n, d, c = len(rows), len(columns), len(classes)
        order = np.argsort(local, kind="stable")
        starts = np.flatnonzero(np.r_[True, local[order][1:] != local[order][:-1]])
        w = np.zeros((d, c), dtype=np.float32)
        b = np.zeros(c, dtype=np.float32)
        onehot = np.zeros((n, c), dtype=np.float32)
        onehot[np.arange(n), y] = 1
        m_w, v_w = np.zeros_like(w), np.zeros_like(w)
        m_b, v_b = np.zeros_like(b), np.zeros_like(b)
        rate, beta1, beta2 = 0.05, 0.9, 0.999
        row_starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        for t in range(1, STEPS + 1):
            logits = np.add.reduceat(w[local] * vals[:, None], row_starts, axis=0) + b
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            g = (p - onehot) / n
            contrib = (g[owner] * vals[:, None])[order]
            grad_w = np.add.reduceat(contrib, starts, axis=0) + L2 * w
            grad_b = g.sum(axis=0)
            for param, grad, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
                m *= beta1
                m += (1 - beta1) * grad
                v *= beta2
                v += (1 - beta2) * grad * grad
                param -= rate * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + 1e-8)
        return cls(classes, columns, w, b)

    def proba(self, feats: Sequence[int]) -> dict[str, float]:
        f = np.array(feats, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.columns, f), len(self.columns) - 1)
        known = at[self.columns[at] == f]
        scale = 1 / np.sqrt(max(len(feats), 1))
        logits = self.w[known].sum(axis=0) * scale + self.b
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return dict(zip(self.classes, p.tolist(), strict=True))


def collect(knowledge: Path | None) -> tuple[list[Line], list[tuple[list[int], str]]]:
    """Every dev line read by today's code with `knowledge`, and the entries' example
    questions (features, entry id) of that knowledge base."""
    matcher = load_all(argparse.Namespace(
        config=None, knowledge=str(knowledge) if knowledge else None)).matcher
    matcher.gate = None  # the rules' own decisions, as answer_gate.py --history measures
    indexes = matcher._indexes  # the analysed words, as the signals read them

    def analysed(question: str, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        text = normalize(question)
        asked = without_courtesy(text, lang) or text
        index = indexes[lang]
        content = index.analyzer.content(index.words(asked))
        return tuple(index.analyzer.stems(content)), tuple(content)

    lines = []
    for path in DEV_SETS:
        by_line = writers(path)
        for case in read_cases(path):
            decision = matcher.match(case.question, case.lang)
            stems, words = analysed(case.question, decision.lang)
            lines.append(Line(case, *by_line[case.line], decision, stems, words))
    examples = []
    for entry in matcher.kb.entries.values():
        for lang in ("nl", "en"):
            text = entry.text(lang)
            for q in (*text.questions, text.claim, text.title):
                examples.append((featurize(*analysed(q, lang)), entry.id))
    return lines, examples


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def _ancestor(commit: str, of: str) -> bool:
    return subprocess.run(["git", "merge-base", "--is-ancestor", commit, of]).returncode == 0


def days() -> list[tuple[str, list[Line], list[tuple[list[int], str]], list[Line]]]:
    """Per later batch: its id, its lines and the example questions as they came, and the
    lines that existed before it."""
    # The rows depend on the code that read them: a cache of another commit is not used.
    cache = CACHE.with_name(f"{CACHE.stem}-{_git('rev-parse', 'HEAD').strip()[:12]}.pkl")
    if cache.exists() and "--fresh" not in sys.argv[1:]:
        cached: list[tuple[str, list[Line], list[tuple[list[int], str]], list[Line]]] = (
            pickle.loads(cache.read_bytes()))
        return cached
    out = []
    for batch in LATER_BATCHES:
        with knowledge_before(batch) as (parent, knowledge):
            lines, examples = collect(knowledge)
        known = {c: _ancestor(c, parent) for c in {r.commit for r in lines}}
        new = [r for r in lines if r.commit.startswith(batch)]
        earlier = [r for r in lines if known[r.commit]]
        out.append((batch, new, examples, earlier))
        print(f"batch {batch}: {len(new)} new, {len(earlier)} earlier, {len(examples)} "
              "examples", flush=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def train(examples: Sequence[tuple[list[int], str]], lines: Sequence[Line]) -> Classifier:
    rows = [f for f, _ in examples]
    labels = [e for _, e in examples]
    for r in lines:
        if r.labelled:
            for e in sorted(r.case.expected):
                rows.append(featurize(r.stems, r.words))
                labels.append(e)
    return Classifier.fit(rows, labels)


Probs = list[dict[str, float]]


def predict(model: Classifier, lines: Sequence[Line]) -> Probs:
    return [model.proba(featurize(r.stems, r.words)) for r in lines]


def rerank(r: Line, p: dict[str, float], weight: float) -> tuple[str, bool | None]:
    """The row's kind and whether its (possibly new) first candidate is right."""
    cands = r.decision.candidates
    if weight == 0 or len(cands) < 2 or r.decision.kind not in ("answer", "suggest"):
        return r.decision.kind, None
    # today's order kept where the classifier is silent: an entry its topic words moved up
    # keeps its place (its score, capped by those above it)
    base = np.minimum.accumulate([c.score for c in cands]).tolist()
    keyed = [b + weight * p.get(c.entry_id, 0.0) for b, c in zip(base, cands, strict=True)]
    best = cands[max(range(len(cands)), key=lambda n: (keyed[n], -n))]
    if best.entry_id == cands[0].entry_id:
        return r.decision.kind, None
    return "suggest", best.entry_id in r.case.expected


def top1(lines: Sequence[Line], probs: Probs, weight: float) -> int:
    return sum(r.labelled and kind in ("answer", "suggest")
               and (r.decision.candidate_ids[0] in r.case.expected if right is None else right)
               for r, p in zip(lines, probs, strict=True)
               for kind, right in [rerank(r, p, weight)])


def out_of_fold(examples: Sequence[tuple[list[int], str]], lines: Sequence[Line]
                ) -> tuple[list[Line], Probs]:
    """Each writer's lines with p from a classifier trained on the examples and the others."""
    rows: list[Line] = []
    probs: Probs = []
    for w in sorted({r.writer for r in lines}):
        held = [r for r in lines if r.writer == w]
        model = train(examples, [r for r in lines if r.writer != w])
        rows += held
        probs += predict(model, held)
    return rows, probs


def choose(lines: Sequence[Line], probs: Probs) -> float:
    gains = {w: top1(lines, probs, w) for w in WEIGHTS}
    return max(WEIGHTS, key=lambda w: (gains[w], -w))


def tally(lines: Sequence[Line], probs: Probs | None, weight: float) -> dict[str, Tally]:
    out: dict[str, Tally] = defaultdict(Tally)
    for n, r in enumerate(lines):
        kind, right = (r.decision.kind, None) if probs is None else rerank(r, probs[n], weight)
        out[r.case.lang].add(r, kind, right)  # type: ignore[arg-type]
    return out


def show(title: str, tallies: dict[str, Tally]) -> None:
    both = Tally()
    for lang in ("nl", "en"):
        print(f"{title:<42}{lang:<5}{tallies[lang].cells()}")
        both += tallies[lang]
    print(f"{title:<42}{'both':<5}{both.cells()}")


def history() -> None:
    """Per later batch, today against the re-ranking, with its weight chosen three ways:
    out of fold among the earlier writers' lines (read with a knowledge base tuned on them:
    their first candidates flatter today's ranking); on the other later batches as they came
    (as answer_gate.py --history chooses the gate's threshold: the other batches include later
    ones, one number learnt from them); and on the earlier later batches only (the first: 0)."""
    print("columns: questions an entry answers; top-1; answered right; wrong answers; "
          "uncovered not answered")
    came: list[tuple[str, list[Line], Probs, float]] = []
    for batch, new, examples, earlier in days():
        rows, oof = out_of_fold(examples, earlier)
        weight = choose(rows, oof)
        probs = predict(train(examples, earlier), new)
        came.append((batch, new, probs, weight))
        gain_oof = [top1(rows, oof, w) - top1(rows, oof, 0) for w in WEIGHTS]
        gain_new = [top1(new, probs, w) - top1(new, probs, 0) for w in WEIGHTS]
        print(f"batch {batch}: {len(examples)} examples + {sum(r.labelled for r in earlier)} "
              f"earlier lines; top-1 gained by weight {WEIGHTS}: out of fold among the earlier "
              f"writers {gain_oof}; on the batch {gain_new}", flush=True)
    policies = {
        "weight: earlier writers' lines": lambda k: came[k][3],
        "weight: the other later batches": lambda k: choose(
            [r for j, c in enumerate(came) if j != k for r in c[1]],
            [p for j, c in enumerate(came) if j != k for p in c[2]]),
        "weight: the earlier later batches": lambda k: choose(
            [r for c in came[:k] for r in c[1]], [p for c in came[:k] for p in c[2]])
        if k else 0.0,
    }
    totals: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for k, (batch, new, probs, _) in enumerate(came):
        print(f"\nbatch {batch} ({', '.join(sorted({r.writer for r in new}))})")
        rows = [("today", tally(new, None, 0))]
        for title, weight_of in policies.items():
            weight = weight_of(k)
            rows.append((f"{title} {weight}", tally(new, probs, weight)))
            totals[title] = totals[title]
            for lang, t in rows[-1][1].items():
                totals[title][lang] += t
        for lang, t in rows[0][1].items():
            totals["today"][lang] += t
        for title, t in rows:
            show(title, t)
    print("\nall later batches as they came")
    for title, t in totals.items():
        show(title, t)


def dev() -> None:
    """Leave-one-writer-out on the dev sets as they are (today's knowledge, tuned on every
    writer: flattered). The weight for each writer is chosen on the other writers'
    out-of-fold figures (whose classifiers saw the held writer: a slight leak, one number)."""
    lines, examples = collect(None)
    rows, probs = out_of_fold(examples, lines)
    t0: dict[str, Tally] = defaultdict(Tally)
    t1: dict[str, Tally] = defaultdict(Tally)
    for w in sorted({r.writer for r in rows}):
        mine = [n for n, r in enumerate(rows) if r.writer == w]
        others = [n for n, r in enumerate(rows) if r.writer != w]
        weight = choose([rows[n] for n in others], [probs[n] for n in others])
        a = tally([rows[n] for n in mine], None, 0)
        b = tally([rows[n] for n in mine], [probs[n] for n in mine], weight)
        print(f"{w:<22} weight {weight}: top-1 nl {a['nl'].top1}->{b['nl'].top1} of "
              f"{a['nl'].entry}, en {a['en'].top1}->{b['en'].top1} of {a['en'].entry}",
              flush=True)
        for lang in ("nl", "en"):
            t0[lang] += a[lang]
            t1[lang] += b[lang]
    print("\nleave-one-writer-out on the dev sets")
    show("today", t0)
    show("re-ranked by the classifier", t1)


def alone() -> None:
    """The classifier on its own, per later batch as it came: how often its most likely entry
    (of all) is right, against the matcher's first candidate and its first three."""
    for batch, new, examples, earlier in days():
        probs = predict(train(examples, earlier), new)
        for lang in ("nl", "en"):
            mine = [(r, p) for r, p in zip(new, probs, strict=True)
                    if r.labelled and r.case.lang == lang]
            own = sum(max(p, key=lambda e: (p[e], e)) in r.case.expected for r, p in mine)
            first = sum(r.right_first for r, _ in mine)
            three = sum(bool(set(r.decision.candidate_ids) & r.case.expected) for r, _ in mine)
            print(f"batch {batch} {lang}: {len(mine)} questions; classifier's first right "
                  f"{own}, the matcher's first {first}, in its first three {three}", flush=True)


def main() -> int:
    if "--alone" in sys.argv[1:]:
        alone()
        return 0
    if "--dev" in sys.argv[1:]:
        dev()
        return 0
    history()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
