"""Checks across files: references that point at nothing, duplicates, text that won't render."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from pathlib import Path

from bot.knowledge.located_yaml import Located
from bot.knowledge.models import (
    LANGS,
    REQUIRED_MESSAGES,
    Entry,
    LangText,
    Source,
    Topic,
)
from bot.knowledge.problems import Problem, display_path
from bot.knowledge.telegram_html import html_problems, strip_tags
from bot.textfold import fold

MIN_QUESTIONS = 12
# Ids travel in button data ("a:<entry id>", "tp:<topic id>"), which Telegram caps at 64 bytes.
MAX_ID_CHARS = 40
MAX_SHORT_SENTENCES = 3
TIPS = (2, 4)
RELATED = (2, 4)
PROSE_FIELDS = ("title", "claim", "short", "explanation")
SAFETY_FIELDS = frozenset({"numbers", "crisis_numbers", "emergency"})


def cross_check(
    root: Path,
    entries: list[tuple[Entry, Path, Located]],
    sources: list[tuple[Source, int]] | None,  # None: sources.yaml itself is unusable
    topics: list[tuple[Topic, int]] | None,  # None: topics.yaml itself is unusable
    singles: dict[str, Located | None],
    messages: dict[str, LangText] | None,
    entry_files: list[Path],
) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: Path, line: int, message: str) -> None:
        problems.append(Problem(display_path(path, root), line, message))

    problems += _duplicate_ids(root / "sources.yaml", root, sources or [], "source")
    problems += _duplicate_ids(root / "topics.yaml", root, topics or [], "topic")
    for topic, line in topics or []:
        if len(topic.id) > MAX_ID_CHARS:
            add(root / "topics.yaml", line, _id_too_long("topic", topic.id))
    # When the file itself is missing or broken, that one problem is reported; an "unknown"
    # for every reference to it would bury it.
    source_ids = None if sources is None else {s.id for s, _ in sources}
    topic_ids = None if topics is None else {t.id for t, _ in topics}
    # Every entry file counts as an entry, even a broken one: one typo should give one error,
    # not one more in every entry that relates to it.
    entry_ids = {e.id for e, _, _ in entries} | {path.stem for path in entry_files}

    seen_ids: dict[str, Path] = {}
    seen_questions: dict[tuple[str, str], str] = {}
    for entry, path, located in entries:
        if entry.id != path.stem:
            add(path, located.line(("id",)),
                f"the id '{entry.id}' must be the same as the file name '{path.stem}'")
        if entry.id in seen_ids:
            add(path, located.line(("id",)),
                f"the id '{entry.id}' is already used by {display_path(seen_ids[entry.id], root)}")
        seen_ids[entry.id] = path
        if len(entry.id) > MAX_ID_CHARS:
            add(path, located.line(("id",)), _id_too_long("entry", entry.id))
        if not RELATED[0] <= len(entry.related) <= RELATED[1]:
            add(path, located.line(("related",)),
                f"'related' lists {_count(len(entry.related), 'entry', 'entries')}; list "
                f"{RELATED[0]} to {RELATED[1]} that a patient would ask about next")
        if topic_ids is not None and entry.topic not in topic_ids:
            add(path, located.line(("topic",)),
                f"the topic '{entry.topic}' is not in topics.yaml (known: {sorted(topic_ids)})")
        for i, source in enumerate(entry.sources):
            if source_ids is not None and source not in source_ids:
                add(path, located.line(("sources", i)),
                    f"the source '{source}' is not in sources.yaml")
        for i, related in enumerate(entry.related):
            if related == entry.id:
                add(path, located.line(("related", i)), "an entry cannot be related to itself")
            elif related not in entry_ids:
                add(path, located.line(("related", i)),
                    f"the related entry '{related}' does not exist (no entries/{related}.yaml)")
        for lang in LANGS:
            text = entry.text(lang)
            if len(text.questions) < MIN_QUESTIONS:
                add(path, located.line((lang, "questions")),
                    f"'{lang}.questions' has {len(text.questions)} example questions; "
                    f"write at least {MIN_QUESTIONS}, the way patients would ask")
            for i, question in enumerate(text.questions):
                key = (lang, fold(question))
                line = located.line((lang, "questions", i))
                owner = seen_questions.get(key)
                if owner is not None:
                    where = "earlier in this entry" if owner == entry.id else f"in '{owner}'"
                    add(path, line, f"the question {question!r} is already listed {where}; "
                        "each example question may belong to one entry only")
                seen_questions[key] = entry.id
            sentences = count_sentences(text.short)
            if sentences > MAX_SHORT_SENTENCES:
                add(path, located.line((lang, "short")),
                    f"'{lang}.short' has {sentences} sentences; keep it to at most "
                    f"{MAX_SHORT_SENTENCES} and put the rest in '{lang}.explanation'")
            if not TIPS[0] <= len(text.tips) <= TIPS[1]:
                add(path, located.line((lang, "tips")),
                    f"'{lang}.tips' has {_count(len(text.tips), 'tip', 'tips')}; write "
                    f"{TIPS[0]} to {TIPS[1]} concrete actions")
            fields: list[tuple[tuple[str | int, ...], str]] = [
                ((lang, name), getattr(text, name)) for name in PROSE_FIELDS]
            fields += [((lang, "tips", i), tip) for i, tip in enumerate(text.tips)]
            for loc, value in fields:
                for message in html_problems(value):
                    add(path, located.line(loc), f"'{'.'.join(map(str, loc))}': {message}")

    message_fields: list[tuple[tuple[str | int, ...], object]] = [
        (("messages", key, lang), value.get(lang))
        for key, value in (messages or {}).items() for lang in LANGS]
    problems += _text_problems(root, "messages.yaml", singles.get("messages"), message_fields)
    if messages is not None:
        for missing in sorted(REQUIRED_MESSAGES - messages.keys()):
            add(root / "messages.yaml", 1, f"the message '{missing}' is missing; the bot needs it")
    problems += _safety_problems(root, singles.get("safety"))
    smalltalk = singles.get("smalltalk")
    if smalltalk is not None and isinstance(smalltalk.data.get("intents"), list):
        reply_fields = [(("intents", i, "reply", lang), intent.get("reply", {}).get(lang))
                        for i, intent in enumerate(smalltalk.data["intents"])
                        if isinstance(intent, dict) for lang in LANGS]
        problems += _text_problems(root, "smalltalk.yaml", smalltalk, reply_fields)
    problems += _uncovered_problems(root, singles.get("uncovered"))
    return problems


def _uncovered_problems(root: Path, located: Located | None) -> list[Problem]:
    """Replies are Telegram HTML; ids are unique; every term has a word left once accents and
    punctuation are gone (a term of only "?!" would never match)."""
    if located is None or not isinstance(located.data.get("topics"), list):
        return []
    path = display_path(root / "uncovered.yaml", root)
    topics = [(i, t) for i, t in enumerate(located.data["topics"]) if isinstance(t, dict)]
    problems = _text_problems(root, "uncovered.yaml", located,
                              [(("topics", i, "reply", lang), t.get("reply", {}).get(lang))
                               for i, t in topics if isinstance(t.get("reply"), dict)
                               for lang in LANGS])
    seen: set[object] = set()
    for i, topic in topics:
        if topic.get("id") in seen:
            problems.append(Problem(path, located.line(("topics", i, "id")),
                                    f"the id '{topic.get('id')}' is used twice"))
        seen.add(topic.get("id"))
        for field in ("terms", "also"):
            terms = topic.get(field)
            for lang in LANGS:
                listed = terms.get(lang) if isinstance(terms, dict) else None
                for j, term in enumerate(listed if isinstance(listed, list) else []):
                    if isinstance(term, str) and not fold(term):
                        problems.append(Problem(path, located.line(("topics", i, field, lang, j)),
                                                f"the term '{term}' has no words to match"))
    return problems


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _id_too_long(what: str, item_id: str) -> str:
    return (f"the {what} id '{item_id}' has {len(item_id)} characters; use at most "
            f"{MAX_ID_CHARS}, because it goes into button data (at most 64 bytes)")


# The end of a sentence: . ! ? or … (and any closing quote or bracket), a space, then a capital
# letter or a digit, perhaps after an opening quote. "bv. een" or "3.5" do not end a sentence,
# nor does a title such as "dr. Peeters".
_SENTENCE_END = re.compile(r"(\w*)[.!?…]+[\"'”’»)]*\s+(?=[\"'“‘«(]*([^\W_]))")
_ABBREVIATIONS = frozenset({"dr", "prof", "dhr", "mevr", "mr", "mrs", "ms", "st", "nr", "bv",
                            "bijv", "vs"})


def count_sentences(text: str) -> int:
    """How many sentences `text` has (Telegram HTML tags are ignored)."""
    plain = strip_tags(text).strip()
    if not plain:
        return 0
    ends = [m for m in _SENTENCE_END.finditer(plain)
            if (m.group(2).isupper() or m.group(2).isdigit())
            and m.group(1).lower() not in _ABBREVIATIONS]
    return len(ends) + 1


def _duplicate_ids(path: Path, root: Path, items: Iterable[tuple[Source | Topic, int]],
                   what: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for item, line in items:
        if item.id in seen:
            problems.append(Problem(display_path(path, root), line,
                                    f"the {what} id '{item.id}' is used twice"))
        seen.add(item.id)
    return problems


def _text_problems(root: Path, name: str, located: Located | None,
                   fields: Iterable[tuple[tuple[str | int, ...], object]]) -> list[Problem]:
    if located is None:
        return []
    problems = []
    for loc, value in fields:
        if not isinstance(value, str):
            continue
        for message in html_problems(value):
            problems.append(Problem(display_path(root / name, root), located.line(loc),
                                    f"'{'.'.join(map(str, loc))}': {message}"))
    return problems


def _safety_problems(root: Path, located: Located | None) -> list[Problem]:
    if located is None or not isinstance(located.data.get("replies"), dict):
        return []
    fields = [(("replies", kind, lang), text.get(lang))
              for kind, text in located.data["replies"].items() if isinstance(text, dict)
              for lang in LANGS]
    problems = _text_problems(root, "safety.yaml", located, fields)
    for loc, value in fields:
        if not isinstance(value, str):
            continue
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
        for unknown in sorted(names - SAFETY_FIELDS):
            problems.append(Problem(display_path(root / "safety.yaml", root), located.line(loc),
                                    f"'{{{unknown}}}' is not a known placeholder; use "
                                    f"{', '.join('{' + n + '}' for n in sorted(SAFETY_FIELDS))}"))
    return problems
