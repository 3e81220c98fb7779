from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.exchanges import FrameError, parse_frame, parse_instruments
from feeds.exchanges.deribit import Deribit
from feeds.tests.frames import deribit as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("deribit", frames.GET_INSTRUMENTS)}


def test_inverse_quote_amounts_in_usd_become_base_units():
    [quote] = parse_frame("deribit", frames.QUOTE_INVERSE, INSTRUMENTS, recv_ns=1_700_000_000_200_000_000)
    assert (quote.exchange, quote.symbol, quote.instrument) == ("deribit", "BTC-PERPETUAL", "BTC/USD:BTC")
    assert quote.bid == Decimal("43250.5")
    assert quote.ask == Decimal("43251.0")
    assert quote.bid_contracts == Decimal("12000.0")  # USD, as sent
    assert quote.bid_size == Decimal("12000.0") / Decimal("43250.5")
    assert quote.ask_size == Decimal("3000.0") / Decimal("43251.0")
    assert quote.ts_ms == 1700000000123
    assert quote.recv_ns == 1_700_000_000_200_000_000


def test_linear_usdc_quote_amounts_are_already_base_units():
    [quote] = parse_frame("deribit", frames.QUOTE_LINEAR, INSTRUMENTS)
    assert quote.instrument == "BTC/USDC:USDC"
    assert quote.bid == Decimal("43249.9")
    assert quote.bid_size == quote.bid_contracts == Decimal("0.1234")
    assert quote.ask_size == Decimal("2.5")
    assert quote.ts_ms == 1700000000456


def test_bytes_frames_parse_like_text():
    assert parse_frame("deribit", frames.QUOTE_INVERSE.encode(), INSTRUMENTS, recv_ns=1) == parse_frame(
        "deribit", frames.QUOTE_INVERSE, INSTRUMENTS, recv_ns=1
    )


@pytest.mark.parametrize(
    "frame",
    [frames.SUBSCRIBE_REPLY, frames.SET_HEARTBEAT_REPLY, frames.TEST_REPLY, frames.HEARTBEAT, frames.TEST_REQUEST],
)
def test_control_frames_give_no_quotes(frame):
    assert parse_frame("deribit", frame, INSTRUMENTS) == []


@pytest.mark.parametrize("frame", [frames.NULL_BID, frames.ZERO_ASK_AMOUNT])
def test_a_side_without_orders_gives_no_half_quote(frame):
    assert parse_frame("deribit", frame, INSTRUMENTS) == []


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (frames.ERROR_INVALID_PARAMS, r"-32602: Invalid params .*must be an array of strings"),
        (frames.ERROR_RATE_LIMIT, "10028: too_many_requests"),
    ],
)
def test_error_frames_raise_frame_error_with_the_exchange_message(frame, message):
    with pytest.raises(FrameError, match=message):
        parse_frame("deribit", frame, INSTRUMENTS)


def test_unknown_instrument_is_counted_not_returned():
    state: dict = {}
    assert parse_frame("deribit", frames.UNKNOWN_INSTRUMENT, INSTRUMENTS, state) == []
    assert parse_frame("deribit", frames.UNKNOWN_INSTRUMENT, INSTRUMENTS, state) == []
    assert state["unknown_symbols"] == 2


@pytest.mark.parametrize(
    "frame",
    [
        "",
        "not json",
        "[1,2,3]",
        '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"quote.BTC-PERPETUAL"}}',
        frames.QUOTE_INVERSE.replace("43250.5", '"abc"'),
        frames.QUOTE_INVERSE.replace("43250.5", '"NaN"'),
        frames.QUOTE_INVERSE.replace("43250.5", "-43250.5"),
        frames.QUOTE_INVERSE.replace("12000.0", "-1"),
        frames.QUOTE_INVERSE.replace("1700000000123", '"soon"'),
        b"\xff\xfe\x00garbage",
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("deribit", frame, INSTRUMENTS)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_but_frame_error(raw):
    with contextlib.suppress(FrameError):
        parse_frame("deribit", raw, INSTRUMENTS)


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["BTC-PERPETUAL", "subscription", "heartbeat", "test_request", "1e400", "NaN", "sNaN"]),
)
_data = st.dictionaries(
    st.sampled_from(
        ["instrument_name", "timestamp", "best_bid_price", "best_bid_amount", "best_ask_price", "best_ask_amount"]
    ),
    _scalars,
)
_params = st.dictionaries(st.sampled_from(["channel", "data", "type"]), st.one_of(_scalars, _data))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["jsonrpc", "method", "params", "id", "result", "error"]),
        st.one_of(_scalars, _params, st.fixed_dictionaries({"code": _scalars, "message": _scalars})),
    )
)
def test_random_frame_shaped_json_never_raises_anything_but_frame_error(fields):
    raw = json.dumps(fields)
    with contextlib.suppress(FrameError):
        parse_frame("deribit", raw, INSTRUMENTS)
    Deribit().control_reply(raw)  # never raises either


def test_instrument_list_keeps_active_perpetuals_with_canonical_names():
    assert set(INSTRUMENTS) == {"BTC-PERPETUAL", "ETH-PERPETUAL", "BTC_USDC-PERPETUAL", "1000SHIB_USDC-PERPETUAL"}
    btc = INSTRUMENTS["BTC-PERPETUAL"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == ("BTC/USD:BTC", "BTC", "USD", "BTC", False)
    assert btc.tick_size == Decimal("0.5")
    assert INSTRUMENTS["ETH-PERPETUAL"].instrument == "ETH/USD:ETH"
    linear = INSTRUMENTS["BTC_USDC-PERPETUAL"]
    assert (linear.instrument, linear.linear, linear.tick_size) == ("BTC/USDC:USDC", True, Decimal("0.1"))


def test_amount_units_make_every_contract_size_one():
    # Inverse amounts are USD and linear amounts base coin, whatever Deribit's own contract_size says.
    assert {i.contract_size for i in INSTRUMENTS.values()} == {Decimal(1)}


def test_deprecated_future_type_still_tells_linear_from_inverse():
    shib = INSTRUMENTS["1000SHIB_USDC-PERPETUAL"]
    assert (shib.instrument, shib.linear) == ("1000SHIB/USDC:USDC", True)
    assert (shib.coin, shib.multiplier) == ("SHIB", 1000)
    assert shib.tick_size == Decimal("1E-8")


@pytest.mark.parametrize("body", [frames.GET_INSTRUMENTS_ERROR, b"<html>502 Bad Gateway</html>", b'{"jsonrpc":"2.0"}'])
def test_bad_instrument_lists_raise_frame_error(body):
    with pytest.raises(FrameError):
        parse_instruments("deribit", body)


def test_subscribe_messages_set_the_heartbeat_first_then_batch_channels():
    heartbeat, subscribe = (json.loads(m) for m in Deribit().subscribe_messages(["BTC-PERPETUAL", "ETH-PERPETUAL"]))
    assert heartbeat == {"jsonrpc": "2.0", "id": 1, "method": "public/set_heartbeat", "params": {"interval": 15}}
    assert subscribe == {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "public/subscribe",
        "params": {"channels": ["quote.BTC-PERPETUAL", "quote.ETH-PERPETUAL"]},
    }
    many = [json.loads(m) for m in Deribit().subscribe_messages([f"S{n}-PERPETUAL" for n in range(250)])[1:]]
    assert [len(m["params"]["channels"]) for m in many] == [100, 100, 50]
    assert len({m["id"] for m in many}) == 3


def test_heartbeat_interval_respects_the_documented_floor():
    heartbeat = json.loads(Deribit().subscribe_messages(["BTC-PERPETUAL"])[0])
    assert heartbeat["params"]["interval"] >= 10


def test_test_request_is_answered_with_public_test():
    reply = json.loads(Deribit().control_reply(frames.TEST_REQUEST))
    assert reply["method"] == "public/test"
    assert reply["jsonrpc"] == "2.0"
    assert isinstance(reply["id"], int)
    assert Deribit().control_reply(frames.TEST_REQUEST.encode()) == Deribit().control_reply(frames.TEST_REQUEST)


@pytest.mark.parametrize(
    "frame", [frames.HEARTBEAT, frames.SUBSCRIBE_REPLY, frames.QUOTE_INVERSE, '{"test_request": 1', b"\xfftest_request"]
)
def test_other_frames_need_no_answer(frame):
    assert Deribit().control_reply(frame) is None


def test_declared_endpoints():
    connector = Deribit()
    assert connector.ws_url == "wss://www.deribit.com/ws/api/v2"
    assert connector.instruments_paths == ("/api/v2/public/get_instruments?currency=any&kind=future",)
    assert connector.heartbeat_interval_s is None  # Deribit sends the heartbeats
