"""The replies of the opt-in measure of beliefs: the offer, the statements (no right or wrong
shown: it measures, it does not test), the thanks, and after the follow-up the right answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.knowledge.models import KnowledgeBase
from bot.quiz import Answer
from bot.quiz.measure import BeliefPress, Phase, encode, when
from bot.rendering.actions import Action
from bot.rendering.reply import Button, Reply


def _when(kb: KnowledgeBase, lang: str, days: int) -> str:
    key, fields = when(days)
    return kb.message(key, lang, **fields)


def offer(kb: KnowledgeBase, lang: str, days: int) -> Reply:
    """May we ask three questions again in N days? Yes / No."""
    return Reply(kb.message("beliefs-offer", lang, when=_when(kb, lang, days)), ((
        Button(kb.message("button-beliefs-yes", lang), Action("consent", "y").encode()),
        Button(kb.message("button-beliefs-no", lang), Action("consent", "n").encode())),))


def declined(kb: KnowledgeBase, lang: str) -> Reply:
    return Reply(kb.message("beliefs-no", lang))


def statement(kb: KnowledgeBase, lang: str, phase: Phase, statements: Sequence[str],
              index: int, lead: str) -> Reply:
    """Statement `index` with True / Myth / Not sure, under `lead` (an intro or a thanks)."""
    progress = kb.message("beliefs-progress", lang, number=str(index + 1),
                          total=str(len(statements)))
    text = f"{lead}\n\n<i>{progress}</i>\n<b>{kb.quiz[statements[index]].text(lang)}</b>"

    def button(answer: Answer) -> Button:
        return Button(kb.message(f"button-quiz-{answer}", lang),
                      Action("belief", encode(BeliefPress(phase, index, answer))).encode())

    return Reply(text, ((button("true"), button("myth")), (button("unsure"),)))


def before_done(kb: KnowledgeBase, lang: str, days: int) -> Reply:
    return Reply(kb.message("beliefs-before-done", lang, when=_when(kb, lang, days)))


def after_done(kb: KnowledgeBase, lang: str, statements: Sequence[str]) -> Reply:
    """The thanks, then each statement with its right answer and a way to read more."""
    lines = [kb.message("beliefs-after-done", lang)]
    rows = []
    for entry_id in statements:
        truth = kb.quiz[entry_id].truth
        label = kb.message("button-quiz-true" if truth else "button-quiz-myth", lang)
        lines.append(f"{label}: {kb.quiz[entry_id].text(lang)}")
        title = kb.entries[entry_id].text(lang).title
        rows.append((Button(kb.message("button-beliefs-more", lang, title=title),
                            Action("more", entry_id).encode()),))
    return Reply("\n\n".join(lines), tuple(rows))
