"""Builders for Telegram update JSON, shaped like what the Bot API sends.

Every builder returns a complete ``Update`` dict that `telegram.Update.de_json` accepts, so it
can be used on its own or queued with `FakeBotApi.push_update` (which then assigns the real
``update_id`` and, for new messages, the ``message_id``; use the dict it returns).

Like Telegram, text builders add entities the server would detect: ``bot_command``,
``mention``, ``hashtag``, ``url`` and ``email``. Offsets are in UTF-16 code units.

Example::

    api.push_update(updates.command("start", "myth_42"))
    bram = updates.user(1002, "Bram", language_code="en")
    api.push_update(updates.text_message("Is arthritis wear and tear?", user=bram))
    reply = api.last_bot_message(updates.DEFAULT_USER_ID)
    api.push_update(updates.callback_query("myth:42", message=reply))
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "DEFAULT_USER_ID",
    "callback_query",
    "command",
    "detect_entities",
    "document",
    "edited_text_message",
    "group_chat",
    "group_message",
    "location",
    "make_message",
    "make_update",
    "my_chat_member",
    "photo",
    "private_chat",
    "sticker",
    "text_message",
    "user",
    "voice",
]

JSONDict = dict[str, Any]

DEFAULT_USER_ID = 1001
DEFAULT_GROUP_ID = -1001234567890

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
_query_ids = itertools.count(1)
_file_ids = itertools.count(1)


def _now() -> int:
    return int(time.time())


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ---------------------------------------------------------------------- users and chats


def user(
    user_id: int = DEFAULT_USER_ID,
    first_name: str = "Anna",
    *,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "nl",
    is_bot: bool = False,
    is_premium: bool | None = None,
) -> JSONDict:
    """A ``User``; ``language_code`` is the user's app language (None: not sent)."""
    result: JSONDict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    optional = {
        "last_name": last_name,
        "username": username,
        "language_code": language_code,
        "is_premium": is_premium,
    }
    result.update({key: value for key, value in optional.items() if value is not None})
    return result


_default_user = user  # builders below have a `user` parameter that shadows the function


def private_chat(of_user: Mapping[str, Any] | None = None) -> JSONDict:
    """The private ``Chat`` with a user (its id is the user's id)."""
    who = dict(of_user) if of_user is not None else user()
    chat: JSONDict = {"id": who["id"], "type": "private", "first_name": who["first_name"]}
    for key in ("last_name", "username"):
        if who.get(key):
            chat[key] = who[key]
    return chat


def group_chat(
    chat_id: int = DEFAULT_GROUP_ID,
    title: str = "Artrose lotgenoten",
    *,
    supergroup: bool = True,
    username: str | None = None,
) -> JSONDict:
    """A group ``Chat``; supergroup ids start with -100."""
    chat: JSONDict = {
        "id": chat_id,
        "type": "supergroup" if supergroup else "group",
        "title": title,
    }
    if username:
        chat["username"] = username
    return chat


# ---------------------------------------------------------------------- entities

_ENTITY_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")),
    ("url", re.compile(r"(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]]")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]


def detect_entities(text: str) -> list[JSONDict]:
    """Entities Telegram's server detects in plain text, sorted by offset."""
    taken: list[tuple[int, int]] = []
    found: list[JSONDict] = []
    for kind, pattern in _ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(
                {"type": kind, "offset": _utf16(text[:start]), "length": _utf16(match.group())}
            )
    return sorted(found, key=lambda entity: entity["offset"])


# ---------------------------------------------------------------------- generic


def make_update(kind: str, payload: Mapping[str, Any], *, update_id: int | None = None) -> JSONDict:
    """An ``Update`` carrying `payload` under `kind` ("message", "callback_query"…)."""
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        kind: dict(payload),
    }


def make_message(
    *,
    from_user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
    message_id: int | None = None,
    date: int | None = None,
    reply_to: Mapping[str, Any] | None = None,
    **content: Any,
) -> JSONDict:
    """A ``Message`` dict: sender, chat (default: the sender's private chat), date in seconds.

    `content` holds the message's payload fields (``text``, ``photo``, ``sticker``…);
    `reply_to` is the Message (or message Update) this one replies to.
    """
    sender = dict(from_user) if from_user is not None else user()
    message: JSONDict = {
        "message_id": message_id if message_id is not None else next(_message_ids),
        "from": sender,
        "chat": dict(chat) if chat is not None else private_chat(sender),
        "date": date if date is not None else _now(),
    }
    if reply_to is not None:
        replied = dict(reply_to.get("message", reply_to))
        replied.pop("reply_to_message", None)
        message["reply_to_message"] = replied
    message.update({key: value for key, value in content.items() if value is not None})
    return message


# ---------------------------------------------------------------------- messages


def text_message(
    text: str,
    *,
    user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
    entities: Sequence[Mapping[str, Any]] | None = None,
    reply_to: Mapping[str, Any] | None = None,
    message_id: int | None = None,
    date: int | None = None,
) -> JSONDict:
    """A text message update; `entities` default to the ones Telegram would detect."""
    found = [dict(e) for e in entities] if entities is not None else detect_entities(text)
    message = make_message(
        from_user=user,
        chat=chat,
        message_id=message_id,
        date=date,
        reply_to=reply_to,
        text=text,
        entities=found or None,
    )
    return make_update("message", message)


def command(
    name: str,
    args: str = "",
    *,
    bot_username: str | None = None,
    user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
) -> JSONDict:
    """``/name args`` (``/name@bot_username args`` when given, as in groups)."""
    text = "/" + name.lstrip("/")
    if bot_username:
        text += "@" + bot_username.lstrip("@")
    if args:
        text += " " + args
    return text_message(text, user=user, chat=chat)


def group_message(
    text: str,
    *,
    mention: str | None = None,
    chat: Mapping[str, Any] | None = None,
    user: Mapping[str, Any] | None = None,
    reply_to: Mapping[str, Any] | None = None,
) -> JSONDict:
    """A message in a group; with `mention` (a bot username) it starts with ``@mention``."""
    if mention:
        text = f"@{mention.lstrip('@')} {text}"
    return text_message(
        text, user=user, chat=chat if chat is not None else group_chat(), reply_to=reply_to
    )


def edited_text_message(original: Mapping[str, Any], new_text: str) -> JSONDict:
    """The ``edited_message`` update for a message (or message update) the user edited."""
    message = dict(original.get("message", original))
    message["text"] = new_text
    found = detect_entities(new_text)
    if found:
        message["entities"] = found
    else:
        message.pop("entities", None)
    message["edit_date"] = max(_now(), int(message["date"]))
    return make_update("edited_message", message)


def _file(prefix: str) -> JSONDict:
    number = next(_file_ids)
    return {"file_id": f"{prefix}-{number}", "file_unique_id": f"{prefix[:8]}{number}"}


def sticker(
    emoji: str = "👍",
    *,
    set_name: str | None = "HotCherry",
    user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
) -> JSONDict:
    """A regular (static) sticker message."""
    content: JSONDict = {
        **_file("sticker"),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "file_size": 24_000,
    }
    if set_name:
        content["set_name"] = set_name
    return make_update("message", make_message(from_user=user, chat=chat, sticker=content))


def photo(
    *,
    caption: str | None = None,
    user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
) -> JSONDict:
    """A photo message: three sizes, smallest first, optionally with a caption."""
    base = _file("photo")
    sizes = [
        {
            "file_id": f"{base['file_id']}-{width}",
            "file_unique_id": f"{base['file_unique_id']}-{width}",
            "width": width,
            "height": width * 3 // 4,
            "file_size": width * 100,
        }
        for width in (90, 320, 1280)
    ]
    entities = detect_entities(caption) if caption else []
    message = make_message(
        from_user=user,
        chat=chat,
        photo=sizes,
        caption=caption,
        caption_entities=entities or None,
    )
    return make_update("message", message)


def voice(
    duration: int = 3,
    *,
    user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
) -> JSONDict:
    """A voice note message (OGG/Opus)."""
    content = {
        **_file("voice"),
        "duration": duration,
        "mime_type": "audio/ogg",
        "file_size": duration * 4000,
    }
    return make_update("message", make_message(from_user=user, chat=chat, voice=content))


def document(
    file_name: str = "notes.pdf",
    *,
    mime_type: str = "application/pdf",
    caption: str | None = None,
    user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
) -> JSONDict:
    """A document (file) message."""
    content = {
        **_file("document"),
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": 12_345,
    }
    return make_update(
        "message", make_message(from_user=user, chat=chat, document=content, caption=caption)
    )


def location(
    latitude: float = 52.0907,
    longitude: float = 5.1214,
    *,
    user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
) -> JSONDict:
    """A location message (default: Utrecht)."""
    content = {"latitude": latitude, "longitude": longitude}
    return make_update("message", make_message(from_user=user, chat=chat, location=content))


# ---------------------------------------------------------------------- other updates


def callback_query(
    data: str,
    *,
    message: Mapping[str, Any],
    user: Mapping[str, Any] | None = None,
    query_id: str | None = None,
) -> JSONDict:
    """A press on an inline button with `data`, under `message` (the bot's message).

    `message` is the Message dict the keyboard belongs to, e.g. `api.last_bot_message()`.
    The presser defaults to the chat's user for a private chat, else to `user()`.
    """
    msg = dict(message.get("message", message))
    chat = msg["chat"]
    if user is None:
        if chat.get("type") == "private":
            presser: JSONDict = {
                "id": chat["id"],
                "is_bot": False,
                "first_name": chat.get("first_name", "Anna"),
                "language_code": "nl",
            }
        else:
            presser = _default_user()
    else:
        presser = dict(user)
    number = next(_query_ids)
    payload = {
        "id": query_id if query_id is not None else str(4_382_000_000_000_000_000 + number),
        "from": presser,
        "message": msg,
        "chat_instance": str(-8_000_000_000_000_000_000 + abs(int(chat["id"])) % 10**12),
        "data": data,
    }
    return make_update("callback_query", payload)


def my_chat_member(
    new_status: str = "kicked",
    *,
    old_status: str = "member",
    bot: Mapping[str, Any] | None = None,
    user: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
) -> JSONDict:
    """The bot's membership changed, e.g. the user blocked ("kicked") or unblocked it.

    `bot` is the bot's User (default: id 123456, matching the fake's default token).
    """
    who = dict(user) if user is not None else _default_user()
    the_bot = (
        dict(bot)
        if bot is not None
        else {
            "id": 123456,
            "is_bot": True,
            "first_name": "Mythbot (test)",
            "username": "mythbot_test_bot",
        }
    )

    def member(status: str) -> JSONDict:
        result: JSONDict = {"user": the_bot, "status": status}
        if status == "kicked":
            result["until_date"] = 0
        return result

    payload = {
        "chat": dict(chat) if chat is not None else private_chat(who),
        "from": who,
        "date": _now(),
        "old_chat_member": member(old_status),
        "new_chat_member": member(new_status),
    }
    return make_update("my_chat_member", payload)
