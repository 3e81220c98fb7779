"""What Binance's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from feeds.exchanges import FrameError, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.binance import Binance
from feeds.tests.frames import binance as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("binance", frames.EXCHANGE_INFO)}
INSTRUMENTS["ETHUSDT"] = msgspec.structs.replace(
    INSTRUMENTS["BTCUSDT"], symbol="ETHUSDT", instrument="ETH/USDT:USDT", base="ETH", coin="ETH"
)


def test_book_ticker_becomes_an_exact_quote():
    [quote] = parse_frame("binance", frames.BOOK_TICKER, INSTRUMENTS, recv_ns=1_700_000_000_200_000_000)
    assert quote.exchange == "binance"
    assert quote.symbol == "BTCUSDT"
    assert quote.instrument == "BTC/USDT:USDT"
    assert quote.bid == Decimal("43250.10")
    assert quote.ask == Decimal("43250.20")
    assert quote.bid_size == quote.bid_contracts == Decimal("3.214")
    assert quote.ask_size == quote.ask_contracts == Decimal("1.002")
    assert quote.ts_ms == 1700000000123
    assert quote.recv_ns == 1_700_000_000_200_000_000


def test_combined_stream_wrapper_is_unwrapped():
    [quote] = parse_frame("binance", frames.COMBINED_STREAM, INSTRUMENTS)
    assert quote.instrument == "ETH/USDT:USDT"


@pytest.mark.parametrize(
    "frame",
    [
        '{"e":"bookTicker","s":"BTCUSDT","b":"abc","B":"1","a":"1","A":"1","T":1}',
        '{"e":"bookTicker","s":"BTCUSDT","b":"NaN","B":"1","a":"1","A":"1","T":1}',
        '{"e":"bookTicker","s":"BTCUSDT","b":"-1","B":"1","a":"1","A":"1","T":1}',
        '{"e":"bookTicker","s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1","T":"soon"}',
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("binance", frame, INSTRUMENTS)


def test_instrument_list_keeps_trading_perpetuals_only():
    found = {i.symbol: i for i in parse_instruments("binance", frames.EXCHANGE_INFO)}
    assert set(found) == {"BTCUSDT", "1000PEPEUSDT", "BTCUSDC"}
    btc = found["BTCUSDT"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == (
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        "USDT",
        True,
    )
    assert btc.contract_size == 1
    assert btc.tick_size == Decimal("0.10")
    assert found["BTCUSDC"].instrument == "BTC/USDC:USDC"


def test_multiplied_base_keeps_its_name_and_records_the_coin():
    pepe = next(i for i in parse_instruments("binance", frames.EXCHANGE_INFO) if i.symbol == "1000PEPEUSDT")
    assert pepe.instrument == "1000PEPE/USDT:USDT"
    assert (pepe.coin, pepe.multiplier) == ("PEPE", 1000)


def test_subscribe_messages_are_batched_lowercase_streams():
    messages = Binance().subscribe_messages(["BTCUSDT", "ETHUSDT"])
    assert messages == ['{"method":"SUBSCRIBE","params":["btcusdt@bookTicker","ethusdt@bookTicker"],"id":1}']
    many = Binance().subscribe_messages([f"S{n}USDT" for n in range(450)])
    assert len(many) == 3


def test_funding_joins_premium_index_and_funding_info():
    records = parse_funding(
        "binance", [frames.PREMIUM_INDEX.encode(), frames.FUNDING_INFO.encode()], INSTRUMENTS, 1597370495100
    )
    by_symbol = {r.symbol: r for r in records}
    assert set(by_symbol) == {"BTCUSDT", "1000PEPEUSDT"}  # the dated future and unknown symbols left out
    btc = by_symbol["BTCUSDT"]
    assert (btc.instrument, btc.rate, btc.interval_h) == ("BTC/USDT:USDT", Decimal("0.00038246"), 8)
    assert (btc.next_funding_ms, btc.ts_ms) == (1597392000000, 1597370495002)
    pepe = by_symbol["1000PEPEUSDT"]
    assert (pepe.rate, pepe.interval_h) == (Decimal("-0.00012500"), 4)  # adjusted: fundingInfo lists it


def test_funding_with_a_broken_rate_is_a_frame_error():
    broken = frames.PREMIUM_INDEX.replace('"0.00038246"', '"lots"')
    with pytest.raises(FrameError):
        parse_funding("binance", [broken.encode(), b"[]"], INSTRUMENTS, 0)
    with pytest.raises(FrameError):
        parse_funding("binance", [b'{"code":-1003,"msg":"Too many requests"}', b"[]"], INSTRUMENTS, 0)


def test_order_step_and_minimum_come_from_the_lot_size_filter():
    found = {i.symbol: i for i in parse_instruments("binance", frames.EXCHANGE_INFO)}
    btc = found["BTCUSDT"]
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal("0.001"), Decimal("0.001"))
    assert btc.order_steps_base() == (Decimal("0.001"), Decimal("0.001"))
    # No LOT_SIZE filter: one contract (one coin here), no minimum.
    assert found["BTCUSDC"].order_steps_base() == (Decimal(1), Decimal(0))
