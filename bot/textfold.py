"""Text folding shared by the matcher and the content checks."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, accents removed ("geïrriteerd" -> "geirriteerd"), anything else a space."""
    text = text.casefold()
    if not text.isascii():  # most text is plain ASCII: skip the costly decomposition then
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text).strip()
