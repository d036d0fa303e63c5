"""`DatabaseStates`: the `StateStore` that several instances share.

A state is stored as JSON. Its 👎-comment deadline is a reading of this process's monotonic
clock, which means nothing to another instance, so it travels as wall-clock time.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, cast

from bot.conversation.state import UserState
from bot.quiz import QuizRun
from bot.storage.shared import SharedStore


class DatabaseStates:
    """States in the database. While an update is handled (`holding`), its person's state
    is read once and then kept here too: the claim on the update holds that person's lock,
    so no other instance can change it meanwhile, and a handler reads it several times."""

    def __init__(self, shared: SharedStore) -> None:
        self._shared = shared
        self._held: dict[int, UserState | None] = {}

    @contextlib.contextmanager
    def holding(self, user_id: int) -> Iterator[None]:
        self._held[user_id] = None
        try:
            yield
        finally:
            self._held.pop(user_id, None)

    async def get(self, user_id: int) -> UserState:
        held = self._held.get(user_id)
        if held is not None:
            return held
        found = await self._shared.load_state(user_id)
        state = UserState() if found is None else decode(found)
        if user_id in self._held:
            self._held[user_id] = state
        return state

    async def put(self, user_id: int, state: UserState) -> None:
        await self._shared.save_state(user_id, encode(state))
        if user_id in self._held:
            self._held[user_id] = state

    async def drop(self, user_id: int) -> None:
        await self._shared.drop_state(user_id)
        if user_id in self._held:
            self._held[user_id] = None


def encode(state: UserState, *, now: float | None = None, wall: float | None = None) -> str:
    data = asdict(state)
    mono = time.monotonic() if now is None else now
    clock = time.time() if wall is None else wall
    data["comment_until"] = (clock + state.comment_until - mono) if state.comment_until else 0.0
    data["quiz_seen"] = sorted(state.quiz_seen)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(text: str, *, now: float | None = None, wall: float | None = None) -> UserState:
    """The state in `text`; a field this version does not know is ignored, so that an
    instance still running the previous version during a rolling deploy does not fail."""
    data: dict[str, Any] = json.loads(text)
    mono = time.monotonic() if now is None else now
    clock = time.time() if wall is None else wall
    until = float(data.get("comment_until") or 0.0)
    quiz = data.get("quiz")
    answered = data.get("answered")
    return UserState(
        loaded=bool(data.get("loaded")),
        chosen_lang=data.get("chosen_lang"),
        reply_lang=data.get("reply_lang"),
        last_kind=data.get("last_kind"),
        answered=(str(answered[0]), str(answered[1])) if answered else None,
        suggested=data.get("suggested"),
        comment_for=data.get("comment_for"),
        comment_until=(mono + until - clock) if until else 0.0,
        quiz=QuizRun(tuple(quiz["statements"]), cast(Any, tuple(quiz["answers"])))
        if quiz else None,
        quiz_seen=frozenset(data.get("quiz_seen") or ()),
        clinic=data.get("clinic"),
    )
