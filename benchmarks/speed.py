"""Latency, build time and memory, on the real knowledge base and on synthetic large ones."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.baselines import wratio
from bot.knowledge import LANGS, Entry, EntryText, KnowledgeBase
from bot.matching import Matcher, Thresholds

REPEATS = 3


@dataclass(frozen=True)
class SpeedRow:
    name: str
    entries: int
    build_s: float
    peak_mib: float
    p50_ms: float
    p99_ms: float
    baseline_p50_ms: float
    baseline_p99_ms: float


def synthetic(kb: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """`size` entries made from the real ones, each with its words shuffled across the
    vocabulary: realistic lengths and word frequencies, but no two entries alike."""
    rng = random.Random(seed)
    real = list(kb.entries.values())
    vocab = {lang: sorted({w for e in real for q in e.text(lang).questions for w in q.split()})
             for lang in LANGS}
    entries: dict[str, Entry] = {}
    for i in range(size):
        template = real[i % len(real)]
        texts = {}
        for lang in LANGS:
            words = vocab[lang]
            swap = {w: rng.choice(words) for w in words if rng.random() < 0.5}

            def scramble(text: str, swap: dict[str, str] = swap) -> str:
                return " ".join(swap.get(w, w) for w in text.split())

            t = template.text(lang)
            texts[lang] = EntryText.model_construct(
                title=scramble(t.title), claim=scramble(t.claim),
                questions=[scramble(q) for q in t.questions],
                keywords=[scramble(k) for k in t.keywords], short=t.short,
                explanation=t.explanation, tips=t.tips)
        entry_id = f"{template.id}-{i}"
        entries[entry_id] = template.model_copy(update={"id": entry_id, "related": [], **texts})
    return kb.model_copy(update={"entries": entries})


def _latencies(match: Callable[[str], object], questions: Sequence[str]) -> tuple[float, float]:
    times = []
    for _ in range(REPEATS):
        for question in questions:
            start = time.perf_counter()
            match(question)
            times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def speed_row(name: str, kb: KnowledgeBase, thresholds: Thresholds,
              questions: Sequence[str]) -> SpeedRow:
    tracemalloc.start()
    start = time.perf_counter()
    matcher = Matcher(kb, thresholds)
    build = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    p50, p99 = _latencies(matcher.match, questions)
    base_rank = wratio(kb)
    sample = questions[: max(20, len(questions) // 10)] if len(kb.entries) > 1000 else questions
    b50, b99 = _latencies(base_rank, sample)
    return SpeedRow(name, len(kb.entries), build, peak / 2**20, p50, p99, b50, b99)


def startup_seconds() -> float:
    """Wall time of a fresh process that loads the config and knowledge base and builds the
    matcher: what a restart costs before the first answer."""
    code = ("from bot.cli import main; import sys; "
            "sys.exit(main(['ask', '--json', 'is mijn knie versleten']))")
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best
