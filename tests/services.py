"""Throwaway Redis and PostgreSQL servers on free ports, for fault drills.

A drill stops and starts these (`stop()`, `start()`) to see what Arbsite does while a service
is down and after it returns; the machine's own servers are never touched. Use the fixtures
`redis_server` and `postgres_server` (conftest.py), or the classes directly:

    with RedisServer() as redis_server:
        ...  # redis_server.url
        redis_server.stop()
        ...
        redis_server.start()  # same port, empty data
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_S = 20.0


class ServiceUnavailable(RuntimeError):
    """The binaries a throwaway server needs are not installed here."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {START_TIMEOUT_S} s")
        time.sleep(0.02)


class RedisServer:
    """`redis-server` without persistence: a restart comes back empty, like a fresh container."""

    def __init__(self, port: int | None = None) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise ServiceUnavailable("redis-server is not installed")
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until(lambda: _accepts_connections(self.port), f"redis-server listening on {self.port}")

    def stop(self) -> None:
        """Kill it (SIGKILL: a crash, not a shutdown) and wait until the port is closed."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait()
        self.process = None
        _wait_until(lambda: not _accepts_connections(self.port), f"port {self.port} closed")

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or (
        [shutil.which(name)] if shutil.which(name) else []
    )
    if not found:
        raise ServiceUnavailable(f"PostgreSQL's {name} is not installed")
    return found[-1]  # the newest version


class PostgresServer:
    """A throwaway cluster (initdb, trust auth, no fsync) in a temporary directory.

    PostgreSQL refuses to run as root: as root, every command runs as the `postgres` user,
    in a directory it owns.
    """

    def __init__(self, port: int | None = None) -> None:
        self.initdb, self.pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
        self.port = port or free_port()
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                owner = None
            if runuser is None or owner is None:
                raise ServiceUnavailable("running as root without runuser and a postgres user")
            self.as_user = [runuser, "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="arbsite-pg-"))
        if owner is not None:
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.data = self.root / "data"
        self._run(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N", "--no-instructions")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=60)

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def running(self) -> bool:
        return _accepts_connections(self.port)

    def start(self) -> None:
        if self.running:
            return
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        """Immediate shutdown (connections cut, no checkpoint), as when the server dies."""
        if self.running:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()
