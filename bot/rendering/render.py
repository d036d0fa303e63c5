"""Turn decisions and button presses into replies. Pure: no Telegram, no storage.

Prose from the knowledge base is Telegram HTML that `check` has verified, so it is used as it
is; everything else (bibliographic data, user text, config values) is escaped here.
"""

from __future__ import annotations

from html import escape

from bot.config import Country
from bot.knowledge.models import Entry, KnowledgeBase, Source
from bot.knowledge.telegram_html import strip_tags
from bot.matching.decision import Decision
from bot.rendering.actions import Action
from bot.rendering.reply import Button, Reply

MAX_RELATED = 3
MAX_AUTHORS = 3
DATE_SHOWN = "%m-%Y"  # "12-2026": a month is what an editor's check date means to a reader


class Renderer:
    def __init__(self, kb: KnowledgeBase, emergency: list[Country]) -> None:
        self.kb = kb
        self.emergency = emergency

    # Decisions -----------------------------------------------------------------------------

    def decision(self, decision: Decision, previous_kind: str | None = None) -> Reply:
        """The reply to a matched question; `previous_kind` prevents a second "did you mean"."""
        lang = decision.lang
        if decision.kind == "red_flag":
            return self.red_flag(decision.rule or "", lang, decision.urgency)
        if decision.kind == "smalltalk":
            intent = next(i for i in self.kb.smalltalk.intents if i.id == decision.rule)
            text = intent.reply.get(lang)
            if "{review}" in text:
                text = text.format(review=self.review_status(lang))
            return Reply(text, self._topic_rows(lang))
        if decision.kind == "answer" and decision.entry_id:
            return self.answer(self.kb.entries[decision.entry_id], lang)
        if decision.empty:
            return Reply(self.kb.message("empty-question", lang), self._topic_rows(lang))
        if self.offers_suggestions(decision, previous_kind):
            rows = [(self._entry_button(c.entry_id, lang),) for c in decision.candidates]
            rows.append((Button(self.kb.message("button-none", lang), Action("none").encode()),))
            return Reply(self.kb.message("suggest-intro", lang), tuple(rows))
        uncovered = next((t for t in self.kb.uncovered.topics if t.id == decision.rule), None)
        if decision.kind == "fallback" and uncovered is not None:
            # A topic we know we do not cover: say so, and who can help, rather than "sorry".
            return Reply(uncovered.reply.get(lang), self._topic_rows(lang))
        return self.fallback(lang)

    @staticmethod
    def offers_suggestions(decision: Decision, previous_kind: str | None = None) -> bool:
        """Whether the reply to `decision` is a "did you mean", with its "none of these"."""
        return (decision.kind == "suggest" and not decision.empty
                and previous_kind != "suggest")

    def fallback(self, lang: str) -> Reply:
        """An honest "I don't know", with the topics to find the way from there."""
        return Reply(self.kb.message("fallback", lang), self._topic_rows(lang))

    def red_flag(self, rule_id: str, lang: str, urgency: str | None = None) -> Reply:
        rule = next((r for r in self.kb.safety.rules if r.id == rule_id), None)
        # No rule (the statistical backstop, or rules reloaded under a decision): the reply of
        # the decision's urgency, else the most urgent one.
        kind = rule.reply_kind if rule else ("today" if urgency == "today" else "emergency")
        numbers = "\n".join(
            f"• {escape(c.name.get(lang))}: {escape(c.doctor_on_call.get(lang))}, "
            f"{self.kb.message('emergency-label', lang)} <b>{escape(c.emergency)}</b>"
            for c in self.emergency)
        crisis = "\n".join(f"• {escape(c.name.get(lang))}: {escape(c.crisis_line.get(lang))}"
                           for c in self.emergency)
        text = self.kb.safety.replies[kind].get(lang).format(
            numbers=numbers, crisis_numbers=crisis, emergency=escape(self.emergency[0].emergency))
        return Reply(text)

    def navigate(self, action: Action, lang: str) -> Reply | None:
        """The reply to a navigation button; None when it points at nothing (stale or forged)."""
        if action.kind == "topics":
            return self.topics(lang)
        if action.kind == "topic":
            return self.topic(action.arg, lang)
        entry = self.kb.entries.get(action.arg)
        if entry is None:
            return None
        if action.kind == "answer":
            return self.answer(entry, lang)
        if action.kind == "more":
            return self.more(entry, lang)
        if action.kind == "sources":
            return self.sources(entry, lang)
        return None

    # Entries -------------------------------------------------------------------------------

    def answer(self, entry: Entry, lang: str) -> Reply:
        """The question the entry answers, then its verdict, the short answer and its sources;
        buttons to read on. The question comes first so that a reader sees what the verdict is
        about: "✅ True" under a question the entry does not answer would read as a yes to it."""
        text = entry.text(lang)
        label = self.verdict(entry, lang)
        verdict = f"{label}\n" if label else ""
        body = (f"<b>{text.title}</b>\n{verdict}\n"
                f"{text.short}\n\n<i>{self.source_line(entry, lang)}</i>")
        rows: list[tuple[Button, ...]] = [(
            Button(self.kb.message("button-more", lang), Action("more", entry.id).encode()),
            Button(self.kb.message("button-sources", lang), Action("sources", entry.id).encode()),
        )]
        rows += self._related_rows(entry, lang)
        rows.append((Button("👍", Action("up", entry.id).encode()),
                     Button("👎", Action("down", entry.id).encode())))
        return Reply(body, tuple(rows))

    def verdict(self, entry: Entry, lang: str) -> str:
        """ "✅ Klopt", "❌ Fabel", "⚖️ Genuanceerd"; empty for information without a verdict."""
        return "" if entry.verdict == "info" else self.kb.message("verdict-" + entry.verdict, lang)

    def more(self, entry: Entry, lang: str) -> Reply:
        """The explanation and tips."""
        text = entry.text(lang)
        tips = "\n".join(f"• {tip}" for tip in text.tips)
        body = (f"<b>{text.title}</b>\n\n{text.explanation}\n\n"
                f"<b>{self.kb.message('tips-heading', lang)}</b>\n{tips}")
        rows = [(Button(self.kb.message("button-sources", lang),
                        Action("sources", entry.id).encode()),), *self._related_rows(entry, lang)]
        return Reply(body, tuple(rows))

    def sources(self, entry: Entry, lang: str) -> Reply:
        """The entry's numbered references with their links."""
        items = [self.kb.sources[s] for s in entry.sources]
        return Reply(self._source_list(items, lang), tuple(self._related_rows(entry, lang)))

    def all_sources(self, lang: str) -> Reply:
        return Reply(self._source_list(list(self.kb.sources.values()), lang))

    def source_line(self, entry: Entry, lang: str) -> str:
        """ "Bron: OARSI 2019 · concept van de redactie (12-2026), nog niet nagekeken door een
        zorgverlener"; "nagekeken door <name>" only when a listed reviewer reviewed it."""
        labels = ", ".join(escape(self.kb.sources[s].label) for s in entry.sources)
        return self.kb.message("source-line", lang, sources=labels,
                               status=self.review_line(entry, lang))

    def review_line(self, entry: Entry, lang: str) -> str:
        updated = entry.updated.strftime(DATE_SHOWN)
        reviewer = self.kb.reviewers.get(entry.reviewed_by) if entry.reviewed_by else None
        if reviewer is None:
            return self.kb.message("status-draft", lang, updated=updated)
        return self.kb.message("status-reviewed", lang, updated=updated,
                               name=escape(reviewer.name), profession=escape(reviewer.profession),
                               date=reviewer.date.strftime(DATE_SHOWN))

    def review_status(self, lang: str) -> str:
        """One sentence on who checked the texts, for /about and "who are you"."""
        entries = self.kb.entries.values()
        updated = max(e.updated for e in entries).strftime(DATE_SHOWN)
        reviewed = sum(1 for e in entries if e.reviewed_by in self.kb.reviewers)
        if not reviewed:
            return self.kb.message("review-all-draft", lang, updated=updated)
        return self.kb.message("review-some", lang, reviewed=str(reviewed),
                               entries=str(len(self.kb.entries)), updated=updated)

    def about(self, lang: str, version: str) -> Reply:
        return Reply(self.kb.message("about", lang, version=version,
                                     entries=str(len(self.kb.entries)),
                                     sources=str(len(self.kb.sources)),
                                     review=self.review_status(lang)))

    # Topics --------------------------------------------------------------------------------

    def topics(self, lang: str) -> Reply:
        return Reply(self.kb.message("topics-intro", lang), self._topic_rows(lang))

    def topic(self, topic_id: str, lang: str) -> Reply | None:
        topic = self.kb.topics.get(topic_id)
        if topic is None:
            return None
        rows = tuple((self._entry_button(e.id, lang),)
                     for e in self.kb.entries.values() if e.topic == topic_id)
        return Reply(f"<b>{escape(topic.label(lang))}</b>", rows)

    # Pieces --------------------------------------------------------------------------------

    def _entry_button(self, entry_id: str, lang: str) -> Button:
        title = strip_tags(self.kb.entries[entry_id].text(lang).title)
        return Button(title, Action("answer", entry_id).encode())

    def _related_rows(self, entry: Entry, lang: str) -> list[tuple[Button, ...]]:
        return [(self._entry_button(r, lang),) for r in entry.related[:MAX_RELATED]]

    def _topic_rows(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        rows = [(Button(t.label(lang), Action("topic", t.id).encode()),)
                for t in self.kb.topics.values()]
        if self.kb.quiz:
            rows.append((Button(self.kb.message("button-quiz", lang), Action("quiz").encode()),))
        return tuple(rows)

    def _source_list(self, sources: list[Source], lang: str) -> str:
        lines = [f"<b>{self.kb.message('sources-heading', lang)}</b>"]
        lines += [f"{n}. {citation(s)}" for n, s in enumerate(sources, 1)]
        return "\n\n".join(lines)


def citation(source: Source) -> str:
    """One reference in Telegram HTML, showing only the fields the source has:
    authors (year). Title. <i>Journal</i> volume(issue):pages. link

    Without a volume, an issue number alone would read as part of the journal's name
    ("Rheumatology(1)") and point nowhere, so it is left out: the DOI finds the article."""
    authors = [a.strip() for a in source.authors.split(",")]
    shown = ", ".join(authors[:MAX_AUTHORS]) + (", et al." if len(authors) > MAX_AUTHORS else "")
    head = escape(shown)
    if source.year:
        head += f" ({source.year})"
    title = escape(source.title)
    parts = [_sentence(head), _sentence(title)]
    venue = source.journal or source.publisher or ""
    where = f"<i>{escape(venue)}</i>" if venue else ""
    if source.volume:
        where += f" {escape(source.volume)}"
        if source.issue:
            where += f"({escape(source.issue)})"
        if source.pages:
            where += f":{escape(source.pages)}"
    elif source.pages:
        where += f", p. {escape(source.pages)}"
    if where:
        parts.append(where + ".")
    label = f"doi:{source.doi}" if source.doi else source.link
    parts.append(f'<a href="{escape(source.link)}">{escape(label)}</a>')
    return " ".join(parts)


def _sentence(text: str) -> str:
    """`text` with one closing mark: "…is more better?" and "et al." get no second one."""
    return text if text.endswith(("?", "!", ".")) else text + "."
