"""Delivery under faults, against the fake Bot API: what the reliability section of the README
promises, measured.

* Outages: every sendMessage fails (500) for N seconds while people ask; the bot runs with
  the production delivery settings (`config.example.yaml`). Questions lost (must be 0) and
  the p99 delay of their replies after Telegram is back.
* Kills: `python -m bot run` is killed (SIGKILL) some time after the first reply of a burst of
  200 questions, then restarted. Replies sent twice, against the replies "in flight" at the
  kill (confirmed by Telegram, their mark not yet written), and questions lost.
* One slow person: 150 people ask while one person's chat is flood-limited (429, retry after
  45 s) or one person's reply takes 10 s; the others' p99, against a run without that person
  (the baseline, in the same run).

    python -m benchmarks.faults
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.config import Config, load_config
from bot.knowledge import load_knowledge
from bot.runtime import Loaded, build
from tests.helpers import updates
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET, TOKEN, bot_config, running_bot

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Is artrose slijtage?"
OUTAGES = (5.0, 15.0, 30.0)  # seconds
QUICK_OUTAGES = (5.0,)
ASKING = 50  # people who ask during an outage
KILL_POINTS = (0.2, 1.0)  # seconds after the first reply of the burst
BURST = 200
OTHERS = 150
WAIT = 90.0  # seconds for replies after the fault is over; what is missing then is lost
JSONDict = dict[str, Any]


def faults(quick: bool = False) -> JSONDict:
    """Every table of the module; `quick`: only the shortest outage."""
    logging.getLogger("bot").setLevel(logging.ERROR)  # the bot in this process: no noise
    config = load_config(ROOT / "config.example.yaml")
    loaded = build(config, load_knowledge(config.knowledge_dir))
    outages = [asyncio.run(_outage(config, loaded, seconds))
               for seconds in (QUICK_OUTAGES if quick else OUTAGES)]
    kills = [asyncio.run(_kill(config, point)) for point in KILL_POINTS]
    slow = [asyncio.run(_slow_person(config, loaded, kind)) for kind in ("none", "429", "slow")]
    return {"outages": outages, "kills": kills, "slow_person": slow}


async def _outage(base: Config, loaded: Loaded, seconds: float) -> JSONDict:
    who = [updates.user(20_000 + n, f"Persoon {n}") for n in range(ASKING)]
    with tempfile.TemporaryDirectory() as scratch:
        async with FakeBotApi(token=TOKEN) as api:
            config = bot_config(base, api, Path(scratch))
            async with running_bot(api, config, loaded=loaded):
                api.outage(seconds)
                for person in who:
                    api.push_update(updates.text_message(QUESTION, user=person))
                while api.in_outage():
                    await asyncio.sleep(0.05)
                back = time.monotonic()
                await _until(lambda: len(_first_replies(api)) >= len(who), WAIT)
            replies = _first_replies(api)
    delays = sorted(at - back for at in replies.values())
    return {"outage_s": seconds, "asked": len(who), "lost": len(who) - len(replies),
            "p50_after_s": round(_quantile(delays, 50), 2),
            "p99_after_s": round(_quantile(delays, 99), 2)}


def _first_replies(api: FakeBotApi) -> dict[int, float]:
    first: dict[int, float] = {}
    for call in api.log:
        if call.method == "sendMessage" and call.ok:
            first.setdefault(int(call.params["chat_id"]), call.at)
    return first


async def _kill(base: Config, point: float) -> JSONDict:
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        async with FakeBotApi(token=TOKEN) as api:
            asked: dict[tuple[int, int], int] = {}
            for n in range(BURST):
                person = updates.user(30_000 + n % 20, f"Lid {n % 20}")
                chat = updates.group_chat(-1003000 - n % 20, f"Groep {n % 20}")
                pushed = api.push_update(updates.group_message(
                    f"{QUESTION} ({n})", mention=api.username, chat=chat, user=person))
                asked[(chat["id"], pushed["message"]["message_id"])] = pushed["update_id"]
            config = _child_config(tmp, api)
            first = await _start(config, tmp)
            try:
                await api.wait_for("sendMessage", 1, ok=True, timeout=30)
                await asyncio.sleep(point)
                first.kill()
                await first.wait()
                await asyncio.sleep(0.2)  # requests the fake had fully received
                before = set(_replies(api, asked))
                in_flight = before - _safe(tmp / "bot.sqlite3", api, max(asked.values()))
                polls = len(api.calls("getUpdates"))
                second = await _start(config, tmp)
                await _until(lambda: len(_replies(api, asked)) == len(asked), WAIT)
                await _until(lambda: len(api.calls("getUpdates")) > polls, 30)
                await asyncio.sleep(0.5)
                second.send_signal(signal.SIGINT)
                await asyncio.wait_for(second.wait(), 30)
            finally:
                for bot in (first, locals().get("second")):
                    if isinstance(bot, asyncio.subprocess.Process) and bot.returncode is None:
                        bot.kill()
            answered = _replies(api, asked)
            with contextlib.closing(sqlite3.connect(tmp / "bot.sqlite3")) as db:
                counted, distinct = db.execute(
                    "SELECT count(*), count(DISTINCT update_id) FROM events").fetchone()
    return {"kill_after_s": point, "answered_before": len(before), "in_flight": len(in_flight),
            "duplicates": sum(1 for n in answered.values() if n > 1),
            "lost": len(asked) - len(answered), "questions_counted_twice": counted - distinct}


def _child_config(tmp: Path, api: FakeBotApi) -> Path:
    data = yaml.safe_load((ROOT / "config.example.yaml").read_text(encoding="utf-8"))
    data["knowledge_dir"] = str(ROOT / "knowledge")
    data["storage"]["url"] = f"sqlite+aiosqlite:///{tmp / 'bot.sqlite3'}"
    data["telegram"].update(base_url=api.base_url, bot_username=api.username)
    data["log_level"] = "WARNING"
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def _start(config: Path, tmp: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, **SECRET, "TELEGRAM_BOT_TOKEN": TOKEN, "MYTHBOT_CONFIG": str(config),
           "PYTHONPATH": str(ROOT)}
    with (tmp / "bot.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run",
                                                    cwd=tmp, env=env, stdout=log, stderr=log)


def _replies(api: FakeBotApi, asked: dict[tuple[int, int], int]) -> Counter[int]:
    count: Counter[int] = Counter()
    for params in api.sent_messages():
        quoted = (params.get("reply_parameters") or {}).get("message_id")
        key = (int(params["chat_id"]), int(quoted or 0))
        if key in asked:
            count[asked[key]] += 1
    return count


def _safe(database: Path, api: FakeBotApi, last: int) -> set[int]:
    """Updates done with for good at the kill: marked, or confirmed and not kept pending
    (`last`: the newest update id pushed)."""
    unconfirmed = {update["update_id"] for update in api.pending_updates}
    with contextlib.closing(sqlite3.connect(database)) as db:
        pending = {row[0] for row in db.execute("SELECT update_id FROM pending_updates")}
        marked = {row[0] for row in db.execute("SELECT update_id FROM handled_updates")}
    journal = database.with_name(database.name + ".handled")
    lines = journal.read_bytes().split(b"\n") if journal.exists() else []
    marked |= {int(line) for line in lines if line.strip().isdigit()}
    # Nothing unconfirmed: every update pushed was confirmed (not a billion of them: that set
    # took the machine's memory when a kill came after the whole burst was confirmed).
    oldest = min(unconfirmed, default=last + 1)
    return marked | {u for u in range(1, oldest) if u not in pending}


async def _slow_person(base: Config, loaded: Loaded, kind: str) -> JSONDict:
    slow = updates.user(40_000, "Traag")
    others = [updates.user(40_001 + n, f"Ander {n}") for n in range(OTHERS)]
    with tempfile.TemporaryDirectory() as scratch:
        async with FakeBotApi(token=TOKEN) as api:
            config = bot_config(base, api, Path(scratch))
            async with running_bot(api, config, loaded=loaded, flood_limits=False):
                if kind == "429":
                    api.fail("sendMessage", status=429, retry_after=45, chat_id=slow["id"])
                elif kind == "slow":
                    api.delay("sendMessage", 10.0, chat_id=slow["id"])
                if kind != "none":
                    api.push_update(updates.text_message(QUESTION, user=slow))
                    await api.wait_for("sendMessage", 1)
                asked = time.monotonic()
                for person in others:
                    api.push_update(updates.text_message(QUESTION, user=person))
                ids = {int(p["id"]) for p in others}
                await _until(lambda: len(ids & _first_replies(api).keys()) == len(ids), WAIT)
            replies = _first_replies(api)
    delays = sorted((replies[i] - asked) * 1000 for i in ids if i in replies)
    return {"slow_person": {"none": "nobody (baseline)", "429": "429, retry after 45 s",
                            "slow": "reply takes 10 s"}[kind],
            "others": len(ids), "lost": len(ids) - len(delays),
            "others_p50_ms": round(_quantile(delays, 50)),
            "others_p99_ms": round(_quantile(delays, 99))}


def _quantile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100)[q - 1]


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def fault_table(result: JSONDict) -> str:
    lines = ["Delivery under faults (the fake Bot API; production delivery settings)",
             f"{'sendMessage down for':<24}{'asked':>7}{'lost':>6}{'p50 after':>11}"
             f"{'p99 after':>11}"]
    lines += [f"{row['outage_s']:>20.0f} s{row['asked']:>9}{row['lost']:>6}"
              f"{row['p50_after_s']:>9.2f} s{row['p99_after_s']:>9.2f} s"
              for row in result["outages"]]
    lines += ["", f"{'SIGKILL after 1st reply':<24}{'answered':>9}{'in flight':>10}"
                  f"{'sent twice':>11}{'lost':>6}{'counted twice':>15}"]
    lines += [f"{row['kill_after_s']:>22.1f} s{row['answered_before']:>9}{row['in_flight']:>10}"
              f"{row['duplicates']:>11}{row['lost']:>6}{row['questions_counted_twice']:>15}"
              for row in result["kills"]]
    lines += ["", f"{'one slow person':<24}{'others':>7}{'lost':>6}{'p50 ms':>9}{'p99 ms':>9}"]
    lines += [f"{row['slow_person']:<24}{row['others']:>7}{row['lost']:>6}"
              f"{row['others_p50_ms']:>9}{row['others_p99_ms']:>9}"
              for row in result["slow_person"]]
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    outcome = faults(quick="--quick" in sys.argv)
    print(json.dumps(outcome, indent=2) if "--json" in sys.argv else fault_table(outcome))
