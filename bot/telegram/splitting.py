"""Split Telegram-HTML text into messages that fit Telegram's 4096-character limit.

Telegram refuses longer messages and PTB does not split them. Cuts go at paragraph
boundaries when possible, else at line ends, else between words, and only as a last resort
inside a word. Tags and character references are never cut; a tag that is open at a cut is
closed at the end of one part and opened again at the start of the next, so every part is
valid HTML on its own.
"""

from __future__ import annotations

import re

MAX_MESSAGE = 4096

# Atoms that must stay whole: a tag, a character reference, or one character.
_ATOM = re.compile(r"<[^<>]*>|&#?\w+;|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)")
_SPACES = frozenset(" \n")


def units(text: str) -> int:
    """Length in UTF-16 code units: how Telegram counts characters."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """`text` as one or more parts of at most `limit` units each (tags included).

    Counting tags is stricter than Telegram, which counts only the visible text; it keeps
    the function simple and every part safe.
    """
    text = text.strip()
    if units(text) <= limit:
        return [text] if text else []
    atoms = _ATOM.findall(text)
    parts: list[str] = []
    start = 0
    opened: list[str] = []
    while start < len(atoms):
        end, opened_at_end = _cut(atoms, start, opened, limit)
        body = "".join(atoms[start:end]).rstrip()
        part = "".join(opened) + body + _closing(opened_at_end)
        if _visible(body):
            parts.append(part)
        start, opened = end, opened_at_end
        while start < len(atoms) and atoms[start] in _SPACES:
            start += 1
    return parts


def _cut(atoms: list[str], start: int, opened: list[str],
         limit: int) -> tuple[int, list[str]]:
    """Where the part that begins at `start` ends, and the tags still open there."""
    size = units("".join(opened))
    stack = list(opened)
    best: dict[int, tuple[int, list[str]]] = {}  # break quality -> (end, open tags there)
    index = start
    while index < len(atoms):
        atom = atoms[index]
        after = _apply(stack, atom)
        if size + units(atom) + units(_closing(after)) > limit:
            break
        size += units(atom)
        stack = after
        index += 1
        best[_quality(atoms, index)] = (index, list(stack))
    if index == len(atoms):
        return index, stack
    if not best:
        # Not even one atom fits next to the reopened tags: drop them rather than loop.
        return start + 1, _apply([], atoms[start])
    return best[max(best)]


def _quality(atoms: list[str], end: int) -> int:
    """How good a cut after atom `end - 1` is: paragraph 3, line 2, word 1, anywhere 0."""
    last = atoms[end - 1]
    if last == "\n":
        return 3 if end >= 2 and atoms[end - 2] == "\n" else 2
    return 1 if last == " " else 0


def _apply(stack: list[str], atom: str) -> list[str]:
    """The open tags after `atom`."""
    if not atom.startswith("<") or len(atom) < 3:
        return stack
    match = _TAG_NAME.match(atom)
    if match is None:
        return stack
    if atom.startswith("</"):
        name = match.group(1).lower()
        for depth in range(len(stack) - 1, -1, -1):
            if _name(stack[depth]) == name:
                return stack[:depth]
        return stack
    return [*stack, atom]


def _name(tag: str) -> str:
    match = _TAG_NAME.match(tag)
    return match.group(1).lower() if match else ""


def _closing(stack: list[str]) -> str:
    return "".join(f"</{_name(tag)}>" for tag in reversed(stack))


def _visible(body: str) -> bool:
    return bool(re.sub(r"<[^<>]*>", "", body).strip())
