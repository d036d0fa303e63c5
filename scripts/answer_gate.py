"""Leave-one-writer-out measurement of how the matcher chooses answer / suggest / fallback.

    python scripts/answer_gate.py            # the table, today's thresholds against a learned gate
    python scripts/answer_gate.py --history  # each later batch against the knowledge before it
    python scripts/answer_gate.py --train    # fit bot/matching/data/answer_gate.npz

The dev sets (tests/data/eval_dev.tsv, eval_near.tsv; never a held-out file) were written in
blind batches, one commit per batch: `git blame` gives each line's writer. Each writer's lines
are scored by a gate trained on the other writers' lines only, its operating point also chosen
on them (out of fold among them), so the figures say how the method does on a writer it has
not seen. Today's thresholds are measured the same way but were set, and the synonyms and
example questions tuned, on every writer: their figures flatter them.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli.context import load_all
from bot.cli.history import line_commits, tree
from bot.evaluation import OFF_TOPIC, RED_FLAG, Case, read_cases
from bot.matching.decision import Decision
from bot.matching.entry_model import MODEL_ENV, OFF
from bot.matching.gate import FEATURES, GATE_FILE, SIGNALS, AnswerGate, Evidence, features
from bot.matching.matcher import Thresholds, decide

DEV_SETS = (Path("tests/data/eval_dev.tsv"), Path("tests/data/eval_near.tsv"))
# A commit that added fewer lines than this is no writer's batch: the lines a batch's own
# writer added or reworded later (new entries' questions, near-copies rewritten). They go with
# the file's first batch.
SMALL = 60
# The blind batches by the commit that added them (tests/data/README.md names the writers).
NAMES = {
    ("eval_dev", "a5c0aa4"): "first", ("eval_dev", "602ab97"): "G", ("eval_dev", "90c7656"): "Q",
    ("eval_near", "edc29c6"): "first", ("eval_near", "303038e"): "second",
    ("eval_near", "b1d0004"): "third", ("eval_near", "602ab97"): "F",
    ("eval_near", "153290577"): "K", ("eval_near", "bd62e21"): "N", ("eval_near", "90c7656"): "P",
    ("eval_dev", "8204db9"): "V", ("eval_near", "08ae6d5"): "W", ("eval_dev", "9a91ccd"): "AA",
    ("eval_dev", "ee5c76f"): "AD",
}
L2 = 1.0
# The blind batches after the first three of eval_near, by commit (tests/data/README.md)
LATER_BATCHES = ("602ab97", "153290577", "bd62e21", "90c7656", "9a91ccd", "ee5c76f")
HISTORY_TARGETS = (0.003, 0.005, 0.01)
TARGET = 0.015  # the shipped gate's wrong answers, out of fold on the later batches as they came
LONG = 12  # words: a long message (as matcher.LONG_QUESTION_WORDS)
TARGETS = (0.003, 0.005, 0.01, 0.015)  # wrong-answer rates the gate's threshold is chosen for
# Example questions written blind, by a writer who saw only the entries' titles and claims and
# no evaluation line (batch E, appended to the entries): tuned on no batch, so each day's
# knowledge base is read with them, as today's is. Without them the gate learnt the scores of
# the old examples only, and more examples raise the fuzzy scores: it answered too often.
BLIND_EXAMPLES = ("b327e7f",)


@dataclass(frozen=True)
class Row:
    case: Case
    writer: str
    commit: str  # the commit that wrote the line
    decision: Decision
    evidence: Evidence | None

    @property
    def right_first(self) -> bool:
        ids = self.decision.candidate_ids
        return bool(ids) and ids[0] in self.case.expected


def writers(path: Path) -> dict[int, tuple[str, str]]:
    """Each line's writer and commit: the writer is the commit that last touched it, small
    commits folded into the file's first batch."""
    commits = dict(enumerate(line_commits(path), start=1))
    sizes: defaultdict[str, int] = defaultdict(int)
    for commit in commits.values():
        sizes[commit] += 1
    first = commits[min(commits)]
    named = {c: next((n for (f, k), n in NAMES.items() if f == path.stem and c.startswith(k)),
                     c[:7]) for c in sizes}
    return {n: (f"{path.stem}:{named[c if sizes[c] >= SMALL else first]}", c)
            for n, c in commits.items()}


def collect(paths: Sequence[Path], knowledge: Path | None = None
            ) -> tuple[list[Row], Thresholds]:
    """Every dev line, weighed by today's code with `knowledge` (default: the configured)."""
    matcher = load_all(argparse.Namespace(
        config=None, knowledge=str(knowledge) if knowledge else None)).matcher
    matcher.gate = None  # the rules' own decisions: the gate is what is measured against them
    rows = []
    for path in paths:
        by_line = writers(path)
        for case in read_cases(path):
            decision, evidence = matcher.weigh(case.question, case.lang)
            rows.append(Row(case, *by_line[case.line], decision, evidence))
    return rows, matcher.thresholds


@dataclass
class Tally:
    entry: int = 0
    top1: int = 0
    answered_right: int = 0
    judged: int = 0
    wrong: int = 0
    uncovered: int = 0
    uncovered_not_answered: int = 0

    def add(self, row: Row, kind: str, right_first: bool | None = None) -> None:
        """Count `row` replied to with `kind`; `right_first`: whether the first candidate is
        right (default: the matcher's own first)."""
        right = row.right_first if right_first is None else right_first
        case = row.case
        if case.kind == RED_FLAG:
            return
        self.judged += 1
        if case.kind == OFF_TOPIC:
            self.uncovered += 1
            self.uncovered_not_answered += kind != "answer"
            self.wrong += kind == "answer"
            return
        self.entry += 1
        offered = kind in ("answer", "suggest")
        self.top1 += offered and right
        self.answered_right += kind == "answer" and right
        self.wrong += kind == "answer" and not right

    def __iadd__(self, other: Tally) -> Tally:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def cells(self) -> str:
        def pct(a: int, b: int) -> str:
            return f"{a / b:6.1%}" if b else "     -"
        return (f"{self.entry:>5} {pct(self.top1, self.entry)} "
                f"{pct(self.answered_right, self.entry)} {pct(self.wrong, self.judged)} "
                f"{pct(self.uncovered_not_answered, self.uncovered)}")


# (train, test) -> each test row's kind, and whether its first candidate is right (None: the
# matcher's first)
Reply = tuple[str, bool | None]
Policy = Callable[[Sequence[Row], Sequence[Row]], list[Reply]]


def by_language(rows: Sequence[Row], replies: Sequence[Reply]) -> dict[str, Tally]:
    """The tally of `rows` replied to with `replies`, per language (both, even if empty)."""
    tallies = {lang: Tally() for lang in ("nl", "en")}
    for r, (kind, right) in zip(rows, replies, strict=True):
        tallies[r.case.lang].add(r, kind, right)
    return tallies


def today(_train: Sequence[Row], test: Sequence[Row]) -> list[Reply]:
    return [(r.decision.kind, None) for r in test]


def _decides(r: Row) -> bool:
    """The questions the gate decides: weighed, and offered (answer or suggest) today."""
    return r.evidence is not None and r.decision.kind in ("answer", "suggest")


def _weighed(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if _decides(r)]


def _matrix(rows: Sequence[Row]) -> NDArray[np.float64]:
    return np.array([features(r.evidence) for r in rows if r.evidence is not None])


def fit(x: NDArray[np.float64], y: NDArray[np.float64], l2: float = L2
        ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Logistic regression by Newton's method on standardised features: (mean, scale, w)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z.T * (p * (1 - p))) @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, w


def predict(model: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
            x: NDArray[np.float64]) -> NDArray[np.float64]:
    mean, scale, w = model
    logits: NDArray[np.float64] = w[0] + ((x - mean) / scale) @ w[1:]
    return np.asarray(1 / (1 + np.exp(-logits)), dtype=np.float64)


def _labels(rows: Sequence[Row]) -> NDArray[np.float64]:
    return np.array([float(r.case.kind == "entry" and r.right_first) for r in rows])


def _allowed(row: Row, vetoes: bool) -> bool:
    """What no gate overrules: a bare subject ("knie") is never answered, nor an entry its
    topic words moved up past a better-scoring one; with `vetoes`, nor a question with a
    topic word of its own or another entry's."""
    e = row.evidence
    assert e is not None
    return e.words > 2 and e.first >= e.runner_up and not (vetoes and (e.rare or e.elsewhere))


def _kinds(rows: Sequence[Row], p: dict[int, float], threshold: float,
           vetoes: bool, union: bool) -> list[str]:
    """The gate's kinds; with `union`, today's answers stay answers and the gate only adds."""
    kinds = []
    for n, r in enumerate(rows):
        if n in p:
            answer = ((p[n] >= threshold and _allowed(r, vetoes))
                      or (union and r.decision.kind == "answer"))
            kinds.append("answer" if answer else "suggest")
        else:
            kinds.append(r.decision.kind)
    return kinds


def _probabilities(train: Sequence[Row], rows: Sequence[Row]) -> dict[int, float]:
    """The gate's p(the first candidate is right) for `rows` it decides, trained on `train`."""
    weighed = _weighed(train)
    model = fit(_matrix(weighed), _labels(weighed))
    mine = [n for n, r in enumerate(rows) if _decides(r)]
    if not mine:
        return {}
    scores = predict(model, _matrix([rows[n] for n in mine]))
    return dict(zip(mine, scores.tolist(), strict=True))


def _threshold(train: Sequence[Row], target: float, vetoes: bool, union: bool) -> float:
    """The lowest threshold whose answers, out of fold among `train`'s writers, are wrong on
    at most `target` of their questions."""
    oof: dict[int, float] = {}
    for w in sorted({r.writer for r in train}):
        inner = [r for r in train if r.writer != w]
        held = [n for n, r in enumerate(train) if r.writer == w]
        p = _probabilities(inner, [train[n] for n in held])
        oof.update({held[k]: v for k, v in p.items()})
    for threshold in np.arange(0.30, 1.0, 0.01):
        tally = Tally()
        for r, kind in zip(train, _kinds(train, oof, float(threshold), vetoes, union), strict=True):
            tally.add(r, kind)
        if tally.wrong <= target * tally.judged:
            return float(threshold)
    return 1.0


def grid(today: Thresholds) -> list[Thresholds]:
    """Today's thresholds and their neighbours: the hand-set rules with other settings."""
    return [replace(today, answer=a, margin=m, agreement=n, disputed_margin=d)
            for a in np.arange(0.39, 0.62, 0.02).round(2).tolist()
            for m in (0.0, 0.01, 0.02, 0.04) for n in (2, 3, 4)
            for d in (0.02, 0.03, 0.05, 0.08, 0.12)] + [today]


def _answers(rows: Sequence[Row], settings: Sequence[Thresholds]) -> NDArray[np.bool_]:
    """Whether each setting answers each row (rows x settings); only rows the gate decides
    can change, the others keep today's kind."""
    answers = np.zeros((len(rows), len(settings)), dtype=bool)
    for n, r in enumerate(rows):
        if r.evidence is None:
            answers[n] = r.decision.kind == "answer"
            continue
        ranked = [(c.entry_id, c.score) for c in r.decision.candidates]
        answers[n] = [decide(ranked, r.evidence, t).kind == "answer" for t in settings]
    return answers


def tuned(today: Thresholds, target: float) -> Policy:
    """The hand-set rules, their setting chosen on the training writers: the one that answers
    the most questions right with at most `target` wrong answers."""
    settings = grid(today)
    cache: dict[int, NDArray[np.bool_]] = {}

    def answers(rows: Sequence[Row]) -> NDArray[np.bool_]:
        missing = [r for r in rows if id(r) not in cache]
        for r, a in zip(missing, _answers(missing, settings), strict=True):
            cache[id(r)] = a
        return np.array([cache[id(r)] for r in rows])

    def policy(train: Sequence[Row], test: Sequence[Row]) -> list[Reply]:
        a = answers(train)
        judged = np.array([r.case.kind != RED_FLAG for r in train])
        right = np.array([r.case.kind == "entry" and r.right_first for r in train])
        wrong = (a & (judged & ~right)[:, None]).sum(axis=0)
        good = (a & right[:, None]).sum(axis=0)
        allowed = wrong <= target * judged.sum()
        best = int(np.argmax(np.where(allowed, good * 10_000 - wrong, -1)))
        chosen = settings[best]
        replies: list[Reply] = []
        for r in test:
            if r.evidence is None:
                replies.append((r.decision.kind, None))
            else:
                ranked = [(c.entry_id, c.score) for c in r.decision.candidates]
                replies.append((decide(ranked, r.evidence, chosen).kind, None))
        return replies
    return policy


def learned(target: float, vetoes: bool, union: bool = False) -> Policy:
    def policy(train: Sequence[Row], test: Sequence[Row]) -> list[Reply]:
        threshold = _threshold(train, target, vetoes, union)
        p = _probabilities(train, test)
        return [(k, None) for k in _kinds(test, p, threshold, vetoes, union)]
    return policy


def _pair(r: Row) -> NDArray[np.float64]:
    """The second candidate against the first, for the re-ranker."""
    e = r.evidence
    assert e is not None
    a, b = e.signals[0], e.signals[1]
    return np.array([
        e.scores[0] - e.scores[1], e.best - e.scores[0], *(a[s] - b[s] for s in SIGNALS),
        (e.votes[0] - e.votes[1]) / len(SIGNALS), float(e.topical[0]), float(e.topical[1]),
        math.log1p(e.words), float(e.lang == "en"), float(e.words > LONG), e.scores[1],
    ])


def _pairable(r: Row) -> bool:
    return _decides(r) and r.evidence is not None and len(r.evidence.scores) > 1


def _second_right(r: Row) -> bool:
    ids = r.decision.candidate_ids
    return r.case.kind == "entry" and ids[1] in r.case.expected


def _swap_gain(rows: Sequence[Row], p: Sequence[float], threshold: float) -> int:
    """How many more questions have a right first candidate when those at `threshold` or
    above swap their first two."""
    return sum(_second_right(r) - (r.case.kind == "entry" and r.right_first)
               for r, q in zip(rows, p, strict=True) if q >= threshold)


def _swap_model(train: Sequence[Row]
                ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    # learnt where exactly one of the two is right
    telling = [r for r in train
               if r.case.kind == "entry" and r.right_first != _second_right(r)]
    return fit(np.array([_pair(r) for r in telling]),
               np.array([float(_second_right(r)) for r in telling]))


def reranked(train: Sequence[Row], test: Sequence[Row]) -> list[Reply]:
    """Today's decisions, but the first two candidates swapped where a model of the pair
    (trained on the other writers) says the second is right; a swapped question is suggested,
    never answered. Its threshold: the one that gains most, out of fold among the others."""
    train = [r for r in train if _pairable(r)]
    scored: list[Row] = []
    oof: list[float] = []
    for w in sorted({r.writer for r in train}):
        held = [r for r in train if r.writer == w]
        model = _swap_model([r for r in train if r.writer != w])
        oof += predict(model, np.array([_pair(r) for r in held])).tolist()
        scored += held
    gains = {float(t): _swap_gain(scored, oof, float(t)) for t in np.arange(0.5, 1.0, 0.05)}
    threshold = max(gains, key=lambda t: (gains[t], t)) if max(gains.values()) > 0 else 2.0
    model = _swap_model(train)
    replies: list[Reply] = []
    for r in test:
        if _pairable(r) and predict(model, _pair(r)[None, :])[0] >= threshold:
            replies.append(("suggest", _second_right(r)))
        else:
            replies.append((r.decision.kind, None))
    return replies


def table(rows: Sequence[Row], policy: Policy, title: str) -> Tally:
    print(f"\n{title}")
    print(f"{'writer':<22}{'lang':<5}{'qs':>5} {'top-1':>6} {'ans.ok':>6} {'wrong':>6} "
          f"{'unc.na':>6}")
    total: dict[str, Tally] = defaultdict(Tally)
    for w in sorted({r.writer for r in rows}):
        test = [r for r in rows if r.writer == w]
        train = [r for r in rows if r.writer != w]
        for lang, tally in by_language(test, policy(train, test)).items():
            if tally.judged:
                print(f"{w:<22}{lang:<5}{tally.cells()}")
                total[lang] += tally
    overall = Tally()
    for lang, tally in sorted(total.items()):
        print(f"{'all':<22}{lang:<5}{tally.cells()}")
        overall += tally
    print(f"{'all':<22}{'both':<5}{overall.cells()}")
    return overall


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


@contextmanager
def knowledge_before(batch: str) -> Iterator[tuple[str, Path]]:
    """The commit before `batch` came (its parent) and its knowledge base, unpacked in a
    temporary folder for as long as the block lasts."""
    parent = _git("rev-parse", f"{batch}^").strip()
    with tree(parent, "knowledge") as folder:
        for examples in BLIND_EXAMPLES:
            _add_examples(examples, folder / "knowledge")
        yield parent, folder / "knowledge"


def _questions(commit: str, path: str) -> dict[str, list[str]]:
    """Each language's example questions of the entry file `path` at `commit` (none if it did
    not exist)."""
    shown = subprocess.run(["git", "show", f"{commit}:{path}"], capture_output=True, text=True)
    if shown.returncode != 0:
        return {}
    data = yaml.safe_load(shown.stdout) or {}
    return {lang: list((data.get(lang) or {}).get("questions") or []) for lang in ("nl", "en")}


def _reworded(commit: str, path: str) -> dict[str, dict[str, str]]:
    """Per language, each example question of the entry file `path` as `commit` left it, mapped
    to its wording today (HEAD): followed through every later commit that touched the file,
    where an edit that replaced n questions in place by n others is a rewording of each. A
    question taken out later maps to nothing; one only added later is nobody's rewording."""
    later = _git("log", "--reverse", "--format=%H", f"{commit}..HEAD", "--", path).split()
    questions = _questions(commit, path)
    wording = {lang: {q: q for q in qs} for lang, qs in questions.items()}
    for step in later:
        before, after = _questions(f"{step}^", path), _questions(step, path)
        for lang, now in wording.items():
            old, new = before.get(lang, []), after.get(lang, [])
            renamed: dict[str, str | None] = {q: None for q in set(old) - set(new)}
            matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
            for tag, a0, a1, b0, b1 in matcher.get_opcodes():
                if tag == "replace" and a1 - a0 == b1 - b0:
                    renamed.update(zip(old[a0:a1], new[b0:b1], strict=True))
            for q, current in list(now.items()):
                if current not in renamed:
                    continue
                reworded = renamed[current]
                if reworded is None:
                    del now[q]
                else:
                    now[q] = reworded
    return wording


def _add_examples(commit: str, knowledge: Path) -> int:
    """Append the example questions `commit` added, each in today's wording (some were
    reworded later: taken out of who-said-it frames, or out of another entry's frame) and only
    if today's entries still hold it (some were taken out), to the entries of `knowledge` (a
    checked-out knowledge folder) that exist there and lack them. Returns how many were
    appended in a later wording."""
    changed = _git("diff", "--name-only", f"{commit}^", commit, "--", "knowledge/entries")
    followed = 0
    for path in changed.split():
        target = knowledge / Path(path).relative_to("knowledge")
        if not target.is_file():
            continue  # the entry came later
        before, after = _questions(f"{commit}^", path), _questions(commit, path)
        today = _reworded(commit, path)
        lines = target.read_text(encoding="utf-8").splitlines()
        current = yaml.safe_load("\n".join(lines)) or {}
        for lang in ("nl", "en"):
            have = set((current.get(lang) or {}).get("questions") or [])
            old = set(before.get(lang, [])) | have
            added = [q for q in after.get(lang, []) if q not in old]
            new = [today[lang][q] for q in added
                   if q in today.get(lang, {}) and today[lang][q] not in have]
            followed += sum(today[lang].get(q, q) != q for q in added)
            if not new:
                continue
            start = lines.index(f"{lang}:")
            at = lines.index("  questions:", start) + 1
            while at < len(lines) and lines[at].startswith("    "):
                at += 1
            lines[at:at] = [f"    - {json.dumps(q, ensure_ascii=False)}" for q in new]
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return followed


def as_they_came(show: Sequence[float] = (), batches: Sequence[str] = LATER_BATCHES
                 ) -> tuple[list[Row], Thresholds]:
    """The later batches' lines, each weighed by today's code with the knowledge base of the
    day before its batch came (its synonyms and example questions tuned on earlier batches
    only). With `show`, each batch's figures with the rules' setting and the gate chosen on
    the earlier batches (tuned on, as today's are)."""
    came: list[Row] = []
    for batch in batches:
        with knowledge_before(batch) as (parent, knowledge):
            rows, thresholds = collect(DEV_SETS, knowledge)
        new = [r for r in rows if r.commit.startswith(batch)]
        came += new
        if not show:
            continue
        earlier = [r for r in rows if subprocess.run(
            ["git", "merge-base", "--is-ancestor", r.commit, parent]).returncode == 0]
        policies: list[tuple[str, Policy]] = [("today's rules", today)]
        for target in show:
            policies += [(f"rules re-set <= {target:.1%}", tuned(thresholds, target)),
                         (f"gate <= {target:.1%}", learned(target, True))]
        print(f"\nbatch {batch} ({', '.join(sorted({r.writer for r in new}))}), knowledge at "
              f"{parent[:7]}, trained on {len(earlier)} earlier lines")
        for title, policy in policies:
            for lang, tally in by_language(new, policy(earlier, new)).items():
                print(f"{title:<26}{lang:<5}{tally.cells()}")
    return came, thresholds


def history(targets: Sequence[float]) -> None:
    """Each later batch as it came (see `as_they_came`); then, the honest test of a writer
    nobody had tuned on, leave-one-writer-out among the later batches as they came (the gate
    and the rules' setting chosen on the other writers' lines as they came)."""
    came, thresholds = as_they_came(targets)
    print("\n\nThe later batches as they came, leave-one-writer-out among them")
    table(came, today, "today's rules")
    for target in (*targets, 0.015, 0.02):
        table(came, tuned(thresholds, target),
              f"the rules' setting chosen for wrong <= {target:.1%} on the other writers")
        table(came, learned(target, True),
              f"learned gate, threshold for wrong <= {target:.1%} on the other writers")


def train(path: Path) -> None:
    """Fit the shipped gate on the later batches as they came, its threshold chosen out of
    fold among their writers for at most `TARGET` wrong answers, and write it."""
    came, _ = as_they_came()
    threshold = _threshold(came, TARGET, vetoes=True, union=False)
    weighed = _weighed(came)
    mean, scale, weights = fit(_matrix(weighed), _labels(weighed))
    AnswerGate(mean, scale, weights, threshold).save(path)
    print(f"{len(came)} lines as they came, {len(weighed)} offered; threshold {threshold:.2f} "
          f"(out of fold, wrong answers <= {TARGET:.1%}); written to {path}")


def main() -> int:
    # The gate judges the signals' own first candidate. The entry model has read the dev sets'
    # questions, so with it the first would be right on every line trained on here, and the
    # gate would learn to trust a first that the model moved up, which on new questions it is
    # less often (the model reorders; the gate, trained without it, answers only what the
    # scores carry).
    os.environ[MODEL_ENV] = OFF
    if "--history" in sys.argv[1:]:
        history(HISTORY_TARGETS)
        return 0
    if "--train" in sys.argv[1:]:
        train(Path("bot/matching/data") / GATE_FILE)
        return 0
    rows, thresholds = collect(DEV_SETS)
    print("columns: questions an entry answers; top-1 (answered or suggested, first right); "
          "answered right; wrong answers (of all but red flags); uncovered not answered")
    print(f"features: {', '.join(FEATURES)}")
    weighed = _weighed(rows)
    print(f"{len(rows)} lines, {len(weighed)} decided by the gate (offered today)")
    table(rows, today, "today's thresholds (set and tuned on all writers: flattered)")
    table(rows, reranked, "today's decisions, the first two candidates swapped by a learned "
          "re-ranker")
    for target in TARGETS:
        table(rows, tuned(thresholds, target),
              f"the hand-set rules, their setting chosen for wrong <= {target:.1%} on the "
              "other writers")
    for vetoes in (True, False):
        for target in TARGETS:
            table(rows, learned(target, vetoes),
                  f"learned gate, threshold for wrong <= {target:.1%} out of fold"
                  f"{', rare/elsewhere vetoes kept' if vetoes else ', no vetoes'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
