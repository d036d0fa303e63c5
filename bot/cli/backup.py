"""`backup --out FILE`: a consistent copy of the SQLite database, also while the bot runs.

SQLite's online backup copies the database page by page inside a read transaction, so the
copy is the database as it was at one moment, whatever the bot writes meanwhile; copying the
file itself (with its -wal beside it) could catch it half-written.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from bot.cli.context import EXIT_USAGE, CliError, add_common, config_from

LOCK_WAIT = 30.0  # seconds to wait for a moment when the bot is not writing
PAGES_PER_STEP = 1024  # copied at a time, so the bot can write in between


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "backup", help="copy the SQLite database to a file, safely while the bot runs")
    parser.add_argument("--out", required=True, help="the copy to write (replaced if it exists)")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: SQLAlchemy would slow every other command (`ask` above all) for nothing.
    from bot.storage.engine import StorageConfigError, parse_url
    from bot.storage.identity import SECRET_ENV, secret_file_for

    config = config_from(args)
    try:
        target = parse_url(config.storage.url)
    except StorageConfigError as exc:
        raise CliError(str(exc)) from None
    if not target.is_sqlite:
        print("mythbot: the database is PostgreSQL: back it up with pg_dump, e.g. "
              "pg_dump --format=custom --file=mythbot.dump DATABASE (restore with pg_restore)",
              file=sys.stderr)
        return EXIT_USAGE
    database = target.sqlite_file
    if database is None:
        raise CliError("storage.url is an in-memory database: there is nothing to back up")
    if not database.is_file():
        raise CliError(f"there is no database at {database} yet (the bot creates it when it "
                       "first runs); check storage.url")
    out = Path(args.out)
    copy_database(database, out)
    size = out.stat().st_size
    print(f"mythbot: backed up {database} to {out} ({size / 1024:.0f} KB)", file=sys.stderr)
    if SECRET_ENV not in os.environ and secret_file_for(database).exists():
        print(f"mythbot: keep a copy of {secret_file_for(database)} too (apart from this "
              "backup): without it the stored pseudonyms can no longer be matched to anyone",
              file=sys.stderr)
    return 0


def copy_database(database: Path, out: Path) -> None:
    """Copy `database` to `out` with SQLite's online backup; `out` appears only when whole."""
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(database, timeout=LOCK_WAIT)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy, pages=PAGES_PER_STEP)
            finally:
                copy.close()
        finally:
            source.close()
        os.replace(partial, out)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot back up {database}: {exc}") from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {out} ({exc.strerror or exc})") from None
