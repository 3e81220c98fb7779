"""`*` watches every listed perpetual, within each exchange's limits: connections a client may
open, symbols per connection and per message, and the pace of subscribe messages; and the
simulated exchanges send a generated coin's book only when it moved."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time

import pytest

from feeds.exchanges import get_connector
from feeds.exchanges.base import batched
from feeds.models import TrackedInstrument
from feeds.rest import fetch_instruments
from feeds.session import ExchangeSession
from feeds.simulator.market import COINS
from feeds.simulator.server import SIMULATED_EXCHANGE_IDS, Simulator
from feeds.watchlist import Watchlist, current_watchlist, parse_watchlist, within_connection_limits
from lib import clock

MAJORS = {coin.name for coin in COINS}
MAJOR_INSTRUMENTS = frozenset(f"{coin}/USDT:USDT" for coin in MAJORS)


@pytest.mark.django_db
def test_a_star_default_or_tracked_row_watches_everything(settings):
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["*"]
    assert current_watchlist() == Watchlist(everything=True)
    TrackedInstrument.objects.create(exchange="okx", symbol="ETH-USDT-SWAP")
    assert current_watchlist() == Watchlist(symbols=frozenset({("okx", "ETH-USDT-SWAP")}))
    TrackedInstrument.objects.create(instrument="*")
    assert current_watchlist().everything
    entries, errors = parse_watchlist("instrument\n*\n", "x.csv")
    assert errors == [] and entries[0].instrument == "*"


@pytest.mark.parametrize("exchange_id", SIMULATED_EXCHANGE_IDS)
async def test_star_selects_every_listed_perpetual_within_the_exchange_limits(exchange_id):
    async with Simulator([exchange_id], step_interval_s=3600, seed=1, universe=300) as sim:
        listed = await fetch_instruments(exchange_id, sim.endpoints[exchange_id].rest_url)
    connector = get_connector(exchange_id)
    chosen = Watchlist(everything=True).select(listed, disabled={listed[-1].symbol})
    assert set(chosen) == {i.symbol for i in listed[:-1]}
    kept = within_connection_limits(connector, chosen, MAJOR_INSTRUMENTS)
    chunks = list(batched(sorted(kept), connector.max_symbols_per_connection))
    if connector.max_connections is None:
        assert kept == chosen
    else:  # Phemex: 4 connections of 20 and one for depth, of the 5 it allows; the majors kept
        assert len(kept) == 4 * connector.max_symbols_per_connection < len(chosen)
        assert {i.instrument for i in kept.values()} >= MAJOR_INSTRUMENTS
        assert len(chunks) == connector.max_connections - 1
    for chunk in chunks:
        assert len(chunk) <= connector.max_symbols_per_connection
        if connector.transport == "websocket":
            # Each symbol in one subscribe message, as many to a message as the exchange allows.
            messages = [m.lower() for m in connector.subscribe_messages(chunk)]
            carrying = [m for m in messages if any(s.lower() in m for s in chunk)]
            assert len(carrying) == math.ceil(len(chunk) / connector.max_symbols_per_message)
            assert all(any(symbol.lower() in m for m in carrying) for symbol in chunk)


async def test_subscribe_messages_are_paced_within_the_exchange_rate(start_session):
    """Phemex: 20 subscriptions per connection, one a request, 20 requests a second at most."""
    async with Simulator(["phemex"], step_interval_s=0.05, seed=1, universe=100) as sim:
        phemex = sim.exchanges["phemex"]
        arrivals: list[float] = []
        all_arrived = asyncio.Event()
        answer = phemex._answer

        async def timed_answer(ws, client, text, sequence):
            if "subscribe" in text:
                arrivals.append(time.monotonic())
                if len(arrivals) == 20:
                    all_arrived.set()
            await answer(ws, client, text, sequence)

        phemex._answer = timed_answer
        listed = await fetch_instruments("phemex", sim.endpoints["phemex"].rest_url)
        watched = [i.symbol for i in listed if i.linear][:20]
        await start_session(sim, watched=watched)
        await asyncio.wait_for(all_arrived.wait(), 10)
    gap_s = get_connector("phemex").subscribe_gap_s
    assert 1 / gap_s <= 20
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) > gap_s * 0.8  # the server's clock reads arrivals a little unevenly
    assert arrivals[-1] - arrivals[0] >= 19 * gap_s * 0.95


@pytest.mark.parametrize("exchange_id", SIMULATED_EXCHANGE_IDS)
async def test_only_books_that_moved_are_sent(exchange_id, start_session):
    # The market steps only when told: each step's moved coins are known.
    async with Simulator([exchange_id], step_interval_s=3600, seed=4, universe=60) as sim:
        market = sim.market
        listed = await fetch_instruments(exchange_id, sim.endpoints[exchange_id].rest_url)
        usdt = {i.coin: i.symbol for i in listed if i.linear and i.quote == "USDT"}
        usdt |= {i.coin: i.symbol for i in listed if i.linear and i.coin not in usdt}  # Deribit: USDC
        generated = [c.name for c in market.universe.coins if c.name in usdt]
        room = get_connector(exchange_id).max_symbols_per_connection - 2
        coins = ["BTC", "ETH", *generated[:room]]
        symbol_coin = {usdt[coin]: coin for coin in coins}
        _session, collector = await start_session(sim, exchange_id, watched=list(symbol_coin))
        moves, quoted = dict.fromkeys(coins, 0), dict.fromkeys(coins, 0)
        steps = 0

        async def until_btc_after(after_ns: int) -> None:
            """Count what arrives up to the step's BTC book: the frames before it have arrived too."""
            async with asyncio.timeout(0.3):
                while True:
                    quote = await collector.queue.get()
                    quoted[symbol_coin[quote.symbol]] += 1
                    if quote.symbol == usdt["BTC"] and quote.recv_ns > after_ns:
                        return

        for _ in range(60):
            before_ns = time.time_ns()
            market.step(now_ms=clock.now_ms())
            steps += 1
            for coin in market.moved & set(coins):
                moves[coin] += 1
            with contextlib.suppress(TimeoutError):  # not subscribed yet
                await until_btc_after(before_ns)
            if quoted["BTC"] >= 30:
                break
    while not collector.queue.empty():
        quoted[symbol_coin[collector.queue.get_nowait().symbol]] += 1
    assert quoted["BTC"] > 0
    # At most one book per step it moved in, and the snapshot that Bybit, OKX, BitMEX and Phemex
    # send as a subscription starts.
    assert all(quoted[coin] <= moves[coin] + 1 for coin in coins), (quoted, moves)
    # Quiet coins were left out on most steps: far fewer books than sending all each step.
    assert sum(quoted[c] for c in generated[:room]) < steps * len(generated[:room]) / 2
    assert sum(quoted[c] for c in generated[:room]) > 0


async def test_a_depth_connection_is_asked_for_no_more_books_than_it_carries():
    """The engine may ask for DEPTH_MAX_PER_EXCHANGE (40) books; a Phemex connection carries 20."""
    async with Simulator(["phemex"], step_interval_s=3600, seed=1, universe=100) as sim:
        endpoints = sim.endpoints["phemex"]
        listed = {i.symbol: i for i in await fetch_instruments("phemex", endpoints.rest_url)}
    session = ExchangeSession(
        "phemex", listed, print, endpoints=endpoints, stall_timeout_s=5, backoff_initial_s=1, backoff_max_s=1
    )
    session.want_depth(list(listed)[:40])
    assert len(session.depth_wanted) == 20
