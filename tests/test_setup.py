"""What a clinic's IT person meets when setting the bot up: paths, --help, export, backup."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from bot.config import load_config
from tests.conftest import EXAMPLE_CONFIG, KNOWLEDGE, ROOT


def mythbot(*args: str, cwd: Path = ROOT,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def site_config(tmp_path: Path, url: str = "sqlite+aiosqlite:///data/bot.sqlite3") -> Path:
    """A config in its own folder, every path in it relative."""
    site = tmp_path / "site"
    site.mkdir()
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["knowledge_dir"] = os.path.relpath(KNOWLEDGE, site)
    data["storage"]["url"] = url
    data["telegram"]["token_file"] = "secret/bot.token"
    path = site / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_path_in_the_config_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = site_config(tmp_path)
    site = path.parent.absolute()
    config = load_config(path)
    assert config.knowledge_dir.resolve() == KNOWLEDGE.resolve()
    assert config.telegram.token_file == path.parent / "secret/bot.token"
    assert config.storage.url == f"sqlite+aiosqlite:///{(site / 'data/bot.sqlite3').as_posix()}"


def test_absolute_and_server_urls_are_kept(tmp_path: Path) -> None:
    for n, url in enumerate(("sqlite+aiosqlite:////var/lib/mythbot/bot.sqlite3",
                "sqlite+aiosqlite:///:memory:",
                "postgresql+asyncpg://mythbot:pw@db.example/mythbot")):
        (tmp_path / str(n)).mkdir()
        config = load_config(site_config(tmp_path / str(n), url))
        assert config.storage.url == url


def test_help_names_the_real_config_order() -> None:
    result = mythbot("run", "--help")
    text = " ".join(result.stdout.split())
    assert "$MYTHBOT_CONFIG, else ./config.yaml, else ./config.example.yaml" in text


def test_export_is_json_without_asking() -> None:
    plain, flagged = mythbot("export"), mythbot("export", "--json")
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout) == json.loads(flagged.stdout)
    assert {e["id"] for e in json.loads(plain.stdout)["entries"]} >= {"worn-out-joint"}


def test_backup_while_the_database_is_being_written(tmp_path: Path) -> None:
    """From another folder, with a write in progress: the copy has what was committed."""
    config = site_config(tmp_path)
    database = config.parent / "data" / "bot.sqlite3"
    database.parent.mkdir()
    bot = sqlite3.connect(database, isolation_level=None)
    bot.execute("PRAGMA journal_mode=WAL")
    bot.execute("CREATE TABLE events (n INTEGER)")
    bot.executemany("INSERT INTO events VALUES (?)", [(n,) for n in range(5000)])
    bot.execute("BEGIN IMMEDIATE")  # the bot is in the middle of writing
    bot.execute("INSERT INTO events VALUES (-1)")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    try:
        result = mythbot("backup", "--config", str(config), "--out", "copy.sqlite3",
                         cwd=elsewhere, env={"MYTHBOT_SECRET": "x" * 32})
    finally:
        bot.execute("COMMIT")
        bot.close()
    assert result.returncode == 0, result.stderr
    assert "backed up" in result.stderr and "Traceback" not in result.stderr
    copy = sqlite3.connect(elsewhere / "copy.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*), min(n) FROM events").fetchone() == (5000, 0)
    finally:
        copy.close()
    assert [p.name for p in elsewhere.iterdir()] == ["copy.sqlite3"]


def test_backup_without_a_database_yet_says_so(tmp_path: Path) -> None:
    result = mythbot("backup", "--config", str(site_config(tmp_path)), "--out",
                     str(tmp_path / "copy.sqlite3"))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "there is no database at" in line and "data/bot.sqlite3" in line


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    config = site_config(tmp_path, "postgresql+asyncpg://mythbot:pw@127.0.0.1/mythbot")
    result = mythbot("backup", "--config", str(config), "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "pg_dump" in line and "pw" not in line
    assert not (tmp_path / "x").exists()
