"""What the bot remembers about a conversation between two messages, per user.

Only small, short-lived things live here. What must survive a restart is in storage: the
chosen language, loaded into this state on a user's first message, and the clinic, which
storage adds to events itself. The interface is async so that a shared store (database,
Redis) can replace the in-memory one when several instances serve the bot behind webhooks.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from bot.quiz import QuizRun

MAX_USERS = 10_000
COMMENT_WINDOW = 15 * 60.0  # seconds in which a text after 👎 counts as the comment


@dataclass(frozen=True)
class UserState:
    """One user's conversation; `loaded` says whether storage was consulted yet."""

    loaded: bool = False
    chosen_lang: str | None = None  # set with /language; wins over everything else
    reply_lang: str | None = None  # the language of the last reply, for button presses
    last_kind: str | None = None  # the last decision's kind: no second "did you mean"
    answered: tuple[str, str] | None = None  # (entry id, question) of the last answer
    suggested: str | None = None  # the question whose "did you mean" awaits a choice
    comment_for: str | None = None  # entry id whose 👎 awaits a "what was missing?"
    comment_until: float = 0.0  # monotonic deadline for that comment
    quiz: QuizRun | None = None  # the quiz under way; its buttons work until a new one starts
    quiz_seen: frozenset[str] = frozenset()  # statements answered before (also in storage)
    clinic: str | None = None  # slug of the clinic whose link they came by (their Dutch)

    def awaits_comment(self, now: float) -> str | None:
        """The entry whose comment the next text is, if the 👎 was recent enough."""
        return self.comment_for if self.comment_for and now < self.comment_until else None


class StateStore(Protocol):
    async def get(self, user_id: int) -> UserState: ...

    async def put(self, user_id: int, state: UserState) -> None: ...

    async def drop(self, user_id: int) -> None: ...


class MemoryStates:
    """States of the most recently active users, in memory; the least recent are forgotten."""

    def __init__(self, max_users: int = MAX_USERS) -> None:
        self._max = max_users
        self._states: OrderedDict[int, UserState] = OrderedDict()

    async def get(self, user_id: int) -> UserState:
        state = self._states.get(user_id)
        if state is None:
            return UserState()
        self._states.move_to_end(user_id)
        return state

    async def put(self, user_id: int, state: UserState) -> None:
        self._states[user_id] = state
        self._states.move_to_end(user_id)
        while len(self._states) > self._max:
            self._states.popitem(last=False)

    async def drop(self, user_id: int) -> None:
        self._states.pop(user_id, None)

