"""The repository's own history, for the measurements that read each blind batch as the commit
that added it (`train-redflags --report`, scripts/answer_gate.py, scripts/ranker.py)."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.cli.context import CliError


def line_commits(path: Path) -> list[str]:
    """The commit that last changed each line of `path`, in order (by `git blame`)."""
    try:
        blame = subprocess.run(["git", "blame", "--line-porcelain", str(path)],
                               capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise CliError(f"this needs the git history of {path}: {exc}") from exc
    # Each line's block starts "<sha> <line before> <line now> ..."; its text starts with a tab.
    return [line.split()[0] for line in blame.splitlines()
            if len(line) > 41 and line[40] == " " and _is_sha(line[:40])]


def _is_sha(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


@contextmanager
def tree(commit: str, *paths: str) -> Iterator[Path]:
    """A temporary folder holding `paths` as they were at `commit`, for as long as the block
    lasts. CalledProcessError (or OSError) if git cannot give them."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit, *paths],
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as unpacked:
            unpacked.extractall(folder, filter="data")
        yield Path(folder)
