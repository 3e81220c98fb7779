"""The exchanges' public REST endpoints: instrument lists (and, per exchange, connection tokens)."""

from __future__ import annotations

import aiohttp

from feeds import types
from feeds.exchanges import get_connector, parse_instruments

FETCH_TIMEOUT_S = 15


async def fetch_instruments(exchange_id: str, rest_url: str) -> list[types.Instrument]:
    """Every perpetual the exchange lists now; raises OSError/aiohttp errors/FrameError."""
    connector = get_connector(exchange_id)
    found: list[types.Instrument] = []
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for path in connector.instruments_paths:
            async with http.get(rest_url.rstrip("/") + path) as response:
                response.raise_for_status()
                found.extend(parse_instruments(exchange_id, await response.read()))
    return found


async def fetch_token(exchange_id: str, rest_url: str) -> bytes:
    """The body of the exchange's connection-token endpoint (KuCoin's bullet-public)."""
    connector = get_connector(exchange_id)
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.post(rest_url.rstrip("/") + connector.token_path) as response,
    ):
        response.raise_for_status()
        return await response.read()
