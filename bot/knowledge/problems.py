"""One error family for content problems: every finding knows its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """A located content problem that an editor can act on."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base cannot be used; `problems` lists every finding."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path, root: Path) -> str:
    """Paths in messages are relative to the knowledge folder's parent, like `knowledge/x.yaml`."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)
