"""The built index is cached on disk and rebuilt only when the knowledge, code or settings change;
a reload is built in another process while the old index keeps answering."""

from __future__ import annotations

import asyncio
import stat
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from bot import runtime
from bot.config import Config
from bot.conversation.conversation import Library
from bot.knowledge import KnowledgeError
from bot.runtime import Loaded, load, reload_in_background

NEW_QUESTION = "werkt zorblax tegen artrose"


@pytest.fixture
def cached(config: Config, tmp_path: Path) -> Config:
    return config.model_copy(update={"cache_dir": tmp_path / "cache"})


def add_question(root: Path, entry: str = "medication", question: str = NEW_QUESTION) -> None:
    path = root / "entries" / f"{entry}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  questions:\n", f"  questions:\n    - {question}\n", 1),
                    encoding="utf-8")


def answer(loaded: Loaded, question: str = NEW_QUESTION) -> str | None:
    return loaded.matcher.match(question, "nl").entry_id


def cache_files(config: Config) -> list[Path]:
    assert config.cache_dir is not None
    return sorted(config.cache_dir.glob("*.pickle"))


def test_the_second_load_comes_from_the_cache(cached: Config, knowledge_copy: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    first = load(cached, knowledge_copy)
    assert len(cache_files(cached)) == 1

    def no_reading(*args: object) -> None:
        raise AssertionError("the knowledge base was read again")

    monkeypatch.setattr(runtime, "load_knowledge", no_reading)
    second = load(cached, knowledge_copy)
    assert second.kb == first.kb
    question = "is mijn knie versleten"
    assert second.matcher.match(question).as_json(question) == \
        first.matcher.match(question).as_json(question)


def test_an_edited_entry_is_rebuilt_and_answers(cached: Config, knowledge_copy: Path) -> None:
    assert answer(load(cached, knowledge_copy)) != "medication"
    add_question(knowledge_copy)
    assert answer(load(cached, knowledge_copy)) == "medication"
    assert len(cache_files(cached)) == 2


def test_other_thresholds_are_another_cache(cached: Config, knowledge_copy: Path) -> None:
    load(cached, knowledge_copy)
    stricter = cached.matching.model_copy(update={"answer_threshold": 0.99})
    loaded = load(cached.model_copy(update={"matching": stricter}), knowledge_copy)
    assert loaded.matcher.thresholds.answer == 0.99
    assert len(cache_files(cached)) == 2


@pytest.mark.parametrize("damage", [b"", b"garbage", b"mythbot-cache 1\nnot the key\n",
                                    "truncated"])
def test_a_broken_cache_file_is_rebuilt_silently(cached: Config, knowledge_copy: Path,
                                                 damage: bytes | str) -> None:
    load(cached, knowledge_copy)
    [path] = cache_files(cached)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if damage == "truncated" else damage)
    assert answer(load(cached, knowledge_copy), "is mijn knie versleten") == "worn-out-joint"
    assert path.read_bytes() == data  # written anew, whole


def test_a_cache_folder_others_can_write_is_not_used(cached: Config,
                                                     knowledge_copy: Path) -> None:
    assert cached.cache_dir is not None
    cached.cache_dir.mkdir()
    cached.cache_dir.chmod(0o777)
    assert answer(load(cached, knowledge_copy), "is mijn knie versleten") == "worn-out-joint"
    assert cache_files(cached) == []
    assert stat.S_IMODE(cached.cache_dir.stat().st_mode) == 0o777


def test_a_broken_knowledge_base_is_never_cached(cached: Config, knowledge_copy: Path) -> None:
    (knowledge_copy / "entries" / "medication.yaml").write_text("id: [", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        load(cached, knowledge_copy)
    assert cache_files(cached) == []


@pytest.mark.slow
def test_the_old_index_answers_while_the_new_one_builds(cached: Config,
                                                        knowledge_copy: Path) -> None:
    current = load(cached, knowledge_copy)
    add_question(knowledge_copy)
    result: list[Loaded] = []
    worker = threading.Thread(target=lambda: result.append(asyncio.run(
        reload_in_background(cached, knowledge_copy))))
    worker.start()
    answered: list[str | None] = []
    slowest = 0.0
    while worker.is_alive():
        start = time.perf_counter()
        answered.append(answer(current))
        slowest = max(slowest, time.perf_counter() - start)
    worker.join()
    # Meanwhile, the old index: many answers, none from the new content, none kept waiting on
    # the build (it takes about a second; each answer, milliseconds).
    assert len(answered) > 20 and "medication" not in answered
    assert slowest < 0.5
    [new] = result
    assert answer(new) == "medication" and answer(current) != "medication"


@pytest.mark.slow
def test_a_reload_of_a_broken_base_lists_its_problems(cached: Config,
                                                      knowledge_copy: Path) -> None:
    (knowledge_copy / "entries" / "medication.yaml").write_text("id: [", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        asyncio.run(reload_in_background(cached, knowledge_copy))
    assert [p.path for p in raised.value.problems] == ["knowledge/entries/medication.yaml"]


def test_the_cache_folder_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.cache import CACHE_ENV, default_dir

    assert default_dir({CACHE_ENV: str(tmp_path)}) == tmp_path
    assert default_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "mythbot"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_dir({}) == tmp_path / ".cache" / "mythbot"


@pytest.mark.slow
async def test_a_reload_answers_from_the_old_index_until_the_new_one_is_swapped_in(
        cached: Config, knowledge_copy: Path) -> None:
    """`/reload` as the bot does it (`Library` over `reload_in_background`): the event loop
    keeps running and answering from the old index while another process builds the new one."""
    library = Library(load(cached, knowledge_copy),
                      partial(reload_in_background, cached, knowledge_copy))
    old = library.loaded
    add_question(knowledge_copy)
    began = time.perf_counter()
    reloading = asyncio.create_task(library.reload())
    answered: list[tuple[Loaded, str | None]] = []
    longest_wait = 0.0
    while not reloading.done():
        current = library.loaded
        answered.append((current, answer(current)))
        start = time.perf_counter()
        await asyncio.sleep(0.001)  # the loop must come back to us promptly throughout
        longest_wait = max(longest_wait, time.perf_counter() - start)
    new = await reloading
    took = time.perf_counter() - began
    # The old one, then (while the old one is let go of) the new one: swapped only when whole.
    assert all(loaded is old or loaded is new for loaded, _ in answered)
    from_old = [found for loaded, found in answered if loaded is old]
    assert len(from_old) > 20 and "medication" not in from_old
    assert all(found == "medication" for loaded, found in answered if loaded is new)
    # Built in this process, the loop would wait for the whole reload (seconds); loading the
    # worker's result takes milliseconds (a busy machine may add a pause of its own).
    assert longest_wait < took / 3
    assert library.loaded is new and answer(new) == "medication"

    (knowledge_copy / "entries" / "medication.yaml").write_text("id: [", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        await library.reload()
    assert [p.path for p in raised.value.problems] == ["knowledge/entries/medication.yaml"]
    assert library.loaded is new  # the broken one is not swapped in
