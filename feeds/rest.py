"""The exchanges' public REST endpoints: instrument lists (and, per exchange, connection tokens)."""

from __future__ import annotations

import aiohttp

from feeds import types
from feeds.exchanges import get_connector, parse_instruments

FETCH_TIMEOUT_S = 15


MAX_PAGES = 50  # a cursor that never ends is a bug on one side or the other


async def fetch_instruments(exchange_id: str, rest_url: str) -> list[types.Instrument]:
    """Every perpetual the exchange lists now; raises OSError/aiohttp errors/FrameError."""
    connector = get_connector(exchange_id)
    found: list[types.Instrument] = []
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for base_url, first_path in connector.instrument_sources(rest_url):
            path: str | None = first_path
            for _ in range(MAX_PAGES):
                async with http.get(base_url.rstrip("/") + path) as response:
                    response.raise_for_status()
                    body = await response.read()
                found.extend(parse_instruments(exchange_id, body))
                path = connector.next_page_path(path, body)
                if path is None:
                    break
            else:
                raise types.FrameError(f"{exchange_id}: instrument list still paging after {MAX_PAGES} pages")
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
