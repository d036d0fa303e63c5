"""Greetings, thanks, goodbyes and "who are you": recognised only when that is all there is."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from bot.knowledge.models import LANGS, Smalltalk
from bot.matching.analyzer import stopwords
from bot.matching.normalize import normalize

WHOLE_MATCH = 88  # fuzzy ratio for a message that is, give or take a typo, one phrase


class SmalltalkCheck:
    def __init__(self, smalltalk: Smalltalk) -> None:
        pairs = {normalize(p): intent.id for intent in smalltalk.intents
                 for lang in LANGS for p in intent.phrases.get(lang) if normalize(p)}
        self._phrases = sorted(pairs.items(), key=lambda item: len(item[0]), reverse=True)
        self._texts = [phrase for phrase, _ in self._phrases]
        # (first word, the phrase as a whole-word pattern, intent), longest phrases first
        self._patterns = [(phrase.split()[0], re.compile(rf"\b{re.escape(phrase)}\b"), intent)
                          for phrase, intent in self._phrases]
        self._filler = stopwords("nl") | stopwords("en")

    def intent(self, text: str) -> str | None:
        """The intent when `text` holds nothing but small talk (and filler words), else None."""
        if not text:
            return None
        whole = process.extractOne(text, self._texts, scorer=fuzz.ratio,
                                   score_cutoff=WHOLE_MATCH)
        if whole is not None:
            return self._phrases[whole[2]][1]
        found: str | None = None
        rest = text
        words = set(text.split())
        for first, pattern, intent in self._patterns:
            if first not in words:  # cheap test before the regular expression
                continue
            rest, count = pattern.subn(" ", rest)
            if count and found is None:
                found = intent
        if found is None or any(w not in self._filler for w in rest.split()):
            return None
        return found
