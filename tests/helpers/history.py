"""Whether this checkout has the repository's whole git history (tests that read past commits
skip in a shallow clone)."""

from __future__ import annotations

import subprocess


def full_history() -> bool:
    try:
        done = subprocess.run(["git", "rev-parse", "--is-shallow-repository"],
                              capture_output=True, text=True, check=False)
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == "false"
