"""A progress bar on stderr while a large knowledge base is read and indexed (terminals only:
a log file or a pipe gets no bar)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

WIDTH = 30
INTERVAL = 0.1  # seconds between redraws: drawing must not cost what it measures
SHOW_AFTER = 0.5  # seconds: a fast load (a warm cache, a small base) shows no bar at all


class ProgressBar:
    """Called as (stage, done, total); a context manager that clears the bar at the end."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._start = time.monotonic()
        self._drawn = 0.0
        self._shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._start < SHOW_AFTER or (now - self._drawn < INTERVAL and done < total):
            return
        self._drawn = now
        share = done / total if total else 1.0
        filled = round(WIDTH * share)
        self.stream.write(f"\r{stage}: [{'#' * filled}{'.' * (WIDTH - filled)}] "
                          f"{share:4.0%} ({done}/{total})\033[K")
        self.stream.flush()
        self._shown = True

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
