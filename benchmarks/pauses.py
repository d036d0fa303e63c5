"""How long the event loop is held up while `/reload` runs in the bot's own process.

`benchmarks.reload` measures what people asking notice, on a machine whose other processes
(the worker building the new index among them) add pauses of their own. This measures only what
the reload does to the bot's own event loop: a task that asks to wake every millisecond
records how late each wake-up is, during `Library.reload` of a synthetic base (Belgian and
Netherlands Dutch variants in use, as in a bot that has had both kinds of clinic) and, as the
baseline in the same process, during a quiet phase as long. Reported: the longest wait and the
99.9th percentile of each phase.

    python -m benchmarks.pauses [ENTRIES]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.reload import edit_entry
from benchmarks.synthetic import synthetic, write_knowledge
from bot.config import load_config
from bot.conversation.conversation import Library
from bot.knowledge import load_knowledge
from bot.runtime import load, reload_in_background

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = 1_000
REPEATS = 3
TICK = 0.001  # seconds

JSONDict = dict[str, Any]


def loop_pauses(entries: int = ENTRIES, repeats: int = REPEATS) -> JSONDict:
    """Per phase (quiet, reloading, alternating): seconds, longest and p99.9 lateness (ms)."""
    base = load_config(ROOT / "config.example.yaml")
    with tempfile.TemporaryDirectory(prefix="mythbot-pauses-") as scratch:
        folder = Path(scratch)
        root = write_knowledge(synthetic(load_knowledge(ROOT / "knowledge"), entries),
                               ROOT / "knowledge", folder / "knowledge")
        config = base.model_copy(update={"knowledge_dir": root, "cache_dir": folder / "cache"})
        library = Library(load(config), partial(reload_in_background, config))
        library.in_dutch("be"), library.in_dutch("nl")
        phases = asyncio.run(_phases(library, root, repeats))
    return {"entries": entries, "phases": phases}


async def _phases(library: Library, root: Path, repeats: int) -> list[JSONDict]:
    phases = []
    for n in range(repeats):
        edit_entry(root, n)
        late: list[float] = []
        ticking = asyncio.create_task(_tick(late))
        start = time.perf_counter()
        await library.reload()
        library.in_dutch("be"), library.in_dutch("nl")
        took = time.perf_counter() - start
        ticking.cancel()
        reloading = _summary("reloading", took, late)
        late = []
        ticking = asyncio.create_task(_tick(late))
        await asyncio.sleep(took)
        ticking.cancel()
        phases += [_summary("quiet", took, late), reloading]
    return phases


async def _tick(late: list[float]) -> None:
    last = time.perf_counter()
    while True:
        await asyncio.sleep(TICK)
        now = time.perf_counter()
        late.append(max(0.0, now - last - TICK) * 1000)
        last = now


def _summary(phase: str, seconds: float, late: list[float]) -> JSONDict:
    # Inclusive: never beyond the longest wait, however few the wake-ups.
    cuts = (statistics.quantiles(late, n=1000, method="inclusive") if len(late) > 1
            else [0.0] * 999)
    return {"phase": phase, "s": round(seconds, 2), "wake-ups": len(late),
            "longest_ms": round(max(late, default=0.0), 1), "p99.9_ms": round(cuts[998], 1)}


def table(result: JSONDict) -> str:
    lines = [f"The bot's event loop during /reload of {result['entries']} entries: how late a "
             "1 ms wake-up comes (ms)",
             f"{'phase':<12}{'s':>7}{'wake-ups':>10}{'longest':>9}{'p99.9':>8}"]
    lines += [f"{p['phase']:<12}{p['s']:>7}{p['wake-ups']:>10}{p['longest_ms']:>9}"
              f"{p['p99.9_ms']:>8}" for p in result["phases"]]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(loop_pauses(int(sys.argv[1]) if len(sys.argv) > 1 else ENTRIES)))
