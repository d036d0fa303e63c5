"""The knowledge base: typed models, the loader and its located problems."""

from bot.knowledge.loader import load_knowledge
from bot.knowledge.models import LANGS, Entry, EntryText, KnowledgeBase, Source, Topic
from bot.knowledge.problems import KnowledgeError, Problem

__all__ = [
    "LANGS",
    "Entry",
    "EntryText",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "Source",
    "Topic",
    "load_knowledge",
]
