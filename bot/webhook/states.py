"""`DatabaseStates`: the `StateStore` that several instances share.

A state is stored as JSON. Its 👎-comment deadline is a reading of this process's monotonic
clock, which means nothing to another instance, so it travels as wall-clock time.
"""

from __future__ import annotations

import json
import time
from dataclasses import fields
from typing import Any, cast

from bot.conversation.state import UserState
from bot.quiz import QuizRun
from bot.storage.shared import SharedStore, held


class DatabaseStates:
    """States in the database. While an update is handled, its person's state is the one
    read with the update's claim, and a change goes into the claim's turn, written with the
    claim when the update is done (`bot.storage.shared.Turn`): the claim holds that person's
    lock, so no other instance can change it meanwhile. Outside a turn (a /reload reply sent
    later) the state is read and written at once."""

    def __init__(self, shared: SharedStore) -> None:
        self._shared = shared

    async def get(self, user_id: int) -> UserState:
        turn = held(user_id)
        found = turn.state if turn is not None else await self._shared.load_state(user_id)
        return UserState() if found is None else decode(found)

    async def put(self, user_id: int, state: UserState) -> None:
        turn = held(user_id)
        if turn is not None:
            turn.put_state(encode(state))
        else:
            await self._shared.save_state(user_id, encode(state))

    async def drop(self, user_id: int) -> None:
        turn = held(user_id)
        if turn is not None:
            turn.drop()
        else:
            await self._shared.drop_state(user_id)


_FIELDS = fields(UserState)


def encode(state: UserState, *, now: float | None = None, wall: float | None = None) -> str:
    # Field by field, not `asdict`, which copies every value deeply (four times the cost).
    data: dict[str, Any] = {f.name: getattr(state, f.name) for f in _FIELDS}
    if state.quiz is not None:
        data["quiz"] = {"statements": state.quiz.statements, "answers": state.quiz.answers}
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
