"""Belgian or Netherlands Dutch: the words of `knowledge/dutch.yaml`, swapped when shown.

The texts are written once, with the Belgian word; `regional` returns the knowledge base as a
clinic in the Netherlands shows it. Only what people read changes: example questions,
keywords and red-flag patterns stay as they are, so matching is the same for everyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from bot.knowledge.models import DutchWord, Entry, KnowledgeBase, LangText

Dutch = Literal["be", "nl"]
WRITTEN_IN: Dutch = "be"


def swapper(words: Sequence[DutchWord], dutch: Dutch) -> Callable[[str], str]:
    """A function that turns Belgian words of a text into `dutch` ones (whole words only)."""
    if dutch == WRITTEN_IN or not words:
        return lambda text: text
    table = {word.be.lower(): word.nl for word in words}
    # Longest first, so that "gsm-camera" is one phrase and not "gsm" followed by "-camera".
    alternatives = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, alternatives)) + r")(?![\w-])",
                         re.IGNORECASE)

    def replace(match: re.Match[str]) -> str:
        found, new = match.group(0), table[match.group(0).lower()]
        return new[:1].upper() + new[1:] if found[:1].isupper() else new

    return lambda text: pattern.sub(replace, text)


def regional(kb: KnowledgeBase, dutch: Dutch,
             pause: Callable[[], None] = lambda: None) -> KnowledgeBase:
    """`kb` with its Dutch texts in `dutch` (the same object when nothing changes); `pause` is
    called before each entry (a thousand entries are a tenth of a second of copying)."""
    swap = swapper(kb.dutch, dutch)
    if dutch == WRITTEN_IN or not kb.dutch:
        return kb

    def text(value: LangText) -> LangText:
        return value.model_copy(update={"nl": swap(value.nl)})

    def entry_in_dutch(entry: Entry) -> Entry:
        pause()
        return entry.model_copy(update={"nl": entry.nl.model_copy(update={
            "title": swap(entry.nl.title), "claim": swap(entry.nl.claim),
            "short": swap(entry.nl.short), "explanation": swap(entry.nl.explanation),
            "tips": [swap(tip) for tip in entry.nl.tips]})})

    entries = {entry_id: entry_in_dutch(entry) for entry_id, entry in kb.entries.items()}
    topics = {topic_id: topic.model_copy(update={"nl": swap(topic.nl)})
              for topic_id, topic in kb.topics.items()}
    safety = kb.safety.model_copy(update={
        "replies": {kind: text(reply) for kind, reply in kb.safety.replies.items()}})
    smalltalk = kb.smalltalk.model_copy(update={"intents": [
        intent.model_copy(update={"reply": text(intent.reply)})
        for intent in kb.smalltalk.intents]})
    messages = {key: text(value) for key, value in kb.messages.items()}
    uncovered = kb.uncovered.model_copy(update={"topics": [
        topic.model_copy(update={"reply": text(topic.reply)}) for topic in kb.uncovered.topics]})
    return kb.model_copy(update={"entries": entries, "topics": topics, "safety": safety,
                                 "smalltalk": smalltalk, "messages": messages,
                                 "uncovered": uncovered})
