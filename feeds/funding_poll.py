"""Funding polled over REST: every exchange's funding of the watched instruments, within its limits.

Funding changes slowly (a rate per 1–8 h, restated every few seconds at most), so one poll per
`funding_poll_interval_s` (30 s by default) of the connector's bulk endpoint, or of its
per-instrument one `funding_request_gap_s` apart, keeps it as fresh as it matters and leaves the
quote sockets as they are. The connector says where and how to parse (feeds/exchanges/<id>.py).
What changes far more rarely but is stated per instrument only (CoinDCX's funding interval, in
each pair's details) is fetched at the first poll, kept, and fetched again once an hour.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

import aiohttp

from feeds.backoff import backoff_delay_s
from feeds.exchanges import get_connector, parse_funding
from feeds.funding import Funding
from feeds.rest import FETCH_TIMEOUT_S
from feeds.types import FrameError, Instrument
from lib import clock

logger = logging.getLogger(__name__)


def covers_funding(exchange_id: str) -> bool:
    return bool(get_connector(exchange_id).funding_paths(["X"]))


def funding_base_url(exchange_id: str, rest_url: str) -> str:
    """Where `funding_paths()` are asked: live, the connector's funding host where it has one
    (CoinDCX's public.coindcx.com); a configured REST URL (the simulator) serves every path."""
    connector = get_connector(exchange_id)
    live = rest_url.rstrip("/") == connector.rest_url
    return (connector.funding_rest_url if live and connector.funding_rest_url else rest_url).rstrip("/")


class FundingDetails:
    """The rarely changing answers an exchange's funding also needs (`funding_detail_paths`:
    CoinDCX's per-pair details, with each pair's interval), kept by a poller between its polls."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}  # path -> its last good answer
        self.fetched_at_s: float | None = None  # monotonic time of the last full fetch

    def paths_due(self, paths: list[str], refresh_s: float, now_s: float) -> list[str]:
        """Every path when a refresh is due; else only those with no good answer yet."""
        if self.fetched_at_s is None or now_s - self.fetched_at_s >= refresh_s:
            return paths
        return [path for path in paths if path not in self.bodies]


async def fetch_funding(
    exchange_id: str,
    rest_url: str,
    instruments: Mapping[str, Instrument],
    details: FundingDetails | None = None,
) -> list[Funding]:
    """One poll: the exchange's current funding of `instruments`, each family's (Bybit's inverse,
    Gate's BTC-settled) from its own answer; raises OSError/aiohttp errors/FrameError. `details`:
    the detail answers kept from earlier polls (none: all fetched now)."""
    connector = get_connector(exchange_id)
    details = details if details is not None else FundingDetails()
    funding_url = funding_base_url(exchange_id, rest_url)
    records: list[Funding] = []
    requests = 0
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def get(url: str) -> tuple[int, bytes]:
            nonlocal requests
            if requests and connector.funding_request_gap_s:
                await asyncio.sleep(connector.funding_request_gap_s)
            requests += 1
            async with http.get(url) as response:
                # Exchanges answer errors with a JSON body the parser names; a body is read either way.
                return response.status, await response.read()

        for family, members in connector.by_family(instruments):
            # The details first (the first poll may take a while over them), then the rates fresh.
            detail_paths = connector.funding_detail_paths(sorted(members))
            if detail_paths:
                due = details.paths_due(detail_paths, connector.funding_details_refresh_s, time.monotonic())
                if due == detail_paths:
                    details.fetched_at_s = time.monotonic()
                for path in due:
                    status, body = await get(rest_url.rstrip("/") + path)
                    if status == 200:  # an error answer is asked again at the next poll
                        details.bodies[path] = body
                    else:
                        details.bodies.pop(path, None)
            if family is None:
                base_url, paths = funding_url, connector.funding_paths(sorted(members))
            else:
                base_url, paths = connector.family_rest_url(rest_url, family).rstrip("/"), list(family.funding_paths)
            bodies = [(await get(base_url + path))[1] for path in paths]
            bodies += [details.bodies[path] for path in detail_paths if path in details.bodies]
            records += parse_funding(exchange_id, bodies, members, clock.now_ms())
    return records


class FundingPoller:
    """Polls one exchange's funding until cancelled; each poll's records go to `on_funding`."""

    def __init__(
        self,
        exchange_id: str,
        rest_url: str,
        instruments: Mapping[str, Instrument],
        on_funding: Callable[[list[Funding]], None],
        *,
        on_error: Callable[[str], None] | None = None,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
    ) -> None:
        self.exchange_id = exchange_id
        self.rest_url = rest_url
        self.instruments = dict(instruments)
        self.on_funding = on_funding
        self.on_error = on_error  # told of each failed poll (the feed status records it)
        self.interval_s = get_connector(exchange_id).funding_poll_interval_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.details = FundingDetails()
        self.polls = 0
        self.failures = 0
        self.last_error = ""

    async def run(self) -> None:
        attempt = 0
        while True:
            try:
                records = await fetch_funding(self.exchange_id, self.rest_url, self.instruments, self.details)
            except (OSError, TimeoutError, aiohttp.ClientError, FrameError) as exc:
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                if self.on_error is not None:
                    self.on_error(f"funding: {self.last_error}")
                if attempt == 0:  # once per outage, not once per retry
                    logger.warning("%s: funding poll failed, retrying: %s", self.exchange_id, exc)
                delay = min(backoff_delay_s(attempt, self.backoff_initial_s, self.backoff_max_s), self.interval_s)
                attempt += 1
                await asyncio.sleep(delay)
                continue
            attempt = 0
            self.polls += 1
            if records:
                self.on_funding(records)
            await asyncio.sleep(self.interval_s)
