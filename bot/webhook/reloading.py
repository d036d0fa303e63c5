"""/reload on one instance reloads them all: `SharedLibrary`.

An instance that reloads successfully records a new knowledge-base version in the database;
every instance checks the version every `FOLLOW_EVERY` seconds and, when it went up, reads
the knowledge base from its own disk. A knowledge base with errors is refused where /reload
was typed (no new version), and an instance whose copy has errors keeps its old one (logged).
"""

from __future__ import annotations

import asyncio
import logging

from bot.conversation.conversation import Library, Reload
from bot.knowledge import KnowledgeError
from bot.runtime import Loaded
from bot.storage.shared import SharedStore

log = logging.getLogger(__name__)

FOLLOW_EVERY = 1.0  # seconds


class SharedLibrary(Library):
    def __init__(self, loaded: Loaded, reload: Reload, shared: SharedStore) -> None:
        super().__init__(loaded, reload)
        self._shared = shared
        self.version = 0

    async def start(self) -> None:
        """Take the current version as the one loaded (the knowledge base was just read)."""
        self.version = await self._shared.knowledge_version()

    async def reload(self) -> Loaded:
        loaded = await super().reload()  # raises KnowledgeError: no new version then
        try:
            self.version = await self._shared.knowledge_reloaded()
        except Exception as exc:  # reloaded here; the others follow once the database is back
            log.warning("could not tell the other instances about the reload (%s)",
                        exc.__class__.__name__)
        return loaded

    async def follow(self) -> None:
        """Reload whenever another instance did; runs until cancelled."""
        while True:
            await asyncio.sleep(FOLLOW_EVERY)
            try:
                await self.catch_up()
            except Exception as exc:  # the database may be down: try again later
                log.debug("knowledge version not checked (%s)", exc.__class__.__name__)

    async def catch_up(self) -> bool:
        """Reload if another instance reloaded since; True if the knowledge base changed."""
        version = await self._shared.knowledge_version()
        if version <= self.version:
            return False
        self.version = version
        try:
            loaded = await super().reload()
        except KnowledgeError as exc:
            log.error("another instance reloaded the knowledge base, but this one's copy has "
                      "%d problem(s); keeping the one loaded", len(exc.problems))
            return False
        log.info("knowledge base reloaded after another instance did: %d entries",
                 len(loaded.kb.entries))
        return True
