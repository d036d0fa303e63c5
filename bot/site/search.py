"""The search index the pages load: each entry's words, by how much they say about it.

Built here, from the same normalisation as the matcher, so that the browser only has to fold
the query the same way (lower case, no accents) and compare prefixes. A few kB per language.
"""

from __future__ import annotations

import json

from bot.knowledge.models import KnowledgeBase
from bot.knowledge.telegram_html import strip_tags
from bot.matching.analyzer import stopwords
from bot.matching.normalize import words

# Words of the title say most about an entry, then the ways patients ask it, then the answer.
FIELDS = ("title", "asked", "answer")


def _terms(texts: list[str], skip: frozenset[str]) -> str:
    seen = dict.fromkeys(w for text in texts for w in words(strip_tags(text))
                         if w not in skip and len(w) > 1)
    return " ".join(seen)


def search_index(kb: KnowledgeBase, lang: str) -> dict[str, object]:
    skip = frozenset(stopwords(lang))
    docs = []
    for entry in kb.entries.values():
        text = entry.text(lang)
        docs.append({
            "id": entry.id,
            "title": strip_tags(text.title),
            "url": f"{entry.id}.html",
            "title_terms": _terms([text.title], skip),
            "asked_terms": _terms([*text.questions, *text.keywords, text.claim], skip),
            "answer_terms": _terms([text.short], skip),
        })
    return {"lang": lang, "stopwords": sorted(skip), "docs": docs}


def search_script(kb: KnowledgeBase, lang: str) -> str:
    """The index as a script (not JSON to fetch): pages opened from disk can load it too."""
    data = json.dumps(search_index(kb, lang), ensure_ascii=False, separators=(",", ":"))
    return f"window.MYTHBOT_SEARCH={data};\n"
