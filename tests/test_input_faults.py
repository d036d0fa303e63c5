"""Files a clinic edits, made hostile: a YAML "billion laughs" and an oversized file are
refused quickly, with a line to fix, for the knowledge base and for the configuration."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.knowledge import KnowledgeError, load_knowledge
from bot.knowledge.located_yaml import MAX_BYTES
from tests.conftest import EXAMPLE_CONFIG

pytestmark = pytest.mark.fault

# Nine levels of nine aliases: 9**9 (387 million) strings once expanded.
BOMB = "\n".join(["a0: &a0 [" + ", ".join(['"lol"'] * 9) + "]"]
                 + [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)])


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_an_alias_bomb_in_the_knowledge_base_is_refused(knowledge_copy: Path) -> None:
    (knowledge_copy / "synonyms.yaml").write_text(BOMB + "\n", encoding="utf-8")
    before, start = peak_mib(), time.monotonic()
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    assert time.monotonic() - start < 5
    assert peak_mib() - before < 100
    (problem,) = [p for p in caught.value.problems if "synonyms.yaml" in str(p)]
    assert "aliases" in str(problem) and problem.line == 1  # &a0, used again below


def test_a_knowledge_file_larger_than_the_limit_is_refused(knowledge_copy: Path) -> None:
    huge = knowledge_copy / "smalltalk.yaml"
    huge.write_text(huge.read_text(encoding="utf-8") + "#" * MAX_BYTES, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    assert any("smalltalk.yaml:1" in str(p) and "larger than" in str(p)
               for p in caught.value.problems)


def test_an_alias_bomb_in_the_config_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8") + "\n" + BOMB + "\n",
                      encoding="utf-8")
    start = time.monotonic()
    with pytest.raises(ConfigError, match=r"config.yaml:\d+: YAML aliases"):
        load_config(config)
    assert time.monotonic() - start < 2


def test_an_oversized_config_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8") + "#" * MAX_BYTES,
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="larger than"):
        load_config(config)
