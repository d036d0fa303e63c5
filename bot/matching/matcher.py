"""The matcher: a question in, a `Decision` out. Pure, deterministic, no Telegram."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.knowledge.models import LANGS, Entry, KnowledgeBase
from bot.matching.analyzer import Analyzer, stopwords
from bot.matching.decision import MAX_CANDIDATES, Candidate, Decision
from bot.matching.index import LanguageIndex
from bot.matching.language import detect_language
from bot.matching.normalize import normalize
from bot.matching.safety import SafetyCheck
from bot.matching.smalltalk import SmalltalkCheck


@dataclass(frozen=True)
class Thresholds:
    """When to answer, suggest or fall back (from the config's `matching` section)."""

    answer: float
    margin: float
    suggest: float
    known_words: float


class Matcher:
    """Everything needed to match questions against one knowledge base, built once."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds, default_lang: str = "nl",
                 progress: Callable[[int, int], None] | None = None) -> None:
        """`progress(done, total)` is told of each entry indexed (a bar on large bases)."""
        self.kb = kb
        self.thresholds = thresholds
        self.default_lang = default_lang
        self._safety = SafetyCheck(kb.safety)
        self._smalltalk = SmalltalkCheck(kb.smalltalk)
        self._indexes: dict[str, LanguageIndex] = {}
        entries = list(kb.entries.values())
        for n, lang in enumerate(LANGS):
            analyzer = Analyzer(lang, kb.synonyms.get(lang))  # the index tells it the words
            self._indexes[lang] = LanguageIndex(
                analyzer, _reported(entries, progress, n * len(entries), len(LANGS) * len(entries)))
        self._vocabularies = {lang: i.analyzer.vocabulary for lang, i in self._indexes.items()}
        self._stopwords = {lang: stopwords(lang) for lang in LANGS}

    def detect_language(self, question: str, fallback: str | None = None) -> str:
        """Dutch or English from the words; `fallback` (else the default) when they don't tell."""
        return self._language(normalize(question).split(), fallback)

    def _language(self, tokens: list[str], fallback: str | None) -> str:
        found = detect_language(tokens, self._vocabularies, self._stopwords)
        return found or (fallback if fallback in LANGS else None) or self.default_lang

    def match(self, question: str, lang: str | None = None,
              fallback_lang: str | None = None) -> Decision:
        """Decide how to reply to `question`.

        `lang` (nl/en) overrides language detection; `fallback_lang` is used when the words
        don't tell ("ok", "🙂"), e.g. the language a person's Telegram app is set to.
        """
        text = normalize(question)
        tokens = text.split()
        if lang not in LANGS:
            lang = self._language(tokens, fallback_lang)
        if not tokens:
            return Decision(kind="fallback", lang=lang, score=0.0, empty=True)
        rule = self._safety.check(tokens)
        if rule is not None:
            return Decision(kind="red_flag", lang=lang, score=1.0, rule=rule.id)
        intent = self._smalltalk.intent(text)
        if intent is not None:
            return Decision(kind="smalltalk", lang=lang, score=1.0, rule=intent)
        return self._decide(question, lang, self.rank(question, lang))

    def signals(self, question: str, lang: str) -> list[tuple[str, dict[str, float]]]:
        """Each scoring signal for the entries worth scoring (for measuring the matcher)."""
        return self._indexes[lang].signals(question)

    def rank(self, question: str, lang: str) -> list[tuple[str, float]]:
        """Every entry that shares a term with the question, with its score, best first."""
        return self._indexes[lang].scores(question)

    def _decide(self, question: str, lang: str, ranked: list[tuple[str, float]]) -> Decision:
        candidates = tuple(Candidate(e, s) for e, s in ranked[:MAX_CANDIDATES])
        best = candidates[0].score if candidates else 0.0
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        t = self.thresholds
        if best >= t.answer and best - runner_up >= t.margin:
            return Decision("answer", lang, best, candidates[0].entry_id, candidates)
        if best >= t.answer:  # a close call between entries: let the person choose
            return Decision("suggest", lang, best, None, candidates)
        # Below the answer threshold, suggestions only for questions in our own words: an
        # off-topic question scores there too, but brings vocabulary we have never used.
        if best >= t.suggest and self._indexes[lang].known_share(question) >= t.known_words:
            return Decision("suggest", lang, best, None, candidates)
        return Decision("fallback", lang, best, None, candidates)


def _reported(entries: Iterable[Entry], progress: Callable[[int, int], None] | None,
              start: int, total: int) -> Iterator[Entry]:
    for done, entry in enumerate(entries, start + 1):
        yield entry
        if progress is not None:
            progress(done, total)
