"""The checked knowledge base and its built matcher, kept on disk between runs.

Building the index takes seconds at a thousand entries and most of a minute at ten thousand;
loading a pickle of it takes a fraction of that. The cache file is named by a fingerprint of
everything the result depends on: the knowledge files (names and bytes), the code that reads
and indexes them, the matcher's settings and the Python and NumPy versions. An edit to any of
them gives a new name, so a stale cache is never read; it is only left behind (the newest few
files are kept). A cache file that is cut short, corrupt or from other code is ignored and the
knowledge base is built as if there were none.

Pickle runs code from the file it loads, so the cache folder must be the bot's own: it is made
readable by its owner only, and a folder that others can write to is not used.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from bot.spare_time import Pause, no_pause

CACHE_ENV = "MYTHBOT_CACHE_DIR"
FORMAT = b"mythbot-cache 1\n"
ARRAY_PIECE = 1 << 20  # bytes of an array copied between two pauses while unpickling
KEEP = 4  # cache files kept in the folder (several knowledge folders may share it)
# The code whose output is cached: a change to any of these files is a change of the result.
_CODE = ("knowledge", "matching", "textfold.py", "cache.py")

log = logging.getLogger(__name__)


def default_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """$MYTHBOT_CACHE_DIR, else the user's cache folder ($XDG_CACHE_HOME or ~/.cache)/mythbot;
    a service user without a home gets a folder of its own in the temporary folder."""
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV])
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]) / "mythbot"
    try:
        return Path.home() / ".cache" / "mythbot"
    except RuntimeError:  # no home folder to be found
        return Path(tempfile.gettempdir()) / f"mythbot-cache-{os.getuid()}"


def _code_files() -> Iterable[Path]:
    package = Path(__file__).resolve().parent
    for name in _CODE:
        path = package / name
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix != ".pyc")
        else:
            yield path


def _knowledge_files(root: Path) -> list[tuple[str, str]]:
    """(name, path) of every file the loader may read (or complain about) in a knowledge
    folder. Ten thousand entries are ten thousand files: scandir, not a Path each."""
    files = []
    for folder, prefix in ((root, ""), (root / "entries", "entries/")):
        try:
            with os.scandir(folder) as found:
                files += [(prefix + f.name, f.path) for f in found
                          if f.is_file() and (prefix or f.name.endswith(".yaml"))]
        except (FileNotFoundError, NotADirectoryError):
            continue
    return sorted(files)


def fingerprint(root: Path, settings: str) -> str:
    """A name for what loading `root` with these matcher `settings` gives: a hash of the
    files' names and bytes (not their dates, which a checkout or a copy changes)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(FORMAT + f"{sys.version}|{np.__version__}|{settings}".encode())
    package = Path(__file__).resolve().parent
    code = [(p.relative_to(package).as_posix(), str(p)) for p in _code_files()]
    for group, files in (("code", code), ("knowledge", _knowledge_files(root))):
        digest.update(group.encode())
        for name, path in files:
            with open(path, "rb") as file:
                data = file.read()
            digest.update(f"\0{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()


def _private(folder: Path) -> bool:
    """Is `folder` ours alone (pickle must not load what someone else could have written)?"""
    info = folder.stat()
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def load(folder: Path, key: str) -> object | None:
    """What `store` saved under `key`, or None (missing, unreadable, corrupt, other code)."""
    data = read(folder, key)
    return None if data is None else unpickled(data)


def read(folder: Path, key: str) -> memoryview | None:
    """The pickle saved under `key`, unread yet, or None (missing, unreadable, other code)."""
    try:
        if not _private(folder):
            log.warning("cache folder %s can be written by others: not used", folder)
            return None
        data = (folder / f"{key}.pickle").read_bytes()
    except OSError:
        return None
    header = FORMAT + key.encode() + b"\n"
    if not data.startswith(header):
        return None
    return memoryview(data)[len(header):]


def unpickled(data: memoryview, pause: Pause = no_pause) -> object | None:
    """`unpickle` of what `read` gave (or a worker sent), or None if it is broken."""
    try:
        return unpickle(data, pause)
    except Exception:  # any broken cache means: build anew
        log.info("a cache file is unreadable: rebuilding")
        return None


def unpickle(data: bytes | memoryview, pause: Pause = no_pause) -> object:
    """`pickle.loads` for a knowledge base and index that will live long, loaded while the
    event loop goes on answering people: `pause` is called before each frame (64 KiB) is read
    (see `bot.spare_time`).

    Unpickling makes hundreds of thousands of objects, none of them garbage: the collector is
    off meanwhile (a third less time), and what was made is frozen before it is back on, or its
    first pass would walk all of them at once (a stall of 25-45 ms at 1 000 entries).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        found: object = pickle.Unpickler(_Frames(data, pause)).load()
        gc.freeze()
    finally:
        if collecting:
            gc.enable()
    return found


class _Frames:
    """`data` as a file for the unpickler, which reads it a frame (64 KiB) at a time: each
    read is a call into Python, where the work can pause. From bytes, one `pickle.loads` call
    would keep the event loop waiting 10-30 ms at a time."""

    def __init__(self, data: bytes | memoryview, pause: Pause) -> None:
        self.data = memoryview(data)
        self.at = 0
        self.pause = pause

    def read(self, size: int = -1) -> bytes:
        self.pause()
        start = self.at
        self.at = len(self.data) if size < 0 else min(start + size, len(self.data))
        return bytes(self.data[start:self.at])

    def readinto(self, buffer: memoryview) -> int:
        # an array's bytes, megabytes at once: copied a piece at a time
        piece = self.data[self.at:self.at + len(buffer)]
        for start in range(0, len(piece), ARRAY_PIECE):
            self.pause()
            buffer[start:start + ARRAY_PIECE] = piece[start:start + ARRAY_PIECE]
        self.at += len(piece)
        return len(piece)

    def readline(self) -> bytes:
        end = bytes(self.data[self.at:]).find(b"\n")
        return self.read(-1 if end < 0 else end + 1)


def store(folder: Path, key: str, value: object) -> bool:
    """Save `value` under `key` (atomically: a reader sees the old file or the whole new one);
    False when the folder cannot be used. The oldest other cache files are removed."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            log.warning("cache folder %s can be written by others: not used", folder)
            return False
        header = FORMAT + key.encode() + b"\n"
        with tempfile.NamedTemporaryFile("wb", dir=folder, prefix=".tmp-", delete=False) as out:
            try:
                out.write(header)
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, folder / f"{key}.pickle")
        _prune(folder)
        return True
    except (OSError, pickle.PicklingError) as exc:
        log.warning("cannot write the cache in %s (%s)", folder, exc.__class__.__name__)
        return False


def _prune(folder: Path) -> None:
    try:  # another process may be pruning too
        files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
