"""Replies as every front end shows them: valid Telegram HTML, the right buttons, short data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Config
from bot.knowledge import LANGS, KnowledgeBase, load_knowledge
from bot.knowledge.models import Source
from bot.knowledge.telegram_html import html_problems, strip_tags
from bot.matching import Candidate, Decision, Matcher
from bot.rendering import Action, Renderer, Reply, citation, parse
from bot.rendering.plain import plain_text
from bot.runtime import build

TELEGRAM_LIMIT = 4096


def every_reply(kb: KnowledgeBase, renderer: Renderer) -> list[Reply]:
    replies = []
    for lang in LANGS:
        for entry in kb.entries.values():
            replies += [renderer.answer(entry, lang), renderer.more(entry, lang),
                        renderer.sources(entry, lang)]
        for topic in kb.topics:
            reply = renderer.topic(topic, lang)
            assert reply is not None
            replies.append(reply)
        replies += [renderer.topics(lang), renderer.fallback(lang), renderer.all_sources(lang)]
        replies += [renderer.red_flag(rule.id, lang) for rule in kb.safety.rules]
    return replies


def test_every_reply_is_valid_telegram_html(kb: KnowledgeBase, renderer: Renderer) -> None:
    for reply in every_reply(kb, renderer):
        assert html_problems(reply.text) == [], reply.text[:200]


def test_every_button_routes_and_fits_in_callback_data(kb: KnowledgeBase,
                                                       renderer: Renderer) -> None:
    for reply in every_reply(kb, renderer):
        for row in reply.buttons:
            for button in row:
                assert len(button.action.encode()) <= 64
                assert parse(button.action) is not None
                assert button.label.strip()


def test_answer_layout(kb: KnowledgeBase, renderer: Renderer) -> None:
    entry = kb.entries["worn-out-joint"]
    reply = renderer.answer(entry, "nl")
    # What is answered comes before the verdict, so a mismatch shows.
    assert reply.text.startswith(f"<b>{entry.nl.title}</b>\n❌ Fabel\n\n")
    assert entry.nl.short in reply.text
    assert "Bron: " in reply.text
    actions = [parse(b.action) for row in reply.buttons for b in row]
    kinds = [a.kind for a in actions if a]
    assert kinds[:2] == ["more", "sources"]
    assert kinds[-2:] == ["up", "down"]
    assert 1 <= kinds.count("answer") <= 3


def test_english_answer(kb: KnowledgeBase, renderer: Renderer) -> None:
    entry = kb.entries["strength-training"]
    reply = renderer.answer(entry, "en")
    assert reply.text.startswith(f"<b>{entry.en.title}</b>\n✅ True\n\n")
    assert "Source: " in reply.text


def test_the_verdict_follows_the_question_in_plain_text_too(kb: KnowledgeBase,
                                                            renderer: Renderer) -> None:
    entry = kb.entries["aerobic-exercise"]
    text, _ = plain_text(renderer.answer(entry, "nl"))
    title, verdict = text.splitlines()[:2]
    assert title == strip_tags(entry.nl.title)
    assert verdict == strip_tags(kb.message(f"verdict-{entry.verdict}", "nl"))


def test_an_entry_that_explains_shows_no_verdict(kb: KnowledgeBase, renderer: Renderer) -> None:
    # "…is dat artrose?" may land on the symptoms entry: no "✅ Klopt" may confirm it.
    entry = kb.entries["symptoms"]
    assert entry.verdict == "info"
    for lang in LANGS:
        text = renderer.answer(entry, lang).text
        assert text.startswith(f"<b>{entry.text(lang).title}</b>\n\n{entry.text(lang).short}")
        for verdict in ("myth", "fact", "nuance"):
            assert kb.message(f"verdict-{verdict}", lang) not in text


def test_every_answer_says_it_is_an_unreviewed_draft_with_its_date(
        kb: KnowledgeBase, renderer: Renderer) -> None:
    for entry in kb.entries.values():
        month = entry.updated.strftime("%m-%Y")
        nl = renderer.answer(entry, "nl").text
        en = renderer.answer(entry, "en").text
        assert (f"concept van de redactie ({month}), nog niet nagekeken door een zorgverlener"
                in nl)
        assert f"draft by the editors ({month}), not yet reviewed by a clinician" in en
        assert "nagekeken door een zorgverlener" not in nl.replace("niet nagekeken", "")


def test_about_and_who_are_you_say_the_texts_are_unreviewed_drafts(
        kb: KnowledgeBase, renderer: Renderer) -> None:
    latest = max(e.updated for e in kb.entries.values()).strftime("%m-%Y")
    about = renderer.about("nl", "1.0").text
    assert f"concept van de redactie (laatst bijgewerkt {latest})" in about
    assert "nog niet nagekeken door een zorgverlener" in about
    who = renderer.decision(Decision("smalltalk", "en", 1.0, None, (), rule="who-are-you")).text
    assert f"draft by the editors (last updated {latest}), not yet reviewed by a clinician" in who
    assert "reliable" not in who and "{" not in who


def with_reviewer(root: Path, entry_id: str, date: str = "2027-01-15") -> None:
    (root / "reviewers.yaml").write_text(
        "reviewers:\n  - id: test-reviewer\n    name: Test Reviewer\n"
        f"    profession: huisarts\n    date: {date}\n", encoding="utf-8")
    path = root / "entries" / f"{entry_id}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nupdated:", "\nreviewed_by: test-reviewer\nupdated:", 1),
                    encoding="utf-8")


def test_only_an_entry_with_a_listed_reviewer_says_reviewed_by(
        knowledge_copy: Path, config: Config) -> None:
    with_reviewer(knowledge_copy, "worn-out-joint")
    kb = load_knowledge(knowledge_copy)
    renderer = build(config, kb).renderer
    reviewed = renderer.answer(kb.entries["worn-out-joint"], "nl").text
    assert "nagekeken door Test Reviewer, huisarts (01-2027)" in reviewed
    assert "concept" not in reviewed
    assert "reviewed by Test Reviewer, huisarts" in renderer.answer(
        kb.entries["worn-out-joint"], "en").text
    draft = renderer.answer(kb.entries["only-old-age"], "nl").text
    assert "nog niet nagekeken door een zorgverlener" in draft and "Test Reviewer" not in draft
    about = renderer.about("en", "1.0").text
    assert f"1 of the {len(kb.entries)} answers have been reviewed by a clinician" in about


def test_sources_are_numbered_links(kb: KnowledgeBase, renderer: Renderer) -> None:
    entry = kb.entries["weight-loss"]
    text = renderer.sources(entry, "nl").text
    for number, source_id in enumerate(entry.sources, 1):
        assert f"{number}. " in text
        assert kb.sources[source_id].link.replace("&", "&amp;") in text


def source(**fields: object) -> Source:
    base: dict[str, object] = {"id": "x", "label": "X 2020", "authors": "Doe J, Roe R",
                               "title": "A study", "journal": "Some Journal",
                               "doi": "10.1000/xyz"}
    return Source.model_validate({**base, **fields})


@pytest.mark.parametrize(("fields", "where"), [
    ({"volume": 27, "issue": 11, "pages": "1578-1589"}, "<i>Some Journal</i> 27(11):1578-1589. "),
    ({"volume": 15, "pages": "10"}, "<i>Some Journal</i> 15:10. "),
    ({"volume": 15, "issue": 2}, "<i>Some Journal</i> 15(2). "),
    ({"volume": 15}, "<i>Some Journal</i> 15. "),
    # an issue without its volume would read as part of the name: "Rheumatology(1)"
    ({"issue": 1, "pages": "53-75"}, "<i>Some Journal</i>, p. 53-75. "),
    ({"issue": 1}, "<i>Some Journal</i>. "),
    ({"pages": "59-66"}, "<i>Some Journal</i>, p. 59-66. "),
    ({}, "<i>Some Journal</i>. "),
    ({"journal": None, "publisher": "NICE"}, "<i>NICE</i>. "),
])
def test_a_citation_shows_only_the_fields_it_has(fields: dict[str, object], where: str) -> None:
    text = citation(source(year=2020, **fields))
    assert text == (f"Doe J, Roe R (2020). A study. {where}"
                    '<a href="https://doi.org/10.1000/xyz">doi:10.1000/xyz</a>')
    assert "()" not in text and ":." not in text and " ." not in text and ".." not in text


def test_a_citation_without_a_year_or_doi_and_with_punctuated_names() -> None:
    text = citation(source(doi=None, url="https://example.org/a?b=1&c=2", title="Is more better?",
                           authors="Ann A, Bob B, Cy C, Di D"))
    assert text == ('Ann A, Bob B, Cy C, et al. Is more better? <i>Some Journal</i>. '
                    '<a href="https://example.org/a?b=1&amp;c=2">'
                    'https://example.org/a?b=1&amp;c=2</a>')
    assert citation(source(authors="Roe R, et al.", year=2014)).startswith("Roe R, et al. (2014).")


def test_every_real_citation_is_well_formed(kb: KnowledgeBase) -> None:
    for item in kb.sources.values():
        text = strip_tags(citation(item))
        assert not re.search(r"[^\W\d]\(\d", text), text  # "Rheumatology(1)"
        assert ".." not in text and "?." not in text and " ." not in text and "()" not in text


def test_red_flag_reply_follows_the_rules_level(renderer: Renderer) -> None:
    emergency = renderer.decision(Decision("red_flag", "nl", 1.0, rule="chest-pain",
                                           urgency="emergency")).text
    today = renderer.decision(Decision("red_flag", "en", 1.0, rule="hot-red-swollen-joint",
                                       urgency="today")).text
    assert "bel nu <b>112</b>" in emergency and "vandaag" not in emergency
    assert "needs a doctor today" in today and "1733" in today
    unknown = renderer.red_flag("no-such-rule", "nl").text  # e.g. rules reloaded meanwhile
    assert unknown == renderer.red_flag("chest-pain", "nl").text


def test_red_flag_reply_has_the_configured_numbers(renderer: Renderer) -> None:
    text = renderer.red_flag("chest-pain", "nl").text
    assert "112" in text and "1733" in text and "huisartsenpost" in text
    crisis = renderer.red_flag("suicidal-thoughts", "nl").text
    assert "1813" in crisis and "113" in crisis


def test_suggest_offers_candidates_and_none(kb: KnowledgeBase, renderer: Renderer) -> None:
    decision = Decision("suggest", "nl", 0.4, None,
                        (Candidate("worn-out-joint", 0.4), Candidate("only-old-age", 0.39)))
    reply = renderer.decision(decision)
    actions = [parse(b.action) for row in reply.buttons for b in row]
    assert actions == [Action("answer", "worn-out-joint"), Action("answer", "only-old-age"),
                       Action("none")]


def test_never_asks_to_choose_twice_in_a_row(renderer: Renderer) -> None:
    decision = Decision("suggest", "nl", 0.4, None, (Candidate("worn-out-joint", 0.4),))
    second = renderer.decision(decision, previous_kind="suggest")
    assert second == renderer.fallback("nl")


@pytest.mark.parametrize("data", ["", "x", "a:", "a:no-such-entry-" + "x" * 80, "zz:1", "t:extra"])
def test_forged_callback_data(renderer: Renderer, data: str) -> None:
    action = parse(data)
    assert action is None or renderer.navigate(action, "nl") is None


def test_entry_replies_fit_in_one_message(kb: KnowledgeBase, renderer: Renderer) -> None:
    # Only the full reference list (/sources) is long enough to need splitting.
    for lang in LANGS:
        for entry in kb.entries.values():
            for reply in (renderer.answer(entry, lang), renderer.more(entry, lang),
                          renderer.sources(entry, lang)):
                assert len(reply.text) < TELEGRAM_LIMIT


def test_matcher_and_renderer_together(matcher: Matcher, renderer: Renderer) -> None:
    reply = renderer.decision(matcher.match("moet ik rusten tot de pijn weg is"))
    assert "Fabel" in reply.text


@pytest.mark.parametrize(("question", "says"), [
    ("moet ik stoppen met mijn bloedverdunners voor mijn knie", "stop of wijzig je medicatie"),
    ("mag ik stoppen met mijn pillen", "stop of wijzig je medicatie"),
    ("should I stop my blood thinners", "never stop or change"),
    ("can i stop my meds", "never stop or change"),
])
def test_asked_about_stopping_medication_it_says_to_ask_the_doctor_first(
        matcher: Matcher, renderer: Renderer, question: str, says: str) -> None:
    """The bot never tells anyone to stop medication; the first screen says not to on one's
    own, not only the "read more" behind it."""
    reply = renderer.decision(matcher.match(question))
    assert says in reply.text
