"""The matcher: a question in, a `Decision` out. Pure, deterministic, no Telegram."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.knowledge.models import LANGS, Entry, KnowledgeBase
from bot.matching.analyzer import Analyzer, stopwords
from bot.matching.decision import MAX_CANDIDATES, Candidate, Decision
from bot.matching.index import LanguageIndex, combine, votes
from bot.matching.language import detect_language
from bot.matching.normalize import normalize
from bot.matching.rarity import common_words
from bot.matching.redflag_model import BACKSTOP, RedFlagModel
from bot.matching.safety import SafetyCheck
from bot.matching.smalltalk import SmalltalkCheck
from bot.matching.uncovered import UncoveredCheck

# A question of one or two words ("knie", "hip") names a subject, not a question: which of
# its entries is meant is a guess, so it gets suggestions or the topics, never an answer.
SHORT_QUESTION_WORDS = 2


@dataclass(frozen=True)
class Thresholds:
    """When to answer, suggest or fall back (from the config's `matching` section).

    `rare_word`: a word the knowledge base has never used, and rarer than this in ordinary
    language (Zipf frequency: "kurkuma" 2.7, "sauna" 3.7, "knie" 4.2), is a topic word of its
    own: the question is likely about something we do not cover, so it gets no answer.
    0 turns that check off.

    `agreement`: how many of the scoring signals (of four) must, each on its own, rank the best
    entry first for an answer with the plain `margin`; with fewer, the best entry must be
    `disputed_margin` ahead instead (a wrong answer usually wins on one or two signals only, and
    by a hair).

    `min_known_words`: a question with a smaller share of words from the knowledge base gets
    neither an answer nor suggestions, however well it scores ("what's 15 times 12").
    """

    answer: float
    margin: float
    suggest: float
    known_words: float
    rare_word: float = 0.0
    agreement: int = 0
    disputed_margin: float = 0.0
    min_known_words: float = 0.0


class Matcher:
    """Everything needed to match questions against one knowledge base, built once."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds, default_lang: str = "nl",
                 progress: Callable[[int, int], None] | None = None) -> None:
        """`progress(done, total)` is told of each entry indexed (a bar on large bases)."""
        self.kb = kb
        self.thresholds = thresholds
        self.default_lang = default_lang
        self._safety = SafetyCheck(kb.safety)
        self._backstop = RedFlagModel.load()
        self._smalltalk = SmalltalkCheck(kb.smalltalk)
        self._uncovered = UncoveredCheck(kb.uncovered)
        self._common = ({lang: common_words(lang, thresholds.rare_word) for lang in LANGS}
                        if thresholds.rare_word > 0 else None)
        self._indexes: dict[str, LanguageIndex] = {}
        entries = list(kb.entries.values())
        with _collector_paused():
            for n, lang in enumerate(LANGS):
                analyzer = Analyzer(lang, kb.synonyms.get(lang))  # the index tells it the words
                self._indexes[lang] = LanguageIndex(
                    analyzer, _reported(entries, progress, n * len(entries),
                                        len(LANGS) * len(entries)))
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
        rule = self._safety.check(question)
        if rule is not None:
            return Decision(kind="red_flag", lang=lang, score=1.0, rule=rule.id,
                            urgency=rule.level)
        # What the rules' words missed, the backstop may still see; it never removes a flag.
        urgency = self._backstop.level(question)
        if urgency is not None:
            return Decision(kind="red_flag", lang=lang, score=1.0, rule=BACKSTOP,
                            urgency=urgency)
        intent = self._smalltalk.intent(text)
        if intent is not None:
            return Decision(kind="smalltalk", lang=lang, score=1.0, rule=intent)
        signals = self.signals(question, lang)
        ranked = combine(signals)
        topic = self._uncovered.topic(tokens)
        if topic is not None:
            candidates = tuple(Candidate(e, s) for e, s in ranked[:MAX_CANDIDATES])
            return Decision("fallback", lang, candidates[0].score if candidates else 0.0,
                            None, candidates, rule=topic.id)
        agreed = votes(signals, ranked[0][0]) if ranked else 0
        return self._decide(question, lang, ranked, short=len(tokens) <= SHORT_QUESTION_WORDS,
                            agreed=agreed)

    def signals(self, question: str, lang: str) -> list[tuple[str, dict[str, float]]]:
        """Each scoring signal for the entries worth scoring (for measuring the matcher)."""
        return self._indexes[lang].signals(question)

    def rank(self, question: str, lang: str) -> list[tuple[str, float]]:
        """Every entry that shares a term with the question, with its score, best first."""
        return self._indexes[lang].scores(question)

    def rare_words(self, question: str, lang: str) -> list[str]:
        """Words of the question that neither the knowledge base nor ordinary language use
        much: the sign of a topic we do not cover ("kurkuma", "padel", "steunzolen")."""
        if self._common is None:
            return []
        common = self._common[lang]
        return [w for w in self._indexes[lang].unfamiliar(question) if w not in common]

    def _decide(self, question: str, lang: str, ranked: list[tuple[str, float]],
                short: bool, agreed: int) -> Decision:
        candidates = tuple(Candidate(e, s) for e, s in ranked[:MAX_CANDIDATES])
        best = candidates[0].score if candidates else 0.0
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        t = self.thresholds
        if best >= t.answer:
            if self._indexes[lang].known_share(question) < t.min_known_words:
                # It scores, but hardly any of its words are ours ("what's 15 times 12"): it
                # is about something else.
                return Decision("fallback", lang, best, None, candidates)
            # A close call between entries, signals that disagree on the best one, a bare
            # subject, or a topic word we have never seen: the person chooses rather than get an
            # answer that may be from the wrong entry.
            margin = t.margin if agreed >= t.agreement else t.disputed_margin
            clear = best - runner_up >= margin and not short
            if clear and not self.rare_words(question, lang):
                return Decision("answer", lang, best, candidates[0].entry_id, candidates)
            return Decision("suggest", lang, best, None, candidates)
        # Below the answer threshold, suggestions only for questions in our own words: an
        # off-topic question scores there too, but brings vocabulary we have never used.
        if best >= t.suggest and self._indexes[lang].known_share(question) >= t.known_words:
            return Decision("suggest", lang, best, None, candidates)
        return Decision("fallback", lang, best, None, candidates)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The index is millions of new lists, strings and arrays, none of them garbage: with the
    garbage collector walking them again and again as they are made, a build takes a third
    longer."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _reported(entries: Iterable[Entry], progress: Callable[[int, int], None] | None,
              start: int, total: int) -> Iterator[Entry]:
    for done, entry in enumerate(entries, start + 1):
        yield entry
        if progress is not None:
            progress(done, total)
