"""Latency, memory and start-up at each size of knowledge base, each measured in fresh processes.

Per size (the real base, then synthetic ones whose vocabulary grows, see `synthetic`):

- start-up: `python -m bot ask` from nothing to its answer, with an empty cache (cold: read,
  check, build and cache the index) and with the cache it left (warm);
- peak memory: the peak resident set of those processes (`wait4`), all of Python included;
- traced size: what loading the knowledge base and index allocates (tracemalloc);
- latency: one `match` per question, every question new to the process (its caches start
  cold): the development set's questions, and questions from the base in use, one word each
  misspelt, so that typo repair works over the whole vocabulary. Three processes, each with
  its own misspellings and order; p50 and p99 per process, of the matcher's CPU time (what
  the code costs) and of wall-clock time (what a person waits, which on a shared machine
  includes waiting for the other processes).

    python -m benchmarks.speed [SIZE ...]
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.baselines import wratio
from benchmarks.synthetic import synthetic, vocabulary_size, write_knowledge
from bot.cache import CACHE_ENV
from bot.config import load_config
from bot.evaluation import read_cases
from bot.knowledge import LANGS, load_knowledge
from bot.runtime import build, load

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
CONFIG = ROOT / "config.example.yaml"
DEV_SET = ROOT / "tests" / "data" / "eval_dev.tsv"
REPEATS = 3
MISSPELT = 200  # questions from the base in use, one word misspelt, per latency process
BASELINE_QUESTIONS = 100  # the WRatio baseline scans every example question: a sample
STARTUP_QUESTION = "is mijn knie versleten"


@dataclass(frozen=True)
class SizeRow:
    """One knowledge base size; lists hold one figure per repeat."""

    name: str
    entries: int
    vocabulary: int  # distinct content words, the larger language
    cold_start_s: list[float]
    warm_start_s: list[float]
    cold_start_cpu_s: list[float]  # user + system time: what the machine's other tenants
    warm_start_cpu_s: list[float]  # cannot inflate (it is shared by several people)
    cold_peak_mib: float  # peak RSS of the cold start-up (the build's peak)
    warm_peak_mib: float
    traced_mib: float  # knowledge base and index, as loaded from the cache
    p50_ms: list[float]  # the matcher's own (CPU) time per question
    p99_ms: list[float]
    wall_p50_ms: list[float]  # wall-clock time, which other processes on the machine inflate
    wall_p99_ms: list[float]
    questions: int  # timed per repeat
    baseline_p50_ms: float
    baseline_p99_ms: float
    index_build_s: float  # the index alone from the checked knowledge base (no YAML)
    index_build_cpu_s: float

    @property
    def p99_median(self) -> float:
        return statistics.median(self.p99_ms)

    @property
    def p50_median(self) -> float:
        return statistics.median(self.p50_ms)

    @property
    def warm_start_median(self) -> float:
        return statistics.median(self.warm_start_s)

    @property
    def warm_start_cpu_median(self) -> float:
        return statistics.median(self.warm_start_cpu_s)


# Runs a module as `python -m` would, and writes the process's peak resident memory (VmHWM)
# to a file when it ends. Not wait4's ru_maxrss: a spawned child inherits its parent's peak.
_PEAK = """
import atexit, runpy, sys
peak_file, module = sys.argv[1], sys.argv[2]
def peak():
    with open('/proc/self/status') as status:
        kib = next(line.split()[1] for line in status if line.startswith('VmHWM:'))
    with open(peak_file, 'w') as out:
        out.write(kib)
atexit.register(peak)
sys.argv = [module, *sys.argv[3:]]
runpy.run_module(module, run_name='__main__', alter_sys=True)
"""


@dataclass(frozen=True)
class _Run:
    wall_s: float
    cpu_s: float  # user + system time of the process: what other processes cannot inflate
    peak_mib: float
    stdout: str


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(module: str, args: Sequence[str], env: dict[str, str]) -> _Run:
    """`python -m MODULE ARGS` in a fresh process, timed."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak", encoding="utf-8") as peak:
        cpu, start = _children_cpu(), time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _PEAK, peak.name, module, *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=False)
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
        if done.returncode != 0:
            raise RuntimeError(f"{module} {' '.join(args)} failed: {done.stderr[-800:]}")
        return _Run(wall, cpu, int(peak.read() or 0) / 1024, done.stdout)


def python_env(environ: Mapping[str, str], pycache: Path) -> dict[str, str]:
    """`environ` for a fresh Python process that starts as a deployed one does: with its
    compiled bytecode kept (in `pycache`) after the first start, rather than compiled anew at
    every start as PYTHONDONTWRITEBYTECODE, set on the development machine, would have it (a
    third of a second of CPU time for the bot's own modules)."""
    kept = {k: v for k, v in environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**kept, "PYTHONPYCACHEPREFIX": str(pycache)}


def _env(cache: Path) -> dict[str, str]:
    # The caches of one size are in one scratch folder: so is the bytecode of all of them.
    return python_env({**os.environ, CACHE_ENV: str(cache), "PYTHONPATH": str(ROOT)},
                      cache.parent / "pycache")


def _ask(root: Path, cache: Path) -> _Run:
    return _timed("bot", ["ask", "--json", "--config", str(CONFIG), "--knowledge", str(root),
                          STARTUP_QUESTION], _env(cache))


def measure_size(size: int | None, scratch: Path, cold_repeats: int = REPEATS) -> SizeRow:
    """Every figure for one size (None: the real knowledge base), in fresh processes."""
    if size is None:
        root, name = KNOWLEDGE, "real"
    else:
        kb = synthetic(load_knowledge(KNOWLEDGE), size)
        root, name = write_knowledge(kb, KNOWLEDGE, scratch / f"kb-{size}"), f"synthetic {size}"
    cold = [_ask(root, scratch / f"cache-{size}-{n}") for n in range(cold_repeats)]
    cache = scratch / f"cache-{size}-0"
    warm = [_ask(root, cache) for _ in range(REPEATS)]
    runs = [_latency_process(root, cache, seed, baseline=seed == 0) for seed in range(REPEATS)]
    build_wall, build_cpu = json.loads(_timed("benchmarks.speed", ["--build", str(root)],
                                              _env(cache)).stdout)
    return SizeRow(
        name=name, entries=runs[0]["entries"], vocabulary=runs[0]["vocabulary"],
        cold_start_s=[r.wall_s for r in cold], warm_start_s=[r.wall_s for r in warm],
        cold_start_cpu_s=[r.cpu_s for r in cold], warm_start_cpu_s=[r.cpu_s for r in warm],
        cold_peak_mib=statistics.median(r.peak_mib for r in cold),
        warm_peak_mib=statistics.median(r.peak_mib for r in warm),
        traced_mib=runs[0]["traced_mib"],
        p50_ms=[r["p50_ms"] for r in runs], p99_ms=[r["p99_ms"] for r in runs],
        wall_p50_ms=[r["wall_p50_ms"] for r in runs], wall_p99_ms=[r["wall_p99_ms"] for r in runs],
        questions=runs[0]["questions"], baseline_p50_ms=runs[0]["baseline_p50_ms"],
        baseline_p99_ms=runs[0]["baseline_p99_ms"], index_build_s=build_wall,
        index_build_cpu_s=build_cpu)


def _latency_process(root: Path, cache: Path, seed: int, baseline: bool) -> dict[str, float]:
    spec = {"root": str(root), "seed": seed, "baseline": baseline}
    out = _timed("benchmarks.speed", ["--child", json.dumps(spec)], _env(cache)).stdout
    result: dict[str, float] = json.loads(out)
    return result


def _misspell(rng: random.Random, question: str) -> str:
    """One word of seven letters or more with one typo (letter dropped, doubled, swapped or
    replaced), as patients type; questions without such a word are kept as they are."""
    words = question.split()
    long = [i for i, w in enumerate(words) if len(w) >= 7 and w.isalpha()]
    if not long:
        return question
    i = rng.choice(long)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    words[i] = rng.choice([word[:at] + word[at + 1:], word[:at] + word[at] + word[at:],
                           word[:at] + word[at + 1] + word[at] + word[at + 2:],
                           word[:at] + rng.choice("aeiou") + word[at + 1:]])
    return " ".join(words)


def _percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def _child(spec: dict[str, object]) -> dict[str, float]:
    """In a fresh process: load from the (warm) cache, then time each question once."""
    config = load_config(CONFIG)
    tracemalloc.start()
    loaded = load(config, Path(str(spec["root"])))
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rng = random.Random(int(str(spec["seed"])))
    entries = list(loaded.kb.entries.values())
    questions = [c.question for c in read_cases(DEV_SET)]
    questions += [_misspell(rng, rng.choice(e.text(lang).questions))
                  for e in rng.sample(entries, min(MISSPELT, len(entries))) for lang in LANGS]
    questions = list(dict.fromkeys(questions))  # each question new to this process
    rng.shuffle(questions)
    times, walls = [], []
    for question in questions:
        start, wall = time.thread_time(), time.perf_counter()
        loaded.matcher.match(question)
        walls.append((time.perf_counter() - wall) * 1000)
        times.append((time.thread_time() - start) * 1000)
    p50, p99 = _percentiles(times)
    wall_p50, wall_p99 = _percentiles(walls)
    b50 = b99 = 0.0
    if spec["baseline"]:  # once per size
        rank = wratio(loaded.kb)
        sample = questions[:BASELINE_QUESTIONS]
        baseline = []
        for question in sample:
            start = time.perf_counter()
            rank(question)
            baseline.append((time.perf_counter() - start) * 1000)
        b50, b99 = _percentiles(baseline)
    return {"entries": len(entries), "traced_mib": traced / 2**20, "questions": len(questions),
            "vocabulary": max(vocabulary_size(loaded.kb, lang) for lang in LANGS),
            "p50_ms": p50, "p99_ms": p99, "wall_p50_ms": wall_p50, "wall_p99_ms": wall_p99,
            "baseline_p50_ms": b50, "baseline_p99_ms": b99}


def _build_seconds(root: Path) -> tuple[float, float]:
    """In a fresh process: (wall, CPU) seconds to build the index alone from the checked
    knowledge base (taken from the cache, so that reading the YAML files is not counted)."""
    config = load_config(CONFIG)
    kb = load(config, root).kb
    start, cpu = time.perf_counter(), time.process_time()
    build(config, kb)
    return time.perf_counter() - start, time.process_time() - cpu


def memory_growth(rows: Sequence[SizeRow]) -> float | None:
    """Peak memory per added entry from the middle size to the largest, over that from the
    smallest to the middle: about 1 when memory grows linearly, below when better, about 10
    at 10× entries when it grows quadratically. None with fewer than three sizes."""
    if len(rows) < 3:
        return None
    small, middle, large = sorted(rows, key=lambda r: r.entries)[-3:]
    first = (middle.cold_peak_mib - small.cold_peak_mib) / (middle.entries - small.entries)
    second = (large.cold_peak_mib - middle.cold_peak_mib) / (large.entries - middle.entries)
    return second / first if first > 0 else None


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_child(json.loads(sys.argv[2]))))
    elif sys.argv[1:2] == ["--build"]:
        print(json.dumps(_build_seconds(Path(sys.argv[2]))))
    else:
        with tempfile.TemporaryDirectory() as folder:
            for arg in sys.argv[1:] or ["0"]:
                row = measure_size(int(arg) or None, Path(folder))
                print(json.dumps(asdict(row)))
