"""Simple matchers to compare ours against: each ranks entries and abstains under a threshold."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable

from rapidfuzz import fuzz, process

from bot.knowledge import LANGS, KnowledgeBase
from bot.matching import normalize
from bot.matching.index import char_grams

Ranker = Callable[[str], list[tuple[str, float]]]


def _phrases(kb: KnowledgeBase, *, questions_only: bool = False) -> list[tuple[str, str]]:
    """(entry id, normalised phrasing) for every example question, claim and title."""
    return [(entry.id, normalize(p)) for entry in kb.entries.values() for lang in LANGS
            for p in (*entry.text(lang).questions,
                      *(() if questions_only else (entry.text(lang).claim,
                                                   entry.text(lang).title)))]


def _best_per_entry(pairs: list[tuple[str, float]]) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for entry_id, score in pairs:
        best[entry_id] = max(score, best.get(entry_id, 0.0))
    return sorted(best.items(), key=lambda item: -item[1])


def wratio(kb: KnowledgeBase) -> Ranker:
    """(a) rapidfuzz WRatio against every example question, as the issue puts it; the first
    result is `process.extractOne`'s, the next entries give top-3."""
    phrases = _phrases(kb, questions_only=True)
    choices = [p for _, p in phrases]

    def rank(question: str) -> list[tuple[str, float]]:
        found = process.extract(normalize(question), choices, scorer=fuzz.WRatio, limit=60)
        return _best_per_entry([(phrases[i][0], score / 100) for _, score, i in found])

    return rank


def bm25_words(kb: KnowledgeBase, k1: float = 1.2, b: float = 0.75) -> Ranker:
    """(b) BM25 over plain words, one document per entry (all its phrasings, both languages)."""
    docs: dict[str, Counter[str]] = defaultdict(Counter)
    for entry_id, phrase in _phrases(kb):
        docs[entry_id].update(phrase.split())
    n = len(docs)
    df = Counter(word for doc in docs.values() for word in doc)
    avg = sum(sum(d.values()) for d in docs.values()) / n
    idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}

    def rank(question: str) -> list[tuple[str, float]]:
        words = normalize(question).split()
        scores = []
        for entry_id, doc in docs.items():
            length = sum(doc.values())
            score = sum(idf.get(w, 0.0) * doc[w] * (k1 + 1)
                        / (doc[w] + k1 * (1 - b + b * length / avg)) for w in words if doc[w])
            scores.append((entry_id, score))
        return sorted(scores, key=lambda item: -item[1])

    return rank


def tfidf_chars(kb: KnowledgeBase) -> Ranker:
    """(c) TF-IDF over character 3–5-grams, cosine to the closest example question."""
    phrases = _phrases(kb)
    grams = [char_grams(p.split()) for _, p in phrases]
    df = Counter(g for counts in grams for g in counts)
    idf = {g: math.log(len(grams) / (1 + c)) + 1 for g, c in df.items()}

    def unit(counts: Counter[str]) -> dict[str, float]:
        vector = {g: (1 + math.log(c)) * idf.get(g, 0.0) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items()}

    vectors = [unit(g) for g in grams]

    def rank(question: str) -> list[tuple[str, float]]:
        query = unit(char_grams(normalize(question).split()))
        pairs = [(phrases[i][0], sum(w * v.get(g, 0.0) for g, w in query.items()))
                 for i, v in enumerate(vectors)]
        return _best_per_entry(pairs)

    return rank
