"""The loader and validator: every kind of content error, located at the right file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, load_knowledge
from bot.knowledge.checks import count_sentences
from bot.knowledge.telegram_html import html_problems

ENTRY = "knowledge/entries/worn-out-joint.yaml"


def problems_of(root: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    return [str(p) for p in info.value.problems]


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace `old` once and return the 1-based line where the change starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def line_of(path: Path, pattern: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.search(pattern, line):
            return number
    raise AssertionError(f"{pattern!r} not found in {path}")


def test_real_knowledge_base_is_clean(knowledge_copy: Path) -> None:
    kb = load_knowledge(knowledge_copy)
    assert len(kb.entries) >= 21
    assert all(entry.sources for entry in kb.entries.values())


def test_yaml_syntax_error_is_located(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = edit(path, "verdict: myth", "verdict: [myth")
    found = problems_of(knowledge_copy)
    assert len(found) == 1
    assert found[0].startswith(f"{ENTRY}:")
    assert "YAML syntax error" in found[0]
    reported = int(found[0].split(":")[1])
    assert line <= reported <= line + 2


def test_missing_field(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^verdict: .*\n", "", text), encoding="utf-8")
    assert f"{ENTRY}:1: the field 'verdict' is missing" in problems_of(knowledge_copy)


def test_unknown_field_is_called_a_typo(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = edit(path, "  title:", "  titel:")
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"{ENTRY}:{line}: unknown field 'nl.titel'") and "typo" in p
               for p in found), found


def test_missing_language(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nen:\n") + 1], encoding="utf-8")
    assert any("the language 'en' is missing" in p for p in problems_of(knowledge_copy))


def test_short_too_long(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = line_of(path, r"^  short:")
    text = path.read_text(encoding="utf-8")
    start = text.index("\n  short:") + 1
    end = text.index("\n  explanation:")
    path.write_text(text[:start] + f"  short: {'woord ' * 80}" + text[end:], encoding="utf-8")
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"{ENTRY}:{line}: 'nl.short' is too long") and "at most 350" in p
               for p in found), found


def test_unknown_source_and_related(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    sources_line = edit(path, "sources: [", "sources: [made-up-2099, ")
    related_line = edit(path, "related: [", "related: [no-such-entry, ")
    found = problems_of(knowledge_copy)
    assert (f"{ENTRY}:{sources_line}: the source 'made-up-2099' is not in sources.yaml"
            in found)
    assert any(p.startswith(f"{ENTRY}:{related_line}: the related entry 'no-such-entry'")
               for p in found), found


def test_duplicate_question_across_entries(knowledge_copy: Path) -> None:
    donor = knowledge_copy / "entries/symptoms.yaml"
    question = load_knowledge(knowledge_copy).entries["symptoms"].nl.questions[0]
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = edit(path, "  questions:\n", f"  questions:\n    - {question.upper()}!\n") + 1
    found = problems_of(knowledge_copy)
    # Whichever file is read second gets the message, and it names the other entry.
    assert any(("'symptoms'" in p and p.startswith(f"{ENTRY}:{line}:"))
               or ("'worn-out-joint'" in p and p.startswith("knowledge/entries/symptoms.yaml:"))
               for p in found), found
    assert donor.exists()


def test_duplicate_id(knowledge_copy: Path) -> None:
    original = knowledge_copy / "entries/worn-out-joint.yaml"
    copy = knowledge_copy / "entries/worn-out-joint-copy.yaml"
    copy.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    found = problems_of(knowledge_copy)
    assert any(p.startswith("knowledge/entries/worn-out-joint-copy.yaml:1:")
               and "must be the same as the file name" in p for p in found), found


def test_an_entry_file_ending_in_yml_is_reported_not_ignored(knowledge_copy: Path) -> None:
    (knowledge_copy / "entries/new-entry.yml").write_text("id: new-entry\n", encoding="utf-8")
    assert "knowledge/entries/new-entry.yml:1: entry files end in .yaml: rename it to " \
        "new-entry.yaml" in problems_of(knowledge_copy)


def test_a_missing_sources_file_is_one_problem_not_one_per_citation(
        knowledge_copy: Path) -> None:
    (knowledge_copy / "sources.yaml").unlink()
    (knowledge_copy / "topics.yaml").write_text("nothing: here\n", encoding="utf-8")
    assert problems_of(knowledge_copy) == [
        "knowledge/sources.yaml:1: this file is missing",
        "knowledge/topics.yaml:1: the file needs a list called 'topics:'"]


def test_duplicate_source_id(knowledge_copy: Path) -> None:
    path = knowledge_copy / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("\n- id:") + 1
    second = text.index("\n- id:", first) + 1
    path.write_text(text + text[first:second], encoding="utf-8")
    line = text.count("\n") + 1
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"knowledge/sources.yaml:{line}:") and "used twice" in p
               for p in found), found


def test_bad_html_is_reported(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = line_of(path, r"^  title:")
    edit(path, '  title: "', '  title: "<blink>Tom & Jerry</blink> ')
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"{ENTRY}:{line}: 'nl.title'") and "<blink>" in p for p in found)
    assert any(p.startswith(f"{ENTRY}:{line}: 'nl.title'") and "&amp;" in p for p in found)


def test_every_problem_is_reported_not_just_the_first(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "entries/worn-out-joint.yaml", "verdict: myth", "verdict: legend")
    edit(knowledge_copy / "entries/symptoms.yaml", "topic: ", "topic: nowhere-")
    (knowledge_copy / "smalltalk.yaml").write_text("intents: [\n", encoding="utf-8")
    found = problems_of(knowledge_copy)
    assert any("worn-out-joint.yaml" in p and "'verdict' must be one of" in p for p in found)
    assert any("symptoms.yaml" in p and "is not in topics.yaml" in p for p in found)
    assert any(p.startswith("knowledge/smalltalk.yaml:") for p in found)


def test_missing_file_and_missing_folder(knowledge_copy: Path, tmp_path: Path) -> None:
    (knowledge_copy / "sources.yaml").unlink()
    found = problems_of(knowledge_copy)
    assert "knowledge/sources.yaml:1: this file is missing" in found
    assert problems_of(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}:1: the knowledge folder does not exist"]


def test_safety_placeholder_typo(knowledge_copy: Path) -> None:
    path = knowledge_copy / "safety.yaml"
    edited = edit(path, "<b>{emergency}</b>", "<b>{emergncy}</b>")
    # A block of text is located at its key, the `nl: |-` line just above the edit.
    lines = path.read_text(encoding="utf-8").splitlines()
    key = max(n for n in range(1, edited) if lines[n - 1].strip() == "nl: |-")
    assert any(p.startswith(f"knowledge/safety.yaml:{key}:") and "{emergncy}" in p
               for p in problems_of(knowledge_copy))


@pytest.mark.parametrize(
    ("text", "fine"),
    [
        ("<b>vet</b> en <i>schuin</i>", True),
        ('<a href="https://example.org">link</a>', True),
        ("Bedson &amp; Croft", True),
        ("Bedson & Croft", False),
        ("<b>open", False),
        ("</i>", False),
        ("<div>x</div>", False),
        ("3 < 5", False),
        ("<a>no href</a>", False),
    ],
)
def test_telegram_html_check(text: str, fine: bool) -> None:
    assert (html_problems(text) == []) is fine


def test_short_with_too_many_sentences(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = line_of(path, r"^  short:")
    edit(path, "klachten duidelijk verbeteren.", "klachten duidelijk verbeteren. Echt waar.")
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"{ENTRY}:{line}: 'nl.short' has 4 sentences") and "at most 3" in p
               for p in found), found
    assert not any("'en.short'" in p for p in found), found


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Nee. Dat klopt niet.", 2),
        ("Ja! Echt? \"Zeker.\" 3 keer per week.", 4),
        ("Klopt niet helemaal: bv. een wandeling of 2.5 km fietsen helpt.", 1),
        ("Vraag het aan dr. Peeters. Die weet het.", 2),
        ("<b>Nee.</b> Beweeg gewoon… Het helpt", 3),
    ],
)
def test_count_sentences(text: str, sentences: int) -> None:
    assert count_sentences(text) == sentences


def test_entry_id_too_long(knowledge_copy: Path) -> None:
    long_id = "worn-out-joint-" + "x" * 30
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    moved = path.rename(path.with_name(f"{long_id}.yaml"))
    line = edit(moved, "id: worn-out-joint\n", f"id: {long_id}\n")
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"knowledge/entries/{long_id}.yaml:{line}: the entry id '{long_id}' "
                            "has 45 characters") and "at most 40" in p for p in found), found


def test_topic_id_too_long(knowledge_copy: Path) -> None:
    path = knowledge_copy / "topics.yaml"
    long_id = "a-topic-name-that-is-much-too-long-for-buttons"
    text = path.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    path.write_text(text + f"  - id: {long_id}\n    nl: Te lang\n    en: Too long\n",
                    encoding="utf-8")
    assert (f"knowledge/topics.yaml:{line}: the topic id '{long_id}' has {len(long_id)} "
            "characters; use at most 40, because it goes into button data (at most 64 bytes)"
            in problems_of(knowledge_copy))


def test_tips_count(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = edit(path, "  tips:\n", "  tips:\n    - Een vijfde tip.\n")
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"{ENTRY}:{line}: 'nl.tips' has 5 tips; write 2 to 4")
               for p in found), found
    assert not any("'en.tips'" in p for p in found), found


def test_related_count(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    text = path.read_text(encoding="utf-8")
    line = line_of(path, r"^related:")
    path.write_text(re.sub(r"(?m)^related: .*$", "related: [only-old-age]", text),
                    encoding="utf-8")
    assert any(p.startswith(f"{ENTRY}:{line}: 'related' lists 1 entry; list 2 to 4")
               for p in problems_of(knowledge_copy))


# Review claims: nothing may say a clinician reviewed a text unless one is listed and did.

def add_reviewer(root: Path, fields: str) -> None:
    (root / "reviewers.yaml").write_text(f"reviewers:\n  - id: test-reviewer\n{fields}",
                                         encoding="utf-8")


def test_reviewed_by_must_name_a_listed_reviewer(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = edit(path, "\nupdated:", "\nreviewed_by: dr-nobody\nupdated:") + 1
    found = problems_of(knowledge_copy)
    assert [p for p in found if p.startswith(f"{ENTRY}:{line}: 'reviewed_by' names 'dr-nobody'")]
    assert len(found) == 1


def test_the_old_editors_draft_line_is_no_reviewer(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = edit(path, "\nupdated:",
                '\nreviewed_by: "mythbot editors (draft, not yet reviewed)"\nupdated:') + 1
    found = problems_of(knowledge_copy)
    assert len(found) == 1
    assert found[0].startswith(f"{ENTRY}:{line}: 'reviewed_by' must be the id of a reviewer")


def test_a_leftover_reviewed_date_says_rename_it(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    line = edit(path, "\nupdated:", "\nreviewed:") + 1
    found = problems_of(knowledge_copy)
    assert len(found) == 1, found
    assert found[0].startswith(f"{ENTRY}:{line}: 'reviewed' is now called 'updated': rename it")


@pytest.mark.parametrize("missing", ["name", "profession", "date"])
def test_a_reviewer_needs_a_name_a_profession_and_a_date(knowledge_copy: Path,
                                                         missing: str) -> None:
    fields = {"name": "Test Reviewer", "profession": "huisarts", "date": "2027-01-15"}
    del fields[missing]
    add_reviewer(knowledge_copy, "".join(f"    {k}: {v}\n" for k, v in fields.items()))
    assert problems_of(knowledge_copy) == [
        f"knowledge/reviewers.yaml:2: the field 'reviewers[1].{missing}' is missing"]


def test_a_listed_reviewer_is_accepted_and_a_later_change_needs_a_new_review(
        knowledge_copy: Path) -> None:
    add_reviewer(knowledge_copy,
                 "    name: Test Reviewer\n    profession: huisarts\n    date: 2027-01-15\n")
    path = knowledge_copy / "entries/worn-out-joint.yaml"
    edit(path, "\nupdated:", "\nreviewed_by: test-reviewer\nupdated:")
    kb = load_knowledge(knowledge_copy)
    assert kb.entries["worn-out-joint"].reviewed_by == "test-reviewer"
    assert kb.reviewers["test-reviewer"].profession == "huisarts"
    line = line_of(path, r"^updated:")
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^updated: .*$", "updated: 2027-02-01", text), encoding="utf-8")
    found = problems_of(knowledge_copy)
    assert len(found) == 1
    assert found[0].startswith(f"{ENTRY}:{line}: the text was updated on 2027-02-01, after "
                               "Test Reviewer reviewed it on 2027-01-15")


@pytest.mark.parametrize(("file", "old", "new"), [
    ("messages.yaml", "Bij elk antwoord staan de bronnen.",
     "Alles is nagekeken door een arts."),
    ("smalltalk.yaml", "met de bronnen erbij.", "nagekeken door artsen."),
    ("entries/worn-out-joint.yaml", "  claim: \"", "  claim: \"Reviewed by our doctors. "),
])
def test_text_may_not_claim_a_review(knowledge_copy: Path, file: str, old: str,
                                     new: str) -> None:
    line = edit(knowledge_copy / file, old, new)
    found = problems_of(knowledge_copy)
    assert len(found) == 1, found
    assert found[0].startswith(f"knowledge/{file}:")
    assert "says the text was reviewed or checked by someone" in found[0]
    assert line - 3 <= int(found[0].split(":")[1]) <= line  # the line of the text's field


def test_a_placeholder_the_bot_does_not_fill_is_refused(knowledge_copy: Path) -> None:
    line = edit(knowledge_copy / "smalltalk.yaml", "erbij. {review}", "erbij. {reviewer}")
    assert problems_of(knowledge_copy) == [
        f"knowledge/smalltalk.yaml:{line}: 'intents.2.reply.nl': '{{reviewer}}' is not a known "
        "placeholder here; use {review}"]


SAFETY = "knowledge/safety.yaml"


def test_safety_unknown_concept_in_a_rule(knowledge_copy: Path) -> None:
    line = edit(knowledge_copy / "safety.yaml", "when: [[chest, chest-pain]",
                "when: [[chest, chest-pian]")
    assert (f"{SAFETY}:{line}: unknown concept 'chest-pian': define it under 'concepts:'"
            in problems_of(knowledge_copy))


def test_safety_empty_vocabulary_and_unused_concept(knowledge_copy: Path) -> None:
    path = knowledge_copy / "safety.yaml"
    line = line_of(path, r"^  heart-attack:")
    text = path.read_text(encoding="utf-8")
    start = text.index("  heart-attack:")
    words = text.index("    en: [", start)
    path.write_text(text[:words] + "    en: []" + text[text.index("]", words) + 1:],
                    encoding="utf-8")
    edit(path, "  menopause:\n", "  menopauze:\n")
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"{SAFETY}:{line}: the concept 'heart-attack' has no en words")
               for p in found)
    assert any("the concept 'menopauze' is used by no rule" in p for p in found)
    assert any("unknown concept 'menopause'" in p for p in found)


def test_safety_rule_without_examples(knowledge_copy: Path) -> None:
    path = knowledge_copy / "safety.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: chest-pain")
    examples = text.index("    examples:", start)
    end = text.index("\n\n", examples)
    path.write_text(text[:examples] + text[end + 1:], encoding="utf-8")
    line = line_of(path, r"^  - id: chest-pain")
    assert any(p.startswith(f"{SAFETY}:{line}: the field 'rules[") and "examples' is missing" in p
               for p in problems_of(knowledge_copy))


def test_safety_crisis_reply_needs_the_emergency_level(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "safety.yaml", "    level: emergency\n    reply: crisis",
         "    level: today\n    reply: crisis")
    assert any("the crisis reply is for rules of level 'emergency'" in p
               for p in problems_of(knowledge_copy))


UNCOVERED = "knowledge/uncovered.yaml"


def test_uncovered_topic_problems_are_located(knowledge_copy: Path) -> None:
    path = knowledge_copy / "uncovered.yaml"
    text = path.read_text(encoding="utf-8")
    # A second topic with an id in use, a term with no words, bad HTML and a missing language.
    path.write_text(text + (
        "  - id: costs\n"
        "    terms:\n"
        "      nl: [prijs, '?!']\n"
        "    reply:\n"
        "      nl: \"<blink>Vraag</blink> het aan de praktijk.\"\n"), encoding="utf-8")
    found = problems_of(knowledge_copy)
    lines = len(text.splitlines())
    assert f"{UNCOVERED}:{lines + 1}: the id 'costs' is used twice" in found
    assert any(p.startswith(f"{UNCOVERED}:{lines + 3}: the term '?!'") for p in found)
    assert any(p.startswith(f"{UNCOVERED}:{lines + 5}: 'topics.") and "<blink>" in p
               for p in found)
    assert any(p.startswith(f"{UNCOVERED}:{lines + 4}: the language 'en' is missing")
               for p in found)


def test_an_uncovered_topic_needs_terms(knowledge_copy: Path) -> None:
    path = knowledge_copy / "uncovered.yaml"
    line = edit(path, "  - id: costs\n    terms:\n", "  - id: costs\n    trems:\n")
    found = problems_of(knowledge_copy)
    assert any(p.startswith(f"{UNCOVERED}:{line}: the field") and ".terms' is missing" in p
               for p in found), found
    assert any(p.startswith(f"{UNCOVERED}:{line + 1}: unknown field") and ".trems'" in p
               for p in found), found
