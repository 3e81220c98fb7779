"""Arbsite's own commands (and the load harness's clients) as child processes: started with
their output captured, waited for by what they print, stopped with SIGTERM, then SIGKILL.

The end-to-end tests and the load harness both start them this way."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChildFailed(RuntimeError):
    """A child exited, or stayed silent, before printing what it was waited for."""


class Child:
    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        self.name = name
        self.process = process
        self.output: list[str] = []
        self._drainer: asyncio.Future | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    async def send_line(self, line: str) -> None:
        """Write one line to the child's standard input (started with `stdin=True`)."""
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def wait_for_line(self, pattern: str, timeout_s: float) -> re.Match:
        """Read output until a line matches; the output so far is in the error if none does."""
        regex = re.compile(pattern)
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    raw = await self.process.stdout.readline()
                    if not raw:
                        raise ChildFailed(f"{self.name} exited before printing {pattern!r}:\n" + self.tail())
                    line = raw.decode(errors="replace").rstrip()
                    self.output.append(line)
                    if match := regex.search(line):
                        return match
        except TimeoutError:
            raise ChildFailed(f"{self.name} printed no {pattern!r}:\n" + self.tail()) from None

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output[-lines:])

    def drain(self) -> None:
        """Keep reading output in the background so the child never blocks on a full pipe."""

        async def read() -> None:
            while line := await self.process.stdout.readline():
                self.output.append(line.decode(errors="replace").rstrip())

        self._drainer = asyncio.ensure_future(read())

    async def stop(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start(name: str, args: list[str], env: dict[str, str], stdin: bool = False) -> Child:
    process = await asyncio.create_subprocess_exec(
        *args,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        stdin=asyncio.subprocess.PIPE if stdin else None,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    return Child(name, process)


def manage(*args: str) -> list[str]:
    return [sys.executable, "manage.py", *args]


def daphne(*args: str) -> list[str]:
    """The ASGI server of the scale-out deployment, from this virtualenv."""
    return [str(Path(sys.executable).with_name("daphne")), *args]


async def log_in(http: aiohttp.ClientSession, base_url: str, username: str, password: str) -> str:
    """Log in through Django's standard form, as a browser does; returns the session cookie."""
    page = await (await http.get(f"{base_url}/accounts/login/")).text()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = await http.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()
    return next(c.value for c in http.cookie_jar if c.key == "sessionid")
