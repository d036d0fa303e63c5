"""What every front end (Telegram, terminal chat, CLI, reports) needs, wired in one place."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from bot import cache
from bot.config import Config
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.knowledge.dutch import Dutch, regional
from bot.knowledge.problems import Problem
from bot.matching import Matcher, Thresholds
from bot.matching.entry_model import MODEL_ENV, OFF
from bot.rendering import Renderer
from bot.spare_time import Pause, in_spare_time, no_pause

# (stage, done, total): what a progress bar shows while a large knowledge base loads.
Progress = Callable[[str, int, int], None]
READING = "reading the knowledge base"
INDEXING = "building the index"


@dataclass(frozen=True)
class Loaded:
    """The configuration and knowledge base in use, with the matcher and renderer over them.

    Immutable: `/reload` builds a new one and swaps it whole, so a reply never mixes two.
    """

    config: Config
    kb: KnowledgeBase
    matcher: Matcher
    renderer: Renderer


def thresholds(config: Config) -> Thresholds:
    m = config.matching
    return Thresholds(answer=m.answer_threshold, margin=m.answer_margin,
                      suggest=m.suggest_threshold, known_words=m.suggest_known_words,
                      rare_word=m.rare_word_zipf, agreement=m.answer_agreement,
                      disputed_margin=m.answer_margin_disputed,
                      min_known_words=m.min_known_words, topic_bonus=m.topic_bonus)


def build(config: Config, kb: KnowledgeBase,
          progress: Callable[[int, int], None] | None = None) -> Loaded:
    matcher = Matcher(kb, thresholds(config), default_lang=config.default_language,
                      progress=progress)
    return Loaded(config, kb, matcher, Renderer(kb, config.emergency))


def in_dutch(loaded: Loaded, dutch: Dutch, pause: Pause = no_pause) -> Loaded:
    """`loaded` as people read it in Belgium or the Netherlands: the texts (and the renderer
    over them) differ in a few words; the matcher is the same one. `pause`: between entries
    (see `bot.spare_time`)."""
    kb = regional(loaded.kb, dutch, pause)
    if kb is loaded.kb:
        return loaded
    return replace(loaded, kb=kb, renderer=Renderer(kb, loaded.config.emergency))


def cache_dir(config: Config) -> Path:
    return config.cache_dir or cache.default_dir()


def _settings(config: Config) -> str:
    """What of the configuration the built matcher depends on (part of the cache's key), and
    the entry model a measurement named in MODEL_ENV, by its bytes (the shipped one is code)."""
    model = os.environ.get(MODEL_ENV)
    digest = (hashlib.blake2b(Path(model).read_bytes()).hexdigest() if model and model != OFF
              else model)
    return repr((thresholds(config), config.default_language, digest))


def _fingerprint(config: Config, root: Path) -> str | None:
    try:
        return cache.fingerprint(root, _settings(config))
    except OSError:  # a file that cannot be read: the loader says which
        return None


def load(config: Config, root: Path | None = None, *, use_cache: bool = True,
         progress: Progress | None = None) -> Loaded:
    """The knowledge base in `root` (default: the configured one), checked, with its matcher.

    From the on-disk cache when neither the knowledge files nor the code changed since it was
    built; else read, checked and built, then cached. Raises KnowledgeError like
    `load_knowledge` (a broken knowledge base is never cached, so it is checked every time).
    """
    loaded = _load(config, root, use_cache, progress)
    # The knowledge base and index live as long as the process (or until a reload, after
    # which reference counting still frees the old one): the collector need not walk their
    # hundreds of thousands of objects at each full collection, a pause of tens of
    # milliseconds at 10 000 entries that would land in the middle of someone's answer.
    gc.freeze()
    return loaded


def _load(config: Config, root: Path | None, use_cache: bool,
          progress: Progress | None) -> Loaded:
    root = root or config.knowledge_dir
    key = _fingerprint(config, root) if use_cache else None
    if key is not None:
        cached = _as_loaded(config, cache.load(cache_dir(config), key))
        if cached is not None:
            return cached

    def stage(name: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(name, done, total)

    kb = load_knowledge(root, stage(READING))
    loaded = build(config, kb, stage(INDEXING))
    # Only if the files did not change while they were read: else the key would lie.
    if key is not None and key == _fingerprint(config, root):
        cache.store(cache_dir(config), key, (loaded.kb, loaded.matcher))
    return loaded


async def reload_in_background(config: Config, root: Path | None = None) -> Loaded:
    """`load` for `/reload` while the bot is answering: the event loop keeps running (and
    answering from the `Loaded` it has) until the new one is ready; the caller then swaps it in
    whole. KnowledgeError as `load`.

    The build is seconds of pure-Python work which, in a thread of the bot's own process, would
    hold the interpreter lock that the event loop needs: a separate process reads and builds
    at a lower priority (the bot's answers come first on a busy machine) and leaves the result
    in the cache (or, if the cache folder cannot be used, sends it back whole). This process
    only loads it, in the event loop's spare time.
    """
    data = await asyncio.to_thread(_built_in_worker, config, root)
    found = (await in_spare_time(partial(cache.unpickled, data)) if data is not None else None)
    loaded = _as_loaded(config, found)
    if loaded is None:
        # the cache file went missing meanwhile, or was cut short: build it here
        return await asyncio.to_thread(load, config, root)
    return loaded


def _as_loaded(config: Config, found: object) -> Loaded | None:
    """What the cache held, if it is a knowledge base and its matcher (else None)."""
    if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], KnowledgeBase)
            and isinstance(found[1], Matcher)):
        return None
    kb, matcher = found
    return Loaded(config, kb, matcher, Renderer(kb, config.emergency))


def _built_in_worker(config: Config, root: Path | None) -> memoryview | None:
    """The pickled knowledge base and index that a worker process built; None if it cannot be
    read. KnowledgeError as `load`."""
    # Imported here: only a reload needs them, and the bot's start-up should not pay for them.
    from concurrent.futures import ThreadPoolExecutor

    # Started from a thread of its own at the worker's priority: on Linux a process inherits
    # the priority of the thread that starts it, so the worker's own start-up (importing
    # Python, NumPy and the bot: most of a second of CPU) already gives way to the bot.
    with ThreadPoolExecutor(1, initializer=_lower_priority) as starter:
        problems, key, payload = starter.submit(_build_elsewhere, config, root).result()
    if problems:
        raise KnowledgeError(problems)
    if payload is not None:
        return memoryview(payload)
    return cache.read(cache_dir(config), key) if key is not None else None


WORKER_NICENESS = 19  # the lowest: a reload can wait, the people asking cannot
# Objects walked or freed by `let_go` between two pauses: a few tenths of a millisecond.
OBJECTS_A_TURN = 1_000


def _build_elsewhere(config: Config, root: Path | None
                     ) -> tuple[list[Problem], str | None, bytes | None]:
    """`_load_elsewhere`, run in a worker process started from this thread."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_in_background) as worker:
        return worker.submit(_load_elsewhere, config, root).result()


def _lower_priority() -> None:
    """The calling thread (on Linux; elsewhere the process) at the worker's priority.

    Not the idle scheduling class (SCHED_IDLE): tried, and on a machine whose cores other work
    keeps busy a reload then waited minutes for an idle moment (a test timed out at 120 s).
    At niceness 19 it still gets its small share and ends."""
    with contextlib.suppress(OSError):  # if not allowed, it builds at the same priority
        os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0),
                                               WORKER_NICENESS))


def _in_background() -> None:
    """The worker's priority: below the bot's, which answers people meanwhile (already so
    when started from `_built_in_worker`'s thread). Its garbage collector runs (`python -m bot`
    pauses it while starting, and the worker, spawned from it, imports that module again)."""
    gc.enable()
    _lower_priority()


def _load_elsewhere(config: Config, root: Path | None
                    ) -> tuple[list[Problem], str | None, bytes | None]:
    """In the worker: (problems, the cache key it is stored under, or else the pickled
    result)."""
    try:
        loaded = load(config, root)
    except KnowledgeError as exc:  # its own pickling would lose the problems
        return exc.problems, None, None
    key = _fingerprint(config, root or config.knowledge_dir)
    if key is not None and (cache_dir(config) / f"{key}.pickle").is_file():
        return [], key, None
    return [], None, pickle.dumps((loaded.kb, loaded.matcher), protocol=pickle.HIGHEST_PROTOCOL)


def let_go(old: list[object], pause: Pause = no_pause) -> None:
    """Empty `old`, freeing what only it held a few objects at a time, not in one cascade;
    `pause` is called every `OBJECTS_A_TURN` objects (see `bot.spare_time`).

    Dropping the last reference to a knowledge base and its index frees hundreds of thousands
    of objects in one call: at 1 000 entries a stall of 15-20 ms for the event loop. Here each
    object is first held in a list, every one after all that refer to it, then let go of one by
    one: when one goes, its parts are still held, so it frees only itself. Only references are
    taken and dropped, nothing is changed, so what is shared with the rest of the process (or
    still in use by an answer being written) stays as it is.
    """
    order = _parts_first([old.copy()], pause)
    old.clear()
    for n in range(len(order) - 1, -1, -1):
        order[n] = None
        if n % OBJECTS_A_TURN == 0:
            pause()


def _parts_first(roots: list[object], pause: Pause = no_pause) -> list[object]:
    """Everything reachable from `roots` (through `_ours` objects), each object listed once
    all of its parts are: depth first, post-order."""
    order: list[object] = []
    walked: set[int] = set()  # containers only: a set of every word's id is itself slow to free
    stack = [iter(roots)]
    parents: list[object] = []
    turn = 0
    while stack:
        for item in stack[-1]:
            turn += 1
            if turn % OBJECTS_A_TURN == 0:
                pause()
            if _ours(item):
                if id(item) not in walked:
                    walked.add(id(item))
                    parents.append(item)
                    stack.append(iter(gc.get_referents(item)))
                    break
            else:
                order.append(item)  # a word may be listed more than once: no harm
        else:
            stack.pop()
            if parents:
                order.append(parents.pop())
    return order


def _ours(item: object) -> bool:
    """Is `item` part of a knowledge base or index (walk its parts), not of the rest of the
    process (classes, modules, functions: the walk would go everywhere)?"""
    kind = type(item)
    return kind in _CONTAINERS or kind.__module__.startswith("bot.")


_CONTAINERS = frozenset({dict, list, tuple, set, frozenset})
