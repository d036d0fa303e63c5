"""Group unanswered questions that say the same thing, so editors read each topic once.

Short questions share most of their words ("is zwemmen goed bij artrose" / "is fietsen goed
bij artrose"), so plain string similarity (rapidfuzz's token_set_ratio scores these 85) puts
different topics together. Words are therefore weighted by how rare they are in the
knowledge base's own example questions (squared IDF): "artrose", "is", "goed" weigh almost
nothing, "zwemmen" or a word the knowledge base has never seen ("kurkuma") weighs most.
Two questions are alike when the weight of the words they share (typos forgiven, through
rapidfuzz) is at least half of their total weight.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.knowledge import LANGS, KnowledgeBase
from bot.textfold import fold

SIMILARITY = 0.5
TYPO_RATIO = 85.0  # rapidfuzz ratio above which two words of 5+ letters count as one
TYPO_MIN_LENGTH = 5


@dataclass(frozen=True)
class Weights:
    """How much each word of one language counts; words not listed count `unknown`."""

    known: Mapping[str, float] = field(default_factory=dict)
    unknown: float = 1.0

    def __call__(self, word: str) -> float:
        return self.known.get(word, self.unknown)


def idf_weights(documents: Iterable[str]) -> Weights:
    """Squared inverse document frequency over `documents`: common words weigh ~0."""
    frequency: Counter[str] = Counter()
    count = 0
    for document in documents:
        count += 1
        frequency.update(set(fold(document).split()))
    return Weights({word: math.log((count + 1) / (n + 1)) ** 2 for word, n in frequency.items()},
                   math.log(count + 1) ** 2)


def knowledge_weights(kb: KnowledgeBase) -> dict[str, Weights]:
    """Per language, weights from the entries' example questions, titles and claims."""
    return {lang: idf_weights(text for entry in kb.entries.values()
                              for text in (*entry.text(lang).questions, entry.text(lang).title,
                                           entry.text(lang).claim))
            for lang in LANGS}


def _same_word(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= TYPO_MIN_LENGTH
                      and fuzz.ratio(a, b) >= TYPO_RATIO)


def similarity(a: str, b: str, weights: Weights) -> float:
    """0-1 for two folded texts: the weight of shared words over the weight of all words."""
    words_a, words_b = a.split(), b.split()
    total = sum(map(weights, words_a)) + sum(map(weights, words_b))
    if not total:
        return 0.0
    free = list(words_b)
    shared = 0.0
    for word in words_a:
        match = next((w for w in free if w == word), None) or next(
            (w for w in free if _same_word(word, w)), None)
        if match is not None:
            free.remove(match)
            shared += weights(word) + weights(match)
    return shared / total


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


def group_questions(asked: Iterable[Asked], weights: Mapping[str, Weights] | None = None,
                    threshold: float = SIMILARITY) -> list[Group]:
    """Greedy grouping: the most asked wordings found groups, others join the most similar
    group of their language if similar enough. `weights` per language (default: every word
    counts 1). Deterministic; largest groups first."""
    uniform = Weights()
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
        lang_weights = (weights or {}).get(key[0], uniform)
        scored = [(similarity(key[1], leader[1], lang_weights), leader) for leader in leaders
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
