"""Logging for the running bot, with the token kept out of every line.

The token is part of every Bot API URL (`…/bot<TOKEN>/sendMessage`). HTTP clients may log
URLs, and tracebacks of network errors may quote them, so besides quieting the HTTP client's
loggers a filter rewrites every record that passes a handler before it is formatted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from telegram.error import BadRequest, NetworkError

REDACTED = "bot[REDACTED]"
_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
# An HTTP client may log request URLs (the token); database drivers log statements with
# their parameters at DEBUG (question texts, comments, the users' keys).
_QUIET = ("aiohttp", "aiosqlite", "sqlalchemy", "asyncpg")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replaces `bot<digits>:<secret>` and the literal secrets in a record's text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        text = _TOKEN_IN_URL.sub(REDACTED, text)
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse `exc_text` when it is set, so the traceback is redacted too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class NetworkErrorFilter(logging.Filter):
    """A Bot API call that failed for want of a network gets one line, not a traceback.

    PTB logs such failures with their traceback (when it stops while Telegram is unreachable,
    for one), which says nothing beyond the error's name and buries the lines that matter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            record.msg = f"{record.getMessage()} ({error.__class__.__name__}: {error.message})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at `level`; PTB's own loggers at INFO or above; the HTTP client's and
    the database drivers' at WARNING, whatever `level` is (see `_QUIET`).

    The redacting filter goes on every handler of the root logger (ours, or those a test or
    a service manager put there first): only a handler's filters see records from all loggers.
    """
    logging.basicConfig(format=FORMAT)  # does nothing when the root logger has handlers
    root = logging.getLogger()
    root.setLevel(level)
    redacting = RedactingFilter(secrets)
    for handler in root.handlers:
        handler.addFilter(NetworkErrorFilter())  # first: then no traceback is formatted
        handler.addFilter(redacting)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    # PTB's DEBUG output is a firehose of request parameters (message texts included).
    numeric = logging.getLevelNamesMapping()[level]
    logging.getLogger("telegram").setLevel(max(numeric, logging.INFO))
