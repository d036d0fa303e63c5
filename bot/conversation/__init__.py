"""What the bot says and remembers, per person: the one conversation every front end drives.

Telegram (long polling and webhooks), the terminal chat and the quiz all go through
`Conversation`; none of it knows about python-telegram-bot.
"""

from bot.conversation.conversation import Conversation, Library, Outcome, Person
from bot.conversation.recorder import Recorder
from bot.conversation.state import MemoryStates, StateStore, UserState

__all__ = ["Conversation", "Library", "MemoryStates", "Outcome", "Person", "Recorder",
           "StateStore", "UserState"]
