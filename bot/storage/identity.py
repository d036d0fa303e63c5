"""Pseudonymous user keys: HMAC-SHA256 of the Telegram user id with a secret.

The database never sees a raw id, name or username. Without the secret the keys cannot be
linked back to Telegram accounts; with it they can (ids are small numbers, easy to try all),
so keep the secret out of backups of the database where you can.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

SECRET_ENV = "MYTHBOT_SECRET"
SECRET_SUFFIX = ".secret"
MIN_SECRET_BYTES = 16

log = logging.getLogger(__name__)


class SecretError(Exception):
    """No usable secret: the message says what to set or fix."""


def user_key(secret: bytes, telegram_id: int) -> str:
    """The key under which everything about this user is stored (64 hex characters)."""
    return hmac.new(secret, str(telegram_id).encode("ascii"), hashlib.sha256).hexdigest()


def secret_file_for(database: Path) -> Path:
    """Where the generated secret is kept: next to the SQLite file."""
    return database.with_name(database.name + SECRET_SUFFIX)


def resolve_secret(environ: Mapping[str, str], database: Path | None) -> bytes:
    """MYTHBOT_SECRET if set; otherwise the secret kept next to the SQLite `database`,
    generated on first use. `database` is None for servers (PostgreSQL), which need the
    environment variable: there is no file of ours beside them to keep a secret in."""
    value = environ.get(SECRET_ENV, "").strip()
    if value:
        if len(value.encode()) < MIN_SECRET_BYTES:
            raise SecretError(f"{SECRET_ENV} is too short: use at least {MIN_SECRET_BYTES} "
                              "characters (e.g. `python -c 'import secrets; "
                              "print(secrets.token_hex(32))'`)")
        return value.encode()
    if database is None:
        raise SecretError(f"{SECRET_ENV} must be set when the database is a server "
                          "(PostgreSQL): user keys must stay the same across restarts")
    path = secret_file_for(database)
    created = _create_secret_file(path)
    try:
        secret = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"cannot read the secret file {path} ({exc.__class__.__name__}); "
                          f"fix it or set {SECRET_ENV}") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise SecretError(f"the secret file {path} is empty or too short; "
                          f"delete it only if the database is new, or set {SECRET_ENV}")
    log.warning("%s is not set: user keys use the secret %s %s (keep it with the database; "
                "set %s in production)", SECRET_ENV, "generated in" if created else "kept in",
                path, SECRET_ENV)
    return secret.encode()


def _create_secret_file(path: Path) -> bool:
    """Write a new random secret with mode 0600 unless the file exists; True if written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once cannot both write (and differ).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise SecretError(f"cannot create the secret file {path} ({exc.strerror}); "
                          f"set {SECRET_ENV} or make the folder writable") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32) + "\n")
    return True
