"""`train-redflags --report`: the red-flag check on writers it was not trained on, and a veto.

Leave one writer out: each blind batch of the red-flag dev set (one commit of
`tests/data/safety_dev.tsv` each, found with `git blame`; a batch holds one writer's lines or
two's) is scored by a backstop trained without it. The rules stay as they are, and they were
tuned on every batch: their part of these figures flatters. With `--rules-of-the-day`, each batch
is also scored by the rules as they stood before it came (the commit before the batch's, run from
a copy of that tree): rules that never saw the writer, as the held-out set sees them (without
that day's backstop).

The veto drops a rule's red flag where the backstop, trained without the batch, is sure enough
that the message is ordinary; never the crisis reply. Its two limits (today, emergency) are
chosen leaving the batch out as well: the pair that removes the most false alarms while no pool
of the other batches loses more than a share of its red flags (MAX_VETO_LOSS unless told).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.cli.history import line_commits, tree
from bot.knowledge.models import LANGS, KnowledgeBase
from bot.matching.redflag_model import LEVELS, RedFlagModel
from bot.matching.safety import SafetyCheck
from bot.matching.training import (
    MAX_VETO_LOSS,
    Example,
    groups_of,
    leave_one_group_out,
    vetoed,
)

VETO_TODAY = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 2.0)  # limits tried; 2.0: never
VETO_EMERGENCY = (0.6, 0.7, 0.8, 0.9, 0.95, 2.0)
# Run inside an old tree: the level and id of the rule that fires on each line of stdin, or
# "none -".
_OLD_RULES = """
import sys
from pathlib import Path
from bot.knowledge import load_knowledge
from bot.matching.safety import SafetyCheck
check = SafetyCheck(load_knowledge(Path("knowledge")).safety)
for line in sys.stdin.read().splitlines():
    rule = check.check(line)
    print(f"{rule.level} {rule.id}" if rule else "none -")
"""

Array = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
# levels predicted, which lines count, which flags the veto may not drop
Pool = tuple[Array, Mask, Mask]


def batches(path: Path) -> list[str]:
    """The commit that added each line of `path` after its header, by `git blame`."""
    return line_commits(path)[1:]


def rules_of_the_day(commit: str, texts: Sequence[str]) -> list[tuple[int, str]] | None:
    """The level (index in LEVELS) and id of the rule of the commit before `commit` that fires
    on each text ("-": none), or None where that tree cannot run them (an older format)."""
    try:
        with tree(f"{commit}^", "bot", "knowledge") as folder:
            done = subprocess.run([sys.executable, "-c", _OLD_RULES], cwd=folder, text=True,
                                  input="\n".join(" ".join(t.split()) for t in texts) + "\n",
                                  capture_output=True, check=False)
    except (OSError, subprocess.CalledProcessError):
        return None
    lines = [line.split() for line in done.stdout.splitlines()]
    if done.returncode or len(lines) != len(texts) or any(len(line) != 2 for line in lines):
        return None
    return [(LEVELS.index(level), rule) for level, rule in lines]


def _rates(got: Array, truth: Array, langs: npt.NDArray[np.str_], lookalike: Mask,
           mask: Mask) -> str:
    cells = []
    for level in (2, 1):
        cells.append(f"{LEVELS[level]} " + " / ".join(
            _percent((got >= level)[mask & (truth == level) & (langs == lang)])
            for lang in LANGS))
    alarms = mask & lookalike
    cells.append("false alarms " + " / ".join(
        _percent(got[alarms & (langs == lang)] > 0) for lang in LANGS)
        + f" ({int((got[alarms] > 0).sum())}/{int(alarms.sum())})")
    flags = mask & (truth > 0)
    cells.append(f"missed {int((got[flags] < truth[flags]).sum())}/{int(flags.sum())}")
    return "; ".join(cells)


def _percent(hits: Mask) -> str:
    return f"{hits.mean():.1%}" if len(hits) else "-"


def choose_veto(pools: Sequence[Pool], p_none: npt.NDArray[np.float32], truth: Array,
                lookalike: Mask, emergency: Sequence[float] = VETO_EMERGENCY,
                max_loss: float = MAX_VETO_LOSS) -> tuple[float, float]:
    """The limits (today, emergency: one of `emergency`) that drop the most false alarms, in all
    `pools` together, while none loses more than `max_loss` of its red flags; (2.0, 2.0),
    never, if no pair removes one."""
    best, most = (2.0, 2.0), 0.0
    for limits in ((t, e) for t in VETO_TODAY for e in emergency):
        removed = 0.0
        for got, mask, exempt in pools:
            after = vetoed(got, p_none, limits, exempt)
            flags = mask & (truth > 0)
            lost = (flags & (got >= truth) & (after < truth)).sum() / max(flags.sum(), 1)
            if lost > max_loss:
                break
            removed += ((mask & lookalike & (got > 0) & (after == 0)).sum()
                        / max((mask & lookalike).sum(), 1))
        else:
            if removed > most:
                best, most = limits, removed
    return best


def report(kb: KnowledgeBase, examples: Sequence[Example], safety_set: Path,
           old_rules: bool, max_loss: float = MAX_VETO_LOSS) -> None:
    check = SafetyCheck(kb.safety)
    labels = batches(safety_set)
    groups = groups_of(examples, labels)
    names = sorted(set(labels), key=labels.index)
    print(f"{len(examples)} examples; {len(names)} batches of the red-flag set; training "
          f"{len(names)} backstops, each without one batch (a few minutes)", flush=True)
    probabilities = leave_one_group_out(examples, groups, check.read)
    p_none = probabilities[:, 0]
    truth = np.array([e.level for e in examples])
    langs = np.array([e.lang for e in examples])
    lookalike = np.array([e.lookalike for e in examples])
    red = np.array([e.red_flag_set for e in examples])
    crisis_ids = {r.id for r in kb.safety.rules if r.reply_kind == "crisis"}
    assessments = [check.assess(e.text) for e in examples]
    rules = np.array([LEVELS.index(a.rules[0].level) if a.rules else 0 for a in assessments])
    crisis = np.array([bool(a.rules) and a.rules[0].id in crisis_ids for a in assessments])
    ruled_out = np.array([a.ruled_out for a in assessments])
    # as in use: the backstop only where no rule fired and no `unless` ruled the message out
    threshold = RedFlagModel.load().threshold
    raised = (1.0 - p_none >= threshold) & ~ruled_out
    backstop = np.where(raised, np.where(probabilities[:, 2] >= probabilities[:, 1], 2, 1), 0)
    today = np.where(rules > 0, rules, backstop)
    pools: list[Pool] = [(today, red, crisis | (rules == 0))]
    old = np.full(len(examples), -1)
    old_crisis = np.zeros(len(examples), dtype=bool)
    if old_rules:
        red_rows = np.flatnonzero(red)
        for name in names:
            rows = red_rows[[label == name for label in labels]]
            levels = rules_of_the_day(name, [examples[i].text for i in rows])
            print(f"  rules of the day for batch {name[:7]} ({len(rows)} lines): "
                  + ("run" if levels is not None else "cannot run (older format), left out"),
                  flush=True)
            if levels is not None:
                old[rows] = [level for level, _ in levels]
                old_crisis[rows] = [rule in crisis_ids for _, rule in levels]
        pools.append((np.maximum(old, 0), old >= 0, old_crisis))
    # the veto of both levels, and of "today" only (an emergency is never dropped)
    variants = {"both": VETO_EMERGENCY, "today": (2.0,)}
    with_veto = {v: [got.copy() for got, _, _ in pools] for v in variants}
    chosen: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
    for group in range(len(names)):
        mine = groups == group
        for variant, emergency in variants.items():
            limits = choose_veto([(got, mask & ~mine, exempt) for got, mask, exempt in pools],
                                 p_none, truth, lookalike, emergency, max_loss)
            chosen[variant].append(limits)
            for out, (got, mask, exempt) in zip(with_veto[variant], pools, strict=True):
                out[mine & mask] = vetoed(got, p_none, limits, exempt)[mine & mask]
    print(f"\nLeave one writer out ({'/'.join(LANGS)}; a red flag counts at its level or a more "
          f"urgent one; backstop threshold {threshold:.2f}):")
    rows_out = [("rules alone (tuned on every batch)", rules, red),
                ("backstop alone", backstop, red),
                ("rules + backstop (today's check)", today, red),
                ("  + veto of both levels", with_veto["both"][0], red),
                ("  + veto of 'today' flags only", with_veto["today"][0], red)]
    if old_rules:
        rows_out += [("rules of the day, on the batch they had not seen", pools[1][0], old >= 0),
                     ("  + veto of both levels", with_veto["both"][1], old >= 0),
                     ("  + veto of 'today' flags only", with_veto["today"][1], old >= 0)]
    for title, got, mask in rows_out:
        print(f"  {title}: {_rates(got, truth, langs, lookalike, mask)}")
    for variant, per_batch in chosen.items():
        print(f"  veto ({variant}) limits, P(none) for today/emergency (2.00: never), chosen "
              "without each batch: " + ", ".join(
                  f"{name[:7]} {t:.2f}/{e:.2f}" for name, (t, e) in zip(names, per_batch,
                                                                        strict=True)))
    print("\nPer batch (today's check → with the veto of both levels):")
    for group, name in enumerate(names):
        mine = red & (groups == group)
        print(f"  {name[:7]}: {_rates(today, truth, langs, lookalike, mine)}\n"
              f"           {_rates(with_veto['both'][0], truth, langs, lookalike, mine)}")
