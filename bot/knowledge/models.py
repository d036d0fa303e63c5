"""Typed models of the knowledge base. Unknown fields are errors: they are usually typos."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LANGS: tuple[str, ...] = ("nl", "en")
Lang = Literal["nl", "en"]
# "info": an explanation rather than a yes or no ("what are the symptoms?"); its reply shows no
# verdict, so a question such as "is this osteoarthritis?" never gets a "✅ True".
Verdict = Literal["myth", "fact", "nuance", "info"]
SHORT_MAX = 350
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Strict(BaseModel):
    # Validators are built on first use, not at import: a start from the on-disk cache
    # validates nothing, and building them cost 30 ms of every start.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True,
                              defer_build=True)


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
    # The date the editors last checked the text against its sources. It is not a review:
    # only `reviewed_by`, naming someone in reviewers.yaml, lets the bot say "reviewed by".
    updated: dt.date
    reviewed_by: str | None = Field(default=None, pattern=ID_PATTERN)

    def text(self, lang: str) -> EntryText:
        return self.en if lang == "en" else self.nl


class Reviewer(_Strict):
    """A clinician who reviewed entries; an entry names them in `reviewed_by`."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=2)
    profession: str = Field(min_length=2)
    date: dt.date  # the day of the review


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


Level = Literal["emergency", "today"]
ReplyKind = Literal["emergency", "today", "crisis"]


class Concept(_Strict):
    """One thing a patient may describe ("fever", "after an operation"), in words per language.

    A term is one or more words; a word matches a word of the question that starts with it, a
    longer word also inside a compound or one typo away. `not_words` are words of the question
    that look like a term but mean something else ("borstkanker" is no chest pain).
    """

    nl: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)
    # ... or a concept made of others standing within `near` words of each other, in one
    # sentence ("stomach" near "pain"); "not x" is a negated x ("not lift-foot")
    all: list[str] = Field(default_factory=list)
    near: int | None = Field(default=None, ge=1)
    not_words: list[str] = Field(default_factory=list)
    # False for concepts whose words carry their own negation ("kan niet staan", "no way out").
    negatable: bool = True
    # A body part is never negated itself, and a negation reaches past it: "niet meer op mijn
    # knie steunen" negates the standing, not the knee.
    body_part: bool = False
    # What the concept rules out as a rule's `unless`: its whole sentence ("jaren geleden
    # gevallen"), or only what follows it there ("kunnen ontstekingsremmers maagbloedingen
    # geven?" asks about what follows; "my calf is swollen since my op, could that cause a
    # clot?" still describes what came before).
    # ... or the whole message: "met een dietist … nu 9 kilo lichter" in any sentence; or all
    # that came before it: "… losing control of your bladder. I don't have any of that".
    rules_out: Literal["sentence", "after", "message", "before"] = "sentence"
    # ... unless one of these concepts stands in the same sentence: "my neighbour had a fall"
    # is someone else's story, "my neighbour had a fall this morning" is not.
    overruled_by: list[str] = Field(default_factory=list)
    # The concept itself is not there where one of these stands in its part of the sentence,
    # as if negated, for every rule and only for this concept: "my op is next month, will my
    # calf swell?" has no operation behind it yet, while the calf and the swelling still count.
    denied_by: list[str] = Field(default_factory=list)

    def terms(self, lang: str) -> list[str]:
        return self.en if lang == "en" else self.nl


class Examples(_Strict):
    """Messages a rule must fire on, in both languages: the parity test runs them all."""

    nl: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)

    def get(self, lang: str) -> list[str]:
        return self.en if lang == "en" else self.nl


class SafetyRule(_Strict):
    """A red flag: it fires when every concept of one of its `when` lists is in the question.

    The rules are shared by both languages, so Dutch and English cannot disagree. `unless`
    concepts rule out the sentence they stand in ("jaren geleden gevallen"); `near` asks the
    concepts of a list to stand within that many words of each other.
    """

    id: str = Field(pattern=ID_PATTERN)
    level: Level
    reply: Literal["crisis"] | None = None
    when: list[list[str]] = Field(min_length=1)
    unless: list[str] = Field(default_factory=list)
    near: int | None = Field(default=None, ge=1)
    examples: Examples

    @property
    def reply_kind(self) -> ReplyKind:
        return self.reply or self.level


class LangText(_Strict):
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class Safety(_Strict):
    """Red-flag concepts, the rules that combine them and the replies they get;
    `{emergency}`-style fields in the replies come from the config."""

    replies: dict[ReplyKind, LangText]
    negation: PerLang
    # word -> other spellings patients use for it, read as that word ("niet": [nie, ni])
    spelling: dict[str, list[str]] = Field(default_factory=dict)
    concepts: dict[str, Concept] = Field(min_length=1)
    rules: list[SafetyRule] = Field(min_length=1)


class QuizStatement(_Strict):
    """A statement about one entry for the myth-or-fact quiz, true or a myth."""

    entry: str = Field(pattern=ID_PATTERN)
    truth: bool
    nl: str = Field(min_length=10, max_length=200)
    en: str = Field(min_length=10, max_length=200)

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class Quiz(_Strict):
    statements: list[QuizStatement] = Field(default_factory=list)


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
    entry's "may I stop my blood thinners"). With `unless`, a question with one of those terms
    is not about the topic ("ik wandel elke dag met de hond" is about walking, not the dog).
    """

    id: str = Field(pattern=ID_PATTERN)
    terms: PerLang
    also: PerLang = Field(default_factory=PerLang)
    unless: PerLang = Field(default_factory=PerLang)
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


class DutchWord(_Strict):
    """A word (or phrase) as Belgian Dutch (`be`) and Netherlands Dutch (`nl`) say it."""

    be: str = Field(min_length=1)
    nl: str = Field(min_length=1)


class KnowledgeBase(BaseModel):
    """Everything the matcher and the renderer need, loaded and cross-checked."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    entries: dict[str, Entry]
    sources: dict[str, Source]
    topics: dict[str, Topic]
    synonyms: Synonyms
    reviewers: dict[str, Reviewer]
    safety: Safety
    smalltalk: Smalltalk
    uncovered: Uncovered
    messages: dict[str, LangText]
    # Quiz statements by entry id (knowledge/quiz.yaml; none when the file is absent)
    quiz: dict[str, QuizStatement] = Field(default_factory=dict)
    dutch: list[DutchWord] = Field(default_factory=list)  # see bot.knowledge.dutch

    def message(self, key: str, lang: str, **fields: str) -> str:
        """A user-interface text in `lang`, with `{placeholders}` filled in."""
        text = self.messages[key].get(lang)
        return text.format(**fields) if fields else text


# Every message key the bot's code uses; `check` refuses a messages.yaml without one of them.
REQUIRED_MESSAGES: frozenset[str] = frozenset(
    {
        "verdict-myth", "verdict-fact", "verdict-nuance", "source-line", "status-draft",
        "status-reviewed", "review-all-draft", "review-some", "button-more",
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
        "delivery-late", "private-only",
        "button-stale", "feedback-ask", "button-skip", "comment-thanks", "comment-skipped",
        "admin-only", "whoami", "stats", "unanswered-heading", "unanswered-none", "reload-done",
        "reload-failed", "reload-more", "command-start", "command-help", "command-topics",
        "command-language", "command-sources", "command-privacy", "command-forget", "command-about",
        "bot-description", "bot-short-description",
        # the quiz (bot/quiz, bot/rendering/quiz.py)
        "button-quiz", "quiz-intro", "quiz-progress", "button-quiz-true", "button-quiz-myth",
        "button-quiz-unsure", "button-quiz-next", "button-quiz-score", "button-quiz-again",
        "quiz-right", "quiz-wrong", "quiz-unsure", "quiz-is-true", "quiz-is-myth", "quiz-score",
        "quiz-read", "quiz-empty", "command-quiz",
        # the opt-in measure of beliefs (bot/quiz/measure.py, bot/rendering/measure.py)
        "beliefs-offer", "beliefs-in-weeks", "beliefs-in-a-week", "beliefs-in-days",
        "button-beliefs-yes", "button-beliefs-no", "beliefs-yes", "beliefs-no",
        "beliefs-progress", "beliefs-thanks", "beliefs-before-done", "beliefs-after-intro",
        "beliefs-after-done", "button-beliefs-more", "privacy-followup-yes",
        "privacy-followup-asking", "privacy-followup-sent", "privacy-followup-no",
        # the web pages (bot/site)
        "site-title", "site-intro", "site-skip", "site-search-label", "site-search-hint",
        "site-search-none", "site-topics", "site-all-questions", "site-ask-bot", "site-related",
        "site-explanation", "site-back", "site-language", "site-other-language", "site-print-qr",
        "site-clinic-heading", "site-clinic-how", "site-clinic-read", "site-qr-alt",
    }
)
