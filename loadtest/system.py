"""The system under test, started on free loopback ports and always stopped again.

- single process: `manage.py run_all --simulate`, all exchanges, SQLite and the in-memory
  layer in a fresh data directory;
- scale-out: `simulate_exchanges`, `run_feeds`, `run_arbitrage` and one or more
  `daphne arbsite.asgi:application` web workers (clients spread over them, as a load balancer
  would), over a Redis the run starts itself and a scratch database created on the
  PostgreSQL server DATABASE_URL names (and dropped afterwards);
- external: a server someone else runs, reached by URL.

Every run gets a user of its own and one JWT access token and one session cookie that all
its clients share (logging in once, not once per client, so the login throttle stays out of
the measurement). The servers started here get throttles far above any offered load and
tokens that outlive the run, so the run measures serving, not refusing.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from loadtest import server_log
from loadtest.cpu import Watched
from loadtest.processes import Child, daphne, free_port, log_in, manage, start

STARTUP_TIMEOUT_S = 120.0
# Every run's simulated market moves the same way: gaps (and so opportunity messages, a third
# of the bytes at times) come as often, and runs of different code compare like with like.
MARKET_SEED = 7
FEEDS_READY_TIMEOUT_S = 60.0
FEEDS_POLL_S = 0.5
USERNAME = "loadtest"
REDIS_PREFIX = "arbsite-loadtest"
# The user is created by Django's own shell, so this package never imports Django.
CREATE_USER = (
    "import os; from django.contrib.auth import get_user_model; "
    "get_user_model().objects.create_user(os.environ['LOADTEST_USERNAME'], password=os.environ['LOADTEST_PASSWORD'])"
)


class StartupFailed(RuntimeError):
    """The system under test did not come up; the message says which part and shows its output."""


@dataclass
class Target:
    mode: str  # "single", "scaleout" or "external"
    base_urls: list[str]  # one per web worker: http://127.0.0.1:PORT
    token: str  # a JWT access token
    cookie: str  # "sessionid=..." of a logged-in session
    processes: list[Watched] = field(default_factory=list)  # the servers' processes, for CPU figures
    children: list[Child] = field(default_factory=list)  # the servers we started, for their logs
    settings: dict[str, str] = field(default_factory=dict)  # environment they were started with
    redis: RedisServer | None = None  # scale-out: the run's own Redis

    @property
    def ws_urls(self) -> list[str]:
        return ["ws" + url[len("http") :] + "/ws" for url in self.base_urls]

    def log_marks(self) -> dict[str, int]:
        return {child.name: len(child.output) for child in self.children}

    def log_since(self, marks: dict[str, int]) -> dict:
        """What the servers complained about since `marks` (a server misbehaving under load)."""
        return server_log.summarize({child.name: child.output[marks.get(child.name, 0) :] for child in self.children})


def server_environment(token_lifetime_s: int) -> dict[str, str]:
    """What every server process started here runs with, on top of the caller's environment."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),  # one key for all processes: tokens verify on every worker
        "ARBSITE_JWT_ACCESS_S": str(token_lifetime_s),
        "ARBSITE_LOGIN_RATE": "1000/min",
        "ARBSITE_API_USER_RATE": "1000000/min",
        "ARBSITE_API_ANON_RATE": "1000000/min",
    }


async def run_to_end(name: str, args: list[str], env: dict[str, str], timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    child = await start(name, args, env)
    try:
        async with asyncio.timeout(timeout_s):
            output, _ = await child.process.communicate()
    except TimeoutError:
        raise StartupFailed(f"{name} did not finish within {timeout_s:g} s") from None
    finally:
        await child.stop()
    if child.process.returncode != 0:
        raise StartupFailed(f"{name} failed:\n{output.decode(errors='replace')[-3000:]}")


async def prepare_database(env: dict[str, str], password: str) -> None:
    await run_to_end("migrate", manage("migrate", "--no-input", "--verbosity", "0"), env)
    user_env = {**env, "LOADTEST_USERNAME": USERNAME, "LOADTEST_PASSWORD": password}
    await run_to_end("create user", manage("shell", "--no-imports", "-c", CREATE_USER), user_env)


async def credentials(base_url: str, username: str, password: str) -> tuple[str, str]:
    """(JWT access token, session cookie) for the user, each obtained once."""
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            response = await http.post(f"{base_url}/api/token/", json={"username": username, "password": password})
            if response.status != 200:
                raise StartupFailed(f"no token for {username!r}: HTTP {response.status} {await response.text()}")
            token = (await response.json())["access"]
            session_id = await log_in(http, base_url, username, password)
    except aiohttp.ClientError as exc:
        raise StartupFailed(f"{base_url}: {exc}") from exc
    return token, f"sessionid={session_id}"


async def wait_for_feeds(base_url: str, exchanges: list[str], timeout_s: float = FEEDS_READY_TIMEOUT_S) -> None:
    """Until every exchange's feed is connected (as /health says), so clients meet a full stream."""
    deadline = time.monotonic() + timeout_s
    states: dict = {}
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{base_url}/health") as response:
                    states = {eid: s.get("state") for eid, s in (await response.json())["exchanges"].items()}
                if all(states.get(eid) == "connected" for eid in exchanges):
                    return
            await asyncio.sleep(FEEDS_POLL_S)
    raise StartupFailed(f"feeds not all connected within {timeout_s:g} s: {states}")


async def _started_server(child: Child, pattern: str, children: list[Child]) -> re.Match:
    children.append(child)
    return await child.wait_for_line(pattern, STARTUP_TIMEOUT_S)


async def _stop_all(children: list[Child]) -> None:
    await asyncio.gather(*(child.stop() for child in reversed(children)), return_exceptions=True)


@contextlib.asynccontextmanager
async def single_process(
    exchanges: list[str],
    token_lifetime_s: int,
    extra_env: dict[str, str] | None = None,
    universe: int | None = None,
) -> AsyncIterator[Target]:
    """`run_all --simulate` for `exchanges` on a free port, over SQLite in a fresh directory."""
    workdir = Path(tempfile.mkdtemp(prefix="arbsite-loadtest-"))
    env = {
        **server_environment(token_lifetime_s),
        "ARBSITE_VAR_DIR": str(workdir),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        **(extra_env or {}),
    }
    password = secrets.token_urlsafe(16)
    children: list[Child] = []
    try:
        await prepare_database(env, password)
        port = free_port()
        args = manage(
            "run_all", "--simulate", *market_arguments(universe), "--port", str(port), *exchange_arguments(exchanges)
        )
        run_all = await start("run_all", args, env)
        await _started_server(run_all, r"Arbsite is running", children)
        run_all.drain()
        base_url = f"http://127.0.0.1:{port}"
        await wait_for_feeds(base_url, exchanges)
        token, cookie = await credentials(base_url, USERNAME, password)
        yield Target(
            mode="single",
            base_urls=[base_url],
            token=token,
            cookie=cookie,
            processes=[Watched("run_all", "server", run_all.pid)],
            children=children,
            settings=env,
        )
    finally:
        await _stop_all(children)
        shutil.rmtree(workdir, ignore_errors=True)


def exchange_arguments(exchanges: list[str]) -> list[str]:
    return [argument for exchange in exchanges for argument in ("--exchange", exchange)]


def market_arguments(universe: int | None) -> list[str]:
    """The simulated market's options: always seeded; `universe` generated coins listed besides
    the majors (None: the simulator's default), so runs with and without them compare."""
    return ["--seed", str(MARKET_SEED), *(["--universe", str(universe)] if universe is not None else [])]


def scratch_database_url(database_url: str) -> str:
    """The same server, a database of the run's own: `<name>_loadtest`."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise StartupFailed("the scale-out run needs PostgreSQL: set DATABASE_URL=postgres://...")
    name = parts.path.lstrip("/") or "arbsite"
    return urlunsplit(parts._replace(path=f"/{name}_loadtest"))


@contextlib.asynccontextmanager
async def scratch_database(database_url: str) -> AsyncIterator[str]:
    import psycopg
    from psycopg import sql

    url = scratch_database_url(database_url)
    name = urlsplit(url).path.lstrip("/")
    server_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))

    def execute(statement: sql.Composed) -> None:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    await asyncio.to_thread(execute, drop)  # left by a run that was killed
    await asyncio.to_thread(execute, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url
    finally:
        await asyncio.to_thread(execute, drop)


class RedisServer:
    """A Redis of the run's own on a free port; it can be stopped and started again, empty,
    on the same port (the Redis restart drill)."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise StartupFailed("the scale-out run starts its own Redis: redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.args += ["--dir", str(workdir)]
        self.child: Child | None = None

    async def start(self) -> None:
        self.child = await start("redis", self.args, {})
        await self.child.wait_for_line(r"Ready to accept connections", STARTUP_TIMEOUT_S)
        self.child.drain()

    async def stop(self) -> None:
        if self.child is not None:
            await self.child.stop()


@contextlib.asynccontextmanager
async def redis_server(workdir: Path) -> AsyncIterator[RedisServer]:
    redis = RedisServer(workdir)
    try:
        await redis.start()
        yield redis
    finally:
        await redis.stop()


@contextlib.asynccontextmanager
async def scale_out(
    exchanges: list[str],
    token_lifetime_s: int,
    database_url: str,
    web_workers: int = 1,
    extra_env: dict[str, str] | None = None,
    universe: int | None = None,
) -> AsyncIterator[Target]:
    """Simulator, one feed worker, the engine and `web_workers` daphne processes, each its own process."""
    workdir = Path(tempfile.mkdtemp(prefix="arbsite-loadtest-"))
    try:
        async with scratch_database(database_url) as scratch_url, redis_server(workdir) as redis:
            env = {
                **server_environment(token_lifetime_s),
                "ARBSITE_VAR_DIR": str(workdir),
                "DATABASE_URL": scratch_url,
                "REDIS_URL": redis.url,
                "REDIS_PREFIX": REDIS_PREFIX,
                **(extra_env or {}),
            }
            password = secrets.token_urlsafe(16)
            await prepare_database(env, password)
            children: list[Child] = []
            try:
                target = await _start_scale_out(env, exchanges, web_workers, children, universe)
                token, cookie = await credentials(target.base_urls[0], USERNAME, password)
                target.token, target.cookie = token, cookie
                target.processes.append(Watched("redis", "server", redis.child.pid))
                target.redis = redis
                yield target
            finally:
                await _stop_all(children)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _start_scale_out(
    env: dict[str, str], exchanges: list[str], web_workers: int, children: list[Child], universe: int | None
) -> Target:
    simulator = await start(
        "simulate_exchanges",
        manage("simulate_exchanges", "--port", "0", *market_arguments(universe), *exchange_arguments(exchanges)),
        env,
    )
    await _started_server(simulator, r"Simulated exchanges are up", children)
    endpoints = {}  # ARBSITE_<EXCHANGE>_WS_URL and _REST_URL of each exchange
    while len(endpoints) < 2 * len(exchanges):
        found = await simulator.wait_for_line(r"(ARBSITE_\w+_URL)=(\S+)", STARTUP_TIMEOUT_S)
        endpoints[found[1]] = found[2]
    simulator.drain()
    feeds = await start("run_feeds", manage("run_feeds", *exchange_arguments(exchanges)), {**env, **endpoints})
    engine = await start("run_arbitrage", manage("run_arbitrage"), env)
    children += [feeds, engine]
    feeds.drain()
    engine.drain()
    ports = [free_port() for _ in range(web_workers)]
    web = [
        await start(f"daphne-{n}", daphne("-b", "127.0.0.1", "-p", str(port), "arbsite.asgi:application"), env)
        for n, port in enumerate(ports, 1)
    ]
    for worker in web:
        await _started_server(worker, r"Listening on TCP address", children)
        worker.drain()
    base_urls = [f"http://127.0.0.1:{port}" for port in ports]
    await wait_for_feeds(base_urls[0], exchanges)
    return Target(
        mode="scaleout",
        base_urls=base_urls,
        token="",
        cookie="",
        processes=[Watched(child.name, "server", child.pid) for child in (simulator, feeds, engine, *web)],
        children=children,
        settings=env,
    )


async def external(base_url: str, username: str, password: str, server_pids: list[int]) -> Target:
    """A server someone else started; CPU figures only for the pids given."""
    base_url = base_url.rstrip("/")
    token, cookie = await credentials(base_url, username, password)
    processes = [Watched(f"server-{pid}", "server", pid) for pid in server_pids]
    return Target(mode="external", base_urls=[base_url], token=token, cookie=cookie, processes=processes)
