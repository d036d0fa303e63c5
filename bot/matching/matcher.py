"""The matcher: a question in, a `Decision` out. Pure, deterministic, no Telegram."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from bot.knowledge.models import LANGS, Entry, KnowledgeBase
from bot.matching.analyzer import Analyzer, stopwords
from bot.matching.courtesy import without_courtesy
from bot.matching.decision import MAX_CANDIDATES, Candidate, Decision
from bot.matching.entry_model import EntryModel
from bot.matching.gate import AnswerGate, Evidence
from bot.matching.index import LONG_WEIGHTS, LanguageIndex, combine, votes
from bot.matching.language import detect_language
from bot.matching.normalize import MAX_CHARS, normalize
from bot.matching.rarity import common_words, everyday_words, misspelt
from bot.matching.redflag_model import BACKSTOP, RedFlagModel
from bot.matching.safety import SafetyCheck
from bot.matching.smalltalk import SmalltalkCheck
from bot.matching.topicwords import EVERYDAY_ZIPF, SHARED_UNCOMMON_ZIPF, TopicWords
from bot.matching.uncovered import UncoveredCheck

# Words at least this common (Zipf) in ordinary language are words, not typos of ours: typo
# repair leaves them alone ("maanden" 4.9 is not "handen", "opstaan" 3.6 not "ontstaan").
ORDINARY_ZIPF = 3.0

# A question of one or two words ("knie", "hip") names a subject, not a question: which of
# its entries is meant is a guess, so it gets suggestions or the topics, never an answer.
SHORT_QUESTION_WORDS = 2

# A message of more words than this is ranked with `LONG_WEIGHTS` (see index.py); its scores,
# which decide whether to answer, stay the usual ones.
LONG_QUESTION_WORDS = 12

# ... and answered only this far ahead of the runner-up, whatever the signals' agreement: a
# story names several things, and a short example question whose words it happens to contain
# ("versleten heup" in "mijn man zegt dat ik mijn heup kapot maak met al dat bewegen") scores
# as if it were the question. On the dev sets, of the long messages answered with a lead
# below this, 3 in 17 were wrong; of the short ones, 1 in 24.
LONG_MARGIN = 0.04

# A message of several sentences is also ranked by the one that asks (`question_part`): "I walk
# with a stick since my hip went bad. Will losing weight help?" is about weight, though most of
# its words are about the stick. That sentence counts when it names our subjects on its own: at
# least this many distinct words the knowledge base uses (who asks and for whom not counted:
# "is she right?", "what do you make of that?" name nothing) ...
QUESTION_PART_WORDS = 2
# ... and its own best score reaches this (it asks something an entry answers: "am I making it
# worse by going?" scores 0.50 at best, a bare frame of the story's subject). Measured on the dev
# sets without the blind batch AD: lower, or with no floor on the words, lost lines that a frame
# of a few common words pulled to another entry; at 0.5 and 2 words 5 lines won and none lost.
QUESTION_PART_BEST = 0.5
# ... compared with the entries the whole message ranks this high only: it re-ranks what the
# whole found (on the dev sets the first entries are the same with the first 3, 4, 5 or 10 as
# with all 40 that BM25 keeps, and the fuzzy signals' cost falls with their examples).
PART_AMONG = 5
_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+")
_ASKS = re.compile(r"\?\W*$")

# The evidence counts a question's rare words up to this many (the gate reads no more).
MAX_RARE = 2


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

    `topic_bonus`: an entry whose topic words the question uses (topicwords.py: "ijs",
    "rollator", "manuele therapie") ranks as if it scored this much more. It moves the entry up
    the list only: whether to answer is still decided on the scores themselves, so an entry
    moved past a better-scoring one is suggested, not answered. And an entry is never answered
    when the question names another entry's topic ("instead of painkillers, glucosamine?"
    names two: the person chooses).
    """

    answer: float
    margin: float
    suggest: float
    known_words: float
    rare_word: float = 0.0
    agreement: int = 0
    disputed_margin: float = 0.0
    min_known_words: float = 0.0
    topic_bonus: float = 0.0


class Matcher:
    """Everything needed to match questions against one knowledge base, built once."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds, default_lang: str = "nl",
                 progress: Callable[[int, int], None] | None = None) -> None:
        """`progress(done, total)` is told of each entry indexed (a bar on large bases)."""
        self.kb = kb
        self.thresholds = thresholds
        self.default_lang = default_lang
        self._safety = SafetyCheck(kb.safety)
        self._backstop = RedFlagModel.load(self._safety.read)
        self._smalltalk = SmalltalkCheck(kb.smalltalk)
        self._uncovered = UncoveredCheck(kb.uncovered)
        # None: the thresholds alone choose between answer and suggest
        self.gate = AnswerGate.load()
        self._entry_model = EntryModel.load()  # None: the signals alone order the entries
        self._common = ({lang: common_words(lang, thresholds.rare_word) | everyday_words(lang)
                         for lang in LANGS} if thresholds.rare_word > 0 else None)
        self._indexes: dict[str, LanguageIndex] = {}
        entries = list(kb.entries.values())
        with _collector_paused():
            for n, lang in enumerate(LANGS):
                # the index tells it the words; ordinary words are no typos of ours
                analyzer = Analyzer(lang, kb.synonyms.get(lang),
                                    words=common_words(lang, ORDINARY_ZIPF))
                self._indexes[lang] = LanguageIndex(
                    analyzer, _reported(entries, progress, n * len(entries),
                                        len(LANGS) * len(entries)))
        self._vocabularies = {lang: i.analyzer.vocabulary for lang, i in self._indexes.items()}
        self._topics = {lang: TopicWords(index, entries, common_words(lang, EVERYDAY_ZIPF),
                                         common_words(lang, SHARED_UNCOMMON_ZIPF))
                        for lang, index in self._indexes.items()}
        self._stopwords = {lang: stopwords(lang) for lang in LANGS}
        # who asks, for whom, and where is no topic of ours, nor of anyone else's
        self._everyday = {lang: everyday_words(lang) for lang in LANGS}
        # An inflection of a common word is common too ("weeg" of "wegen", "raadde" of "raden"):
        # wordfreq counts each form apart, and the rarer forms looked like topics of their own.
        self._common_stems = ({lang: frozenset(self._indexes[lang].analyzer.stem(w)
                                               for w in common)
                               for lang, common in self._common.items()}
                              if self._common is not None else None)

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
        return self.weigh(question, lang, fallback_lang)[0]

    def weigh(self, question: str, lang: str | None = None,
              fallback_lang: str | None = None) -> tuple[Decision, Evidence | None]:
        """`match`, with the evidence the answer/suggest/fallback choice was made on (None
        where no entry was weighed: empty, red flag, small talk, an uncovered topic). For
        measuring that choice (scripts/answer_gate.py)."""
        text = normalize(question)
        tokens = text.split()
        if lang not in LANGS:
            lang = self._language(tokens, fallback_lang)
        if not tokens:
            return Decision(kind="fallback", lang=lang, score=0.0, empty=True), None
        assessment = self._safety.assess(question)
        if assessment.rules:
            rule = assessment.rules[0]
            return Decision(kind="red_flag", lang=lang, score=1.0, rule=rule.id,
                            urgency=rule.level), None
        # What the rules' words missed, the backstop may still see; it never removes a flag,
        # nor adds one where a rule's own `unless` ruled it out.
        urgency = (None if assessment.ruled_out else self._backstop.level(
            question, (assessment.words, assessment.marks)))
        if urgency is not None:
            return Decision(kind="red_flag", lang=lang, score=1.0, rule=BACKSTOP,
                            urgency=urgency), None
        intent = self._smalltalk.intent(text)
        if intent is not None:
            return Decision(kind="smalltalk", lang=lang, score=1.0, rule=intent), None
        # Scored without its greetings and thanks: they dilute the question ("sorry dat ik
        # stoor ... alvast bedankt"); a message of nothing else keeps them.
        asked = without_courtesy(text, lang) or text
        tokens = asked.split()
        index = self._indexes[lang]
        # Analysed once (typos, compounds, synonyms): every signal and check below reads these.
        words = index.words(asked)
        signals = index.signals_of(words)
        ranked = combine(signals)
        topic = self._uncovered.topic(tokens)
        if topic is not None:
            candidates = tuple(Candidate(e, s) for e, s in ranked[:MAX_CANDIDATES])
            return Decision("fallback", lang, candidates[0].score if candidates else 0.0,
                            None, candidates, rule=topic.id), None
        stems = set(index.analyzer.stems(index.analyzer.content(words)))
        named = self._topics[lang].named(stems)
        shared = self._topics[lang].shared(stems)
        # A long message is put in order by the signals its extra words do not drown; it is
        # answered only if its usual scores say so too (the first may now score below another).
        order = dict(combine(signals, LONG_WEIGHTS) if len(tokens) > LONG_QUESTION_WORDS
                     else ranked)
        # ... and by the sentence that asks, as much as by the whole: the order only, so an
        # entry it moves up past a better-scoring one is suggested, never answered.
        part = self._asked(question, lang, len(tokens), sorted(order, key=order.__getitem__,
                                                               reverse=True)[:PART_AMONG])
        if part is not None:
            order = {e: (s + part.get(e, 0.0)) / 2 for e, s in order.items()}
        topical = {*named, *(e for group in shared for e in group)}
        ranked = _by_topic(ranked, order, topical, self.thresholds.topic_bonus)
        ranked = self._second_opinion(ranked, self._stems_of(words, lang))
        evidence = evidence_of(
            ranked, signals, topical, named, shared, lang=lang, words=len(tokens),
            known=index.known_share_of(words, self._everyday[lang]),
            rare=len(self._rare(words, lang, MAX_RARE)))
        return decide(ranked, evidence, self.thresholds, self.gate), evidence

    def content_stems(self, question: str, lang: str) -> list[str]:
        """The question's content words as the entry model reads them (for training it)."""
        text = normalize(question)
        return self._stems_of(self._indexes[lang].words(without_courtesy(text, lang) or text),
                              lang)

    def _stems_of(self, words: list[str], lang: str) -> list[str]:
        analyzer = self._indexes[lang].analyzer
        return analyzer.stems(analyzer.content(words))

    def _second_opinion(self, ranked: list[tuple[str, float]],
                        stems: list[str]) -> list[tuple[str, float]]:
        """`ranked`, with the entry the entry model is sure of first if the signals put it
        among the candidates (their scores unchanged: whether to answer is decided on them)."""
        sure = self._entry_model.sure_of(stems) if self._entry_model is not None else None
        at = next((n for n, (e, _) in enumerate(ranked[:MAX_CANDIDATES]) if e == sure), 0)
        return [ranked[at], *ranked[:at], *ranked[at + 1:]] if at else ranked

    def _asked(self, question: str, lang: str, words: int,
               among: Sequence[str]) -> dict[str, float] | None:
        """The entries' scores against the sentence of `question` that asks, if it has several
        sentences and that one names our subjects and scores on its own (see
        `QUESTION_PART_WORDS`); else None. `words`: how many the whole message has."""
        part = question_part(question)
        if part is None:
            return None
        text = normalize(part)
        asked = without_courtesy(text, lang) or text
        if not 0 < len(asked.split()) < words:
            return None
        index = self._indexes[lang]
        found = index.words(asked)
        vocabulary, everyday = index.analyzer.vocabulary, self._everyday[lang]
        if len({w for w in index.analyzer.content(found)
                if w in vocabulary and w not in everyday}) < QUESTION_PART_WORDS:
            return None
        ranked = combine(index.signals_of(found, among))
        if not ranked or ranked[0][1] < QUESTION_PART_BEST:
            return None
        return dict(ranked)

    def signals(self, question: str, lang: str) -> list[tuple[str, dict[str, float]]]:
        """Each scoring signal for the entries worth scoring (for measuring the matcher)."""
        return self._indexes[lang].signals(question)

    def rank(self, question: str, lang: str) -> list[tuple[str, float]]:
        """Every entry that shares a term with the question, with its score, best first."""
        return self._indexes[lang].scores(question)

    def topic_words(self, question: str, lang: str) -> dict[str, list[str]]:
        """The entries whose topic words the question uses, with those words (as stems)."""
        return self._topics[lang].owners(question)

    def rare_words(self, question: str, lang: str) -> list[str]:
        """Words of the question that neither the knowledge base nor ordinary language use
        much: the sign of a topic we do not cover ("kurkuma", "padel", "steunzolen")."""
        return self._rare(self._indexes[lang].words(question), lang)

    def _rare(self, words: list[str], lang: str, limit: int | None = None) -> list[str]:
        """The rare words of `words`, the first `limit` of them (None: all): each is looked
        for typos of common words, so a long message of unknown words stops early."""
        if self._common is None or self._common_stems is None:
            return []
        common, stems = self._common[lang], self._common_stems[lang]
        analyzer = self._indexes[lang].analyzer
        found: list[str] = []
        for w in self._indexes[lang].unfamiliar_of(words):
            if w not in common and analyzer.stem(w) not in stems and not misspelt(w, common):
                found.append(w)
                if limit is not None and len(found) >= limit:
                    break
        return found


def question_part(message: str) -> str | None:
    """The sentence of a message of several that asks: the last one that ends in a question
    mark, else the last one. None for a message of one sentence."""
    sentences = [s for s in _SENTENCE_END.split(message[:MAX_CHARS].strip()) if normalize(s)]
    if len(sentences) < 2:
        return None
    asking = [s for s in sentences if _ASKS.search(s)]
    return (asking or sentences)[-1]


def evidence_of(ranked: list[tuple[str, float]], signals: list[tuple[str, dict[str, float]]],
                topical: Collection[str], named: Collection[str],
                shared: Sequence[Collection[str]], *, lang: str, words: int, known: float,
                rare: int) -> Evidence:
    """What `decide` reads of a question weighed against the entries: its `ranked` entries
    (in their final order), every scored entry's `signals`, the entries whose topic words it
    uses (`topical`: `named` by a topic word of one entry, `shared` by a keyword two entries
    share), and its `words`, `known` share and `rare` words counted."""
    first = ranked[0][0] if ranked else None
    # A question that names another entry's topic is about that one, or about both; one
    # that uses a keyword two entries share is about one of those two.
    elsewhere = ((bool(named) and set(named) != {first})
                 or any(first not in group for group in shared))
    by_id = dict(signals)
    top = ranked[:MAX_CANDIDATES]
    # how many signals rank each of the first candidates first; the first's is `agreed`
    counted = votes(signals, [e for e, _ in top])
    return Evidence(
        lang=lang, words=words, scores=tuple(s for _, s in top),
        signals=tuple(by_id[e] for e, _ in top), votes=counted,
        topical=tuple(e in topical for e, _ in top),
        best=max((s for _, s in ranked), default=0.0),
        runner_up=max((s for _, s in ranked[1:]), default=0.0),
        agreed=counted[0] if counted else 0, known=known, rare=rare, named=first in named,
        elsewhere=elsewhere)


def decide(ranked: list[tuple[str, float]], evidence: Evidence, t: Thresholds,
           gate: AnswerGate | None = None) -> Decision:
    """Answer, suggest or fall back for a question that was weighed against the entries,
    from its `evidence` and the `ranked` entries (best first, their first candidates).

    The thresholds decide whether an entry is offered at all; which offered entry is
    answered outright, the `gate` if there is one (else the thresholds' margins)."""
    lang = evidence.lang
    candidates = tuple(Candidate(e, s) for e, s in ranked[:MAX_CANDIDATES])
    # The first entry may have been moved up by its topic words past better-scoring ones:
    # its lead is then negative, and it can be suggested but not answered.
    best, first, runner_up = evidence.best, evidence.first, evidence.runner_up
    known = evidence.known
    # What no gate overrules: a bare subject ("knie"), a topic word we have never seen, or
    # another entry's topic word is never answered outright.
    plain = (evidence.words > SHORT_QUESTION_WORDS and not evidence.elsewhere
             and not evidence.rare)
    if best >= t.answer:
        if known < t.min_known_words:
            # It scores, but hardly any of its words are ours ("what's 15 times 12"): it
            # is about something else.
            return Decision("fallback", lang, first, None, candidates)
        # A close call between entries, or signals that disagree on the best one: the person
        # chooses rather than get an answer that may be from the wrong entry.
        margin = t.margin if evidence.agreed >= t.agreement else t.disputed_margin
        if evidence.words > LONG_QUESTION_WORDS:
            margin = max(margin, LONG_MARGIN)
        clear = first - runner_up >= margin
        if plain and (gate.answers(evidence) if gate is not None else clear):
            return Decision("answer", lang, first, candidates[0].entry_id, candidates)
        return Decision("suggest", lang, first, None, candidates)
    # Below the answer threshold, suggestions only for questions in our own words: an
    # off-topic question scores there too, but brings vocabulary we have never used.
    if best >= t.suggest and known >= t.known_words:
        if plain and gate is not None and gate.answers(evidence):
            return Decision("answer", lang, first, candidates[0].entry_id, candidates)
        return Decision("suggest", lang, first, None, candidates)
    return Decision("fallback", lang, first, None, candidates)


def _by_topic(ranked: list[tuple[str, float]], order: dict[str, float], named: set[str],
              bonus: float) -> list[tuple[str, float]]:
    """`ranked` in the `order` of their ranking scores, as if the entries whose topic the
    question names scored `bonus` more; the scores stay what they were."""
    bonus = max(bonus, 0.0)
    return sorted(ranked, key=lambda item: (-(order[item[0]] + bonus * (item[0] in named)),
                                            item[0]))


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
