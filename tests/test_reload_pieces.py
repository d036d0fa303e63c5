"""The pieces that keep a reload from holding up the event loop: work in the loop's spare
time, loading a pickle frame by frame, and letting go of the old base a little at a time."""

from __future__ import annotations

import asyncio
import gc
import os
import pickle
import sys
import threading
import weakref
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pytest

from bot import cache
from bot.runtime import OBJECTS_A_TURN, let_go
from bot.spare_time import Pause, in_spare_time


@dataclass
class _Part:
    words: list[str] = field(default_factory=list)
    table: dict[str, tuple[int, ...]] = field(default_factory=dict)
    child: _Part | None = None


_Part.__module__ = "bot.example"  # as the knowledge base's own classes are
SHARED = ["a list the rest of the process uses"]


def _sample() -> dict[str, object]:
    return {"array": np.arange(50_000), "big": b"x" * 200_000,
            "words": [f"word{n}" for n in range(20_000)], "nested": {"a": (1, 2, [3])}}


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_unpickle_gives_what_pickle_loads_gives(protocol: int) -> None:
    data = pickle.dumps(_sample(), protocol=protocol)
    found = cache.unpickle(data)
    expected = pickle.loads(data)
    assert isinstance(found, dict) and found.keys() == expected.keys()
    assert np.array_equal(found["array"], expected["array"])
    assert {k: v for k, v in found.items() if k != "array"} == {
        k: v for k, v in expected.items() if k != "array"}


def test_unpickle_freezes_what_it_made_and_leaves_the_collector_as_it_was() -> None:
    frozen = gc.get_freeze_count()
    gc.enable()
    cache.unpickle(pickle.dumps(_sample()))
    assert gc.isenabled() and gc.get_freeze_count() > frozen
    gc.disable()
    cache.unpickle(pickle.dumps(_sample()))
    assert not gc.isenabled()
    gc.enable()


def test_unpickle_raises_on_a_cut_pickle() -> None:
    with pytest.raises(pickle.UnpicklingError):
        cache.unpickle(pickle.dumps(_sample())[:-1000])


async def test_spare_time_work_runs_a_slice_at_a_time_between_the_loops_other_work() -> None:
    turns = 0

    async def loop_work() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    seen: list[int] = []

    def work(pause: Pause) -> str:
        for _ in range(50):
            pause()
            seen.append(turns)
            sum(range(2000))  # a slice's worth of work, holding the interpreter lock
        return "done"

    other = asyncio.create_task(loop_work())
    try:
        assert await in_spare_time(work) == "done"
    finally:
        other.cancel()
    # The loop's other task ran before every slice: never two slices in one turn of the loop.
    assert len(seen) == 50 and all(a < b for a, b in pairwise(seen))


async def test_spare_time_work_gives_its_exception_and_goes_on_alone_when_cancelled() -> None:
    def fails(pause: Pause) -> None:
        pause()
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        await in_spare_time(fails)

    finished = threading.Event()

    def long(pause: Pause) -> None:
        for _ in range(100):
            pause()
        finished.set()

    task = asyncio.create_task(in_spare_time(long))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(finished.wait, 10)  # not left waiting for a turn forever


def test_unpickle_and_let_go_pause_as_they_go() -> None:
    pauses = 0

    def pause() -> None:
        nonlocal pauses
        pauses += 1

    data = pickle.dumps(_sample(), protocol=pickle.HIGHEST_PROTOCOL)
    found = cache.unpickle(data, pause)
    assert pauses >= len(data) // (64 * 1024)
    pauses = 0
    let_go([found], pause)
    assert pauses >= 20_000 // OBJECTS_A_TURN


def test_let_go_frees_what_only_it_held_and_leaves_the_rest_alone() -> None:
    inner = _Part(words=["knie"], table={"knie": (1, 2)})
    root = _Part(words=[f"w{n}" for n in range(1000)], table={"x": (3,)},
                 child=inner)
    root.words.append(SHARED)  # type: ignore[arg-type]  # shared with the rest
    cycle: list[object] = []
    cycle.append(cycle)  # a cycle is walked once
    kept = _Part(words=["still in use"])
    gone, also_gone = weakref.ref(root), weakref.ref(inner)
    old: list[object] = [root, {"be": (root, kept)}, cycle]
    del root, inner
    thread = threading.Thread(target=let_go, args=(old,))
    thread.start()
    thread.join()
    assert old == []
    assert gone() is None and also_gone() is None
    assert SHARED == ["a list the rest of the process uses"]
    assert kept.words == ["still in use"]  # held elsewhere: untouched


def test_each_object_comes_after_its_parts_so_letting_go_in_reverse_frees_one_at_a_time(
        ) -> None:
    from bot.runtime import _parts_first

    leaf = _Part(words=["heup"])
    middle = _Part(table={"k": (1,)}, child=leaf)
    root = _Part(child=middle, words=["knie"])
    other = {"also": middle}  # middle is reached twice
    order = _parts_first([[root, other]])
    at = {id(item): n for n, item in enumerate(order)}
    assert at[id(leaf)] < at[id(middle)] < at[id(root)]
    assert at[id(middle)] < at[id(other)]
    assert sum(item is middle for item in order) == 1


def _niceness() -> tuple[int, int]:
    """The calling thread's niceness and scheduling class (the normal one: see
    `bot.runtime._lower_priority`)."""
    return os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority: Linux")
def test_the_worker_starts_at_low_priority_and_the_bot_keeps_its_own() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from bot.runtime import WORKER_NICENESS, _lower_priority

    def start_a_process() -> tuple[tuple[int, int], tuple[int, int]]:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
            return _niceness(), child.submit(_niceness).result()

    before = _niceness()
    with ThreadPoolExecutor(1, initializer=_lower_priority) as starter:
        thread, process = starter.submit(start_a_process).result()
    assert thread == process == (WORKER_NICENESS, os.SCHED_OTHER)
    assert _niceness() == before
