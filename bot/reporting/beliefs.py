"""What patients believe before and after reading: per quiz statement (and clinic), the share
of people who hold the correct belief, with a 95% Wilson interval. Pure: rows in, numbers out.

Only people who answered the same statement both before and after (the opt-in follow-up) are
counted, each once, with their first answer of each phase: a change in the share is then a
change in the same people, not a different crowd. "Not sure" is not the correct belief.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.storage import BeliefAnswer

Z95 = 1.959963984540054  # two-sided 95%


def wilson(correct: int, people: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of `correct` out of `people` (0-1); (0, 1) for nobody.
    Unlike the plain ±1.96·SE interval it stays within 0-1 and is honest for small counts
    and for shares near 0% or 100%."""
    if people <= 0:
        return 0.0, 1.0
    p = correct / people
    denominator = 1 + z * z / people
    centre = (p + z * z / (2 * people)) / denominator
    half = z * math.sqrt(p * (1 - p) / people + z * z / (4 * people * people)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Share:
    correct: int
    people: int

    @property
    def rate(self) -> float:
        return self.correct / self.people if self.people else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.correct, self.people)


@dataclass(frozen=True)
class BeliefRow:
    entry_id: str
    statement: str
    clinic: str | None  # None: every clinic together (and people without one)
    before: Share
    after: Share
    hidden: bool  # resting on fewer people than a clinic's report may show

    @property
    def people(self) -> int:
        return self.before.people


def belief_rows(answers: Iterable[BeliefAnswer], statements: Mapping[str, str], *,
                since: dt.date, until: dt.date, min_users: int | None,
                per_clinic: bool) -> tuple[BeliefRow, ...]:
    """Rows per statement (and per clinic when `per_clinic`), for people whose follow-up
    answer falls in `since`..`until`; in statement order, then clinic."""
    first: dict[tuple[str, str, str], BeliefAnswer] = {}
    for answer in sorted(answers, key=lambda a: a.at):
        first.setdefault((answer.user, answer.entry_id, answer.phase), answer)
    pairs = [(before, first[(user, entry_id, "after")])
             for (user, entry_id, phase), before in first.items()
             if phase == "before" and (user, entry_id, "after") in first]
    pairs = [(b, a) for b, a in pairs if since <= a.at.date() <= until]

    groups: dict[tuple[str, str | None], list[tuple[BeliefAnswer, BeliefAnswer]]] = {}
    for before, after in pairs:
        groups.setdefault((before.entry_id, None), []).append((before, after))
        if per_clinic and before.clinic:
            groups.setdefault((before.entry_id, before.clinic), []).append((before, after))
    order = {entry_id: n for n, entry_id in enumerate(statements)}
    rows = []
    for (entry_id, clinic), found in sorted(
            groups.items(), key=lambda g: (order.get(g[0][0], len(order)), g[0][0],
                                           g[0][1] or "")):
        people = len(found)
        rows.append(BeliefRow(
            entry_id, statements.get(entry_id, entry_id), clinic,
            Share(sum(b.correct is True for b, _ in found), people),
            Share(sum(a.correct is True for _, a in found), people),
            hidden=min_users is not None and people < min_users))
    return tuple(rows)
