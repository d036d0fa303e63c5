"""From text to index terms, per language: stop words, synonyms, typo repair and stems."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.matching.normalize import normalize

_STEMMERS = {"nl": "dutch", "en": "english"}
# Shorter words are left alone: at five letters one edit already turns real words into other
# real words ("sluit" -> "spuit", "hoest" -> "roest"), and off-topic questions then match.
MIN_REPAIR_LENGTH = 6
MIN_COMPOUND_PART = 3
REPAIR_CACHE_SIZE = 20_000


@cache
def stopwords(lang: str) -> frozenset[str]:
    """The function words of `lang`, from the package's data folder."""
    text = resources.files("bot.matching").joinpath(f"data/stopwords_{lang}.txt").read_text("utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(word for line in lines for word in normalize(line).split())


class Analyzer:
    """Turns text in one language into stemmed terms, the same way for entries and questions."""

    def __init__(self, lang: str, synonyms: Mapping[str, Iterable[str]], texts: Iterable[str]):
        self.lang = lang
        self.stop = stopwords(lang)
        self._stemmer = snowballstemmer.stemmer(_STEMMERS[lang])
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
        # Longest phrases first, so "nieuwe knie" wins over a shorter phrase inside it.
        ordered = sorted(phrases, key=len, reverse=True)
        self._phrases = phrases
        self._phrase_re = (re.compile(r"\b(" + "|".join(map(re.escape, ordered)) + r")\b")
                           if ordered else None)
        vocabulary = {w for text in texts for w in self._phrased(normalize(text)).split()}
        vocabulary |= {w for v in synonyms.values() for p in v for w in normalize(p).split()}
        vocabulary |= {normalize(c) for c in synonyms}
        self.vocabulary = frozenset(vocabulary | self.stop)
        self._content_vocabulary = sorted(self.vocabulary - self.stop)
        self._repairs: dict[str, str | None] = {}

    def _stem(self, word: str) -> str:
        return str(self._stemmer.stemWord(word))

    def _phrased(self, text: str) -> str:
        if self._phrase_re is None:
            return text
        return self._phrase_re.sub(lambda m: self._phrases[m.group(1)], text)

    def words(self, text: str, repair: bool = False) -> list[str]:
        """Normalised words, multi-word synonyms replaced; with `repair`, unknown words are
        mended (typos) or split (compounds)."""
        words = self._phrased(normalize(text)).split()
        if repair:
            words = [part for word in words for part in self._mend(word)]
        return words

    def content(self, words: Iterable[str]) -> list[str]:
        """The words that are not function words."""
        return [w for w in words if w not in self.stop]

    def stems(self, words: Iterable[str]) -> list[str]:
        """Stems, with single-word synonyms mapped to their canonical stem."""
        stems = (self._stem(w) for w in words)
        return [self._stem_synonyms.get(s, s) for s in stems]

    def terms(self, text: str, repair: bool = False) -> list[str]:
        """The stemmed content terms of `text`: what BM25 counts."""
        return self.stems(self.content(self.words(text, repair)))

    def _mend(self, word: str) -> list[str]:
        """A word the knowledge base doesn't use: a typo of a known word, or a compound of two."""
        if word in self.vocabulary or len(word) < MIN_REPAIR_LENGTH:
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
        allowed = 1 if len(word) < 7 else 2
        found = process.extractOne(word, self._content_vocabulary, scorer=Levenshtein.distance,
                                   score_cutoff=allowed)
        return None if found is None else str(found[0])

    def _split_compound(self, word: str) -> list[str]:
        """Dutch glues words together ("knieprothese"); split into two known words if we can."""
        for cut in range(len(word) - MIN_COMPOUND_PART, MIN_COMPOUND_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if tail in self.vocabulary:
                for stem in (head, head.removesuffix("s"), head.removesuffix("en")):
                    if len(stem) >= MIN_COMPOUND_PART and stem in self.vocabulary:
                        return [stem, tail]
        return []
