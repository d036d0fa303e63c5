"""What every front end (Telegram, terminal chat, CLI, reports) needs, wired in one place."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot import cache
from bot.config import Config
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.knowledge.dutch import Dutch, regional
from bot.knowledge.problems import Problem
from bot.matching import Matcher, Thresholds
from bot.rendering import Renderer

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


def in_dutch(loaded: Loaded, dutch: Dutch) -> Loaded:
    """`loaded` as people read it in Belgium or the Netherlands: the texts (and the renderer
    over them) differ in a few words; the matcher is the same one."""
    kb = regional(loaded.kb, dutch)
    if kb is loaded.kb:
        return loaded
    return replace(loaded, kb=kb, renderer=Renderer(kb, loaded.config.emergency))


def cache_dir(config: Config) -> Path:
    return config.cache_dir or cache.default_dir()


def _settings(config: Config) -> str:
    """What of the configuration the built matcher depends on (part of the cache's key)."""
    return repr((thresholds(config), config.default_language))


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
        found = cache.load(cache_dir(config), key)
        if (isinstance(found, tuple) and len(found) == 2
                and isinstance(found[0], KnowledgeBase) and isinstance(found[1], Matcher)):
            kb, matcher = found
            return Loaded(config, kb, matcher, Renderer(kb, config.emergency))

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


def load_in_worker(config: Config, root: Path | None = None) -> Loaded:
    """`load`, with the reading and building done in a separate process.

    For `/reload` while the bot is answering: the build is seconds of pure-Python work which, in
    a thread of the bot's own process, would hold the interpreter lock that the event loop
    needs. The worker runs at a lower priority (the bot's answers come first on a busy
    machine) and leaves the result in the cache (or, if the cache folder cannot be used, sends
    it back whole), so this process only loads it. KnowledgeError as `load`.
    """
    # Imported here: only a reload needs them, and the bot's start-up should not pay for them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_in_background) as worker:
        problems, key, payload = worker.submit(_load_elsewhere, config, root).result()
    if problems:
        raise KnowledgeError(problems)
    # Unpickling holds the interpreter lock for a tenth of a second at 1 000 entries, which the
    # event loop then waits for in 5 ms turns (the default): in shorter turns meanwhile, the
    # answers in flight are hardly held up.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(LOADING_SWITCH_INTERVAL)
    try:
        found = cache.load(cache_dir(config), key) if key is not None else None
        if payload is not None:
            found = pickle.loads(payload)
    finally:
        sys.setswitchinterval(interval)
    if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], KnowledgeBase)
            and isinstance(found[1], Matcher)):
        return load(config, root)  # the cache file went missing meanwhile: build it here
    kb, matcher = found
    gc.freeze()  # as `load` does
    return Loaded(config, kb, matcher, Renderer(kb, config.emergency))


WORKER_NICENESS = 19  # the lowest: a reload can wait, the people asking cannot
LOADING_SWITCH_INTERVAL = 0.0005  # seconds


def _in_background() -> None:
    """The worker's priority: below the bot's, which answers people meanwhile. Its garbage
    collector runs (`python -m bot` pauses it while starting, and the worker, spawned from
    it, imports that module again)."""
    gc.enable()
    with contextlib.suppress(OSError):  # if not allowed, it builds at the same priority
        os.nice(WORKER_NICENESS)


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


async def reload_in_background(config: Config, root: Path | None = None) -> Loaded:
    """`load_in_worker` for the event loop: it keeps running (and answering from the `Loaded`
    it has) until the new one is ready; the caller then swaps it in whole."""
    return await asyncio.get_running_loop().run_in_executor(None, load_in_worker, config, root)
