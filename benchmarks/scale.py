"""Scale-out: updates through nginx to 1, 2 and 3 `serve` instances on one PostgreSQL, one
instance SIGKILLed mid-run and restarted (tests/helpers/cluster.py builds the topology).

A fake Telegram posts each user's updates one after the other (a chat's updates come in
order), at most `CONNECTIONS` at once (webhook.max_connections), and posts an update again
when the answer is not a 200, as Telegram does. Half-way through, instance 1 is SIGKILLed and
started again at once. Counted from the replies the fake Bot API received, per chat:
answered, lost (an update acknowledged or given up without its reply: must be 0) and
duplicated (replies sent twice; only updates in flight at the kill can be). Latency is from
the first post of an update to its 200, which comes after its reply was sent (inside that
200, or by a Bot API call before it).

The machine's cores are shared (with the load generator, nginx and PostgreSQL, and with
whatever else runs), so answers a second say little alone: the CPU time each part took per
answered update (Linux /proc; the instance killed is counted up to its kill) says what the
same run costs on any machine, and `capacity_per_s` what these cores could answer if the
run had them to itself (cores × 1000 / total CPU ms per update).

    python -m benchmarks.scale [updates] [users]

Needs nginx and PostgreSQL: MYTHBOT_BENCH_POSTGRES_URL (or MYTHBOT_TEST_POSTGRES_URL), else
scripts/test-postgres.sh starts one (as CI does). Without them it says so and measures nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.poster import Poster, PostError
from bot.config import load_config
from bot.knowledge import load_knowledge
from bot.runtime import build
from bot.storage.schema import metadata
from tests.helpers import updates
from tests.helpers.cluster import HEADER, HOOK_SECRET, Cluster, nginx_binary
from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import TOKEN, questions_of_kind

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 40  # Telegram's default max_connections
# Instance counts in the order run: three instances, the target's, three times (the verdict
# takes the median, so that a moment when the shared machine is slow does not decide it).
INSTANCE_COUNTS = (1, 2, 3, 3, 3)
RETRY_PAUSE = 0.2  # seconds before an update is posted again (Telegram waits longer)
POST_TIMEOUT = 90.0  # seconds for one POST (as the tests' client allows)
GIVE_UP = 120.0  # seconds one update may take, retries included; then it counts as lost


def postgres_url() -> str | None:
    for name in ("MYTHBOT_BENCH_POSTGRES_URL", "MYTHBOT_TEST_POSTGRES_URL"):
        if os.environ.get(name):
            return os.environ[name]
    script = ROOT / "scripts" / "test-postgres.sh"
    try:
        found = subprocess.run([str(script)], capture_output=True, text=True, timeout=600,
                               check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found.stdout.strip() or None


def scale(total: int = 10_000, users: int = 500,
          counts: tuple[int, ...] = INSTANCE_COUNTS) -> dict[str, Any]:
    """The rows of the table (one per run, `counts` instances each), or {"skipped": reason}."""
    missing = []
    if nginx_binary() is None:
        missing.append("nginx")
    url = postgres_url()
    if url is None:
        missing.append("PostgreSQL")
    if missing or url is None:
        return {"skipped": f"needs {' and '.join(missing)} (see benchmarks/scale.py)"}
    try:
        import uvloop
    except ImportError:
        rows = [asyncio.run(_run(url, n, total, users)) for n in counts]
    else:
        rows = [uvloop.run(_run(url, n, total, users)) for n in counts]
    one, three = median_per_s(rows, 1), median_per_s(rows, 3)
    return {"updates": total, "users": users, "rows": rows, "per_s_3": three,
            "ratio_3_vs_1": round(three / one, 2) if one and three else None}


def median_per_s(rows: list[dict[str, Any]], instances: int) -> float | None:
    """The median answers a second of the runs with that many instances (None: no such run)."""
    found = [r["answered_per_s"] for r in rows if r["instances"] == instances]
    return round(statistics.median(found), 1) if found else None


async def _empty(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(text(f"DROP TABLE IF EXISTS {table.name} CASCADE"))
    await engine.dispose()


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used; 0.0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pids(*args: str) -> list[int]:
    found = subprocess.run(["pgrep", *args], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


class CpuMeter:
    """CPU time of the parts of the run: instances, nginx (master and workers), PostgreSQL
    (every server process, whoever they serve: the run should be alone on the server) and
    this process (the fake Telegram and its load)."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._spent = {"instances": 0.0}
        self._start = self._now()

    def _groups(self) -> dict[str, list[int]]:
        nginx = self._cluster.nginx.proc
        nginx_pids = [nginx.pid, *_pids("-P", str(nginx.pid))] if nginx else []
        return {"instances": [i.proc.pid for i in self._cluster.instances if i.proc],
                "nginx": nginx_pids, "postgres": _pids("-u", "postgres"),
                "telegram": [os.getpid()]}

    def _now(self) -> dict[str, float]:
        return {name: sum(map(_cpu, pids)) for name, pids in self._groups().items()}

    def killing(self, instance: Any) -> None:
        """Call just before `instance` is killed: its CPU time so far still counts."""
        self._spent["instances"] += _cpu(instance.proc.pid) - self._start.get(
            f"pid{instance.proc.pid}", 0.0)

    def mark(self) -> None:
        self._start = self._now()
        for instance in self._cluster.instances:
            if instance.proc:
                self._start[f"pid{instance.proc.pid}"] = _cpu(instance.proc.pid)

    def ms_per_update(self, answered: int) -> dict[str, float]:
        now = self._now()
        spent = {name: now[name] - self._start[name] + self._spent.get(name, 0.0)
                 for name in now}
        return {name: round(seconds * 1000 / max(answered, 1), 2)
                for name, seconds in spent.items()}


def _workload(total: int, users: int) -> dict[int, list[dict[str, Any]]]:
    config = load_config(ROOT / "config.example.yaml")
    matcher = build(config, load_knowledge(ROOT / "knowledge")).matcher
    questions = questions_of_kind(matcher, "answer", "nl") + questions_of_kind(
        matcher, "answer", "en")
    per_user: dict[int, list[dict[str, Any]]] = {}
    for i in range(total):
        chat = 10_000 + i % users
        who = updates.user(chat, f"P{chat}", language_code="nl")
        per_user.setdefault(chat, []).append(
            updates.text_message(questions[i % len(questions)], user=who))
    return per_user


async def _run(url: str, instances: int, total: int, users: int) -> dict[str, Any]:
    await _empty(url)
    per_user = _workload(total, users)
    latencies: list[float] = []
    given_up = 0
    acknowledged = 0
    half = asyncio.Event()
    with tempfile.TemporaryDirectory(prefix="mythbot-scale-") as tmp:
        async with FakeBotApi(token=TOKEN) as api:
            async with Cluster(Path(tmp), url, api, instances=instances,
                               knowledge=ROOT / "knowledge",
                               rate_limit=(10_000, 1.0)) as cluster:
                slots = asyncio.Semaphore(CONNECTIONS)
                poster = Poster(f"{cluster.nginx.url}/telegram", {HEADER: HOOK_SECRET},
                                timeout=POST_TIMEOUT)

                async def deliver(update: dict[str, Any]) -> None:
                    nonlocal given_up, acknowledged
                    first = time.perf_counter()
                    while time.perf_counter() - first < GIVE_UP:
                        async with slots:
                            with contextlib.suppress(PostError, TimeoutError):
                                status, body = await poster.post(json.dumps(update).encode())
                                # as Telegram does: the reply inside a 200 is carried out
                                api.answer_in_response(status, body, update["update_id"])
                                if status == 200:
                                    latencies.append(time.perf_counter() - first)
                                    acknowledged += 1
                                    if acknowledged >= total // 2:
                                        half.set()
                                    return
                        await asyncio.sleep(RETRY_PAUSE)
                    given_up += 1

                async def chat(items: list[dict[str, Any]]) -> None:
                    for update in items:
                        await deliver(update)

                meter = CpuMeter(cluster)

                async def kill_half_way() -> float:
                    await half.wait()
                    victim = cluster.instances[0]
                    meter.killing(victim)
                    victim.kill()
                    killed = time.perf_counter()
                    victim.start()
                    assert cluster.session is not None
                    await victim.wait_healthy(cluster.session)
                    return time.perf_counter() - killed

                meter.mark()
                start = time.perf_counter()
                killer = asyncio.create_task(kill_half_way())
                await asyncio.gather(*(chat(items) for items in per_user.values()))
                elapsed = time.perf_counter() - start
                restart_s = await killer
                cpu = meter.ms_per_update(total)
                poster.close()
                await asyncio.sleep(1.0)  # replies already sent; let the server log them
            sent = Counter(int(m["chat"]["id"]) for m in api.bot_messages())
    lost = sum(max(0, len(items) - sent[chat]) for chat, items in per_user.items())
    duplicated = sum(max(0, sent[chat] - len(items)) for chat, items in per_user.items())
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"instances": instances, "updates": total, "answered": total - lost,
            "lost": lost, "duplicated": duplicated, "given_up": given_up,
            "answered_per_s": round((total - lost) / elapsed, 1),
            "p50_ms": round(cuts[49] * 1000), "p99_ms": round(cuts[98] * 1000),
            "restart_s": round(restart_s, 1), "cpu_ms_per_update": cpu,
            "capacity_per_s": round((os.cpu_count() or 1) * 1000 / max(sum(cpu.values()), 0.01)),
            "load_average": round(os.getloadavg()[0], 2)}


def table(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"Scale-out through nginx: not measured ({result['skipped']})"
    head = (f"{'instances':>9}{'updates':>9}{'answered':>10}{'lost':>6}{'duplicated':>12}"
            f"{'answered/s':>12}{'p50 ms':>8}{'p99 ms':>8}{'restart s':>11}")
    lines = [f"Scale-out: {result['updates']} updates from {result['users']} users through nginx "
             f"to N instances on PostgreSQL; instance 1 SIGKILLed half-way and restarted",
             head, "-" * len(head)]
    lines += [f"{r['instances']:>9}{r['updates']:>9}{r['answered']:>10}{r['lost']:>6}"
              f"{r['duplicated']:>12}{r['answered_per_s']:>12}{r['p50_ms']:>8}{r['p99_ms']:>8}"
              f"{r['restart_s']:>11}" for r in result["rows"]]
    if result["per_s_3"] is not None:
        lines.append(f"3 instances: {result['per_s_3']} answered/s (median of "
                     f"{sum(r['instances'] == 3 for r in result['rows'])} runs); "
                     f"throughput 3 instances / 1 instance: {result['ratio_3_vs_1']}×")
    head = (f"{'instances':>9}{'bot':>8}{'postgres':>10}{'nginx':>7}{'telegram':>10}{'total':>8}"
            f"{'capacity/s':>12}{'load avg':>10}")
    lines += ["", f"CPU ms per answered update (telegram: the fake Telegram and its load); "
              f"capacity: answers a second on {os.cpu_count()} idle cores at that cost",
              head, "-" * len(head)]
    for r in result["rows"]:
        cpu = r["cpu_ms_per_update"]
        lines.append(f"{r['instances']:>9}{cpu['instances']:>8}{cpu['postgres']:>10}"
                     f"{cpu['nginx']:>7}{cpu['telegram']:>10}{round(sum(cpu.values()), 2):>8}"
                     f"{r['capacity_per_s']:>12}{r['load_average']:>10}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    total = int(argv[0]) if argv else 10_000
    users = int(argv[1]) if len(argv) > 1 else 500
    result = scale(total, users)
    print(table(result))
    if "--json" in argv:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
