"""Binance COIN-M perpetuals, a socket family of the Binance connector on hosts of its own (dstream,
dapi): inverse instruments in USD contracts, the same streams with sizes in contracts, and their
own funding; on the simulator, a worker watches both families over their own sockets."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from feeds.depth import Depth
from feeds.exchanges import parse_depth, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.binance import Binance
from feeds.funding import Funding
from feeds.runner import FeedWorker
from feeds.simulator.server import Simulator
from feeds.tests.frames import binance as frames

COIN_M = {i.symbol: i for i in parse_instruments("binance", frames.COIN_M_EXCHANGE_INFO)}


def test_coin_m_perpetuals_are_inverse_instruments_of_usd_contracts():
    assert set(COIN_M) == {"BTCUSD_PERP", "ETHUSD_PERP"}  # not the dated one, nor a settling one
    btc = COIN_M["BTCUSD_PERP"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == ("BTC/USD:BTC", "BTC", "USD", "BTC", False)
    assert (btc.contract_size, btc.tick_size, btc.qty_step_contracts) == (Decimal(100), Decimal("0.1"), Decimal(1))
    assert COIN_M["ETHUSD_PERP"].contract_size == Decimal(10)
    # The USDⓈ-M list is read as before: linear, one base unit a contract.
    usdt = {i.symbol: i for i in parse_instruments("binance", frames.EXCHANGE_INFO)}["BTCUSDT"]
    assert (usdt.linear, usdt.contract_size) == (True, Decimal(1))


def test_coin_m_sizes_are_contracts_of_100_usd_turned_into_coins():
    [quote] = parse_frame("binance", frames.COIN_M_BOOK_TICKER, COIN_M, recv_ns=1)
    assert (quote.instrument, quote.bid, quote.ask) == ("BTC/USD:BTC", Decimal("43250.1"), Decimal("43250.2"))
    assert (quote.bid_contracts, quote.ask_contracts) == (Decimal(1250), Decimal(40))
    assert quote.bid_size == Decimal(125_000) / Decimal("43250.1")
    assert quote.ask_size == Decimal(4_000) / Decimal("43250.2")
    [depth] = parse_depth("binance", frames.COIN_M_DEPTH, COIN_M, recv_ns=1)
    assert depth.bids == [
        (Decimal("2300.00"), Decimal(2300) / Decimal("2300.00")),  # 230 contracts of 10 USD: 1 ETH
        (Decimal("2299.99"), Decimal(230) / Decimal("2299.99")),
    ]
    assert depth.asks == [(Decimal("2300.01"), Decimal(460) / Decimal("2300.01"))]


def test_coin_m_funding_reads_the_dapi_answers_as_their_fapi_twins():
    bodies = [frames.COIN_M_PREMIUM_INDEX.encode(), frames.COIN_M_FUNDING_INFO.encode()]
    records = {r.symbol: r for r in parse_funding("binance", bodies, COIN_M, 1)}
    assert set(records) == {"BTCUSD_PERP", "ETHUSD_PERP"}  # the dated contract states no rate
    btc, eth = records["BTCUSD_PERP"], records["ETHUSD_PERP"]
    assert (btc.instrument, btc.rate, btc.interval_h, btc.next_funding_ms) == (
        "BTC/USD:BTC",
        Decimal("0.00071003"),
        8,  # not listed by fundingInfo: the standard 8 h
        1596096000000,
    )
    assert (eth.rate, eth.interval_h, eth.ts_ms) == (Decimal("-0.00005000"), 4, 1596094042000)


def test_the_coin_m_family_lives_on_dstream_and_dapi_and_on_the_simulators_host():
    binance = Binance()
    usds_m, coin_m = binance.families
    assert (coin_m.linear, coin_m.ws_path) == (False, "/ws")
    assert binance.family_ws_url(binance.ws_url, usds_m) == "wss://fstream.binance.com/public/ws"
    assert binance.family_ws_url(binance.ws_url, coin_m) == "wss://dstream.binance.com/ws"
    assert binance.family_rest_url(binance.rest_url, coin_m) == "https://dapi.binance.com"
    assert binance.family_rest_url(binance.rest_url, usds_m) == "https://fapi.binance.com"
    # Against a configured URL (the simulator), the family's paths on that host.
    assert binance.family_ws_url("ws://127.0.0.1:9400/public/ws", coin_m) == "ws://127.0.0.1:9400/ws"
    assert binance.family_rest_url("http://127.0.0.1:9400", coin_m) == "http://127.0.0.1:9400"
    assert binance.instrument_sources(binance.rest_url) == [
        ("https://fapi.binance.com", "/fapi/v1/exchangeInfo"),
        ("https://dapi.binance.com", "/dapi/v1/exchangeInfo"),
    ]
    assert binance.subscribe_messages(["BTCUSD_PERP"]) == [
        '{"method":"SUBSCRIBE","params":["btcusd_perp@bookTicker"],"id":1}'
    ]


@pytest.mark.django_db(transaction=True)
async def test_a_worker_watches_both_families_and_polls_each_ones_funding(settings, monkeypatch):
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["BTC/USDT:USDT", "BTC/USD:BTC", "ETH/USD:ETH"]
    wanted = {"BTCUSDT", "BTCUSD_PERP", "ETHUSD_PERP"}
    async with Simulator(["binance"], step_interval_s=0.02, seed=3) as sim:
        worker = FeedWorker(["binance"], sim.endpoints, simulated=True)
        quotes: dict[str, object] = {}
        funded: dict[str, Funding] = {}
        seen_all = asyncio.Event()
        add, add_funding = worker.publisher.add, worker.publisher.add_funding

        def check() -> None:
            if set(quotes) >= wanted and set(funded) >= wanted:
                seen_all.set()

        def on_quotes(items) -> None:
            add(items)
            quotes.update((q.symbol, q) for q in items)
            check()

        def on_funding(items) -> None:
            add_funding(items)
            funded.update((r.symbol, r) for r in items)
            check()

        monkeypatch.setattr(worker.publisher, "add", on_quotes)
        monkeypatch.setattr(worker.publisher, "add_funding", on_funding)
        books: asyncio.Queue[Depth] = asyncio.Queue()
        monkeypatch.setattr(worker.publisher, "add_depth", lambda records: [books.put_nowait(r) for r in records])
        task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(seen_all.wait(), 20)
            urls = sorted(s.endpoints.ws_url for s in worker.sessions["binance"])
            worker.on_depth_demand({"binance": frozenset({"BTC/USD:BTC"})})
            depth = await asyncio.wait_for(books.get(), 10)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        ws_url = sim.endpoints["binance"].ws_url
    assert urls == sorted([ws_url, ws_url.replace("/public/ws", "/ws")])
    btc_perp = quotes["BTCUSD_PERP"]
    assert btc_perp.instrument == "BTC/USD:BTC" and btc_perp.bid_contracts == int(btc_perp.bid_contracts)
    assert abs(btc_perp.bid - quotes["BTCUSDT"].bid) / btc_perp.bid < Decimal("0.01")  # the same coin's price
    assert btc_perp.bid_size == btc_perp.bid_contracts * 100 / btc_perp.bid
    assert {funded[s].instrument for s in ("BTCUSD_PERP", "ETHUSD_PERP")} == {"BTC/USD:BTC", "ETH/USD:ETH"}
    assert (depth.symbol, depth.instrument, len(depth.bids)) == ("BTCUSD_PERP", "BTC/USD:BTC", 10)
    await sync_to_async(connections.close_all)()
