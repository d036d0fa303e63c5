"""How common a word is in ordinary language: a topic word we have never seen ("kurkuma",
"padel") says the question is about something else; an everyday one ("vader", "morgen") does
not."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

# The lists hold words down to this Zipf frequency (log10 of uses per billion words); see
# scripts/common_words.py, which builds them from the `wordfreq` package.
FLOOR = 3.0


@cache
def common_words(lang: str, at_least: float) -> frozenset[str]:
    """The folded words of ordinary `lang` with a Zipf frequency of `at_least` or more
    ("sauna" 3.7, "knie" 4.2, "pijn" 5.1; "kurkuma" 2.7 is rarer than every list)."""
    path = resources.files("bot.matching").joinpath(f"data/common_{lang}.txt")
    words: set[str] = set()
    for line in path.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            band, _, listed = line.partition(" ")
            # A band holds the words from its number up to the next band's: a word counts
            # when its frequency, rounded down to 0.1, reaches `at_least`.
            if float(band) >= at_least - 1e-9:
                words.update(listed.split())
    return frozenset(words)


@cache
def everyday_words(lang: str) -> frozenset[str]:
    """Words of everyday talk that wordfreq counts as rare: Flemish and spoken forms, family,
    home, how pain feels ("goesting", "bompa", "zeurend", "knackered"). Never a topic's sign."""
    text = resources.files("bot.matching").joinpath(f"data/everyday_{lang}.txt").read_text("utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#")
                     for w in line.split())


# A misspelt ordinary word ("waarom" as "warom", "dokter" as "doketr") is no topic word either.
# From this length any one edit is a typo; shorter words only when a letter was left out or two
# were swapped: one changed letter turns them into other words too easily ("padel", "adel").
TYPO_FROM = 6
SHORTEST_TYPO = 4


def misspelt(word: str, common: frozenset[str]) -> bool:
    """Whether `word` is one typo (a letter left out, added, changed, or two swapped) away
    from a word in `common`. Only the few words that look rare are checked: no index to build."""
    # One typo adds at most one letter, so a longer word is no common word misspelt (and a
    # "word" of thousands of letters, which would make millions of edits, costs nothing).
    if len(word) < SHORTEST_TYPO or len(word) > _longest(common) + 1:
        return False
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    letters = string.ascii_lowercase
    edits = {a + c + b for a, b in cuts for c in letters}  # a letter left out
    edits |= {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}  # two swapped
    if len(word) >= TYPO_FROM:
        edits |= {a + b[1:] for a, b in cuts if b}  # a letter too many
        edits |= {a + c + b[1:] for a, b in cuts if b for c in letters}  # a letter changed
    edits.discard(word)
    return not edits.isdisjoint(common)


@cache
def _longest(words: frozenset[str]) -> int:
    """The length of the longest of `words` (a frozenset keeps its hash: looked up at once)."""
    return max(map(len, words), default=0)
