"""Replies as every front end shows them: valid Telegram HTML, the right buttons, short data."""

from __future__ import annotations

import pytest

from bot.knowledge import LANGS, KnowledgeBase
from bot.knowledge.telegram_html import html_problems
from bot.matching import Candidate, Decision, Matcher
from bot.rendering import Action, Renderer, Reply, citation, parse

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
    assert reply.text.startswith("❌ Fabel · <b>")
    assert entry.nl.short in reply.text
    assert "Bron: " in reply.text and "nagekeken 2026-11" in reply.text
    actions = [parse(b.action) for row in reply.buttons for b in row]
    kinds = [a.kind for a in actions if a]
    assert kinds[:2] == ["more", "sources"]
    assert kinds[-2:] == ["up", "down"]
    assert 1 <= kinds.count("answer") <= 3


def test_english_answer(kb: KnowledgeBase, renderer: Renderer) -> None:
    reply = renderer.answer(kb.entries["strength-training"], "en")
    assert reply.text.startswith("✅ True · <b>")
    assert "Source: " in reply.text


def test_sources_are_numbered_links(kb: KnowledgeBase, renderer: Renderer) -> None:
    entry = kb.entries["weight-loss"]
    text = renderer.sources(entry, "nl").text
    for number, source_id in enumerate(entry.sources, 1):
        assert f"{number}. " in text
        assert kb.sources[source_id].link.replace("&", "&amp;") in text


def test_citations_place_pages_after_volume_or_after_the_journal(kb: KnowledgeBase) -> None:
    assert "<i>Osteoarthritis and Cartilage 27(11):1578-1589</i>" in citation(
        kb.sources["bannuru-2019"])
    assert "<i>Nature Reviews Rheumatology, 59-66</i>" in citation(kb.sources["arden-2021"])


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
