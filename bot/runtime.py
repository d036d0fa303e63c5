"""What every front end (Telegram, terminal chat, CLI, reports) needs, wired in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.knowledge.dutch import Dutch, regional
from bot.matching import Matcher, Thresholds
from bot.rendering import Renderer


@dataclass(frozen=True)
class Loaded:
    """The configuration and knowledge base in use, with the matcher and renderer over them.

    Immutable: `/reload` builds a new one and swaps it whole, so a reply never mixes two.
    """

    config: Config
    kb: KnowledgeBase
    matcher: Matcher
    renderer: Renderer


def thresholds(config: Config) -> Thresholds:
    m = config.matching
    return Thresholds(answer=m.answer_threshold, margin=m.answer_margin,
                      suggest=m.suggest_threshold, known_words=m.suggest_known_words,
                      rare_word=m.rare_word_zipf, agreement=m.answer_agreement,
                      disputed_margin=m.answer_margin_disputed,
                      min_known_words=m.min_known_words)


def build(config: Config, kb: KnowledgeBase) -> Loaded:
    matcher = Matcher(kb, thresholds(config), default_lang=config.default_language)
    return Loaded(config, kb, matcher, Renderer(kb, config.emergency))


def in_dutch(loaded: Loaded, dutch: Dutch) -> Loaded:
    """`loaded` as people read it in Belgium or the Netherlands: the texts (and the renderer
    over them) differ in a few words; the matcher is the same one."""
    kb = regional(loaded.kb, dutch)
    if kb is loaded.kb:
        return loaded
    return replace(loaded, kb=kb, renderer=Renderer(kb, loaded.config.emergency))
