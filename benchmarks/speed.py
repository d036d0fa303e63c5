"""Latency, build time and memory, on the real knowledge base and on synthetic large ones."""

from __future__ import annotations

import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.baselines import wratio
from bot.config import load_config
from bot.knowledge import LANGS, Entry, EntryText, KnowledgeBase, load_knowledge
from bot.matching import Matcher
from bot.runtime import thresholds

ROOT = Path(__file__).resolve().parent.parent

REPEATS = 3


@dataclass(frozen=True)
class SpeedRow:
    name: str
    entries: int
    build_s: float
    index_mib: float  # resident memory the built index keeps (after a garbage collection)
    peak_mib: float  # the process's peak resident memory, knowledge base and build included
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


def speed_row(size: int | None, questions: Sequence[str]) -> SpeedRow:
    """Build and time a matcher in a fresh process (`size` synthetic entries, None: the real
    knowledge base), so that its peak memory is its own and not what earlier runs left."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as spec:
        json.dump({"size": size, "questions": list(questions)}, spec)
        spec.flush()
        done = subprocess.run([sys.executable, "-m", "benchmarks.speed", spec.name],
                              check=True, capture_output=True, text=True, cwd=ROOT)
    return SpeedRow(**json.loads(done.stdout))


def _resident_kib() -> int:
    """Resident memory now (not the peak so far), in KiB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() // 1024


def _measure(size: int | None, questions: Sequence[str]) -> SpeedRow:
    """In the child process: build, then time matching against the WRatio baseline."""
    kb = load_knowledge(ROOT / "knowledge")
    config = load_config(ROOT / "config.example.yaml")
    if size is not None:
        kb = synthetic(kb, size)
    gc.collect()
    before = _resident_kib()
    start = time.perf_counter()
    matcher = Matcher(kb, thresholds(config))
    build = time.perf_counter() - start
    gc.collect()
    kept = _resident_kib() - before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    p50, p99 = _latencies(matcher.match, questions)
    # The baseline scans every example question: at 10 000 entries a sample is enough.
    sample = questions if len(kb.entries) <= 1000 else questions[:40]
    b50, b99 = _latencies(wratio(kb), sample)
    name = "real" if size is None else f"synthetic {size}"
    return SpeedRow(name, len(kb.entries), build, kept / 1024, peak / 1024, p50, p99, b50, b99)


def growth_factor(rows: Sequence[SpeedRow]) -> float | None:
    """Index memory per entry at the largest knowledge base over that at the next smaller
    synthetic one: about 1 when memory grows linearly, about 10 at 10× entries if
    quadratically. None with fewer than two synthetic sizes."""
    synthetic = sorted((r for r in rows if r.name.startswith("synthetic")), key=lambda r: r.entries)
    if len(synthetic) < 2:
        return None
    small, large = synthetic[-2], synthetic[-1]
    return (large.index_mib / large.entries) / max(small.index_mib / small.entries, 1e-9)


if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(asdict(_measure(spec["size"], spec["questions"]))))
