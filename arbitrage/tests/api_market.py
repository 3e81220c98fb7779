"""A small market in the cache and the instrument lists, as the engine and the feeds leave them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from arbitrage.engine import Engine, load_exchange_config
from arbitrage.models import Opportunity
from arbitrage.tests.factories import make_quote
from feeds.funding import Funding
from feeds.models import Exchange, Instrument
from lib import clock

# (exchange, symbol, canonical): the exchange forms a caller may use.
LISTED = [
    ("binance", "BTCUSDT", "BTC/USDT:USDT"),
    ("bybit", "BTCUSDT", "BTC/USDT:USDT"),
    ("okx", "BTC-USDT-SWAP", "BTC/USDT:USDT"),
    ("gateio", "BTC_USDT", "BTC/USDT:USDT"),
    ("kucoin", "XBTUSDTM", "BTC/USDT:USDT"),
    ("binance", "ETHUSDT", "ETH/USDT:USDT"),
    # The same exchange symbol for two different contracts: a caller must say which.
    ("bybit", "BTCUSD", "BTC/USD:BTC"),
    ("phemex", "BTCUSD", "BTC/USD:USD"),
]


def list_instruments() -> None:
    for exchange, symbol, canonical in LISTED:
        base, rest = canonical.split("/")
        quote, settle = rest.split(":")
        Instrument.objects.create(
            exchange=exchange,
            symbol=symbol,
            instrument=canonical,
            base=base,
            quote=quote,
            settle=settle,
            linear=settle != base,
            contract_size=1,
            tick_size="0.1",
        )


def quote_market() -> None:
    """binance BTC 99.9/100, bybit BTC 101/101.1 (buy binance, sell bybit pays), binance ETH."""
    now_ms = clock.now_ms()
    # Fees read here, on the test's own connection (the engine's async read would close it).
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=load_exchange_config())
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", size="2", ts_ms=now_ms)], at_ms=now_ms)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", size="1", ts_ms=now_ms)], at_ms=now_ms)
    engine.on_quotes(
        [make_quote("binance", instrument="ETH/USDT:USDT", bid="2300", ask="2300.5", ts_ms=now_ms)], at_ms=now_ms
    )
    async_to_sync(engine.fan_out)()


def quote_close_market() -> None:
    """BTC: binance 99.9/100, bybit 99.95/100.05, 0.05 % taker fees: no pair pays; buying on
    binance and selling on bybit is 15 bps from breaking even, the other way 24.99."""
    Exchange.objects.filter(id__in=["binance", "bybit"]).update(taker_fee_pct=Decimal("0.05"))
    list_instruments()
    now_ms = clock.now_ms()
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=load_exchange_config())
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", size="2", ts_ms=now_ms)], at_ms=now_ms)
    engine.on_quotes([make_quote("bybit", bid="99.95", ask="100.05", size="1", ts_ms=now_ms)], at_ms=now_ms)
    async_to_sync(engine.fan_out)()


H = 3_600_000


def fund_market() -> int:
    """BTC funding on binance (0.01 % every 8 h, next in 2 h), bybit (0.03 % every 4 h, next in
    1 h) and okx (0.01 % every 8 h, next in 3 h, unquoted) over quote_market() with 0.05 % taker
    fees on binance and bybit; returns the time (ms) the next fundings count from."""
    Exchange.objects.filter(id__in=["binance", "bybit"]).update(taker_fee_pct=Decimal("0.05"))
    list_instruments()
    quote_market()  # BTC: binance 99.9/100, bybit 101/101.1
    now_ms = clock.now_ms()
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.on_funding(
        [
            Funding("binance", "BTCUSDT", "BTC/USDT:USDT", Decimal("0.0001"), 8, now_ms + 2 * H, now_ms),
            Funding("bybit", "BTCUSDT", "BTC/USDT:USDT", Decimal("0.0003"), 4, now_ms + H, now_ms),
            Funding("okx", "BTC-USDT-SWAP", "BTC/USDT:USDT", Decimal("0.0001"), 8, now_ms + 3 * H, now_ms),
        ]
    )
    async_to_sync(engine.write_funding)()
    return now_ms


def record_life(
    buy: str, sell: str, opened: datetime, *, closed: bool = True, net: str = "0.5", seen_for_s: float = 3
) -> Opportunity:
    """A life seen for `seen_for_s` after it opened: closed then, or still open."""
    last_seen = opened + timedelta(seconds=seen_for_s)
    return Opportunity.objects.create(
        group="BTC/USD",
        buy_exchange=buy,
        buy_instrument="BTC/USDT:USDT",
        sell_exchange=sell,
        sell_instrument="BTC/USDT:USDT",
        opened_at=opened,
        closed_at=last_seen if closed else None,
        last_seen_at=last_seen,
        duration_ms=round(seen_for_s * 1000) if closed else None,
        close_reason="spread" if closed else "",
        open_net_spread_pct=Decimal(net),
        peak_net_spread_pct=Decimal(net),
        peak_gross_spread_pct=Decimal(net) + Decimal("0.1"),
        peak_size_base=Decimal(1),
        peak_profit_quote=Decimal(net),
        peak_buy_price=Decimal(100),
        peak_sell_price=Decimal(101),
    )


def hours_ago(hours: float) -> datetime:
    return datetime.now(tz=UTC) - timedelta(hours=hours)
