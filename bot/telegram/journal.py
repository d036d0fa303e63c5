"""The marks of handled updates, on the disk the moment a reply is confirmed.

Marks go to the database in batches (`UpdateLedger`), which under a burst lags behind the
replies by a fraction of a second: a SIGKILL then would send every reply of that fraction a
second time. A line appended to a small file beside the SQLite database costs a system call
and no wait, and it survives the process being killed (the kernel holds it, even without
fsync); the restarted bot reads it, moves its marks into the database and empties it.
Only update ids are written: numbers Telegram gives updates, nothing about the person.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

MAX_BYTES = 1024 * 1024  # emptied when larger, once its marks are in the database


class Journal:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None
        self._size = 0

    def open(self) -> set[int]:
        """The marks written before a restart (to move into the database), and from now on
        append new ones. Without a path (PostgreSQL) it keeps nothing."""
        if self.path is None:
            return set()
        found: set[int] = set()
        try:
            with self.path.open("rb") as old:
                for line in old.read().split(b"\n"):
                    if line.strip().isdigit():  # a line cut short by a kill: ignored
                        found.add(int(line))
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot read %s (%s)", self.path, exc.strerror)
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            log.warning("cannot write %s (%s); marks go to the database only",
                        self.path, exc.strerror)
        return found

    def write(self, update_id: int) -> None:
        if self._fd is None:
            return
        line = b"%d\n" % update_id
        try:
            os.write(self._fd, line)
        except OSError:
            return  # the database marks remain
        self._size += len(line)

    def empty(self) -> None:
        """Call when every mark written so far is in the database."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            return
        self._size = 0

    @property
    def full(self) -> bool:
        return self._size > MAX_BYTES

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
