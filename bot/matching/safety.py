"""Red flags first: a question that may describe an emergency never gets a myth answer.

The check works on concepts, not phrases. `knowledge/safety.yaml` lists, per concept ("fever",
"after an operation", "calf or leg"), the words patients use for it in Dutch and English; a rule
is a combination of concepts, shared by both languages. A concept that a negation stands right
before ("geen koorts", "no fever") is not there, and only that concept: the wound in "pus from
my wound but no fever" still counts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.knowledge.models import LANGS, Safety, SafetyRule
from bot.matching.normalize import MAX_CHARS
from bot.matching.rarity import common_words
from bot.matching.typos import deletions
from bot.textfold import fold

EXACT_UP_TO = 4  # words this short must match exactly: "val" is not "valt", "hart" not "hartelijk"
INSIDE_FROM = 6  # words this long also match inside a compound: "operatie" in "knieoperatie"
TYPO_FROM = 6  # words this long also match with one typo: "koors", "gezwolen", "koorst"
TYPO_LONGER = 2  # a word with a typo may be this much longer: "koortsig", "gezwolen"
# Dutch words this long also match at the end of a compound: "rugpijn", "linkerbeen"
COMPOUND_END_FROM = 4
COMPOUND_HEAD = 3  # ... after at least this much: "rug-pijn", but "lopen" is no "l-open"
MAX_GAP = 1  # words of a term may be one word apart: "zie het [echt] niet meer zitten"
# A negation reaches this many words ahead: "geen [echte] koorts", "niet meer op mijn been
# staan" (Dutch puts the verb last).
NEGATION_REACH = 5
# Words that continue a negation over the next concept: "geen koorts of rillingen".
NEGATION_CONTINUES = frozenset({"of", "or", "nor", "noch"})
# A negation goes on past these: "I have not [had] any black stools", "niet [gehad]".
AUXILIARIES = frozenset({"had", "has", "have", "ve", "got", "heb", "hebt", "heeft", "hebben",
                         "gehad", "hadden"})
# ... over these words after the "or": "no fever or any chills", "geen koorts of enige zwelling"
OR_FILLERS = frozenset({"any", "a", "an", "enige", "een", "ook", "even", "zelfs"})
# "niet alleen", "not only", "can't stop shivering", "not as often": no negation at all.
NOT_A_NEGATION = frozenset({"alleen", "enkel", "only", "just", "zo", "so", "as", "stop",
                            "stoppen", "ophouden", "help", "helpen",
                            # Twents "no dut mien rug pien": "no" is "nu" before a Dutch verb
                            "doet",
                            # "no less than 20 tablets", "niet minder dan": at least, no negation
                            "less", "minder"})
# "can't", "don’t": one word, "cant", "dont", as patients often type them anyway
_CONTRACTION = re.compile(r"n['’]t\b")
# ... and "can not" is "cannot": "I can not hold my urine"
_CAN_NOT = re.compile(r"\bcan\s+not\b", re.IGNORECASE)
# Dialect "d'r" is "er" (or "haar"): "ik wil d'r nich meer wean" (the spelling list reads
# "der" as "er").
_DIALECT_ER = re.compile(r"\bd['’]r\b", re.IGNORECASE)
NUMBER = "#"  # a term word that stands for any number: "# tabletten"
MANY = "#many"  # a term word for a number of pills or grams that is too many: 5 to 99
MANY_RANGE = range(5, 41)  # not an age ("mijn moeder (82)") nor milligrams ("500")
YEAR = "#year"  # a term word for a year: "in 2019"
# A term's first word: the term starts a sentence or a part of one ("^ can" asks, where "I can"
# tells; Dutch asks verb first: "krijg ik maagpijn van naproxen?").
START = "^"
YEAR_RANGE = range(1940, 2040)
TEMPERATURE = "#fever"  # a term word for a body temperature of fever: 38 to 42 ("39 graden")
FEVER_RANGE = range(38, 43)
# A rule's concept written "not fever" asks for a negated one: "kan niet meer staan".
NOT = "not "
HIT_CACHE_SIZE = 50_000
# A word this common in either language is itself, not a typo of a term word: "zwarte" is no
# "zwakte", "wonder" no "wonde", "plekken" no "lekken".
ORDINARY_ZIPF = 3.5
# Sentences end at these; a "jaren geleden" (long ago) rules out its own sentence only.
_SENTENCE_END = re.compile(r"[.!?;\n]+")
# ... and a "but" starts a new one: "al jaren wat pijn, maar sinds deze week ..."
CLAUSE_BREAKS = frozenset({"maar", "but", "however", "echter", "doch"})
# ... but not a Dutch "maar" that means "only", after a verb: "dat was maar 1 keer, 2 maand
# geleden", "het is maar een beetje".
ONLY_AFTER = frozenset({"is", "was", "ben", "bent", "zijn", "waren", "wordt", "werd", "heb",
                        "hebt", "heeft", "had", "hadden", "duurde", "duurt", "kan", "kon"})
# A question mark in brackets is a doubt, not a sentence's end: "years ago (2009?) i passed out".
_ASIDE_QUESTION = re.compile(r"\?+\s*\)")
# ... and so does a "now" after a comma: "vorige maand geopereerd, nu sinds vandaag pijn op de
# borst" (not "mijn maag doet nu pijn").
AFTER_COMMA_BREAKS = frozenset({"nu", "now"})
# ... or after "and": "the doctor said it was fine yesterday and now my calf is swollen"
NOW_AFTER = frozenset({"en", "and"})
# A number's decimals are dropped: "38.5 graden" is a fever of 38, in one sentence, and "0,5 g"
# is no 5 pills.
_DECIMALS = re.compile(r"(\d)[.,]\d+")
# A negation does not reach past a comma, a colon or these: "niet gebruikt omdat ze weer
# overeind kwam".
NEGATION_STOPS = frozenset({"en", "and", "omdat", "because", "want", "dus", "so", "toen", "when",
                            "als", "if", "die", "which", "who"})
_COMMA = re.compile(r"[,:]")
# A fever's number with its decimal is a temperature, said with or without "graden":
# "38,9 en mijn knie doet veel meer pijn".
_TEMPERATURE = re.compile(
    r"\b(3[89]|4[0-2])[.,]\d\b(?!\s*(?:kg|kilo|g|mg|jaar|years?|graden|degrees|c)\b|\s*°)")
# a number and its unit apart: "6kg" is "6 kg", "38c" is "38 c"
_NUMBER_UNIT = re.compile(r"(\d)([a-z])")
_JOINS = NEGATION_STOPS | CLAUSE_BREAKS
# Dutch says what is not there after it: "koorts heb ik niet", "rillingen ook niet", "de
# zwelling is er niet meer". A concept followed, in its part of the sentence, by one to
# three of these words ...
POST_FILLERS = frozenset({"heb", "hebt", "heeft", "hebben", "had", "hadden", "is", "was", "ben",
                          "zijn", "waren", "ik", "hij", "ze", "zij", "we", "wij", "er", "ook",
                          "nog", "eigenlijk", "gelukkig", "momenteel", "i", "he", "she", "it"})
# ... then one of these ...
POST_NEGATORS = frozenset({"niet", "geen", "nooit", "dont", "doesnt", "didnt", "havent", "hasnt"})
# ... and nothing more than these before its part ends is not there; "koorts die niet zakt",
# "pijn is niet te harden", "koorts heb ik niet gemeten" say nothing of the kind.
POST_TRAILING = frozenset({"meer", "gehad", "hoor", "gemerkt", "gezien", "gevoeld", "have", "has",
                           "had", "got", "anymore"})
POST_REACH = 3
# An overruler this near the start of the part after a question speaks of what it asked:
# "... ? I've done that since this morning", "... ? is sinds gisteren".
OPENING = 3
# Words after which a question starts: "I wonder can you get a fever from OA?", "quick
# question does…" asks as "can you get…" does at a sentence's start.
OPENERS = frozenset({"wonder", "wondering", "wondered", "curious", "question", "vraagje"})
# A clock time is no amount: "two paracetamol at 8 and two at 2", "om 8 uur", "8.30u".
_CLOCK = re.compile(
    r"\b(at|om)\s+(?:[01]?\d|2[0-4])(?:[:.h]\d\d)?\b(?!\s*(?:graden|degrees|c\b|°))"
    r"|\b\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm|u|uur|h|o\s?clock|o['’]clock)\b|\b\d{1,2}:\d\d\b",
    re.IGNORECASE)
# ... and neither is a number of hours, or a range of them: "1-2 tablets every 4-6 hours, max 8
# in 24 hours" counts no pills (the unit stays: "2 hours ago").
_HOURS = re.compile(r"\b\d{1,2}(?:\s*(?:-|–|to|or|tot|of)\s*\d{1,2})?\s*(hours?|hrs?|uren)\b",
                    re.IGNORECASE)
# Amounts written out are numbers: "twintig pillen", "thirty-two tablets", "achtendertig vijf".
_UNITS = {"twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
          "negen": 9, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}
_TEENS = {"tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
          "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19, "ten": 10,
          "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60,
         "zeventig": 70, "tachtig": 80, "negentig": 90, "twenty": 20, "thirty": 30, "forty": 40,
         "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
# Dutch joins a unit and its tens with "en": "vijfentwintig", "tweeentwintig" (folded "ë").
_DUTCH_UNITS = {"een": 1, "twee": 2, "tweeen": 2, "drie": 3, "drieen": 3, "vier": 4, "vijf": 5,
                "zes": 6, "zeven": 7, "acht": 8, "negen": 9}
_DUTCH_COMPOUND = re.compile(
    "^(" + "|".join(sorted(_DUTCH_UNITS, key=len, reverse=True)) + ")en("
    + "|".join(w for w in _TENS if not w.isascii() or w.endswith("ig")) + ")$")
# Who wins when several rules fire: the crisis reply, then emergencies, then "today".
_PRIORITY = {"crisis": 0, "emergency": 1, "today": 2}

Term = tuple[str, ...]


def word_matches(pattern: str, token: str) -> bool:
    """Does one word of a term match one word of the question?"""
    if pattern == NUMBER:
        return token.isdigit()
    if pattern == MANY:
        return token.isdigit() and int(token) in MANY_RANGE
    if pattern == YEAR:
        return token.isdigit() and int(token) in YEAR_RANGE
    if pattern == TEMPERATURE:
        return token.isdigit() and int(token) in FEVER_RANGE
    if len(pattern) < EXACT_UP_TO:
        return token == pattern
    if len(pattern) == EXACT_UP_TO:
        # A short word only with a letter typed twice ("pijjn"): any other edit makes another
        # word ("wond"/"word", "hart"/"hard", "foot"/"foto").
        return token == pattern or (token[0] == pattern[0] and _doubled(pattern, token))
    if token.startswith(pattern):
        return True
    if len(pattern) >= INSIDE_FROM and pattern in token:
        return True
    # One typo: a letter wrong, missing or extra, or two neighbours swapped ("koorst"); OSA
    # counts a swap as one edit where Levenshtein counts two.
    if token[0] != pattern[0]:  # "wonde" is no typo of "zonder", "tight" none of "night"
        return False
    if len(pattern) < TYPO_FROM:
        # five letters: a letter typed twice or two swapped ("fevre"); one other edit turns
        # too many words into others ("month"/"mouth", "winter"/"wince")
        return _doubled(pattern, token) or _swapped(pattern, token)
    # ... and only for a word about as long: "wonde" is no typo of "wandelen".
    return (len(token) <= len(pattern) + TYPO_LONGER
            and OSA.distance(token[: len(pattern)], pattern) <= 1)


def _typo_only(pattern: str, token: str) -> bool:
    """Does `token` match `pattern` only as a typo of it (not as itself, a longer form or a
    compound)?"""
    return not (pattern.startswith(NUMBER) or token.startswith(pattern)
                or (len(pattern) >= INSIDE_FROM and pattern in token))


def _doubled(pattern: str, token: str) -> bool:
    # consonants only: a doubled vowel makes another Dutch word ("slap"/"slaap", "wont"/"woont")
    return len(token) == len(pattern) + 1 and any(
        token[i] == token[i + 1] and token[i] not in "aeiouy"
        and token[:i] + token[i + 1:] == pattern for i in range(len(token) - 1))


def _swapped(pattern: str, token: str) -> bool:
    return len(token) == len(pattern) and any(
        token[:i] + token[i + 1] + token[i] + token[i + 2:] == pattern
        for i in range(len(token) - 1))


def _number_of(word: str) -> int | None:
    """The number a written-out word stands for ("zesentachtig" 86), or None; "een" and
    "one" are articles more often than amounts."""
    value = _UNITS.get(word) or _TEENS.get(word) or _TENS.get(word)
    if value is None and (match := _DUTCH_COMPOUND.match(word)):
        value = _DUTCH_UNITS[match[1]] + _TENS[match[2]]
    return value


def numbers_written(words: Sequence[str]) -> list[str]:
    """`words` with amounts written out as digits: "thirty two" is "32", "vijfentwintig" "25"."""
    out: list[str] = []
    tens = False  # the word before was "twenty", "thirty"…: "thirty two" is one number
    for word in words:
        value = _number_of(word)
        if value is None:
            out.append(word)
        elif tens and word in _UNITS:
            out[-1] = str(int(out[-1]) + value)
        else:
            out.append(str(value))
        tens = value is not None and word in _TENS
    return out


def terms_of(texts: Sequence[str]) -> list[Term]:
    """Vocabulary lines as terms: folded words; "#" stands for any number, "#many" for a
    number of pills, "#fever" for a temperature, "#year" for a year."""
    terms = []
    for text in texts:
        words = tuple(w for raw in _CAN_NOT.sub("cannot", _CONTRACTION.sub("nt", text)).split()
                      for w in ([raw] if raw in (NUMBER, MANY, TEMPERATURE, YEAR, START)
                                else _NUMBER_UNIT.sub(r"\1 \2", fold(raw)).split()))
        # "can t move" in the vocabulary is "cant move", as in the messages
        merged: list[str] = []
        for word in words:
            if word == "t" and merged and merged[-1].endswith("n"):
                merged[-1] += "t"
            else:
                merged.append(word)
        words = tuple(numbers_written(merged))
        if words:
            terms.append(words)
    return terms


@dataclass(frozen=True)
class Tokens:
    """The words of a question, the sentence each stands in, and the term words each matches."""

    words: Sequence[str]
    sentence: Sequence[int]
    hits: Sequence[frozenset[str]]
    clause: Sequence[int]  # parts between commas, which a negation does not cross
    # what an `unless` rules out: the sentence, and a part that starts "…, nu" apart
    scope: Sequence[int]


@dataclass(frozen=True)
class Found:
    """One concept, found from word `start` up to (not including) `end`."""

    concept: int
    start: int
    end: int
    negated: bool = False


@dataclass(frozen=True)
class _Concept:
    name: str
    negatable: bool
    not_words: frozenset[str]
    body_part: bool = False
    parts: tuple[int, ...] = ()  # a concept made of others that stand near each other
    near: int = 0
    after_only: bool = False  # as an `unless`, it rules out what follows it, not its sentence
    whole: bool = False  # ... or the whole message
    before: bool = False  # ... or all that came before it: "I don't have any of that"
    overruled_by: frozenset[int] = frozenset()  # ... and nothing where one of these stands
    denied_by: frozenset[int] = frozenset()  # not there where one of these stands (`_denied`)


@dataclass(frozen=True)
class _Rule:
    rule: SafetyRule
    when: tuple[tuple[int, ...], ...]
    unless: tuple[int, ...]
    near: int | None
    # the concepts its `when` names, negated or not: only these need a place in a message
    needs: frozenset[int] = frozenset()


def _needs(when: tuple[tuple[int, ...], ...]) -> frozenset[int]:
    return frozenset(key if key >= 0 else -1 - key for alternative in when for key in alternative)


# A concept found, for the statistical backstop: its name ("fever", "fever!" when negated), the
# sentence it stands in and the word it starts at.
Mark = tuple[str, int, int]
Reading = tuple[Sequence[str], Sequence[Mark]]


@dataclass(frozen=True)
class Assessment:
    """What the red-flag check made of a question."""

    rules: list[SafetyRule]  # every rule that fires, the most urgent first
    # A rule's concepts all stood in it while its `unless` ruled them out (a fall "jaren
    # geleden", warmth from a heat pack, a leg that swells by the evening): the rules decided
    # it is no red flag, and the backstop, which learnt the concepts but not what rules them
    # out, must not overrule them.
    ruled_out: bool
    words: Sequence[str]
    # Every concept found: what the backstop learns from besides the words, so that a wording
    # the rules miss still shares the concepts of the red flags it resembles.
    marks: Sequence[Mark]


class SafetyCheck:
    """The concepts of both languages and the rules over them, compiled once.

    Every concept's words of both languages are looked for in every question: a Dutch question
    misread as English must still be caught, and a missed emergency costs far more than a false
    alarm.
    """

    def __init__(self, safety: Safety) -> None:
        names = list(safety.concepts)
        self._index = {name: i for i, name in enumerate(names)}
        # Spellings of one word ("nie", "ni" for "niet"; "mn" for "mijn") read as that word.
        self._spelling = {fold(variant): fold(word) for word, variants in safety.spelling.items()
                          for variant in variants}
        self._concepts = [
            _Concept(name, c.negatable and not c.body_part, frozenset(fold(w) for w in c.not_words),
                     c.body_part,
                     tuple(self._concept_key(n) for n in c.all), c.near or 0,
                     c.rules_out == "after", c.rules_out == "message",
                     c.rules_out == "before",
                     frozenset(self._index[n] for n in c.overruled_by),
                     frozenset(self._index[n] for n in c.denied_by))
            for name, c in safety.concepts.items()]
        self._deniable = any(c.denied_by for c in self._concepts)
        self._composites = [i for i, c in enumerate(self._concepts) if c.parts]
        # The words of a sign (a concept a rule's `when` names, or a part of one): a term of a
        # concept that only rules signs out never skips one of them, so that "zegt dat het
        # [litteken] van" is no "zegt dat het van" (says it comes from): a phrase that rules a
        # sign out does not swallow the sign it should leave standing.
        signs = self._within({self._index[n.removeprefix(NOT)] for rule in safety.rules
                              for alt in rule.when for n in alt})
        self._ruling_only = self._within(
            {self._index[n] for rule in safety.rules for n in rule.unless}) - signs
        self._sign_words = frozenset(
            term[0] for i, concept in enumerate(safety.concepts.values()) if i in signs
            for term in terms_of([*concept.nl, *concept.en])
            if len(term) == 1 and not term[0].startswith((NUMBER, START)))
        self._after_only = frozenset(i for i, c in enumerate(self._concepts) if c.after_only)
        self._whole = frozenset(i for i, c in enumerate(self._concepts) if c.whole)
        self._before = frozenset(i for i, c in enumerate(self._concepts) if c.before)
        # first word of a term -> (concept, term); a question only looks up the words it has
        # ... with the word that must follow it (None: a term of one word)
        self._starts: dict[str, list[tuple[int, Term, str | None]]] = defaultdict(list)
        words: set[str] = set()
        for i, concept in enumerate(safety.concepts.values()):
            for term in {t for lang in LANGS for t in terms_of(concept.terms(lang))}:
                first = term[0] == START
                second = term[first + 1] if len(term) > first + 1 else None
                self._starts[term[first]].append((i, term, second))
                words.update(w for w in term if w != START)
        self._not_words = sorted({w for c in self._concepts for w in c.not_words})
        self._blocked: dict[str, frozenset[str]] = {}
        # Dutch puts the head of a compound last ("rug-pijn", "linker-been"); English does not,
        # and "face" in "surface" or "side" in "outside" would be false alarms.
        self._compound_ends = frozenset(
            w for concept in safety.concepts.values() for t in terms_of(concept.nl) for w in t
            if len(w) >= COMPOUND_END_FROM)
        self._negators = frozenset(w for lang in LANGS for t in terms_of(safety.negation.get(lang))
                                   for w in t)
        self._rules = sorted(
            (_Rule(rule, when, tuple(self._index[n] for n in rule.unless), rule.near,
                   _needs(when))
             for rule in safety.rules
             for when in [tuple(tuple(self._concept_key(n) for n in alt) for alt in rule.when)]),
            key=lambda r: _PRIORITY[r.rule.reply_kind])
        # Each term word under itself and under each way of leaving one letter out: two words
        # one typo apart (a letter wrong, missing, extra, or two swapped) share one of those
        # keys, so a question's word looks up the few term words it may match instead of
        # comparing itself with every term word that starts with its letter.
        self._near: dict[str, list[str]] = defaultdict(list)
        for word in sorted(words):
            if not word.startswith(NUMBER):
                for key in deletions(word, 1):
                    self._near[key].append(word)
        self._numbers = sorted(w for w in words if w.startswith(NUMBER))
        # Words found inside a compound, by length: looked up among the compound's own
        # substrings rather than each searched for in it.
        self._long_words: dict[int, frozenset[str]] = {
            length: frozenset(w for w in words if len(w) == length)
            for length in {len(w) for w in words if len(w) >= INSIDE_FROM}}
        # Questions reuse words ("knie", "pijn"), so each word is compared with every term word
        # once, not once per term per question.
        self._hits: dict[str, frozenset[str]] = {}
        self._ordinary = frozenset().union(*(common_words(lang, ORDINARY_ZIPF) for lang in LANGS))

    def _within(self, concepts: set[int]) -> frozenset[int]:
        """`concepts` and the parts they are made of, and theirs."""
        todo, seen = list(concepts), set(concepts)
        while todo:
            for part in self._concepts[todo.pop()].parts:
                if part not in seen:
                    seen.add(part)
                    todo.append(part)
        return frozenset(seen)

    def _concept_key(self, name: str) -> int:
        """A concept's number; a negated concept ("not stand-walk") counts from -1 down."""
        if name.startswith(NOT):
            return -1 - self._index[name.removeprefix(NOT)]
        return self._index[name]

    def _hits_of(self, token: str) -> frozenset[str]:
        found = self._hits.get(token)
        if found is None:
            if len(self._hits) >= HIT_CACHE_SIZE:
                self._hits.clear()
                self._blocked.clear()
            ordinary = token in self._ordinary
            found = frozenset(
                {w for w in self._candidates(token) if word_matches(w, token)
                 and not (ordinary and _typo_only(w, token))}
                | {token[i:i + length] for length, inside in self._long_words.items()
                   for i in range(len(token) - length + 1) if token[i:i + length] in inside}
                | {token[i:] for i in range(COMPOUND_HEAD, len(token) - COMPOUND_END_FROM + 1)
                   if token[i:] in self._compound_ends})
            self._hits[token] = found
            # A word inside which a concept's `not_words` stands is not that concept:
            # "borstkanker" is no chest, "afgevallen" no fall; exactly, without typos.
            self._blocked[token] = frozenset(w for w in self._not_words if w in token)
        return found

    def _candidates(self, token: str) -> set[str]:
        """The term words that `word_matches` may accept for `token`: all of them, and few
        others. Every way to match keeps the first letter and a term word at most one letter
        longer (a word inside or at the end of a compound is looked up apart, in `_hits_of`):
        the word itself, a term word it starts with, one typo away from the word or from its
        start as long as the term word ("koorstig" for "koorts")."""
        keys = {token[:end] for end in range(1, len(token) + 1)} | deletions(token, 1)
        for length in range(max(TYPO_FROM, len(token) - TYPO_LONGER), len(token)):
            keys |= deletions(token[:length], 1)
        first, longest = token[0], len(token) + 1
        found = {w for key in keys for w in self._near.get(key, ())
                 if w[0] == first and len(w) <= longest}
        if token.isdigit():  # "#", "#many", "#year"…
            found.update(self._numbers)
        return found

    def tokens(self, question: str) -> Tokens:
        words: list[str] = []
        sentence: list[int] = []
        clause: list[int] = []
        scope: list[int] = []
        number = part_number = scope_number = 0
        text = _CAN_NOT.sub("cannot", _CONTRACTION.sub("nt", question[:MAX_CHARS]))
        text = _CLOCK.sub(lambda m: m[1] or " ", _DIALECT_ER.sub("der", text))
        text = _HOURS.sub(r"\1", text)
        text = _DECIMALS.sub(r"\1", _TEMPERATURE.sub(r"\1 c", text))
        text = _ASIDE_QUESTION.sub(")", text)
        for part in _SENTENCE_END.split(text):
            number += 1
            for piece in _COMMA.split(part):
                part_number += 1
                before = ""
                spelt = [self._spelling.get(w, w)
                         for w in _NUMBER_UNIT.sub(r"\1 \2", fold(piece)).split()]
                for i, word in enumerate(numbers_written(spelt)):
                    breaks = word in CLAUSE_BREAKS and not (i and before in ONLY_AFTER)
                    before = word
                    number += breaks
                    if (not sentence or sentence[-1] != number
                            or (word in AFTER_COMMA_BREAKS
                                and (i == 0 or words[-1] in NOW_AFTER))):
                        scope_number += 1
                    part_number += word in NEGATION_STOPS or breaks
                    words.append(word)
                    sentence.append(number)
                    clause.append(part_number)
                    scope.append(scope_number)
                    part_number += word in OPENERS
        return Tokens(words, sentence, [self._hits_of(w) for w in words], clause, scope)

    def found(self, tokens: Tokens) -> list[Found]:
        """Every concept in the question, in order, each marked when a negation rules it out."""
        spans: list[Found] = []
        for start, hits in enumerate(tokens.hits):
            blocked = self._blocked[tokens.words[start]]
            # A term's second word stands in one of the next words (see _term_end): most terms
            # that start here are ruled out by that alone, without following them further.
            ahead = frozenset().union(*tokens.hits[start + 1:start + 2 + MAX_GAP])
            for word in hits:
                for concept, term, second in self._starts.get(word, ()):
                    if second is not None and second not in ahead:
                        continue
                    if blocked and self._concepts[concept].not_words & blocked:
                        continue
                    if term[0] == START:
                        # "kan niet meer stappen" (Flemish drops the "ik") tells, not asks
                        following = tokens.words[start + 1] if start + 1 < len(tokens.words) else ""
                        if ((start and tokens.clause[start - 1] == tokens.clause[start])
                                or following in self._negators):
                            continue
                        term = term[1:]
                    end = _term_end(term, tokens, start, self._negators,
                                    self._concepts[concept].not_words, self._blocked,
                                    self._sign_words if concept in self._ruling_only
                                    else frozenset())
                    if end is not None:
                        spans.append(Found(concept, start, end))
        spans = sorted(set(spans), key=lambda f: (f.start, f.end))
        # Where each span that can take a negation for itself starts (not a body part).
        starts: dict[int, list[Found]] = defaultdict(list)
        for f in spans:
            if not self._concepts[f.concept].body_part:
                starts[f.start].append(f)
        negations = any(w in self._negators for w in tokens.words)
        found = [Found(f.concept, f.start, f.end,
                       negations and (self._negated(f, starts, tokens)
                                      or self._negated_after(f, tokens))) for f in spans]
        if negations:
            found = self._negated_by_or(found, tokens)
        keyed = [_keyed(f) for f in found]
        present = {f.concept for f in keyed}
        for i in self._composites:
            made = self._concepts[i]
            if not present.issuperset(made.parts):
                continue
            # a question asks about what follows it: its first part comes first
            places = [Found(i, start, end) for start, end in
                      _windows(made.parts, keyed, made.near, tokens.sentence,
                               ordered=made.after_only)]
            found += places
            keyed += places
            present.update(f.concept for f in places)
        return self._denied(found, tokens) if self._deniable else found

    def _denied(self, found: list[Found], tokens: Tokens) -> list[Found]:
        """`found` with each concept negated where one of its `denied_by` stands, not negated
        itself, whole in its part of the sentence (`Tokens.clause`: commas, "and", "because"
        end it): a time still to come denies the operation ("my op is next month"), not the calf
        or the swelling beside it, nor an operation a comma away from a time that speaks of
        something else ("na mijn knieprothese, de fysio zegt over een week"). Composites made
        of it were built before: a denier may itself be one ("op-ahead")."""
        clause = tokens.clause
        deniers = {(f.concept, clause[f.start]) for f in found
                   if not f.negated and clause[f.start] == clause[f.end - 1]}
        return [Found(f.concept, f.start, f.end, True)
                if (not f.negated and self._concepts[f.concept].denied_by
                    and any((d, clause[f.start]) in deniers
                            for d in self._concepts[f.concept].denied_by))
                else f for f in found]

    def _negated(self, found: Found, starts: dict[int, list[Found]], tokens: Tokens) -> bool:
        if not self._concepts[found.concept].negatable:
            return False
        words, clause = tokens.words, tokens.clause
        first = max(found.start - NEGATION_REACH, 0)
        for i in range(found.start - 1, first - 1, -1):
            if clause[i] != clause[found.start]:
                return False
            if words[i] not in self._negators:
                continue
            if i + 1 < len(words) and words[i + 1] in NOT_A_NEGATION:
                return False
            # A concept between the negation and this one takes the negation for itself,
            # unless "or" joins them ("geen koorts of rillingen"); a body part does not ("niet
            # meer op mijn knie steunen"), nor a word of grammar ("have not [had] any black
            # stools").
            between = range(i + 1, found.start)
            taken = any(f.end <= found.start and not _grammar(words, f)
                        for j in between for f in starts.get(j, ()))
            return not taken or any(words[j] in NEGATION_CONTINUES for j in between)
        return False

    def _negated_by_or(self, found: list[Found], tokens: Tokens) -> list[Found]:
        """A concept joined by "or" to a negated one is negated too, however far the negation
        stood: "she hasn't had a fever [or any] chills", "geen koorts [of] rillingen gehad";
        so is the one that follows a negated one in a phrase ("never had [chest] pain or any
        tightness")."""
        words, clause = tokens.words, tokens.clause
        denied_until: dict[int, int] = {}  # where a negated concept ends -> its clause
        out = []
        for f in found:
            if (not f.negated and self._concepts[f.concept].negatable
                    and denied_until.get(f.start) == clause[f.start]
                    and f.end < len(words) and words[f.end] in NEGATION_CONTINUES):
                f = Found(f.concept, f.start, f.end, True)  # "no [chest] pain or …"
            if f.negated:
                denied_until[f.end] = clause[f.start]
            elif self._concepts[f.concept].negatable:
                j = f.start - 1
                while j >= 0 and words[j] in OR_FILLERS:
                    j -= 1
                if (j > 0 and words[j] in NEGATION_CONTINUES
                        and denied_until.get(j) == clause[f.start]):
                    f = Found(f.concept, f.start, f.end, True)
                    denied_until[f.end] = clause[f.start]
            out.append(f)
        return out

    def _negated_after(self, found: Found, tokens: Tokens) -> bool:
        """Is the concept denied after it, at the end of its part: "koorts heb ik niet"?"""
        if not self._concepts[found.concept].negatable:
            return False
        words, clause = tokens.words, tokens.clause
        part, end = clause[found.start], len(words)
        i = found.end
        while (i < end and i - found.end < POST_REACH and clause[i] == part
               and words[i] in POST_FILLERS):
            i += 1
        if i >= end or clause[i] != part or words[i] not in POST_NEGATORS:
            return False
        # With no word between, only where the part ends right after the negation: "de wonde
        # lekt niet, …"; "dat gaat ineens niet meer" says no such thing of "ineens".
        if i == found.end and i + 1 < end and clause[i + 1] == part:
            return False
        i += 1
        while i < end and clause[i] == part and words[i] in POST_TRAILING:
            i += 1
        return i >= end or clause[i] != part

    def check(self, question: str) -> SafetyRule | None:
        """The most urgent rule that fires on `question`, or None."""
        return next(iter(self.firing(question)), None)

    def firing(self, question: str) -> list[SafetyRule]:
        """Every rule that fires on `question`, the most urgent first."""
        return self.assess(question).rules

    def ruled_out(self, question: str) -> bool:
        """See `Assessment.ruled_out`."""
        return self.assess(question).ruled_out

    def read(self, text: str) -> Reading:
        """The words of `text` and the concepts found in them (see `Assessment`)."""
        assessment = self.assess(text)
        return assessment.words, assessment.marks

    def assess(self, question: str) -> Assessment:
        """The rules that fire, whether an `unless` ruled one out, and what the backstop reads:
        the words and concepts, found once."""
        tokens = self.tokens(question)
        found = self.found(tokens) if tokens.words else []
        if not found:
            return Assessment([], False, tokens.words, [])
        present = {_keyed(f).concept for f in found}
        possible = [r for r in self._rules if any(present.issuperset(alt) for alt in r.when)]
        after_only = self._after_only
        void = self._overruled(found, tokens)
        rules = [r.rule for r in possible
                 if _fires(r, found, tokens, after_only, void, self._whole, self._before)]
        ruled_out = not rules and any(
            r.unless and _fires(_Rule(r.rule, r.when, (), r.near, r.needs), found, tokens,
                                after_only)
            for r in possible)
        marks = [(self._concepts[f.concept].name + ("!" if f.negated else ""),
                  tokens.sentence[f.start], f.start) for f in found]
        return Assessment(rules, ruled_out, tokens.words, marks)

    def _overruled(self, found: Sequence[Found], tokens: Tokens) -> frozenset[Found]:
        """The concepts that rule nothing out: one of their `overruled_by` stands in their
        sentence ("my neighbour had a fall this morning")."""
        by = [(f, self._concepts[f.concept].overruled_by) for f in found
              if self._concepts[f.concept].overruled_by]
        if not by:
            return frozenset()
        # in its own part, or in the next when that starts "but …" ("al jaren artrose, maar
        # dit is nieuw"), or when it opens the next and speaks of what came before it
        # (`rules_out: before`): "is it dangerous to take 16 paracetamol? I've done that since
        # this morning" tells back what the question named.
        scope = tokens.scope
        return frozenset(f for f, over in by if any(
            g.concept in over and not g.negated and (
                scope[g.start] == scope[f.start]
                or (scope[g.start] == scope[f.start] + 1
                    and (_starts_with_break(tokens, scope[g.start])
                         or (g.concept in self._before and _opens(tokens, g.start)))))
            for g in found))

    def concept_names(self, found: Sequence[Found]) -> list[str]:
        """For explaining a decision: the names of the concepts found."""
        return [self._concepts[f.concept].name + ("(negated)" if f.negated else "")
                for f in found]


def _term_end(term: Term, tokens: Tokens, start: int, negators: frozenset[str],
              not_words: frozenset[str] = frozenset(),
              blocked: dict[str, frozenset[str]] | None = None,
              unskippable: frozenset[str] = frozenset()) -> int | None:
    """Where `term` ends when its first word stands at `start`, or None. The word a term may
    skip is never a negation: "is [niet] nieuw" is not "is nieuw"; nor "and", "if", "because":
    "hives all over [and] now" is not "over now". No word of it is one of the concept's
    `not_words`: "een sportschool geweest" is no "een geweer". Nor is it `unskippable`: the
    words of a sign, for a term that rules signs out."""
    at = start
    for word in term[1:]:
        nxt = next((i for i in range(at + 1, min(at + 2 + MAX_GAP, len(tokens.words)))
                    if word in tokens.hits[i] and tokens.sentence[i] == tokens.sentence[start]
                    and not (not_words and blocked
                             and not_words & blocked[tokens.words[i]])),
                   None)
        if nxt is None or any(tokens.words[j] in negators or tokens.words[j] in _JOINS
                              or tokens.hits[j] & unskippable for j in range(at + 1, nxt)):
            return None
        at = nxt
    return at + 1


def _grammar(words: Sequence[str], found: Found) -> bool:
    """Is `found` an auxiliary verb only ("had", "gehad"), which no negation stops at?"""
    return all(words[i] in AUXILIARIES for i in range(found.start, found.end))


def _keyed(found: Found) -> Found:
    """A negated concept as its own negative key, as rules name it ("not stand-walk")."""
    return Found(-1 - found.concept, found.start, found.end) if found.negated else found


def _fires(rule: _Rule, found: Sequence[Found], tokens: Tokens,
           after_only: frozenset[int] = frozenset(),
           void: frozenset[Found] = frozenset(), whole: frozenset[int] = frozenset(),
           before: frozenset[int] = frozenset()) -> bool:
    scope = tokens.scope
    unless = [f for f in found if f.concept in rule.unless and not f.negated and f not in void]
    if any(f.concept in whole for f in unless):
        return False
    # "I keep reading about losing control of your bladder. I don't have any of that": all
    # that came before it
    until = max((f.end for f in unless if f.concept in before), default=0)
    # only the concepts the rule names: a long message holds many others
    found = [f for f in found if f.start >= until and f.concept in rule.needs]
    ruled_out = {scope[f.start] for f in unless
                 if f.concept not in after_only and f.concept not in before}
    # "her face droops, but that's from her Bell's palsy in 2012": a "but" that explains
    # rules out the part before it as well.
    ruled_out |= {s - 1 for s in ruled_out if _starts_with_break(tokens, s)}
    # a question about what follows it ("can ibuprofen cause black stools?"): from where it
    # starts to the end of its part of the sentence (a comma, "and" end it; "what if my knee…"
    # reaches into the part that its "if" starts)
    clause = tokens.clause
    ahead: dict[int, int] = {}
    for f in unless:
        if f.concept in after_only:
            for part in {clause[f.start], clause[f.end - 1]}:
                ahead[part] = min(f.start, ahead.get(part, f.start))
    usable = [_keyed(f) for f in found if scope[f.start] not in ruled_out
              and not ahead.get(clause[f.start], len(tokens.words)) <= f.start]
    present = {f.concept for f in usable}
    for alternative in rule.when:
        if not present.issuperset(alternative):
            continue
        if rule.near is None or _windows(alternative, usable, rule.near, None):
            return True
    return False


def _opens(tokens: Tokens, at: int) -> bool:
    """Does the word `at` stand among the first OPENING words of its part (of `scope`)?"""
    scope = tokens.scope
    return at < OPENING or scope[at - OPENING] != scope[at]


def _starts_with_break(tokens: Tokens, number: int) -> bool:
    """Does the part `number` (of `scope`) start with "maar", "but", "…, nu"?"""
    first = next((i for i, s in enumerate(tokens.scope) if s == number), None)
    return first is not None and tokens.words[first] in CLAUSE_BREAKS | AFTER_COMMA_BREAKS


def _windows(concepts: Sequence[int], found: Sequence[Found], reach: int,
             sentence: Sequence[int] | None, ordered: bool = False) -> list[tuple[int, int]]:
    """Where all `concepts` stand within `reach` words of each other (and, given `sentence`,
    in one sentence; `ordered`: the first of them first): (first word, end) of each such
    place."""
    wanted = set(concepts)
    spans = [f for f in found if f.concept in wanted]
    if {f.concept for f in spans} != wanted:
        return []
    places = []
    for anchor in spans:
        if ordered and anchor.concept != concepts[0]:
            continue
        window = [f for f in spans if anchor.start <= f.start <= anchor.start + reach
                  and (sentence is None or sentence[f.start] == sentence[anchor.start])]
        if {f.concept for f in window} == wanted:
            places.append((anchor.start, max(f.end for f in window)))
    return places
