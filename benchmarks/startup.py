"""Start-up: from `python -m bot run` to the bot polling for updates, i.e. ready to answer.

The real command, against the fake Bot API: Python starting, the configuration and knowledge
base loading, the matcher's index, python-telegram-bot, the HTTP client, storage with its
migrations, and the first getUpdates. The median of a few fresh processes (a restart is what a
patient waits through); `ask`'s start-up, without Telegram or storage, is the baseline.

Both the wall-clock time and the bot process's CPU time (user + system, read from /proc when
the first getUpdates arrives) are measured: on a shared machine the wall-clock time also
counts the other tenants' work, so the target is judged on CPU time, as the other start-up
targets are. The processes run as a deployed bot does, with Python's compiled bytecode kept
between starts (see `speed.python_env`).

    python -m benchmarks.startup
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.speed import python_env
from bot.cache import CACHE_ENV
from bot.config import TOKEN_ENV, load_config
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, TOKEN, bot_config

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
LIMIT = 30.0  # seconds: a bot that is not polling by then counts as failed to start


def startup_seconds(runs: int = RUNS) -> dict[str, float]:
    """Median seconds to ready: the Telegram bot (`run`, wall-clock and CPU time) and, as the
    baseline, `ask`; with a cache folder of their own, which the first run fills (the others
    start warm)."""
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as pycache:
        environ = python_env({**os.environ, CACHE_ENV: cache}, Path(pycache))
        times = asyncio.run(_run_times(runs, environ))
        return {"run": statistics.median(wall for wall, _ in times),
                "run_cpu": statistics.median(cpu for _, cpu in times),
                "ask": statistics.median(_ask_time(environ) for _ in range(runs))}


def _cpu_seconds(pid: int) -> float:
    """User + system time of a running process so far (Linux)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run_times(runs: int, environ: dict[str, str]) -> list[tuple[float, float]]:
    """(wall-clock, CPU) seconds of each start to its first getUpdates."""
    base = load_config(ROOT / "config.example.yaml")
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(runs):
            async with FakeBotApi(TOKEN) as api:
                settings = Path(scratch) / "config.json"  # JSON is YAML too
                settings.write_text(bot_config(base, api, Path(scratch)).model_dump_json(),
                                    encoding="utf-8")
                environ = {**environ, **SECRET, TOKEN_ENV: TOKEN}
                start = time.perf_counter()
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", "--config", str(settings), cwd=ROOT,
                    env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    while not api.calls("getUpdates"):
                        if bot.returncode is not None or time.perf_counter() - start > LIMIT:
                            raise RuntimeError(f"the bot did not start ({bot.returncode})")
                        await asyncio.sleep(0.005)
                    times.append((time.perf_counter() - start, _cpu_seconds(bot.pid)))
                finally:
                    if bot.returncode is None:
                        bot.send_signal(signal.SIGINT)
                    await bot.wait()
    return times


def _ask_time(environ: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "is mijn knie versleten"],
                   check=True, capture_output=True, cwd=ROOT, env=environ)
    return time.perf_counter() - start


if __name__ == "__main__":
    print(startup_seconds())
