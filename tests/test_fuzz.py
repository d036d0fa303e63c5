"""Property tests: any text gets a decision quickly; any broken entry file gets located problems.

Pastes can be long and anything a phone keyboard makes: the normaliser, language detection
and the matcher must decide on any Unicode string up to 100 000 characters, without an
exception and within a second. The loader, given an entry file an editor broke (a line
deleted, doubled, indented wrongly, a stray character, a file cut short), must either load it
or raise `KnowledgeError` whose problems say `file:line: message`, never a traceback.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.knowledge import LANGS, KnowledgeError, load_knowledge
from bot.knowledge.located_yaml import DuplicateKeyError, YamlSyntaxError, load_located
from bot.matching import KINDS, Matcher, normalize
from bot.matching.decision import MAX_CANDIDATES
from tests.conftest import KNOWLEDGE

pytestmark = [pytest.mark.timeout(30), pytest.mark.fault]

T = TypeVar("T")

MAX_TEXT = 100_000
SECOND = 1.0
ENTRY_FILES = sorted(path.name for path in (KNOWLEDGE / "entries").glob("*.yaml"))
PROBLEM = re.compile(r"^(?P<path>knowledge/[^:]+):(?P<line>\d+): \S.*$", re.DOTALL)

# Words the knowledge base knows, in both languages, so that long texts also reach the
# ranking and the red-flag and small-talk rules, not only the empty-text path.
_WORDS = ["artrose", "knie", "heup", "pijn", "versleten", "koorts", "rood", "gezwollen",
          "arthritis", "knee", "hip", "pain", "worn", "surgery", "injectie", "hallo", "dank",
          "is", "mijn", "de", "het", "the", "my", "and", "of", "?", "!", "🙂", "👍"]

pieces = st.one_of(
    st.text(max_size=40),  # any characters hypothesis likes (surrogates aside)
    st.sampled_from(_WORDS),
    st.text(st.characters(categories=["Mn", "Me", "Zs", "Cc", "Cf", "So"]), max_size=20),
)


@st.composite
def any_text(draw: st.DrawFn) -> str:
    """Short texts often, and long ones: pieces repeated up to 100 000 characters."""
    text = "".join(draw(st.lists(pieces, max_size=12)))
    if text and draw(st.booleans()):
        text = (text * draw(st.integers(1, MAX_TEXT // len(text) + 1)))[:MAX_TEXT]
    return text


def timed(call: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - start
    assert elapsed < SECOND, f"took {elapsed:.2f} s"
    return result


# Matching --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(any_text())
def test_normalize_any_text(text: str) -> None:
    normalized = timed(lambda: normalize(text))
    assert normalized == normalized.strip() and "  " not in normalized
    assert normalize(normalized) == normalized  # settled: normalising again changes nothing


@settings(max_examples=60, deadline=None)
@given(any_text(), st.sampled_from([None, *LANGS, "de"]))
def test_language_detection_any_text(matcher: Matcher, text: str, fallback: str | None) -> None:
    assert timed(lambda: matcher.detect_language(text, fallback)) in LANGS


@settings(max_examples=80, deadline=None)
@given(any_text(), st.sampled_from([None, *LANGS]), st.sampled_from([None, *LANGS, "xx"]))
def test_match_any_text(matcher: Matcher, text: str, lang: str | None,
                        fallback: str | None) -> None:
    decision = timed(lambda: matcher.match(text, lang, fallback_lang=fallback))
    assert decision.kind in KINDS
    assert decision.lang in LANGS and (lang is None or decision.lang == lang)
    assert 0.0 <= decision.score <= 1.0
    assert len(decision.candidates) <= MAX_CANDIDATES
    assert (decision.entry_id is not None) == (decision.kind == "answer")


# Loading ---------------------------------------------------------------------------------

YAML_CHARACTERS = list(":-#'\"[]{}&*!|>%@`,?\t\n ")


@st.composite
def mutation(draw: st.DrawFn) -> Callable[[str], str]:
    """One edit an editor could make by mistake, at a place drawn by hypothesis."""
    # Inserting a character is the richest edit, so it is drawn most often.
    kind = draw(st.sampled_from(["delete", "duplicate", "indent", "insert", "insert",
                                 "truncate"]))
    where = draw(st.integers(0, 10**6))
    if kind == "truncate":
        return lambda text: text[:where % (len(text) + 1)]
    indent = draw(st.sampled_from(["", " ", "  ", "    ", "\t"]))
    # Mostly characters that mean something to YAML, and where it reads most into one
    # character: the start of a line or of a value (after "key: " or "- ").
    yaml_character = st.sampled_from(YAML_CHARACTERS)
    # codec: a file an editor saves holds no lone surrogates, and writing one would fail here
    any_character = st.characters(codec="utf-8")
    character = draw(st.one_of(yaml_character, yaml_character, yaml_character, any_character))
    spot = draw(st.sampled_from(["anywhere", "line", "value", "value"]))

    def on_a_line(text: str) -> str:
        lines = text.splitlines(keepends=True) or [""]
        n = where % len(lines)
        line = lines[n]
        if kind == "delete":
            del lines[n]
        elif kind == "duplicate":
            lines.insert(n, line)
        elif kind == "indent":
            lines[n] = indent + line.lstrip(" ")
        else:
            value = re.match(r"\s*(- |[^:#]*: )?", line)
            at = {"anywhere": where % (len(line) + 1), "line": 0,
                  "value": value.end() if value else 0}[spot]
            lines[n] = line[:at] + character + line[at:]
        return "".join(lines)

    return on_a_line


ORIGINALS = {name: (KNOWLEDGE / "entries" / name).read_text(encoding="utf-8")
             for name in ENTRY_FILES}


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(ENTRY_FILES), st.lists(mutation(), min_size=1, max_size=3))
def test_a_broken_entry_file_parses_or_says_which_line(
        name: str, edits: list[Callable[[str], str]]) -> None:
    """The YAML layer alone, where the rare crashes are; it is fast, so many examples."""
    text = ORIGINALS[name]
    for edit in edits:
        text = edit(text)
    try:
        load_located(text)
    except (YamlSyntaxError, DuplicateKeyError) as exc:
        assert 1 <= exc.line <= max(1, len(text.splitlines())) + 1
        assert str(exc)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ENTRY_FILES), st.lists(mutation(), min_size=1, max_size=3))
def test_a_broken_entry_file_loads_or_is_reported_by_line(
        name: str, edits: list[Callable[[str], str]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "knowledge"
        shutil.copytree(KNOWLEDGE, root)
        entry = root / "entries" / name
        text = entry.read_text(encoding="utf-8")
        for edit in edits:
            text = edit(text)
        entry.write_text(text, encoding="utf-8")
        try:
            load_knowledge(root)
        except KnowledgeError as exc:
            assert exc.problems, "a KnowledgeError without problems"
            for problem in exc.problems:
                found = PROBLEM.match(str(problem))
                assert found, f"not 'file:line: message': {problem}"
                path = Path(scratch) / found["path"]
                assert path.exists(), f"names a file that does not exist: {problem}"
                if path.is_file():
                    lines = max(1, len(path.read_text(encoding="utf-8").splitlines()))
                    assert 1 <= int(found["line"]) <= lines + 1, str(problem)


# Found by the test above: values PyYAML cannot build raised their own exceptions, so
# `python -m bot check` showed a traceback and /reload answered "something went wrong".
@pytest.mark.parametrize(("broken", "line"), [
    ("verdict: !x myth", 3),  # a tag: an unquoted text that starts with "!"
    ("verdict: !!int myth", 3),
    ("reviewed: 2026-13-45", 3),  # a date that is no date
    ("<<: nuance", 3),  # a YAML merge key
    ("? [verdict, claim]\n: myth", 3),  # a list as a field name
    ("{verdict: 1}: myth", 3),
])
def test_values_yaml_cannot_build_are_problems_with_a_line(
        knowledge_copy: Path, broken: str, line: int) -> None:
    entry = knowledge_copy / "entries" / "worn-out-joint.yaml"
    text = entry.read_text(encoding="utf-8")
    assert text.splitlines()[line - 1] == "verdict: myth"
    entry.write_text(text.replace("verdict: myth", broken, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_copy)
    assert [str(p).split(": ", 1)[0] for p in raised.value.problems] == [
        f"knowledge/entries/worn-out-joint.yaml:{line}"]
