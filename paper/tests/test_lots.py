"""Paper sizes round to each exchange's own order step, as its instrument list gives it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from arbitrage.tests.factories import make_quote
from feeds.exchanges import parse_instruments
from feeds.instruments import store_instruments
from feeds.models import Exchange
from feeds.tests.frames import binance, bybit, coindcx, okx
from lib.clock import now_ms
from paper.execution import execute_pair, set_balance
from paper.fills import NotFillable, conservative_step
from paper.tests.market import quoted

pytestmark = pytest.mark.django_db

BTC = "BTC/USDT:USDT"


@pytest.fixture
def btc_market():
    """Binance (0.001 BTC step), Bybit (0.001 BTC) and OKX (0.01 contracts of 0.01 BTC) listed
    from their own frames, each quoting 2 BTC at the top."""
    for exchange_id, body in (
        ("binance", binance.EXCHANGE_INFO),
        ("bybit", bybit.INSTRUMENTS_PAGE),
        ("okx", okx.INSTRUMENTS),
    ):
        Exchange.objects.update_or_create(
            id=exchange_id, defaults={"name": exchange_id, "taker_fee_pct": D("0.05"), "enabled": True}
        )
        store_instruments(exchange_id, parse_instruments(exchange_id, body))
    at = now_ms()
    quoted(
        make_quote("binance", BTC, bid="43250.1", ask="43250.2", size="2", ts_ms=at),
        make_quote("bybit", BTC, bid="43300.0", ask="43300.5", size="2", ts_ms=at),
        make_quote("okx", BTC, bid="43310.0", ask="43310.1", size="2", ts_ms=at),
    )


def funded(user, *exchanges: str) -> None:
    for exchange_id in exchanges:
        set_balance(user, exchange_id, "USDT", D("100000"))


def test_093_btc_on_binance_fills_093_not_a_whole_coin(alice, btc_market):
    funded(alice, "binance", "bybit")

    execution, filled = execute_pair(alice, "binance", "bybit", BTC, D("0.93"), "k1")

    assert filled
    assert {(fill.side, fill.size_base) for fill in execution.fills.all()} == {("buy", D("0.93")), ("sell", D("0.93"))}


def test_a_size_rounds_down_to_the_exchanges_step(alice, btc_market):
    funded(alice, "binance", "okx")

    execution, _ = execute_pair(alice, "binance", "okx", BTC, D("0.12345"), "k1")

    # OKX: 0.01 contracts of 0.01 BTC, a 0.0001 BTC step; Binance's 0.001 BTC is the coarser.
    assert execution.size_base == D("0.123")


def test_below_one_lot_is_refused_in_the_instruments_own_units(alice, btc_market):
    funded(alice, "binance", "bybit")

    with pytest.raises(NotFillable, match=r"size 0\.0004 is below one lot \(0\.001 BTC\)"):
        execute_pair(alice, "binance", "bybit", BTC, D("0.0004"), "k1")


def binance_and_coindcx(user, coindcx_body: str, instrument: str, binance_price: str, coindcx_price: str) -> None:
    """Binance listed from its exchangeInfo, CoinDCX from `coindcx_body`, each quoting 2 at the top."""
    for exchange_id, body in (("binance", binance.EXCHANGE_INFO), ("coindcx", coindcx_body)):
        Exchange.objects.update_or_create(
            id=exchange_id, defaults={"name": exchange_id, "taker_fee_pct": D("0.05"), "enabled": True}
        )
        store_instruments(exchange_id, parse_instruments(exchange_id, body))
    at = now_ms()
    quoted(
        make_quote("binance", instrument, bid=binance_price, ask=binance_price, size="2", ts_ms=at),
        make_quote("coindcx", instrument, bid=coindcx_price, ask=coindcx_price, size="2", ts_ms=at),
    )
    funded(user, "binance", "coindcx")


def test_a_listing_without_a_step_fills_by_a_conservative_power_of_ten_not_a_whole_coin(alice):
    """CoinDCX's instrument list gives pair names only: at 97,000 a BTC step worth at least
    100 USDT is 0.01 BTC, which any real step of under 100 USDT divides."""
    binance_and_coindcx(alice, coindcx.ACTIVE_INSTRUMENTS, BTC, "97000.0", "97100.0")

    execution, _ = execute_pair(alice, "binance", "coindcx", BTC, D("0.93456"), "k1")

    assert execution.size_base == D("0.93")  # before: refused as below one lot (1 BTC)
    with pytest.raises(NotFillable, match=r"size 0\.005 is below one lot \(0\.01 BTC\)"):
        execute_pair(alice, "binance", "coindcx", BTC, D("0.005"), "k2")


def test_a_listing_from_coindcxs_instrument_detail_keeps_its_own_step(alice):
    eth = "ETH/USDT:USDT"
    binance_and_coindcx(alice, coindcx.INSTRUMENT_DETAIL, eth, "3500.0", "3510.0")

    execution, _ = execute_pair(alice, "binance", "coindcx", eth, D("0.12345"), "k1")

    assert execution.size_base == D("0.123")  # the detail's 0.001 ETH, not the 0.1 ETH rule


@pytest.mark.parametrize(
    ("price", "step"),
    [("97000", "0.01"), ("100000", "0.001"), ("3500", "0.1"), ("150", "1"), ("0.15", "1000"), ("0", "1")],
)
def test_the_conservative_step_is_the_smallest_power_of_ten_worth_100(price, step):
    assert conservative_step(D(price)) == D(step)
