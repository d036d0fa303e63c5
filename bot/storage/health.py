"""Log a storage outage once, not once per message, and log when it is over."""

from __future__ import annotations

import logging
from typing import Literal

Access = Literal["read", "write"]


def describe_error(exc: BaseException) -> str:
    """A one-line cause without SQL or parameters (they could hold question texts)."""
    orig = getattr(exc, "orig", None)  # the driver's own error inside SQLAlchemy's wrapper
    cause = orig if isinstance(orig, BaseException) else exc
    message = str(cause).splitlines()[0] if str(cause) else ""
    name = cause.__class__.__name__
    return f"{name}: {message}" if message else name


class Health:
    """Remembers which kinds of storage call are failing, so only changes get logged.

    Reads and writes are tracked apart because a database can fail one and not the other:
    a read-only file, or one another program holds a write lock on (SQLite in WAL mode lets
    readers in). If a successful read cleared a failed write, every new user (whose profile is
    read first) would log the outage again; it is over only when what failed works again.
    """

    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._failing: set[Access] = set()

    @property
    def failing(self) -> bool:
        return bool(self._failing)

    def failed(self, access: Access, what: str, exc: BaseException) -> None:
        if not self._failing:
            self._log.error("storage unavailable: %s failed (%s); replies go on without it, "
                            "and this is logged again only after storage has recovered",
                            what, describe_error(exc))
        self._failing.add(access)

    def succeeded(self, access: Access) -> None:
        if access in self._failing:
            self._failing.discard(access)
            if not self._failing:
                self._log.warning("storage works again")
