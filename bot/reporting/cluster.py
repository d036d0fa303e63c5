"""Group unanswered questions that say the same thing, so editors read each topic once."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.textfold import fold

SIMILARITY = 70.0


@dataclass(frozen=True)
class Asked:
    """One unanswered question: its text, language and (pseudonymous) asker."""

    text: str
    lang: str
    user: str


@dataclass(frozen=True)
class Group:
    """Questions alike enough to be one topic; `texts` are the distinct wordings with how
    often each was asked, most frequent first."""

    lang: str
    texts: tuple[tuple[str, int], ...]
    users: int

    @property
    def size(self) -> int:
        return sum(count for _, count in self.texts)

    @property
    def representative(self) -> str:
        return self.texts[0][0]


def similarity(a: str, b: str) -> float:
    """0-100 for two folded texts. token_set_ratio ignores word order and extra words, but
    alone it calls "pijn" equal to any question containing "pijn"; averaging with
    token_sort_ratio makes very different lengths count against a match."""
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def group_questions(asked: Iterable[Asked], threshold: float = SIMILARITY) -> list[Group]:
    """Greedy grouping: the most asked wordings found groups, others join the most similar
    group of their language if similar enough. Deterministic; largest groups first."""
    counts: Counter[tuple[str, str]] = Counter()
    wording: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    users: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in asked:
        key = (item.lang, fold(item.text))
        if not key[1]:
            continue
        counts[key] += 1
        wording[key][item.text] += 1
        users[key].add(item.user)

    leaders: list[tuple[str, str]] = []
    members: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        scored = [(similarity(key[1], leader[1]), leader) for leader in leaders
                  if leader[0] == key[0]]
        best = max(scored, default=None, key=lambda pair: pair[0])
        if best is not None and best[0] >= threshold:
            members[best[1]].append(key)
        else:
            leaders.append(key)
            members[key] = [key]

    groups = []
    for leader in leaders:
        texts: Counter[str] = Counter()
        people: set[str] = set()
        for key in members[leader]:
            texts.update(wording[key])
            people |= users[key]
        ordered = tuple(sorted(texts.items(), key=lambda tc: (-tc[1], tc[0])))
        groups.append(Group(leader[0], ordered, len(people)))
    return sorted(groups, key=lambda g: (-g.size, -g.users, g.representative))
