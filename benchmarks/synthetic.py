"""Large knowledge bases made from the real one, with a vocabulary that grows as real text does.

Reusing the real base's ~600 words per language would flatter a large base: typo repair, the
n-gram table and the BM25 postings would never grow. Here each content word of an entry is,
token by token, either a word never seen before or an earlier token drawn at random (Simon's
model, which gives Zipf's law), with new words coming just often enough to follow Heaps' law,
V = K·T^β: the vocabulary V after T content tokens. β = 0.6 is typical of running text; K is set
so that the real base is on the curve, which puts 10 000 entries at ~25 000 words a language.
New words are blends of two real words of the language ("kniepijn" + "gewricht" ->
"kniericht"), so their letters and n-grams look like Dutch or English.

The first entries are the real ones, unchanged: questions about the real topics still have their
answer in the base. Function words stay, so that language detection sees real sentences.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.knowledge import LANGS, EntryText, KnowledgeBase
from bot.knowledge.checks import MIN_QUESTIONS
from bot.matching.analyzer import stopwords
from bot.matching.normalize import normalize
from bot.textfold import fold

HEAPS_BETA = 0.6


class _Vocabulary:
    """One language's words as the synthetic base is written, token by token."""

    def __init__(self, rng: random.Random, lang: str, real_texts: list[str]) -> None:
        self.rng = rng
        self.stop = stopwords(lang)
        self.tokens = [w for text in real_texts for w in normalize(text).split()
                       if w not in self.stop]
        self.words = set(self.tokens)
        self.seeds = sorted(w for w in self.words if len(w) >= 4)
        self.k = len(self.words) / max(len(self.tokens), 1) ** HEAPS_BETA

    def _new_word(self) -> str:
        while True:
            a, b = self.rng.choice(self.seeds), self.rng.choice(self.seeds)
            word = a[:self.rng.randint(2, len(a) - 1)] + b[self.rng.randint(1, len(b) - 2):]
            if len(word) >= 3 and word not in self.words and word not in self.stop:
                return word

    def draw(self) -> str:
        """The next content token: new if the vocabulary is behind Heaps' law, else reused."""
        if len(self.words) < self.k * (len(self.tokens) + 1) ** HEAPS_BETA:
            word = self._new_word()
            self.words.add(word)
        else:
            word = self.rng.choice(self.tokens)
        self.tokens.append(word)
        return word

    def rewrite(self, text: str) -> str:
        return " ".join(w if w in self.stop else self.draw() for w in normalize(text).split())


def synthetic(kb: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """`size` entries: the real ones, then rewrites of them with a growing vocabulary."""
    rng = random.Random(seed)
    real = list(kb.entries.values())
    vocab = {lang: _Vocabulary(rng, lang, [t for e in real for t in _texts(e.text(lang))])
             for lang in LANGS}
    entries = {e.id: e for e in real[:size]}
    seen = {(lang, fold(q)) for e in entries.values() for lang in LANGS
            for q in e.text(lang).questions}
    ids = list(entries)
    for i in range(len(entries), size):
        template = real[i % len(real)]
        texts = {lang: _rewrite(template.text(lang), vocab[lang].rewrite,
                                lambda q, lang=lang: _unique(q, lang, seen, vocab[lang]))
                 for lang in LANGS}
        entry_id = f"{template.id}-{i}"
        related = rng.sample(ids, 2) if len(ids) >= 2 else template.related
        entries[entry_id] = template.model_copy(update={"id": entry_id, "related": related,
                                                        **texts})
        ids.append(entry_id)
    return kb.model_copy(update={"entries": entries})


def _texts(text: EntryText) -> list[str]:
    return [*text.questions, text.claim, text.title, *text.keywords]


def _unique(question: str, lang: str, seen: set[tuple[str, str]], vocab: _Vocabulary) -> str:
    """Each example question belongs to one entry only (the content check says so)."""
    while (lang, fold(question)) in seen:
        question = f"{question} {vocab.draw()}"
    seen.add((lang, fold(question)))
    return question


def _rewrite(text: EntryText, rewrite: Callable[[str], str],
             unique: Callable[[str], str]) -> EntryText:
    questions = [unique(rewrite(q)) for q in text.questions]
    while len(questions) < MIN_QUESTIONS:
        questions.append(unique(rewrite(text.questions[0])))
    return text.model_copy(update={
        "title": _at_least(rewrite(text.title), 3)[:120],
        "claim": _at_least(rewrite(text.claim), 3),
        "questions": questions, "keywords": [rewrite(k) for k in text.keywords]})


def _at_least(text: str, length: int) -> str:
    return text if len(text) >= length else text + " ok" * length


def write_knowledge(kb: KnowledgeBase, real_root: Path, destination: Path) -> Path:
    """A knowledge folder for `kb`: the real one's other files, one YAML file per entry."""
    destination.mkdir(parents=True, exist_ok=True)
    for path in real_root.glob("*.yaml"):
        shutil.copyfile(path, destination / path.name)
    entries = destination / "entries"
    entries.mkdir(exist_ok=True)
    for entry in kb.entries.values():
        data = entry.model_dump(mode="json")
        (entries / f"{entry.id}.yaml").write_text(
            yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False),
            encoding="utf-8")
    return destination


_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def vocabulary_size(kb: KnowledgeBase, lang: str) -> int:
    """Distinct content words of a language's matching texts (what Heaps' law counts)."""
    stop = stopwords(lang)
    return len({w for e in kb.entries.values() for t in _texts(e.text(lang))
                for w in normalize(t).split() if w not in stop})

