"""Long work for the bot's own process, done in the event loop's spare moments.

A reload ends in the bot's process: the new knowledge base is unpickled there, its regional
variants made and the old one freed, at 1 000 entries a third of a second of CPU. In a plain
thread that work competes with the event loop for the interpreter lock: every time the loop
waits for a socket or the database and wants the lock back, it waits for the other thread's
turn, dozens of times per answer, and the answers in flight take several times as long.

Here the work runs in a thread that holds the lock only while the loop waits for it: the work
calls the `pause` it is given every fraction of a millisecond, and goes on only after the loop
ran everything else that was ready. An answer waits for one slice at a time, never for the
whole, and the work goes at full speed while nobody is asking.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
Pause = Callable[[], None]


def no_pause() -> None:
    """The `pause` of work that runs on its own (not in spare time)."""


async def in_spare_time(work: Callable[[Pause], T]) -> T:
    """`work(pause)`, in a thread, one slice at a time between the event loop's other work;
    its result, or its exception. Cancelled, the work goes on alone to its end (it cannot be
    stopped half-way) and its result is dropped."""
    slice_may_run = threading.Semaphore(0)
    slice_done = threading.Semaphore(0)
    alone = threading.Event()
    result: list[T] = []
    error: list[BaseException] = []

    def pause() -> None:
        if not alone.is_set():
            slice_done.release()
            slice_may_run.acquire()

    def body() -> None:
        slice_may_run.acquire()
        try:
            result.append(work(pause))
        except BaseException as exc:  # handed to the awaiting task as it is
            error.append(exc)
        finally:
            slice_done.release()

    threading.Thread(target=body, name="mythbot-spare-time", daemon=True).start()
    try:
        while not (result or error):
            await asyncio.sleep(0)  # all that is ready first
            slice_may_run.release()
            # The loop waits (without the interpreter lock) while the thread runs one slice.
            slice_done.acquire()
    except BaseException:
        alone.set()
        slice_may_run.release()
        raise
    if error:
        raise error[0]
    return result[0]
