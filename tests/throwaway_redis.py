"""A redis-server of a test's own on a free port, for drills that must not touch the machine's
shared Redis (a broker holding a killed worker's tasks, say). Minimal on purpose: the shared
fault-drill fixtures replace it once they land."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from tests.processes import free_port

START_TIMEOUT_S = 20.0


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class ThrowawayRedis:
    """`redis-server` without persistence on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed: no throwaway Redis for this drill")
        self.port = free_port()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> ThrowawayRedis:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _listening(self.port):  # a process coming up: nothing to await but its port
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"redis-server did not listen on {self.port}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.kill()
        self.process.wait()
