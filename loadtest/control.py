"""How the harness drives a load process, over the process's stdin and stdout:

    stdin  line 1: the configuration (JSON)
    stdout "ready"          connected / warming up
    stdin  "start"          the measured window opens
    stdout "started"
    stdin  "stop"           the window closes
    stdout "result <path>"  the measurements, as JSON at <path>; then the process exits

A load process exits too when stdin closes or its `max_lifetime_s` runs out, so it never
outlives a harness that died without stopping it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any


async def expect(commands: asyncio.StreamReader, command: str) -> bool:
    """Wait for the harness's next command; False if it is another one or stdin closed."""
    return (await commands.readline()).strip() == command.encode()


def serve(config_type: type, run: Callable[[Any, asyncio.StreamReader], Awaitable[None]]) -> None:
    """A load process's main: read its configuration, then `run(config, commands)`."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        commands = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
        config = config_type(**json.loads(await commands.readline()))
        async with asyncio.timeout(config.max_lifetime_s):
            await run(config, commands)

    asyncio.run(main())
