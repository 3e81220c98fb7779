"""Depth reaches the engine as the quotes do, and an opportunity whose legs both have fresh depth
carries what walking both books yields; without it, `depth` is null."""

from __future__ import annotations

from decimal import Decimal as D

import msgspec
import pytest
from channels.layers import get_channel_layer

from arbitrage import engine as engine_module
from arbitrage.engine import Engine, ExchangeConfig
from arbitrage.quote_cache import read_open_opportunities
from arbitrage.tests.factories import make_quote
from feeds.depth import Depth, encode_depth
from feeds.publish import DEPTH_MESSAGE_TYPE

NOW_MS = 1_700_000_000_000
FEES = ExchangeConfig({"binance": D("0.05"), "bybit": D("0.05")}, {"binance": 5000, "bybit": 5000})
ASKS = [(D("100"), D("1")), (D("100.2"), D("2")), (D("100.5"), D("5"))]
BIDS = [(D("101"), D("1.5")), (D("100.6"), D("2")), (D("100.3"), D("5"))]


def cached_opportunities() -> list[dict]:
    """The cached open opportunities as their JSON reads (decimals as strings)."""
    return msgspec.to_builtins(read_open_opportunities())


def depth(exchange: str, bids, asks, recv_ms: int = NOW_MS) -> Depth:
    return Depth(exchange, "BTCUSDT", "BTC/USDT:USDT", bids, asks, recv_ms - 3, recv_ms * 1_000_000)


@pytest.fixture
def engine(monkeypatch):
    monkeypatch.setattr(engine_module, "now_ms", lambda: NOW_MS)
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=FEES)
    # Buy on Binance at 100, sell on Bybit at 101: the tops of the books below.
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", size="1", ts_ms=NOW_MS - 10)], at_ms=NOW_MS)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", size="1.5", ts_ms=NOW_MS - 10)], at_ms=NOW_MS)
    return engine


def send_depth(engine: Engine, *records: Depth) -> None:
    engine.on_message({"type": DEPTH_MESSAGE_TYPE, "depth": encode_depth(list(records))})


async def test_an_opportunity_with_both_books_carries_the_most_profitable_walk(engine):
    send_depth(engine, depth("binance", [(D("99.9"), D("1"))], ASKS), depth("bybit", BIDS, [(D("101.1"), D("1"))]))
    await engine.fan_out()
    [opportunity] = cached_opportunities()
    # Top of book: 1 coin (Binance's best ask) at 101 x 0.9995 - 100 x 1.0005 = 0.8995.
    assert (opportunity["size_base"], opportunity["profit_quote"]) == ("1", "0.89950000")
    # Three coins pay; the fourth would buy at 100.5 x 1.0005 = 100.55025 and sell at 100.6 x 0.9995 = 100.5497.
    assert opportunity["depth"] == {
        "size_base": "3.0",  # 1 + 0.5 + 1.5, as the levels sum
        "avg_buy_price": "100.133333333333",  # (100 + 2 x 100.2) / 3
        "avg_sell_price": "100.800000000000",  # (1.5 x 101 + 1.5 x 100.6) / 3
        "buy_slippage_pct": "0.133333",
        "sell_slippage_pct": "0.198020",
        "net_spread_pct": "0.565446",  # (100.8 x 0.9995 - 100.1333.. x 1.0005) / 100.1333.. x 100
        "profit_quote": "1.69860000",  # 302.4 x 0.9995 - 300.4 x 1.0005
        "books_exhausted": False,
    }
    assert engine.bad_messages == 0


async def test_without_depth_on_a_leg_the_opportunity_says_so(engine):
    send_depth(engine, depth("binance", [(D("99.9"), D("1"))], ASKS))  # Bybit's book unknown
    await engine.fan_out()
    [opportunity] = cached_opportunities()
    assert opportunity["depth"] is None
    assert opportunity["size_base"] == "1"  # the top-of-book figures stand alone


async def test_depth_older_than_a_quote_may_be_is_not_used(engine):
    stale_ms = NOW_MS - 5001
    send_depth(
        engine,
        depth("binance", [(D("99.9"), D("1"))], ASKS),
        depth("bybit", BIDS, [(D("101.1"), D("1"))], recv_ms=stale_ms),
    )
    await engine.fan_out()
    assert cached_opportunities()[0]["depth"] is None


async def test_an_open_opportunity_goes_out_again_when_only_a_book_moves(engine):
    await engine.fan_out()
    assert cached_opportunities()[0]["depth"] is None
    send_depth(engine, depth("binance", [(D("99.9"), D("1"))], ASKS), depth("bybit", BIDS, [(D("101.1"), D("1"))]))
    assert list(engine.pending_opportunities) == [cached_opportunities()[0]["id"]]
    await engine.fan_out()
    assert cached_opportunities()[0]["depth"]["profit_quote"] == "1.69860000"
    send_depth(engine, depth("okx", BIDS, ASKS))  # a book of no open opportunity's leg
    assert engine.pending_opportunities == {}


async def test_a_book_move_beyond_the_walk_sends_nothing_again(engine):
    send_depth(engine, depth("binance", [(D("99.9"), D("1"))], ASKS), depth("bybit", BIDS, [(D("101.1"), D("1"))]))
    await engine.fan_out()
    # Binance's bids change, but the buy leg walks only its asks: the walk is the same.
    send_depth(engine, depth("binance", [(D("99.8"), D("3"))], ASKS))
    assert engine.pending_opportunities == {}
    # A deeper ask level the walk does reach changes the fill: out again.
    send_depth(engine, depth("binance", [(D("99.8"), D("3"))], [(D("100"), D("1")), (D("100.1"), D("2"))]))
    assert list(engine.pending_opportunities) == [cached_opportunities()[0]["id"]]
