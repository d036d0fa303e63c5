"""Log a storage outage once, not once per message, and log when it is over."""

from __future__ import annotations

import logging


def describe_error(exc: BaseException) -> str:
    """A one-line cause without SQL or parameters (they could hold question texts)."""
    orig = getattr(exc, "orig", None)  # the driver's own error inside SQLAlchemy's wrapper
    cause = orig if isinstance(orig, BaseException) else exc
    message = str(cause).splitlines()[0] if str(cause) else ""
    name = cause.__class__.__name__
    return f"{name}: {message}" if message else name


class Health:
    """Remembers whether the last storage call failed, so only changes get logged."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self.failing = False

    def failed(self, what: str, exc: BaseException) -> None:
        if not self.failing:
            self.failing = True
            self._log.error("storage unavailable: %s failed (%s); replies go on without it, "
                            "and this is logged again only after storage has recovered",
                            what, describe_error(exc))

    def succeeded(self) -> None:
        if self.failing:
            self.failing = False
            self._log.warning("storage works again")
