"""The simulator plays a recording as if it were the exchanges: a session reading a simulated
exchange receives the recorded prices, in the exchange's own wire format, in recorded order."""

from __future__ import annotations

import time
from decimal import Decimal

import msgspec
import pytest

from arbitrage.tests.factories import make_quote
from feeds.recording import RecordingWriter
from feeds.simulator.server import SIMULATED_EXCHANGE_IDS, Playback, Simulator

T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def linear_quote(exchange: str) -> str:
    return "USDC:USDC" if exchange == "deribit" else "USDT:USDT"  # Deribit lists no USDT perpetual


def recorded(tmp_path, exchanges: list[str]) -> list:
    """Two seconds of BTC and ETH on each exchange, each with its own steadily rising bid."""
    quotes = []
    for step in range(200):
        for n, exchange in enumerate(exchanges):
            for coin, price in (("BTC", 43000), ("ETH", 2300)):
                bid = Decimal(price + n * 10) + Decimal(step) / 10
                instrument = f"{coin}/{linear_quote(exchange)}"
                quote = make_quote(exchange, instrument, str(bid), str(bid + Decimal("0.1")), ts_ms=T0_MS)
                quotes.append(msgspec.structs.replace(quote, recv_ns=(T0_MS + step * 10) * 1_000_000 + n))
    RecordingWriter(tmp_path, retention_days=10_000).write(quotes)
    return quotes


@pytest.fixture(params=SIMULATED_EXCHANGE_IDS)
def exchange_id(request) -> str:
    return request.param


@pytest.fixture
async def playing(tmp_path, exchange_id):
    """A simulator playing the recording (4x); requested before start_session, so sessions
    close while it still runs."""
    exchanges = sorted({exchange_id, "binance", "okx"})
    quotes = recorded(tmp_path, exchanges)
    playback = Playback(tmp_path, T0_MS, T0_MS + 60_000, speed=4.0)
    async with Simulator(exchanges, step_interval_s=0.02, playback=playback) as sim:
        yield sim, quotes


async def test_a_session_receives_the_recorded_prices_in_its_exchange_wire_format(playing, exchange_id, start_session):
    sim, quotes = playing
    btc = f"BTC/{linear_quote(exchange_id)}"
    expected = [q.bid for q in quotes if q.exchange == exchange_id and q.instrument == btc]
    assert sorted(sim.market.coins) == ["BTC", "ETH"]
    assert sim.market.coins["BTC"].tick == Decimal("0.1")

    _, collector = await start_session(sim, exchange_id)
    seen = []
    began = time.monotonic()
    while len(seen) < 5 or seen[-1] < expected[-1]:
        quote = await collector.next(timeout_s=5)
        if quote.instrument == btc:
            seen.append(quote.bid)
        assert time.monotonic() - began < 10, "the recording did not play to its end"

    assert sim.market.finished
    played = [bid for bid in seen if bid in set(expected)]
    assert played == sorted(played)  # recorded order: each bid rose
    assert len(set(played)) >= 5 and played[-1] == expected[-1]
