"""Dutch or English? Decided from function words and from the vocabulary of each language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set

from bot.knowledge.models import LANGS


def detect_language(tokens: Sequence[str], vocabularies: Mapping[str, Set[str]],
                    stopwords: Mapping[str, Set[str]]) -> str | None:
    """The language whose stop words and vocabulary cover most of `tokens`; None on a tie.

    Function words count double: they are the surest sign of a language ("is mijn knie"), while
    content words are often shared ("artrose" is also in English patients' questions).
    """
    scores = dict.fromkeys(LANGS, 0.0)
    for token in tokens:
        for lang in LANGS:
            others = [o for o in LANGS if o != lang]
            if token in stopwords[lang] and not any(token in stopwords[o] for o in others):
                scores[lang] += 2
            elif token in vocabularies[lang] and not any(token in vocabularies[o] for o in others):
                scores[lang] += 1
    best = max(scores.values())
    winners = [lang for lang, score in scores.items() if score == best]
    return None if best == 0 or len(winners) > 1 else winners[0]
