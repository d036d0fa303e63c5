"""Typed models of the knowledge base. Unknown fields are errors: they are usually typos."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LANGS: tuple[str, ...] = ("nl", "en")
Lang = Literal["nl", "en"]
Verdict = Literal["myth", "fact", "nuance"]
SHORT_MAX = 350
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class EntryText(_Strict):
    """What an entry says in one language."""

    title: str = Field(min_length=3, max_length=120)
    claim: str = Field(min_length=3)
    questions: list[str] = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)
    short: str = Field(min_length=10, max_length=SHORT_MAX)
    explanation: str = Field(min_length=10)
    tips: list[str] = Field(min_length=1)


class Entry(_Strict):
    """One myth, fact or nuance, in every language."""

    id: str = Field(pattern=ID_PATTERN)
    topic: str = Field(pattern=ID_PATTERN)
    verdict: Verdict
    nl: EntryText
    en: EntryText
    sources: list[str] = Field(min_length=1)
    related: list[str] = Field(default_factory=list)
    reviewed: dt.date
    reviewed_by: str = Field(min_length=2)

    def text(self, lang: str) -> EntryText:
        return self.en if lang == "en" else self.nl


class Source(_Strict):
    """A citable reference; `label` is the short name shown under answers ("OARSI 2019")."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=2, max_length=40)
    authors: str = Field(min_length=2)
    year: int | None = Field(default=None, ge=1900, le=2100)
    title: str = Field(min_length=5)
    journal: str | None = None
    publisher: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    pmid: int | None = None

    @field_validator("volume", "issue", "pages", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _findable(self) -> Source:
        if not (self.doi or self.url):
            raise ValueError("a source needs a 'doi' or a 'url' so readers can find it")
        if not (self.journal or self.publisher):
            raise ValueError("a source needs a 'journal' or a 'publisher'")
        return self

    @property
    def link(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else str(self.url)


class Topic(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    nl: str = Field(min_length=2, max_length=40)
    en: str = Field(min_length=2, max_length=40)

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class PerLang(_Strict):
    """A list of phrases for each language."""

    nl: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    def get(self, lang: str) -> list[str]:
        return self.en if lang == "en" else self.nl


class SafetyRule(_Strict):
    """A red flag: it fires when, for one pattern, every group has a term in the question.

    A term is one or more words; each word matches a word of the question that starts with it
    (so "koorts" matches "koortsig") or, for longer words, one typo away from it.
    """

    id: str = Field(pattern=ID_PATTERN)
    reply: Literal["urgent", "crisis"] = "urgent"
    nl: list[list[list[str]]] = Field(min_length=1)
    en: list[list[list[str]]] = Field(min_length=1)
    must_not: PerLang = Field(default_factory=PerLang)

    def patterns(self, lang: str) -> list[list[list[str]]]:
        return self.en if lang == "en" else self.nl


class LangText(_Strict):
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class Safety(_Strict):
    """Red-flag rules and the replies they get; `{emergency}`-style fields come from config."""

    replies: dict[Literal["urgent", "crisis"], LangText]
    rules: list[SafetyRule] = Field(min_length=1)


class SmalltalkIntent(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    phrases: PerLang
    reply: LangText


class Smalltalk(_Strict):
    intents: list[SmalltalkIntent] = Field(min_length=1)


class UncoveredTopic(_Strict):
    """A topic patients ask about that no entry covers (costs, appointments, other diseases,
    doses): a question with one of its terms gets this one-line reply, which says so and names
    who can answer it, instead of a guess from the nearest entry.

    A term is one or more words; each word matches a word of the question that is the same or,
    for words of five letters or more, starts with it ("terugbetaal" matches "terugbetaald").
    With `also`, the question must have one of those terms as well ("bloedverdunner" is about
    combining medicines only with a painkiller in the question; alone, it is the medication
    entry's "may I stop my blood thinners").
    """

    id: str = Field(pattern=ID_PATTERN)
    terms: PerLang
    also: PerLang = Field(default_factory=PerLang)
    reply: LangText

    @model_validator(mode="after")
    def _has_terms(self) -> UncoveredTopic:
        if not (self.terms.nl or self.terms.en):
            raise ValueError("an uncovered topic needs at least one term in 'terms'")
        return self


class Uncovered(_Strict):
    topics: list[UncoveredTopic] = Field(default_factory=list)


class Synonyms(_Strict):
    """Per language: canonical word -> the variants patients use for it."""

    nl: dict[str, list[str]] = Field(default_factory=dict)
    en: dict[str, list[str]] = Field(default_factory=dict)

    def get(self, lang: str) -> dict[str, list[str]]:
        return self.en if lang == "en" else self.nl


class KnowledgeBase(BaseModel):
    """Everything the matcher and the renderer need, loaded and cross-checked."""

    model_config = ConfigDict(frozen=True)

    entries: dict[str, Entry]
    sources: dict[str, Source]
    topics: dict[str, Topic]
    synonyms: Synonyms
    safety: Safety
    smalltalk: Smalltalk
    uncovered: Uncovered
    messages: dict[str, LangText]

    def message(self, key: str, lang: str, **fields: str) -> str:
        """A user-interface text in `lang`, with `{placeholders}` filled in."""
        text = self.messages[key].get(lang)
        return text.format(**fields) if fields else text


# Every message key the bot's code uses; `check` refuses a messages.yaml without one of them.
REQUIRED_MESSAGES: frozenset[str] = frozenset(
    {
        "verdict-myth", "verdict-fact", "verdict-nuance", "source-line", "button-more",
        "button-sources", "button-topics", "button-none", "tips-heading", "sources-heading",
        "related-heading", "suggest-intro", "fallback", "topics-intro", "empty-question",
        "disclaimer", "emergency-label", "feedback-thanks",
        # the Telegram front end (bot/telegram)
        "start-intro", "start-unknown-link", "clinic-phone", "clinic-website", "help",
        "unknown-command", "language-choose", "language-name", "language-set", "privacy",
        "privacy-kept", "privacy-nothing", "privacy-language", "privacy-clinic", "privacy-seen",
        "privacy-questions", "privacy-texts", "privacy-ratings", "privacy-comment",
        "privacy-older", "privacy-date", "forget-confirm", "button-forget-yes",
        "button-forget-no", "forget-done", "forget-nothing", "forget-cancelled",
        "storage-failed", "about", "media-unsupported", "rate-limited", "error",
        "button-stale", "feedback-ask", "button-skip", "comment-thanks", "comment-skipped",
        "admin-only", "stats", "unanswered-heading", "unanswered-none", "reload-done",
        "reload-failed", "reload-more", "command-start", "command-help", "command-topics",
        "command-language", "command-sources", "command-privacy", "command-forget", "command-about",
        "bot-description", "bot-short-description",
    }
)
