from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.exchanges import FrameError, parse_frame, parse_instruments
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


def test_bytes_frames_parse_like_text():
    assert parse_frame("binance", frames.BOOK_TICKER.encode(), INSTRUMENTS, recv_ns=1) == parse_frame(
        "binance", frames.BOOK_TICKER, INSTRUMENTS, recv_ns=1
    )


@pytest.mark.parametrize("frame", [frames.SUBSCRIBE_ACK, frames.LIST_SUBSCRIPTIONS])
def test_control_frames_give_no_quotes(frame):
    assert parse_frame("binance", frame, INSTRUMENTS) == []


def test_error_frame_raises_frame_error_with_the_exchange_message():
    with pytest.raises(FrameError, match="unknown variant"):
        parse_frame("binance", frames.ERROR, INSTRUMENTS)


def test_unknown_symbol_is_counted_not_returned():
    state: dict = {}
    assert parse_frame("binance", frames.UNKNOWN_SYMBOL, INSTRUMENTS, state) == []
    assert parse_frame("binance", frames.UNKNOWN_SYMBOL, INSTRUMENTS, state) == []
    assert state["unknown_symbols"] == 2


@pytest.mark.parametrize(
    "frame",
    [
        "",
        "not json",
        "[1,2,3]",
        '{"e":"bookTicker","s":"BTCUSDT","b":"abc","B":"1","a":"1","A":"1","T":1}',
        '{"e":"bookTicker","s":"BTCUSDT","b":"NaN","B":"1","a":"1","A":"1","T":1}',
        '{"e":"bookTicker","s":"BTCUSDT","b":"-1","B":"1","a":"1","A":"1","T":1}',
        '{"e":"bookTicker","s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1","T":"soon"}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("binance", frame, INSTRUMENTS)


@settings(deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_but_frame_error(raw):
    with contextlib.suppress(FrameError):
        parse_frame("binance", raw, INSTRUMENTS)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["e", "s", "b", "B", "a", "A", "T", "E", "id", "result", "error", "data", "stream"]),
        st.one_of(
            st.none(), st.integers(), st.floats(), st.text(max_size=8), st.just("bookTicker"), st.just("BTCUSDT")
        ),
    )
)
def test_random_frame_shaped_json_never_raises_anything_but_frame_error(fields):
    with contextlib.suppress(FrameError):
        parse_frame("binance", json.dumps(fields), INSTRUMENTS)


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


def test_unparseable_instrument_list_raises_frame_error():
    with pytest.raises(FrameError):
        parse_instruments("binance", b"<html>502 Bad Gateway</html>")


def test_subscribe_messages_are_batched_lowercase_streams():
    messages = Binance().subscribe_messages(["BTCUSDT", "ETHUSDT"])
    assert messages == ['{"method":"SUBSCRIBE","params":["btcusdt@bookTicker","ethusdt@bookTicker"],"id":1}']
    many = Binance().subscribe_messages([f"S{n}USDT" for n in range(450)])
    assert len(many) == 3
