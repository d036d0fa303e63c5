"""What an installed (not editable) mythbot needs besides its Python files."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT


def test_every_data_file_of_the_package_is_declared_for_installation() -> None:
    """A wheel holds only .py files unless pyproject declares the others; a stop-word list
    left out crashes every question of an installed bot."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = declared["tool"]["setuptools"]["package-data"]
    included = {path for package, globs in patterns.items() for glob in globs
                for path in (ROOT / package.replace(".", "/")).glob(glob)}
    data = {path for path in (ROOT / "bot").rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts}
    assert data, "the package is expected to read its stop-word lists"
    assert data <= included, sorted(str(p.relative_to(ROOT)) for p in data - included)


@pytest.mark.slow
def test_the_shipped_word_frequencies_are_what_wordfreq_gives() -> None:
    """bot/matching/data/common_*.txt are generated: a hand edit or a wordfreq upgrade without
    regenerating them shows here."""
    pytest.importorskip("wordfreq")
    result = subprocess.run([sys.executable, "scripts/common_words.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
