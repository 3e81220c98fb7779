"""The simulator plays a recording as if it were the exchanges: a session reading a simulated
exchange receives the recorded prices, in the exchange's own wire format, in recorded order."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import msgspec
import pytest

from arbitrage.tests.factories import make_quote
from feeds.funding import Funding
from feeds.funding_poll import FundingPoller, fetch_funding
from feeds.recording import FundingBatch, RecordingWriter, read_period
from feeds.rest import fetch_instruments
from feeds.simulator.server import SIMULATED_EXCHANGE_IDS, Playback, Simulator
from lib import clock

T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def linear_quote(exchange: str) -> str:
    return "USDC:USDC" if exchange == "deribit" else "USDT:USDT"  # Deribit lists no USDT perpetual


def recorded(tmp_path, exchanges: list[str], funding: list[FundingBatch] = ()) -> list:
    """Two seconds of BTC and ETH on each exchange, each with its own steadily rising bid (and
    `funding`, written with them as a worker writes its polls)."""
    quotes = []
    for step in range(200):
        for n, exchange in enumerate(exchanges):
            for coin, price in (("BTC", 43000), ("ETH", 2300)):
                bid = Decimal(price + n * 10) + Decimal(step) / 10
                instrument = f"{coin}/{linear_quote(exchange)}"
                quote = make_quote(exchange, instrument, str(bid), str(bid + Decimal("0.1")), ts_ms=T0_MS)
                quotes.append(msgspec.structs.replace(quote, recv_ns=(T0_MS + step * 10) * 1_000_000 + n))
    RecordingWriter(tmp_path, retention_days=10_000).write(quotes, funding=funding)
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


# Every exchange whose funding the feed workers poll.
FUNDED = tuple(SIMULATED_EXCHANGE_IDS)
# Deribit's, Phemex's and CoinDCX's next funding is the parser's own (the next hour, the next UTC slot).
NEXT_STATED = set(FUNDED) - {"deribit", "phemex", "coindcx"}
FIRST_RATE, SECOND_RATE = Decimal("0.00012345"), Decimal("-0.0000875")
NEXT_FUNDING_MS = T0_MS + 4 * 3_600_000


def btc_funding(exchange: str, rate: Decimal, at_ms: int) -> FundingBatch:
    interval_h = 1 if exchange == "deribit" else 4  # Deribit's funding is continuous, read hourly
    record = Funding(exchange, "BTC", f"BTC/{linear_quote(exchange)}", rate, interval_h, NEXT_FUNDING_MS, at_ms)
    return FundingBatch(at_ms * 1_000_000, [record])


@pytest.fixture
async def playing_funding(tmp_path, exchange_id):
    """A recording with two funding polls of BTC per exchange (at 0.5 s and 1.5 s), played at
    real time by a simulator whose market steps only when the test steps it."""
    exchanges = sorted({exchange_id, "binance", "okx"})
    polls = [
        btc_funding(e, rate, T0_MS + at_ms)
        for at_ms, rate in ((500, FIRST_RATE), (1500, SECOND_RATE))
        for e in exchanges
    ]
    recorded(tmp_path, exchanges, funding=polls)
    playback = Playback(tmp_path, T0_MS, T0_MS + 60_000, speed=1.0)
    async with Simulator(exchanges, step_interval_s=3600, playback=playback) as sim:
        yield sim


def btc_records(records: list[Funding]) -> list[Funding]:
    return [r for r in records if r.instrument.startswith("BTC/")]


@pytest.mark.parametrize("exchange_id", FUNDED)
async def test_the_recorded_funding_is_what_a_worker_polls_from_each_exchange(playing_funding, exchange_id):
    sim = playing_funding
    rest_url = sim.endpoints[exchange_id].rest_url
    instruments = {i.symbol: i for i in await fetch_instruments(exchange_id, rest_url)}

    before = btc_records(await fetch_funding(exchange_id, rest_url, instruments))  # nothing played yet
    now_ms = clock.now_ms()
    sim.market.step(now_ms=now_ms)  # the recording starts now
    sim.market.step(now_ms=now_ms + 1000)  # its first poll played, not its second
    first = btc_records(await fetch_funding(exchange_id, rest_url, instruments))
    sim.market.step(now_ms=now_ms + 2000)
    second = btc_records(await fetch_funding(exchange_id, rest_url, instruments))

    interval_h = 1 if exchange_id == "deribit" else 4
    assert before and first and second
    assert {(r.rate, r.interval_h) for r in before + first} == {(FIRST_RATE, interval_h)}
    assert {(r.rate, r.interval_h) for r in second} == {(SECOND_RATE, interval_h)}
    if exchange_id in NEXT_STATED:
        # The recorded next funding, as far from the recording's start as it was (Gate.io states seconds).
        expected_ms = sim.market.wall_ms(NEXT_FUNDING_MS, now_ms)
        assert all(expected_ms - 1000 < r.next_funding_ms <= expected_ms for r in second)
    # ETH has no recorded funding: the simulator's own stands in.
    others = [r for r in await fetch_funding(exchange_id, rest_url, instruments) if r.instrument.startswith("ETH/")]
    assert others and all(r.rate not in (FIRST_RATE, SECOND_RATE) for r in others)


@pytest.mark.parametrize("exchange_id", ["bybit"])
async def test_a_feed_workers_poller_delivers_the_played_funding(playing_funding, exchange_id):
    sim = playing_funding
    rest_url = sim.endpoints["bybit"].rest_url
    instruments = {i.symbol: i for i in await fetch_instruments("bybit", rest_url)}
    now_ms = clock.now_ms()
    sim.market.step(now_ms=now_ms)
    sim.market.step(now_ms=now_ms + 2000)  # both polls played
    delivered: asyncio.Queue = asyncio.Queue()
    poller = FundingPoller("bybit", rest_url, instruments, delivered.put_nowait)
    task = asyncio.create_task(poller.run())
    try:
        records = await asyncio.wait_for(delivered.get(), 5)
    finally:
        task.cancel()

    assert [(r.rate, r.interval_h) for r in btc_records(records)] == [(SECOND_RATE, 4)] * len(btc_records(records))
    assert btc_records(records)


@pytest.mark.django_db(transaction=True)
async def test_a_feed_worker_against_a_played_recording_records_the_funding_it_was_recorded_with(settings, tmp_path):
    """Record, play, record again: the worker's own recording of its funding polls holds the rates
    and intervals of the first recording."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    from feeds.runner import FeedWorker

    exchanges = ["binance", "bybit"]
    played_dir, recorded_dir = tmp_path / "played", tmp_path / "again"
    recorded(played_dir, exchanges, funding=[btc_funding(e, FIRST_RATE, T0_MS) for e in exchanges])
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["BTC/USDT:USDT"]
    settings.RECORDING, settings.RECORDING_DIR = True, recorded_dir
    polled: dict[str, list[Funding]] = {}
    both_polled = asyncio.Event()

    playback = Playback(played_dir, T0_MS, T0_MS + 60_000, speed=1.0)
    async with Simulator(exchanges, step_interval_s=0.02, playback=playback) as sim:
        worker = FeedWorker(exchanges, sim.endpoints, simulated=True)
        add_funding = worker.publisher.add_funding

        def seen(records: list[Funding]) -> None:
            add_funding(records)
            polled.setdefault(records[0].exchange, records)
            if set(polled) == set(exchanges):
                both_polled.set()

        worker.publisher.add_funding = seen
        task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(both_polled.wait(), 20)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)  # the recorder writes what it holds
    await sync_to_async(connections.close_all)()

    again = [e for e in read_period(recorded_dir, 0, 2**62) if isinstance(e, FundingBatch)]
    for exchange in exchanges:
        records = [r for batch in again for r in batch.records if r.exchange == exchange]
        assert records and {(r.instrument, r.rate, r.interval_h) for r in records} == {("BTC/USDT:USDT", FIRST_RATE, 4)}
