"""Forward chaining by batch: the red-flag check on each blind batch as it came.

    python scripts/redflag_forward.py                 # the table (fits one backstop per batch)
    python scripts/redflag_forward.py --cache F.npz   # keep / reuse the per-batch predictions

`tests/data/safety_dev.tsv` grew one blind batch per commit (`git blame`: `line_commits`). For
each batch B from the third on, a backstop is trained on the batches before B only (and on the
ordinary questions, which are no batch's), and B is scored with it: what a learned component
does on a writer it has not seen, in the order the writers came. Its veto limit for B (P(none)
from which a rule's flag is dropped) is chosen on the batches before B, from their own forward
predictions: the largest share of false alarms removed while none of those batches, pooled,
loses more than `--max-loss` of its red flags.

Two kinds of rules stand in front of it:
- the rules of the day: the tree of the commit before B (`rules_of_the_day`), which never saw
  B's writer: the honest picture, as the held-out file sees the rules (their false alarms);
- today's rules, tuned on every batch: their figures flatter them, and show what the veto costs
  behind the rules as they ship.
The concepts the backstop reads are today's (`--words-only`: words alone, nothing tuned on B).
Never a held-out file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli.history import line_commits
from bot.cli.redflag_report import rules_of_the_day
from bot.cli.train import QUESTION_SETS, SAFETY_SETS
from bot.knowledge import load_knowledge
from bot.knowledge.models import LANGS
from bot.matching.normalize import normalize
from bot.matching.redflag_model import LEVELS, RedFlagModel
from bot.matching.safety import SafetyCheck
from bot.matching.training import (
    FORWARD_THRESHOLDS,
    feature_rows,
    fit_rows,
    forward_cost,
    forward_threshold,
    read_examples,
)

FIRST_TEST = 2  # batches before this one only train
LIMITS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 2.0)  # 2.0: never
Array = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Lines:
    """The red-flag dev lines, with what each system made of them."""

    texts: list[str]
    truth: Array  # index in LEVELS
    langs: npt.NDArray[np.str_]
    batch: Array  # index of the batch in the order they came
    p: npt.NDArray[np.float32]  # forward P(none, today, emergency); NaN where only trained on
    today: Array  # today's rules
    today_crisis: Mask
    old: Array  # the rules of the day (-1: could not run)
    old_crisis: Mask
    ruled_out: Mask  # a rule's `unless` ruled the message out (no backstop there)
    pv: npt.NDArray[np.float32]  # forward P(none, ...) of the veto model (`--veto-model`)
    marks: list[set[str]]  # today's concepts found, negated ones ending "!"


def forward_probabilities(kb_texts: Sequence[str], kb_levels: Sequence[int], red_texts:
                          Sequence[str], red_levels: Sequence[int], batch: Array,
                          reader: Callable[[str], tuple[Sequence[str], Sequence[tuple[str, int,
                                                                                        int]]]]
                          | None, population: Mask | None = None) -> npt.NDArray[np.float32]:
    """P(none, today, emergency) of each red-flag line from a backstop trained on the batches
    before its own (and on every ordinary question); NaN for the first FIRST_TEST batches.
    With `population`: a veto model, trained only on the red-flag lines in it (those on which
    some rule's concepts all stand, before its `unless`), and nothing else."""
    keep = [i for i, t in enumerate(kb_texts) if normalize(t)] if population is None else []
    other_rows = feature_rows([kb_texts[i] for i in keep], reader)
    other_levels = [kb_levels[i] for i in keep]
    red_rows = feature_rows(red_texts, reader)
    usable = np.array([bool(normalize(t)) for t in red_texts])
    if population is not None:
        usable &= population
    out = np.full((len(red_texts), len(LEVELS)), np.nan, dtype=np.float32)
    for k in range(FIRST_TEST, int(batch.max()) + 1):
        train = np.flatnonzero((batch < k) & usable).tolist()
        weights, bias = fit_rows(other_rows + [red_rows[i] for i in train],
                                 other_levels + [red_levels[i] for i in train])
        model = RedFlagModel(weights, bias, threshold=0.5, reader=reader)
        for i in np.flatnonzero(batch == k).tolist():
            out[i] = model.probabilities(red_texts[i])
        print(f"  batch {k}: trained on {len(train)} red-flag lines, scored "
              f"{int((batch == k).sum())}", file=sys.stderr, flush=True)
    return out


def collect(cache: Path | None, words_only: bool, veto_model: bool = False,
            without: Sequence[str] = ()) -> Lines:
    """`without`: commits (or their prefixes) whose batch is left out, neither trained on nor
    scored (a batch kept blind while the rules are changed)."""
    kb = load_knowledge(Path("knowledge"))
    check = SafetyCheck(kb.safety)
    examples = read_examples(kb, SAFETY_SETS, QUESTION_SETS)
    red = [e for e in examples if e.red_flag_set]
    other = [e for e in examples if not e.red_flag_set]
    commits = line_commits(SAFETY_SETS[0])[1:]
    kept = [not any(c.startswith(w) for w in without) for c in commits]
    red = [e for e, k in zip(red, kept, strict=True) if k]
    commits = [c for c, k in zip(commits, kept, strict=True) if k]
    names = sorted(set(commits), key=commits.index)
    batch = np.array([names.index(c) for c in commits])
    texts = [e.text for e in red]
    truth = np.array([e.level for e in red])
    reader = None if words_only else check.read
    assessed = [check.assess(t) for t in texts]
    # where some rule's concepts all stand (whether or not its `unless` ruled it out): where a
    # veto would act
    population = np.array([bool(a.rules) or a.ruled_out for a in assessed])
    pv = np.full((len(red), len(LEVELS)), np.nan, dtype=np.float32)
    if cache and cache.is_file():
        data = np.load(cache)
        p, old, old_crisis = data["p"], data["old"], data["old_crisis"]
        if "pv" in data:
            pv = data["pv"]
        elif veto_model:
            pv = forward_probabilities([], [], texts, list(truth), batch, reader, population)
            np.savez(cache, p=p, old=old, old_crisis=old_crisis, pv=pv)
    else:
        p = forward_probabilities([e.text for e in other], [e.level for e in other], texts,
                                  list(truth), batch, reader)
        crisis_ids = {r.id for r in kb.safety.rules if r.reply_kind == "crisis"}
        old = np.full(len(red), -1)
        old_crisis = np.zeros(len(red), dtype=bool)
        for k, name in enumerate(names):
            rows = np.flatnonzero(batch == k)
            levels = rules_of_the_day(name, [texts[i] for i in rows])
            print(f"  rules of the day for batch {k} ({name[:7]}): "
                  + ("run" if levels else "cannot run"), file=sys.stderr, flush=True)
            if levels is not None:
                old[rows] = [level for level, _ in levels]
                old_crisis[rows] = [rule in crisis_ids for _, rule in levels]
        if veto_model:
            pv = forward_probabilities([], [], texts, list(truth), batch, reader, population)
        if cache:
            np.savez(cache, p=p, old=old, old_crisis=old_crisis, pv=pv)
    crisis_ids = {r.id for r in kb.safety.rules if r.reply_kind == "crisis"}
    return Lines(
        texts, truth, np.array([e.lang for e in red]), batch, p,
        np.array([LEVELS.index(a.rules[0].level) if a.rules else 0 for a in assessed]),
        np.array([bool(a.rules) and a.rules[0].id in crisis_ids for a in assessed]),
        old, old_crisis, np.array([a.ruled_out for a in assessed]), pv,
        [{name for name, _, _ in a.marks} for a in assessed])


def with_backstop(rules: Array, lines: Lines, threshold: float) -> Array:
    """`rules`, and where none fired (and no `unless` ruled the message out) the forward
    backstop's level at `threshold`."""
    p = np.nan_to_num(lines.p, nan=0.0)
    p[np.isnan(lines.p[:, 0]), 0] = 1.0
    raised = (1.0 - p[:, 0] >= threshold) & ~lines.ruled_out & (rules == 0)
    return np.where(raised, np.where(p[:, 2] >= p[:, 1], 2, 1), rules)


def veto(got: Array, p_none: npt.NDArray[np.float32], limit: float, scope: Mask) -> Array:
    """`got` with a flag dropped where P(none) >= `limit` and the flag is in `scope`."""
    out = got.copy()
    out[scope & (got > 0) & (p_none >= limit)] = 0
    return out


def choose_limit(pools: Sequence[tuple[Array, Mask, Mask]], lines: Lines, p_none:
                 npt.NDArray[np.float32], max_loss: float) -> float:
    """The limit that removes the most false alarms in `pools` (flags, lines, scope) while
    none loses more than `max_loss` of its red flags; 2.0 (never) if none removes one."""
    best, most = 2.0, 0
    for limit in LIMITS:
        removed = 0
        for got, mask, scope in pools:
            after = veto(got, p_none, limit, scope)
            flags = mask & (lines.truth > 0)
            lost = (flags & (got >= lines.truth) & (after < lines.truth)).sum()
            if lost > max_loss * max(flags.sum(), 1):
                break
            removed += int((mask & (lines.truth == 0) & (got > 0) & (after == 0)).sum())
        else:
            if removed > most:
                best, most = limit, removed
    return best


def rates(got: Array, lines: Lines, mask: Mask) -> str:
    cells = []
    for level in (2, 1):
        per = []
        for lang in LANGS:
            hit = (got >= level)[mask & (lines.truth == level) & (lines.langs == lang)]
            per.append(f"{hit.mean():.1%}" if len(hit) else "-")
        both = (got >= level)[mask & (lines.truth == level)]
        cells.append(f"{LEVELS[level]} {' / '.join(per)} ({int(both.sum())}/{len(both)})")
    alarms = mask & (lines.truth == 0)
    cells.append(f"false alarms {(got[alarms] > 0).mean():.1%} "
                 f"({int((got[alarms] > 0).sum())}/{int(alarms.sum())})")
    return "; ".join(cells)


def scopes(lines: Lines, exceptions: frozenset[str]) -> dict[str, Callable[[Array, Mask],
                                                                            Mask]]:
    """Where a veto may drop a flag, given the flags and which of them are the crisis reply."""
    softened = np.array([bool(m & exceptions) or any(n.endswith("!") for n in m)
                         for m in lines.marks])
    return {
        "any flag": lambda got, crisis: ~crisis,
        "'today' flags": lambda got, crisis: ~crisis & (got == 1),
        "softened (an exception concept or a negation in the message)":
            lambda got, crisis: ~crisis & softened,
        "softened 'today' flags": lambda got, crisis: ~crisis & softened & (got == 1),
    }


def choose(lines: Lines, mask: Mask) -> None:
    """The forward cost of each threshold behind the rules of the day, and the choice."""
    p = np.nan_to_num(lines.p, nan=0.0)
    urgent = np.where(lines.ruled_out, 0.0, 1.0 - p[:, 0]).astype(np.float32)[mask]
    predicted = np.where(p[:, 2] >= p[:, 1], 2, 1)[mask]
    truth, rules = lines.truth[mask], np.maximum(lines.old, 0)[mask]
    for t in FORWARD_THRESHOLDS:
        cost, missed, alarms = forward_cost(truth, rules, urgent, predicted, t)
        print(f"  threshold {t:.2f}: cost {cost:.0f} (missed {missed}, false alarms {alarms})")
    print(f"forward_threshold: {forward_threshold(truth, rules, urgent, predicted):.2f} "
          f"({int(mask.sum())} lines)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, help="predictions kept here (reused if present)")
    parser.add_argument("--words-only", action="store_true",
                        help="the backstop reads words only, not today's concepts")
    parser.add_argument("--max-loss", type=float, default=0.0,
                        help="share of red flags the veto may lose on earlier batches")
    parser.add_argument("--threshold", type=float, default=None,
                        help="backstop threshold (default: the shipped model's)")
    parser.add_argument("--without", action="append", default=[], metavar="COMMIT",
                        help="leave this commit's batch out (neither trained on nor scored)")
    parser.add_argument("--choose", action="store_true",
                        help="print each threshold's forward cost and the one "
                             "`forward_threshold` chooses (rules of the day), then stop")
    parser.add_argument("--veto-model", action="store_true",
                        help="veto with a model trained only where some rule's concepts all "
                             "stand, not with the backstop")
    args = parser.parse_args()
    lines = collect(args.cache, args.words_only, args.veto_model, args.without)
    kb = load_knowledge(Path("knowledge"))
    exceptions = frozenset(c for r in kb.safety.rules for c in r.unless)
    threshold = args.threshold or RedFlagModel.load().threshold
    tested = ~np.isnan(lines.p[:, 0])
    old_ok = tested & (lines.old >= 0)
    p_none = np.nan_to_num((lines.pv if args.veto_model else lines.p)[:, 0], nan=0.0)
    systems = {
        "rules of the day": (np.maximum(lines.old, 0), lines.old_crisis, old_ok),
        "today's rules (tuned on every batch)": (lines.today, lines.today_crisis, tested),
    }
    if args.choose:
        choose(lines, old_ok)
        return
    print(f"Forward chaining, batches {FIRST_TEST}..{int(lines.batch.max())} "
          f"({'/'.join(LANGS)} per level; backstop threshold {threshold:.2f}; veto may lose "
          f"{args.max_loss:.1%} on earlier batches)")
    for title, (rules, crisis, mask) in systems.items():
        print(f"\n{title} ({int(mask.sum())} lines):")
        print(f"  rules alone: {rates(rules, lines, mask)}")
        flags = with_backstop(rules, lines, threshold)
        print(f"  + forward backstop: {rates(flags, lines, mask)}")
        for name, scope_of in scopes(lines, exceptions).items():
            scope = scope_of(flags, crisis)
            out = flags.copy()
            chosen = []
            for k in range(FIRST_TEST, int(lines.batch.max()) + 1):
                earlier = mask & (lines.batch < k)
                pools = [(with_backstop(r, lines, threshold), m & earlier, s(
                    with_backstop(r, lines, threshold), c))
                    for r, c, m in systems.values() for s in [scope_of]]
                limit = choose_limit(pools, lines, p_none, args.max_loss)
                chosen.append(limit)
                mine = mask & (lines.batch == k)
                out[mine] = veto(flags, p_none, limit, scope)[mine]
            print(f"  + veto of {name}: {rates(out, lines, mask)}  limits "
                  + " ".join(f"{c:.2f}" for c in chosen))
    print("\nPer batch, rules of the day + forward backstop:")
    rules, crisis, mask = systems["rules of the day"]
    flags = with_backstop(rules, lines, threshold)
    for k in range(FIRST_TEST, int(lines.batch.max()) + 1):
        mine = mask & (lines.batch == k)
        if mine.any():
            print(f"  batch {k}: {rates(flags, lines, mine)}")


if __name__ == "__main__":
    main()
