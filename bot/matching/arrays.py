"""Small NumPy helpers for flat (CSR) arrays: rows of different lengths stored end to end."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


def ranges(starts: NDArray[np.int64], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """The positions start, start + 1, ... start + length - 1 of each (start, length), joined."""
    ends = np.cumsum(lengths)
    return np.repeat(starts - ends + lengths, lengths) + np.arange(int(ends[-1]) if len(ends)
                                                                    else 0)


def offsets(counts: Sequence[int]) -> NDArray[np.int64]:
    """Where each row of a flat array starts, and one past the last."""
    return np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))


class Numbers(dict[str, int]):
    """Numbers for strings, in the order they are first seen."""

    def __missing__(self, key: str) -> int:
        number = self[key] = len(self)
        return number
