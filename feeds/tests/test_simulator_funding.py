"""The simulated exchanges serve funding in each exchange's own format, and the real poller reads it."""

from __future__ import annotations

import asyncio

import pytest

from feeds.funding_poll import FundingPoller, covers_funding, fetch_funding
from feeds.rest import fetch_instruments
from feeds.simulator.market import FUNDING_INTERVAL_H
from feeds.simulator.server import Simulator
from lib import clock

COVERED = ("binance", "bybit", "okx", "deribit", "gateio", "kucoin", "bitmex", "mexc", "bitget", "phemex", "coindcx")
HOUR_MS = 3_600_000


@pytest.mark.parametrize("exchange_id", COVERED)
async def test_every_listed_perpetual_has_funding_on_its_own_interval(exchange_id):
    async with Simulator([exchange_id], step_interval_s=0.05, seed=3) as sim:
        rest_url = sim.endpoints[exchange_id].rest_url
        instruments = {i.symbol: i for i in await fetch_instruments(exchange_id, rest_url)}
        before_ms = clock.now_ms()
        records = await fetch_funding(exchange_id, rest_url, instruments)
    assert {r.symbol for r in records} == set(instruments)
    for record in records:
        assert record.exchange == exchange_id
        assert record.instrument == instruments[record.symbol].instrument
        assert abs(record.rate) < 0.001
        # The next funding is within one interval, on the interval's own grid.
        assert before_ms < record.next_funding_ms <= before_ms + record.interval_h * HOUR_MS + 1000
        assert record.next_funding_ms % (record.interval_h * HOUR_MS) == 0
    intervals = {instruments[r.symbol].coin: r.interval_h for r in records}
    if exchange_id == "deribit":  # continuous funding, modelled hourly
        assert set(intervals.values()) == {1}
    else:
        expected = {coin: h for (ex, coin), h in FUNDING_INTERVAL_H.items() if ex == exchange_id}
        assert expected and all(intervals[coin] == h for coin, h in expected.items())
        assert intervals["BTC"] == 8


async def test_simulator_covers_a_4h_and_a_1h_instrument():
    assert {4, 1} <= set(FUNDING_INTERVAL_H.values())


async def test_poller_delivers_records_until_cancelled():
    async with Simulator(["bybit"], step_interval_s=0.05, seed=3) as sim:
        rest_url = sim.endpoints["bybit"].rest_url
        instruments = {i.symbol: i for i in await fetch_instruments("bybit", rest_url)}
        delivered: asyncio.Queue = asyncio.Queue()
        poller = FundingPoller("bybit", rest_url, instruments, delivered.put_nowait)
        task = asyncio.create_task(poller.run())
        try:
            records = await asyncio.wait_for(delivered.get(), 5)
        finally:
            task.cancel()
    assert {r.symbol for r in records} == set(instruments)
    assert poller.polls == 1 and poller.failures == 0


async def test_poller_counts_a_failed_poll_and_keeps_going():
    async with Simulator(["okx"], step_interval_s=0.05, seed=3) as sim:
        rest_url = sim.endpoints["okx"].rest_url
        instruments = {i.symbol: i for i in await fetch_instruments("okx", rest_url)}
    # The simulator is gone: every poll fails, none raises out of run().
    errors: asyncio.Queue = asyncio.Queue()
    poller = FundingPoller(
        "okx", rest_url, instruments, lambda records: None, on_error=errors.put_nowait, backoff_initial_s=0.01
    )
    task = asyncio.create_task(poller.run())
    try:
        first = await asyncio.wait_for(errors.get(), 5)
        await asyncio.wait_for(errors.get(), 5)
    finally:
        task.cancel()
    assert "Connect" in first
    assert (poller.polls, poller.failures) == (0, 2)


def test_every_exchange_is_covered():
    from feeds.exchanges import EXCHANGE_IDS

    assert set(COVERED) == set(EXCHANGE_IDS)
    assert all(covers_funding(exchange_id) for exchange_id in COVERED)
