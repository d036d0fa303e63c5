"""The README's "Running at scale" topology on 127.0.0.1, with plain processes instead of
Docker: N `python -m bot serve` instances on one PostgreSQL, behind nginx running
deploy/nginx/mythbot.conf, talking to a `FakeBotApi` in the caller's process.

    async with Cluster(tmp_path, pg_url, api, instances=3) as cluster:
        status, served_by = await cluster.post(update)           # as Telegram: to nginx
        status, _ = await cluster.post(update, to=cluster.instances[1])  # or to one instance
        cluster.instances[2].kill()                               # SIGKILL; .start() again

Used by tests/test_scale.py and the scale-out benchmark (benchmarks/scale.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp
import yaml

from tests.helpers.fake_bot_api import FakeBotApi
from tests.helpers.telegram_bot import SECRET

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "mythbot.conf"
HOOK_SECRET = "cluster-hook-secret"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
INSTANCE_HEADER = "X-Mythbot-Instance"
ADMIN_ID = 4242


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def write_config(path: Path, *, api: FakeBotApi, storage_url: str, knowledge: Path,
                 instances: int, rate_limit: tuple[int, float] = (8, 60.0)) -> Path:
    data: dict[str, Any] = yaml.safe_load((ROOT / "config.example.yaml").read_text("utf-8"))
    data["knowledge_dir"] = str(knowledge)
    data["storage"]["url"] = storage_url
    data["telegram"].update(base_url=api.base_url, bot_username=api.username)
    data["webhook"].update(instances=instances)
    data["admins"] = [ADMIN_ID]
    data["rate_limit"] = {"messages": rate_limit[0], "per_seconds": rate_limit[1]}
    data["log_level"] = "WARNING"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class Instance:
    """One `serve` process; `name` is what it puts in X-Mythbot-Instance."""

    def __init__(self, name: str, config: Path, token: str, logs: Path,
                 *, flood_limits: bool = False) -> None:
        self.name = name
        self.port = free_port()
        self.config = config
        self.token = token
        self.log = logs / f"instance-{name}.log"
        self.flood_limits = flood_limits
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, **SECRET, "TELEGRAM_BOT_TOKEN": self.token,
               "MYTHBOT_WEBHOOK_SECRET": HOOK_SECRET, "MYTHBOT_INSTANCE": self.name,
               "PTB_TIMEDELTA": "true"}
        args = [sys.executable, "-m", "bot", "serve", "--config", str(self.config),
                "--port", str(self.port)]
        if not self.flood_limits:
            args.append("--no-flood-limits")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self, timeout: float = 40) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    async def health(self, session: aiohttp.ClientSession) -> tuple[int, dict[str, Any]]:
        async with session.get(f"{self.url}/healthz",
                               timeout=aiohttp.ClientTimeout(total=5)) as response:
            return response.status, await response.json()

    async def wait_healthy(self, session: aiohttp.ClientSession, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while True:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"instance {self.name} exited: {self.log_text()[-2000:]}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    if (await self.health(session))[0] == 200:
                        return
                await asyncio.sleep(0.2)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


class Nginx:
    """nginx with deploy/nginx/mythbot.conf: its upstreams pointed at the instances, plain
    HTTP on a free port instead of TLS on 443 (nothing else changed)."""

    def __init__(self, workdir: Path, upstreams: list[int]) -> None:
        self.port = free_port()
        self.dir = workdir
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        self.binary = binary
        site = NGINX_CONF.read_text(encoding="utf-8")
        servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n"
                          for port in upstreams)
        site, found = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, site)
        assert found == 1, "deploy/nginx/mythbot.conf: upstream servers not found"
        site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{self.port};")
        site = re.sub(r"\n\s*ssl_certificate[^\n]*", "", site)
        temp = workdir / "temp"
        temp.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "nginx.conf"
        self.conf.write_text(
            f"worker_processes 1;\npid {workdir / 'nginx.pid'};\n"
            f"error_log {workdir / 'error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"  access_log off;\n"
            f"  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n"
            f"  fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n"
            f"  scgi_temp_path {temp}/scgi;\n"
            f"{site}\n}}\n", encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "-p", str(self.dir), "-c", str(self.conf), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Cluster:
    def __init__(self, workdir: Path, storage_url: str, api: FakeBotApi, *, instances: int,
                 knowledge: Path, storage_urls: dict[int, str] | None = None,
                 rate_limit: tuple[int, float] = (8, 60.0)) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.api = api
        self.instances: list[Instance] = []
        for i in range(instances):
            url = (storage_urls or {}).get(i, storage_url)
            config = write_config(workdir / f"config-{i + 1}.yaml", api=api, storage_url=url,
                                  knowledge=knowledge, instances=instances,
                                  rate_limit=rate_limit)
            self.instances.append(Instance(str(i + 1), config, api.token, workdir))
        self.nginx = Nginx(workdir / "nginx", [i.port for i in self.instances])
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=200),
            timeout=aiohttp.ClientTimeout(total=90))
        try:
            for instance in self.instances:
                instance.start()
            for instance in self.instances:
                await instance.wait_healthy(self.session)
            self.nginx.start()
            await self._wait_nginx()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.nginx.stop()
        await asyncio.gather(*(asyncio.to_thread(i.terminate) for i in self.instances))
        if self.session is not None:
            await self.session.close()

    async def _wait_nginx(self) -> None:
        assert self.session is not None
        async with asyncio.timeout(20):
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with self.session.get(f"{self.nginx.url}/nothing") as response:
                        if response.status == 404:
                            return
                await asyncio.sleep(0.1)

    async def post(self, update: dict[str, Any], *, to: Instance | None = None,
                   secret: str | None = HOOK_SECRET) -> tuple[int, str | None]:
        """POST `update` as Telegram does, and carry out a reply given in the answer as
        Telegram does; (status, instance that answered)."""
        assert self.session is not None
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[HEADER] = secret
        url = (to.url if to is not None else self.nginx.url) + "/telegram"
        async with self.session.post(url, data=json.dumps(update), headers=headers) as response:
            body = await response.read()
            self.api.answer_in_response(response.status, body, update.get("update_id"))
            return response.status, response.headers.get(INSTANCE_HEADER)
