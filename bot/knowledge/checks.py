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
    QuizStatement,
    Reviewer,
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
# The placeholders the renderer fills in these messages; any other one would break the reply.
MESSAGE_FIELDS: dict[str, frozenset[str]] = {
    "source-line": frozenset({"sources", "status"}),
    "status-draft": frozenset({"updated"}),
    "status-reviewed": frozenset({"updated", "name", "profession", "date"}),
    "review-all-draft": frozenset({"updated"}),
    "review-some": frozenset({"reviewed", "entries", "updated"}),
    "about": frozenset({"version", "entries", "sources", "review"}),
}
SMALLTALK_FIELDS = frozenset({"review"})
# Texts that say "reviewed by" only when it is true: the renderer shows them only for entries
# whose `reviewed_by` names a listed reviewer, or when at least one entry has one.
REVIEW_CLAIM_MESSAGES = frozenset({"status-reviewed", "review-some"})
# "nagekeken door", "reviewed by"…: a claim that someone checked the text, unless negated
# ("nog niet nagekeken door", "not yet reviewed by").
_REVIEW_CLAIM = re.compile(
    r"(?<!\bniet )(?<!\bnot )(?<!\bnot yet )(?<!\bnever )(?<!\bnooit )"
    r"\b(nagekeken|nagelezen|reviewed)\s+"
    r"(door|by)\b", re.IGNORECASE)


def cross_check(
    root: Path,
    entries: list[tuple[Entry, Path, Located]],
    sources: list[tuple[Source, int]] | None,  # None: sources.yaml itself is unusable
    topics: list[tuple[Topic, int]] | None,  # None: topics.yaml itself is unusable
    reviewers: list[tuple[Reviewer, int]] | None,  # None: reviewers.yaml itself is unusable
    singles: dict[str, Located | None],
    messages: dict[str, LangText] | None,
    entry_files: list[Path],
) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: Path, line: int, message: str) -> None:
        problems.append(Problem(display_path(path, root), line, message))

    problems += _duplicate_ids(root / "sources.yaml", root, sources or [], "source")
    problems += _duplicate_ids(root / "topics.yaml", root, topics or [], "topic")
    problems += _duplicate_ids(root / "reviewers.yaml", root, reviewers or [], "reviewer")
    reviewer_by_id = None if reviewers is None else {r.id: r for r, _ in reviewers}
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
        if entry.reviewed_by is not None and reviewer_by_id is not None:
            reviewer = reviewer_by_id.get(entry.reviewed_by)
            if reviewer is None:
                known = ", ".join(sorted(reviewer_by_id)) or "none yet"
                add(path, located.line(("reviewed_by",)),
                    f"'reviewed_by' names '{entry.reviewed_by}', who is not in reviewers.yaml "
                    f"(listed: {known}); add the reviewer there, or remove the line: an entry "
                    "may say 'reviewed by' only when a listed clinician reviewed it")
            elif reviewer.date < entry.updated:
                add(path, located.line(("updated",)),
                    f"the text was updated on {entry.updated}, after {reviewer.name} reviewed it "
                    f"on {reviewer.date}; have it reviewed again (and update the date in "
                    "reviewers.yaml) or remove 'reviewed_by'")
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
                if _REVIEW_CLAIM.search(strip_tags(value)):
                    add(path, located.line(loc), _review_claim(loc))

    message_fields: list[tuple[tuple[str | int, ...], object]] = [
        (("messages", key, lang), value.get(lang))
        for key, value in (messages or {}).items() for lang in LANGS]
    problems += _text_problems(root, "messages.yaml", singles.get("messages"), message_fields)
    problems += _claim_problems(root, "messages.yaml", singles.get("messages"), [
        (loc, value) for loc, value in message_fields if loc[1] not in REVIEW_CLAIM_MESSAGES])
    problems += _field_problems(root, "messages.yaml", singles.get("messages"), [
        (loc, value, MESSAGE_FIELDS[str(loc[1])])
        for loc, value in message_fields if loc[1] in MESSAGE_FIELDS])
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
        problems += _claim_problems(root, "smalltalk.yaml", smalltalk, reply_fields)
        problems += _field_problems(root, "smalltalk.yaml", smalltalk, [
            (loc, value, SMALLTALK_FIELDS) for loc, value in reply_fields])
    problems += _uncovered_problems(root, singles.get("uncovered"))
    return problems


def _review_claim(loc: tuple[str | int, ...]) -> str:
    return (f"'{'.'.join(map(str, loc))}' says the text was reviewed or checked by someone; "
            "only the bot may say that, for an entry whose 'reviewed_by' names a reviewer "
            "in reviewers.yaml. Say it is a draft, or leave it out")


def _claim_problems(root: Path, name: str, located: Located | None,
                    fields: Iterable[tuple[tuple[str | int, ...], object]]) -> list[Problem]:
    if located is None:
        return []
    return [Problem(display_path(root / name, root), located.line(loc), _review_claim(loc))
            for loc, value in fields
            if isinstance(value, str) and _REVIEW_CLAIM.search(strip_tags(value))]


def _field_problems(root: Path, name: str, located: Located | None,
                    fields: Iterable[tuple[tuple[str | int, ...], object, frozenset[str]]],
                    ) -> list[Problem]:
    """Placeholders the bot does not fill would break the reply at the moment it is sent."""
    if located is None:
        return []
    problems = []
    for loc, value, allowed in fields:
        if not isinstance(value, str):
            continue
        try:
            names = {field for _, field, _, _ in string.Formatter().parse(value) if field}
        except ValueError:
            names = set()
            problems.append(Problem(display_path(root / name, root), located.line(loc),
                                    f"'{'.'.join(map(str, loc))}': a '{{' or '}}' without its "
                                    "partner; placeholders look like {name}"))
        for unknown in sorted(names - allowed):
            known = ", ".join("{" + n + "}" for n in sorted(allowed))
            problems.append(Problem(display_path(root / name, root), located.line(loc),
                                    f"'{'.'.join(map(str, loc))}': '{{{unknown}}}' is not a "
                                    f"known placeholder here; use {known}"))
    return problems


# A quiz statement states the entry's claim: true for a fact, false for a myth. An entry whose
# honest answer is "it depends" (or that has no verdict) has no statement to be right about.
QUIZ_TRUTH = {"fact": True, "myth": False}


def quiz_problems(root: Path, located: Located, statements: list[QuizStatement],
                  entries: dict[str, Entry], entry_files: set[str]) -> list[Problem]:
    """Problems of quiz.yaml. A statement about an entry whose file is broken is skipped: that
    file's own problem is the one to fix."""
    path = display_path(root / "quiz.yaml", root)
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, statement in enumerate(statements):
        def add(field: str, message: str, i: int = i) -> None:
            problems.append(Problem(path, located.line(("statements", i, field)), message))

        entry = entries.get(statement.entry)
        if entry is None:
            if statement.entry not in entry_files:
                add("entry", f"the entry '{statement.entry}' does not exist "
                    f"(no entries/{statement.entry}.yaml)")
            continue
        if statement.entry in seen:
            add("entry", f"the entry '{statement.entry}' already has a statement; write one "
                "per entry")
        seen.add(statement.entry)
        expected = QUIZ_TRUTH.get(str(entry.verdict))
        if expected is None:
            add("entry", f"'{statement.entry}' is a {entry.verdict}, not a clear myth or fact: "
                "a quiz statement about it would have no right answer; remove it")
        elif statement.truth != expected:
            add("truth", f"'truth: {str(statement.truth).lower()}' contradicts the entry: "
                f"'{statement.entry}' is a {entry.verdict}, so its statement is "
                f"{'true' if expected else 'false (the myth itself)'}")
        for lang in LANGS:
            text = statement.text(lang)
            if text.rstrip().endswith("?"):
                add(lang, f"'{lang}' is a question; a quiz statement is a sentence that is true "
                    "or a myth")
            for message in html_problems(text):
                add(lang, f"'{lang}': {message}")
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
        for field in ("terms", "also", "unless"):
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


def _duplicate_ids(path: Path, root: Path, items: Iterable[tuple[Source | Topic | Reviewer, int]],
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
    problems += _safety_rule_problems(root, located)
    for loc, value in fields:
        if not isinstance(value, str):
            continue
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
        for unknown in sorted(names - SAFETY_FIELDS):
            problems.append(Problem(display_path(root / "safety.yaml", root), located.line(loc),
                                    f"'{{{unknown}}}' is not a known placeholder; use "
                                    f"{', '.join('{' + n + '}' for n in sorted(SAFETY_FIELDS))}"))
    return problems


SAFETY_REPLIES = ("emergency", "today", "crisis")
NOT = "not "  # "not stand-walk" in a rule: a negated concept


def _safety_rule_problems(root: Path, located: Located) -> list[Problem]:
    """Concepts and rules that refer to each other: unknown or unused concepts, empty words."""
    path = display_path(root / "safety.yaml", root)
    data = located.data
    problems: list[Problem] = []

    def add(loc: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(path, located.line(loc), message))

    replies = data.get("replies")
    if isinstance(replies, dict):
        for kind in SAFETY_REPLIES:
            if kind not in replies:
                add(("replies",), f"the reply '{kind}' is missing; rules of that level need it")
    concepts = data.get("concepts")
    rules = data.get("rules")
    if not isinstance(concepts, dict) or not isinstance(rules, list):
        return problems  # the model check has said what is wrong with the file's shape
    # Words are found first, then the concepts made of others, in file order: a part made of
    # others must stand above the concept it is part of.
    made = {name for name, c in concepts.items() if isinstance(c, dict) and c.get("all")}
    known: list[str] = [name for name in concepts if name not in made]
    used: set[str] = set()

    def refer(loc: tuple[str | int, ...], name: object, defined: list[str]) -> None:
        if not isinstance(name, str):
            return
        bare = name.removeprefix(NOT)
        used.add(bare)
        if bare not in defined:
            where = "above this one" if bare in made else "under 'concepts:'"
            add(loc, f"unknown concept '{bare}': define it {where}")

    for name, concept in concepts.items():
        if not isinstance(concept, dict):
            continue
        parts = concept.get("all") or []
        words = {lang: concept.get(lang) or [] for lang in LANGS}
        if parts:
            for i, part in enumerate(parts):
                refer(("concepts", name, "all", i), part, known)
            if concept.get("near") is None:
                add(("concepts", name), f"the concept '{name}' is made of others ('all'); "
                    "say within how many words of each other with 'near'")
            if any(words.values()):
                add(("concepts", name), f"the concept '{name}' has both words and 'all'; "
                    "give one of them")
        else:
            for lang in LANGS:
                if not words[lang]:
                    add(("concepts", name), f"the concept '{name}' has no {lang} words: "
                        "every concept needs words in nl and en, so the languages agree")
                for i, term in enumerate(words[lang]):
                    if isinstance(term, str) and not fold(term) and not term.startswith("#"):
                        add(("concepts", name, lang, i),
                            f"the term {term!r} has no letters or digits; it can never match")
        if parts:
            known.append(name)
        for field in ("overruled_by", "denied_by"):
            for i, other in enumerate(concept.get(field) or []):
                refer(("concepts", name, field, i), other, list(concepts))
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        for j, alternative in enumerate(rule.get("when") or []):
            if isinstance(alternative, list):
                for k, name in enumerate(alternative):
                    refer(("rules", i, "when", j, k), name, known)
        for j, name in enumerate(rule.get("unless") or []):
            refer(("rules", i, "unless", j), name, known)
        if rule.get("reply") == "crisis" and rule.get("level") != "emergency":
            add(("rules", i, "reply"), "the crisis reply is for rules of level 'emergency'")
    seen: set[object] = set()
    for i, rule in enumerate(rules):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if rule_id in seen:
            add(("rules", i, "id"), f"the rule id '{rule_id}' is used twice")
        seen.add(rule_id)
    for name in concepts:
        if name not in used:
            add(("concepts", name), f"the concept '{name}' is used by no rule: use it or "
                "remove it")
    return problems
