"""End-to-end throughput: the real Application (`build_application`) against the fake Bot API.

N questions from many users are queued at once; the bot, started as `run_polling` starts it
(storage on a scratch SQLite file), answers them over HTTP. Measured: answered messages per
second, the time from an update being queued to its sendMessage reaching the server (p50 and
p99; in a burst that is mostly waiting in line), and replies lost or sent twice.

The baseline is a bare python-telegram-bot echo bot (one handler that sends the text back) on
the same fake API, the same messages, in the same run: the bot's rate is reported as a ratio
to it, which holds on a busy machine where messages per second do not. Bot and echo runs
alternate, `repeats` times each; the ratio is the median of the pairs'.

Two kinds of run, because the production bot paces itself: `AIORateLimiter` keeps it under
Telegram's flood limit of about 30 messages a second, so with it the bot can never show more.
The main run switches that limit off (`flood_limits=False`, retries kept), which is what the
fake server allows and what measures the bot's own capacity; a short second run with the
production limiter shows the number a real deployment sees.

    python -m benchmarks.throughput [messages] [users]
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from functools import partial
from pathlib import Path
from typing import Any

from bot.config import Config, RateLimit, load_config
from bot.evaluation import read_cases
from bot.knowledge import load_knowledge
from bot.runtime import build, reload_in_background
from bot.telegram import ALLOWED_UPDATES, build_application, use_fast_event_loop
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, TOKEN, bot_config

ROOT = Path(__file__).resolve().parent.parent
# The development evaluation set: real patients' phrasings of every kind (answers, suggestions,
# off-topic, red flags), so matching and rendering cost what they cost in use.
QUESTIONS = tuple(case.question for case in read_cases(ROOT / "tests" / "data" / "eval_dev.tsv"))
LIMITED_MESSAGES = 150  # the run with Telegram's limit: ~30/s, so a few seconds suffice
TIMEOUT = 120.0  # seconds: give up waiting for replies (they are then counted as lost)
STARTUP = 30.0  # seconds for the bot process to start polling
STOP = 30.0  # seconds for it to finish and stop

JSONDict = dict[str, Any]


class _TimedApi(FakeBotApi):
    """The fake Bot API, noting when each sendMessage arrives, per chat."""

    def __init__(self, token: str) -> None:
        super().__init__(token=token)
        self.arrivals: defaultdict[int, list[float]] = defaultdict(list)

    def _send_message(self, params: JSONDict) -> JSONDict:
        self.arrivals[int(params["chat_id"])].append(time.perf_counter())
        return super()._send_message(params)


def throughput(messages: int = 2000, users: int = 200, repeats: int = 1) -> dict[str, Any]:
    """The bot's own capacity (no flood limit) on `messages` questions from `users` people,
    against the echo bot's, then the production limiter on a few of them (keys `limited_*`).

    Per run: answered messages per second, p50/p99 ms from queued to sendMessage received,
    replies lost and duplicated, and questions recorded in the database (all, if storage
    keeps up). With `repeats`, the bot's figures are its median run's; lost and duplicated
    are added up over all runs.
    """
    config = load_config(ROOT / "config.example.yaml")
    runs, echoes = [], []
    for _ in range(repeats):
        runs.append(asyncio.run(_run(config, messages, users, flood_limits=False)))
        echoes.append(asyncio.run(_run(config, messages, users, flood_limits=False, echo=True)))
    ratios = [r["answered_per_s"] / max(e["answered_per_s"], 1e-9) for r, e in zip(runs, echoes,
                                                                                   strict=True)]
    middle = sorted(runs, key=lambda r: r["answered_per_s"])[len(runs) // 2]
    limited = asyncio.run(_run(config, min(messages, LIMITED_MESSAGES), users,
                               flood_limits=True))
    return {"users": users, **middle,
            "lost": sum(r["lost"] for r in runs), "duplicated": sum(r["duplicated"] for r in runs),
            "bot_per_s": [r["answered_per_s"] for r in runs],
            "echo_per_s": [e["answered_per_s"] for e in echoes],
            "echo_lost": sum(e["lost"] for e in echoes),
            "ratio_to_echo": round(statistics.median(ratios), 3),
            "ratios": [round(r, 3) for r in ratios],
            **{f"limited_{key}": value for key, value in limited.items()}}


async def _run(base: Config, messages: int, users: int, *, flood_limits: bool,
               echo: bool = False) -> JSONDict:
    people = [updates.user(100_000 + n, f"Gebruiker {n}") for n in range(users)]
    per_user = -(-messages // users)
    with tempfile.TemporaryDirectory() as scratch:
        async with _TimedApi(TOKEN) as api:
            config = bot_config(base, api, Path(scratch)).model_copy(update={
                # Each simulated person asks `per_user` questions at once; the per-person
                # limit would (rightly) silence the excess, which is not what is measured.
                "rate_limit": RateLimit(messages=max(per_user, base.rate_limit.messages),
                                        per_seconds=base.rate_limit.per_seconds)})
            settings = Path(scratch) / "config.json"
            settings.write_text(config.model_dump_json(), encoding="utf-8")
            # The bot runs in a process of its own, as in production, so that the fake
            # server's work (Telegram's, really) is not counted against the bot.
            serve = "_serve_echo" if echo else "_serve"
            code = (f"from benchmarks.throughput import {serve}; "
                    f"{serve}({str(settings)!r}, flood_limits={flood_limits})")
            bot = await asyncio.create_subprocess_exec(sys.executable, "-c", code, cwd=ROOT)
            try:
                await _started(api, bot)
                queued: defaultdict[int, list[float]] = defaultdict(list)
                start = time.perf_counter()
                for n in range(messages):
                    person = people[n % users]
                    api.push_update(updates.text_message(QUESTIONS[n % len(QUESTIONS)],
                                                         user=person))
                    queued[int(person["id"])].append(time.perf_counter())
                await _answered(api, messages)
                elapsed = time.perf_counter() - start
                await asyncio.sleep(0.5)  # a duplicate would come right after
            finally:
                await _stop(bot)
        recorded = 0 if echo else _recorded(Path(scratch) / "bot.sqlite3")
    return {**_summary(queued, api.arrivals, messages, elapsed), "recorded": recorded}


def _serve(settings: str, flood_limits: bool) -> None:
    """The bot, run as `python -m bot run` runs it (in the child process).

    Not the command itself, because `flood_limits=False` is no option of it: production has
    Telegram's limits, always."""
    config = Config.model_validate_json(Path(settings).read_text(encoding="utf-8"))
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING, format="bot: %(levelname)s %(name)s: %(message)s")

    loaded = build(config, load_knowledge(config.knowledge_dir))
    application = build_application(config, TOKEN, loaded,
                                    reload=partial(reload_in_background, config),
                                     flood_limits=flood_limits, environ=SECRET)
    use_fast_event_loop()
    application.run_polling(allowed_updates=ALLOWED_UPDATES)


def _serve_echo(settings: str, flood_limits: bool) -> None:
    """The baseline (in the child process): PTB's own echo bot, nothing else."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    from bot.telegram.http import CONNECTIONS

    config = Config.model_validate_json(Path(settings).read_text(encoding="utf-8"))
    os.environ.setdefault("PTB_TIMEDELTA", "true")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None and update.message.text is not None:
            await update.message.reply_text(update.message.text)

    # As many connections as the bot has (`CONNECTIONS`), and no time limit to get one:
    # PTB's default of one connection would make the baseline, not the bot, the slow one.
    application = (ApplicationBuilder().token(TOKEN).base_url(config.telegram.base_url)
                   .concurrent_updates(True).connection_pool_size(CONNECTIONS)
                   .pool_timeout(None).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    use_fast_event_loop()
    application.run_polling(allowed_updates=ALLOWED_UPDATES)


async def _started(api: FakeBotApi, bot: asyncio.subprocess.Process) -> None:
    """Wait until the bot polls for updates; fail at once if it died."""
    deadline = time.perf_counter() + STARTUP
    while not api.calls("getUpdates"):
        if bot.returncode is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"the bot did not start (exit code {bot.returncode})")
        await asyncio.sleep(0.05)


async def _stop(bot: asyncio.subprocess.Process) -> None:
    """Stop the bot as a service manager would (SIGINT: it finishes and closes storage)."""
    if bot.returncode is None:
        bot.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(bot.wait(), STOP)
    except TimeoutError:
        bot.kill()
        await bot.wait()


def _recorded(database: Path) -> int:
    """Questions in the bot's database: each answered question should be there once."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(db.execute("SELECT count(*) FROM events").fetchone()[0])


async def _answered(api: _TimedApi, messages: int) -> None:
    """Wait until `messages` replies arrived, or TIMEOUT (what is missing counts as lost).

    Counted from `arrivals`, not with `api.wait_for`, which scans the whole request log at
    every request: in the same process as the bot, that would slow the bot down."""
    deadline = time.perf_counter() + TIMEOUT
    while sum(map(len, api.arrivals.values())) < messages and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)


def _summary(queued: dict[int, list[float]], arrived: dict[int, list[float]], messages: int,
             elapsed: float) -> JSONDict:
    # Each person's questions are answered one after another, in order (`PerUserOrder`), so
    # the k-th reply in a chat answers the k-th question of that chat.
    latencies = [(reply - asked) * 1000 for chat, times in queued.items()
                 for asked, reply in zip(times, arrived.get(chat, ()), strict=False)]
    counts = Counter({chat: len(times) for chat, times in arrived.items()})
    lost = sum(max(0, len(times) - counts[chat]) for chat, times in queued.items())
    duplicated = sum(max(0, counts[chat] - len(queued.get(chat, ()))) for chat in counts)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"messages": messages, "answered_per_s": round((messages - lost) / elapsed, 1),
            "p50_ms": round(cuts[49]), "p99_ms": round(cuts[98]), "lost": lost,
            "duplicated": duplicated}


def _table(result: dict[str, Any]) -> str:
    width = max(len(key) for key in result)
    return "\n".join(f"{key:<{width}}  {value}" for key, value in result.items())


if __name__ == "__main__":
    args = [int(arg) for arg in sys.argv[1:3]]
    print(_table(throughput(*args)))
