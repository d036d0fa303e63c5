"""From text to index terms, per language: stop words, synonyms, typo repair and stems."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from itertools import pairwise

import snowballstemmer

from bot.matching.normalize import MAX_CHARS, normalize
from bot.matching.typos import DeleteIndex

_STEMMERS = {"nl": "dutch", "en": "english"}
# Shorter words are left alone: at five letters one edit already turns real words into other
# real words ("sluit" -> "spuit", "hoest" -> "roest"), and off-topic questions then match.
MIN_REPAIR_LENGTH = 6
# ... but a word spelt as it sounds is repaired at any length from this one: "fisio" is
# "fysio", "artroze" "artrose", "heub" "heup" (see `sound`). Only a sound no other word of the
# knowledge base shares is a repair; function words are words of ours too ("wete": "weten").
MIN_SOUND_LENGTH = 4

# Letters written differently for one sound, in Dutch and English spelling alike, and what
# each is written as in a word's `sound` (applied in this order).
_SPELLINGS = (("ph", "f"), ("th", "t"), ("ck", "k"), ("c", "k"), ("ij", "ei"), ("y", "i"),
              ("z", "s"), ("dt", "t"), ("au", "ou"), ("v", "f"))
_INITIAL = (("kn", "n"), ("wr", "r"))
# ... and at the end of a word: spoken Dutch drops the n of -en ("lope", "wete")
_FINAL = (("d", "t"), ("b", "p"), ("en", "e"))
_DOUBLED = re.compile(r"(.)\1+")


def sound(word: str) -> str:
    """`word` as it is said, roughly: the ways to write one sound written one way, doubled
    letters once ("fysio" and "fisio" are "fisio"; "heup" and "heub" "heup"; "knee" "ne")."""
    for written, said in _INITIAL:
        if word.startswith(written):
            word = said + word[len(written):]
    for written, said in _SPELLINGS:
        word = word.replace(written, said)
    for written, said in _FINAL:
        if word.endswith(written):
            word = word[:-len(written)] + said
    return _DOUBLED.sub(r"\1", word)


MIN_COMPOUND_PART = 3
REPAIR_CACHE_SIZE = 20_000
STEM_CACHE_SIZE = 100_000
TOKEN_CACHE_SIZE = 100_000
MAX_EDITS = 2


def allowed_edits(length: int) -> int:
    """How many letters a word of `length` may be off and still be repaired."""
    return 1 if length < 7 else MAX_EDITS


# Vocabulary words shorter than this are no repair of any word long enough to be repaired.
_MIN_TARGET = min(n - allowed_edits(n) for n in range(MIN_REPAIR_LENGTH, MIN_REPAIR_LENGTH + 3))


@cache
def stopwords(lang: str) -> frozenset[str]:
    """The function words of `lang`, from the package's data folder."""
    text = resources.files("bot.matching").joinpath(f"data/stopwords_{lang}.txt").read_text("utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(word for line in lines for word in normalize(line).split())


class Analyzer:
    """Turns text in one language into stemmed terms, the same way for entries and questions."""

    def __init__(self, lang: str, synonyms: Mapping[str, Iterable[str]],
                 texts: Iterable[str] = (), words: frozenset[str] = frozenset()) -> None:
        """`texts`: the knowledge base's, whose words are its vocabulary; or none, and the
        index tells the words as it reads them (`learn`), which saves reading them twice.
        `words`: the ordinary words of the language, which are never "repaired" into ours
        ("maanden" is no typo of "handen", nor "insurance" of "endurance")."""
        self.lang = lang
        self._ordinary = words
        self.stop = stopwords(lang)
        self._stemmer = snowballstemmer.stemmer(_STEMMERS[lang])
        # Words repeat across entries and questions: each is stemmed once (a build's main cost).
        self._terms: dict[str, str] = {}
        self._tokens: dict[str, list[str]] = {}
        phrases: dict[str, str] = {}
        self._stem_synonyms: dict[str, str] = {}
        for canonical, variants in synonyms.items():
            target = normalize(canonical)
            for variant in variants:
                folded = normalize(variant)
                if " " in folded:
                    phrases[folded] = target
                elif folded:
                    self._stem_synonyms[self._stem(folded)] = self._stem(target)
        # Per first word, the phrases that start with it, longest first, so "nieuwe knie" wins
        # over a shorter phrase inside it. Matched word by word: words are letters only, so
        # this is what a regex of all the phrases (`\b(longest|...|shortest)\b`, leftmost
        # first) found, at a fraction of the cost (a regex of a few hundred phrases was a
        # tenth of a build at 10 000 entries).
        self._phrases: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {}
        for phrase in sorted(phrases, key=len, reverse=True):
            parts = tuple(phrase.split())
            self._phrases.setdefault(parts[0], []).append((parts, phrases[phrase].split()))
        # The first word of each phrase: a text without any of them has none (most don't).
        self._phrase_starts = frozenset(self._phrases)
        # ... and their first two words: a phrase can only be in a text with both, one after
        # the other (a start word alone, "nieuwe", "pijn", is common).
        self._phrase_pairs = frozenset(tuple(phrase.split()[:2]) for phrase in phrases)
        self._synonym_words = frozenset(
            {w for v in synonyms.values() for p in v for w in normalize(p).split()}
            | {normalize(c) for c in synonyms})
        self.vocabulary: frozenset[str] = frozenset()
        self.learn(w for text in texts for w in self.words(text))

    def learn(self, words: Iterable[str]) -> None:
        """The knowledge base uses `words` (and the synonyms and function words): what typo
        repair repairs towards, and what counts as a known word."""
        vocabulary = frozenset({*words, *self._synonym_words, *self.stop})
        if vocabulary == self.vocabulary and hasattr(self, "_typos"):
            return
        self.vocabulary = vocabulary
        self._typos = DeleteIndex((w for w in self.vocabulary - self.stop
                                   if len(w) >= _MIN_TARGET), MAX_EDITS)
        # Two words of one sound are no repair, unless they are one term ("physio", "fysio").
        sounds: dict[str, str | None] = {}
        for w in sorted(self.vocabulary):
            if len(w) >= MIN_SOUND_LENGTH:
                key = sound(w)
                other = sounds.get(key, w)
                same = other is not None and self.stems([other]) == self.stems([w])
                sounds[key] = other if same else None
        self._sounds = {key: w for key, w in sounds.items() if w is not None}
        self._repairs: dict[str, str | None] = {}

    def __getstate__(self) -> dict[str, object]:
        # The stemmer is a C object that cannot be pickled (for the on-disk cache): made anew.
        state = self.__dict__.copy()
        del state["_stemmer"]
        state["_tokens"] = {}  # only a memo of `normalize`: not worth the cache's bytes
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._stemmer = snowballstemmer.stemmer(_STEMMERS[self.lang])

    @property
    def typo_bytes(self) -> int:
        return self._typos.nbytes

    def _stem(self, word: str) -> str:
        return str(self._stemmer.stemWord(word))

    def stem(self, word: str) -> str:
        """The Snowball stem of `word`, synonyms not applied."""
        return self._stem(word)

    def _normalized(self, text: str) -> list[str]:
        """`normalize(text).split()`, a token (between spaces) at a time: normalising works
        letter by letter, so each distinct token is normalised once (knowledge bases and
        questions repeat their words; this was a build's main cost)."""
        known = self._tokens
        if len(known) >= TOKEN_CACHE_SIZE:
            known.clear()
        found: list[str] = []
        for token in text[:MAX_CHARS].split():
            words = known.get(token)
            if words is None:
                words = known[token] = normalize(token).split()
            found += words
        return found

    def words(self, text: str, repair: bool = False) -> list[str]:
        """Normalised words, multi-word synonyms replaced; with `repair`, unknown words are
        mended (typos) or split (compounds)."""
        words = self._normalized(text)
        if (not self._phrase_starts.isdisjoint(words)
                and not self._phrase_pairs.isdisjoint(pairwise(words))):
            words = self._replaced(words)
        if repair:
            words = [part for word in self._joined(words) for part in self._mend(word)]
        return words

    def _replaced(self, words: list[str]) -> list[str]:
        """`words` with each multi-word synonym replaced by its canonical word, from the left,
        the longest phrase where several start at one word."""
        replaced: list[str] = []
        at, end = 0, len(words)
        while at < end:
            for parts, canonical in self._phrases.get(words[at], ()):
                if tuple(words[at:at + len(parts)]) == parts:
                    replaced += canonical
                    at += len(parts)
                    break
            else:
                replaced.append(words[at])
                at += 1
        return replaced

    def _joined(self, words: list[str]) -> list[str]:
        """Dutch compounds typed apart ("ontstekings remmer", "leef tijd") joined again when the
        knowledge base uses the compound; function words are never a compound's part."""
        joined: list[str] = []
        for word in words:
            if (joined and joined[-1] + word in self.vocabulary
                    and joined[-1] not in self.stop and word not in self.stop):
                joined[-1] += word
            else:
                joined.append(word)
        return joined

    def content(self, words: Iterable[str]) -> list[str]:
        """The words that are not function words."""
        return [w for w in words if w not in self.stop]

    def stems(self, words: Iterable[str]) -> list[str]:
        """Stems, with single-word synonyms mapped to their canonical stem."""
        known = self._terms
        return [known.get(w) or self._term(w) for w in words]

    def _term(self, word: str) -> str:
        if len(self._terms) >= STEM_CACHE_SIZE:
            self._terms.clear()
        stem = self._stem(word)
        term = self._terms[word] = self._stem_synonyms.get(stem, stem)
        return term

    def terms(self, text: str, repair: bool = False) -> list[str]:
        """The stemmed content terms of `text`: what BM25 counts."""
        return self.stems(self.content(self.words(text, repair)))

    def _mend(self, word: str) -> list[str]:
        """A word the knowledge base doesn't use: a typo of a known word, or a compound of two."""
        if word in self.vocabulary or len(word) < MIN_SOUND_LENGTH or word in self._ordinary:
            return [word]
        if word not in self._repairs:
            if len(self._repairs) >= REPAIR_CACHE_SIZE:
                self._repairs.clear()
            self._repairs[word] = self._closest(word)
        repaired = self._repairs[word]
        if repaired is not None:
            return [repaired]
        return self._split_compound(word) or [word]

    def _closest(self, word: str) -> str | None:
        if len(word) >= MIN_REPAIR_LENGTH:
            closest = self._typos.closest(word, allowed_edits(len(word)))
            if closest is not None:
                return closest
        return self._sounds.get(sound(word))

    def _split_compound(self, word: str) -> list[str]:
        """Dutch glues words together ("knieprothese"); split into two known words if we can."""
        for cut in range(len(word) - MIN_COMPOUND_PART, MIN_COMPOUND_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if tail in self.vocabulary:
                for stem in (head, head.removesuffix("s"), head.removesuffix("en")):
                    if len(stem) >= MIN_COMPOUND_PART and stem in self.vocabulary:
                        return [stem, tail]
        return []
