"""Read the knowledge folder into a checked `KnowledgeBase`, or report every problem in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.knowledge.checks import cross_check, quiz_problems
from bot.knowledge.located_yaml import DuplicateKeyError, Located, YamlSyntaxError, load_located
from bot.knowledge.models import (
    DutchWord,
    Entry,
    KnowledgeBase,
    LangText,
    Quiz,
    Reviewer,
    Safety,
    Smalltalk,
    Source,
    Synonyms,
    Topic,
    Uncovered,
)
from bot.knowledge.problems import KnowledgeError, Problem, display_path

M = TypeVar("M", bound=BaseModel)


class _Reader:
    """Collects problems while reading files, so `check` can show all of them at once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def problem(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(display_path(path, self.root), line, message))

    def read(self, path: Path) -> Located | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problem(path, 1, "this file is missing")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(path, 1, f"this file cannot be read ({exc.__class__.__name__})")
            return None
        try:
            located = load_located(text)
        except (YamlSyntaxError, DuplicateKeyError) as exc:
            self.problem(path, exc.line, str(exc))
            return None
        if not isinstance(located.data, dict):
            self.problem(path, 1,
                         "the file must contain fields ('name: value'), not a list or text")
            return None
        return located

    def model(self, model: type[M], data: Any, located: Located, path: Path,
              prefix: tuple[str | int, ...] = ()) -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = (*prefix, *err["loc"])
                self.problem(path, located.line(loc), _explain(err, loc, model))
            return None

    def listed(self, model: type[M], path: Path, key: str) -> list[tuple[M, int]] | None:
        """Read a file holding `key: [items]`; each valid item with its line. None when the
        file as a whole cannot be used (its problem is noted)."""
        located = self.read(path)
        if located is None:
            return None
        items = located.data.get(key)
        if not isinstance(items, list):
            self.problem(path, 1, f"the file needs a list called '{key}:'")
            return None
        result = []
        for i, item in enumerate(items):
            parsed = self.model(model, item, located, path, (key, i))
            if parsed is not None:
                result.append((parsed, located.line((key, i))))
        return result


def _dotted(loc: tuple[str | int, ...]) -> str:
    parts = [f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in loc]
    return "".join(parts).lstrip(".") or "the file"


def _explain(err: ErrorDetails, loc: tuple[str | int, ...], model: type[BaseModel]) -> str:
    """Turn a pydantic error into a sentence an editor can act on."""
    where = _dotted(loc)
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    value = err.get("input")
    if kind == "missing":
        name = str(loc[-1])
        if name in ("nl", "en"):
            return f"the language '{name}' is missing: every text is needed in nl and en"
        return f"the field '{where}' is missing"
    if kind == "extra_forbidden" and loc == ("reviewed",) and model is Entry:
        return ("'reviewed' is now called 'updated': rename it. It is the date the editors last "
                "checked the text against its sources, not a review by a clinician")
    if kind == "extra_forbidden":
        return f"unknown field '{where}': is it a typo? Check the spelling against other files"
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "?"
        return f"'{where}' is too long: {length} characters, at most {ctx.get('max_length')}"
    if kind in ("string_too_short", "too_short"):
        return f"'{where}' is too short or empty: at least {ctx.get('min_length')} needed"
    if kind == "string_pattern_mismatch":
        if loc == ("reviewed_by",):
            return (f"'reviewed_by' must be the id of a reviewer in reviewers.yaml "
                    f"(found {value!r}); an entry no clinician reviewed has no 'reviewed_by'")
        if str(loc[-1]) in ("id", "topic"):
            return (f"'{where}' must be lower-case words joined by hyphens, like "
                    f"'worn-out-joint' (found {value!r})")
        return f"'{where}' does not look right (found {value!r})"
    if kind == "literal_error":
        return f"'{where}' must be one of {ctx.get('expected')} (found {value!r})"
    if kind.startswith("date"):
        return f"'{where}' must be a date written as YYYY-MM-DD, like 2026-11-26"
    if kind in ("list_type", "dict_type", "model_type"):
        shape = {"list_type": "a list", "dict_type": "a set of fields",
                 "model_type": "a set of fields"}[kind]
        return f"'{where}' must be {shape}"
    if kind == "string_type":
        return f"'{where}' must be text"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"'{where}': {message}"


def load_knowledge(root: Path) -> KnowledgeBase:
    """Load and check the knowledge folder; raises KnowledgeError listing every problem."""
    reader = _Reader(root)
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), 1, "the knowledge folder does not exist")])

    entries: list[tuple[Entry, Path, Located]] = []
    entry_files = sorted((root / "entries").glob("*.yaml"))
    if not entry_files:
        reader.problem(root / "entries", 1, "there are no entries (*.yaml) in this folder")
    # An editor who saves "new-entry.yml" would otherwise wonder why the bot never uses it.
    for stray in sorted((root / "entries").glob("*.yml")):
        reader.problem(stray, 1, f"entry files end in .yaml: rename it to {stray.stem}.yaml")
    for path in entry_files:
        located = reader.read(path)
        if located is None:
            continue
        entry = reader.model(Entry, _renamed(located.data), located, path)
        if entry is not None:
            entries.append((entry, path, located))

    sources = reader.listed(Source, root / "sources.yaml", "sources")
    topics = reader.listed(Topic, root / "topics.yaml", "topics")
    reviewers = reader.listed(Reviewer, root / "reviewers.yaml", "reviewers")
    singles = {name: reader.read(root / f"{name}.yaml")
               for name in ("synonyms", "safety", "smalltalk", "uncovered", "messages")}

    def single(name: str, model: type[M]) -> M | None:
        located = singles[name]
        if located is None:
            return None
        return reader.model(model, located.data, located, root / f"{name}.yaml")

    synonyms = single("synonyms", Synonyms)
    safety = single("safety", Safety)
    smalltalk = single("smalltalk", Smalltalk)
    uncovered = single("uncovered", Uncovered)
    messages: dict[str, LangText] | None = None
    if singles["messages"] is not None:
        holder = reader.model(_Messages, singles["messages"].data, singles["messages"],
                              root / "messages.yaml")
        messages = holder.messages if holder else None

    dutch = _dutch_words(reader, root)
    reader.problems += cross_check(root, entries, sources, topics, reviewers, singles,
                                   messages, entry_files)
    # The quiz is optional: a knowledge folder without quiz.yaml simply has no quiz.
    quiz_path = root / "quiz.yaml"
    quiz_file = reader.read(quiz_path) if quiz_path.exists() else None
    statements = reader.model(Quiz, quiz_file.data, quiz_file, quiz_path) if quiz_file else None
    if quiz_file is not None and statements is not None:
        reader.problems += quiz_problems(root, quiz_file, statements.statements,
                                         {e.id: e for e, _, _ in entries},
                                         {path.stem for path in entry_files})
    if reader.problems or None in (synonyms, safety, smalltalk, uncovered, messages):
        raise KnowledgeError(reader.problems)
    assert synonyms and safety and smalltalk and uncovered and messages is not None
    assert sources is not None and topics is not None and reviewers is not None
    return KnowledgeBase(
        entries={entry.id: entry for entry, _, _ in entries},
        sources={source.id: source for source, _ in sources},
        topics={topic.id: topic for topic, _ in topics},
        synonyms=synonyms,
        reviewers={reviewer.id: reviewer for reviewer, _ in reviewers},
        safety=safety,
        smalltalk=smalltalk,
        uncovered=uncovered,
        messages=messages,
        quiz={s.entry: s for s in (statements.statements if statements else [])},
        dutch=dutch,
    )


def _renamed(data: dict[str, Any]) -> dict[str, Any]:
    """An entry still written with the old `reviewed:` date is reported once ("rename it to
    'updated'"), not a second time as "'updated' is missing"."""
    if "reviewed" in data and "updated" not in data:
        return {**data, "updated": data["reviewed"]}
    return data


def load_dutch_words(root: Path) -> list[DutchWord]:
    """Only `dutch.yaml` of the knowledge folder (for the poster); raises KnowledgeError."""
    reader = _Reader(root)
    words = _dutch_words(reader, root)
    if reader.problems:
        raise KnowledgeError(reader.problems)
    return words


def _dutch_words(reader: _Reader, root: Path) -> list[DutchWord]:
    """The Belgian/Netherlands word pairs; none without the (optional) file."""
    path = root / "dutch.yaml"
    if not path.exists():
        return []
    located = reader.read(path)
    if located is None:
        return []
    items = located.data.get("words")
    if not isinstance(items, list) or set(located.data) - {"words"}:
        reader.problem(path, 1, "the file needs one list called 'words:', of {be: …, nl: …}")
        return []
    words: list[tuple[DutchWord, int]] = []
    for i, item in enumerate(items):
        loc = ("words", i)
        if isinstance(item, dict) and not all(isinstance(item.get(form), str)
                                              and item[form].strip() for form in ("be", "nl")):
            reader.problem(path, located.line(loc), f"'words[{i + 1}]' needs both forms: "
                           "be (Belgian Dutch) and nl (Netherlands Dutch)")
            continue
        word = reader.model(DutchWord, item, located, path, loc)
        if word is not None:
            words.append((word, located.line(loc)))
    seen: dict[str, int] = {}
    for word, line in words:
        key = word.be.lower()
        if key in seen:
            reader.problem(path, line, f"'{word.be}' is already in the table (line {seen[key]})")
        seen.setdefault(key, line)
        if key == word.nl.lower():
            reader.problem(path, line, f"'{word.be}' is the same in both forms: leave it out")
    return [word for word, _ in words]


class _Messages(BaseModel):
    model_config = {"extra": "forbid"}
    messages: dict[str, LangText]
