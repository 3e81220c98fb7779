"""What Deribit's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from feeds.exchanges import FrameError, parse_frame, parse_funding, parse_instruments
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


@pytest.mark.parametrize("frame", [frames.NULL_BID, frames.ZERO_ASK_AMOUNT])
def test_a_side_without_orders_gives_no_half_quote(frame):
    assert parse_frame("deribit", frame, INSTRUMENTS) == []


@pytest.mark.parametrize(
    "frame",
    [
        '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"quote.BTC-PERPETUAL"}}',
        frames.QUOTE_INVERSE.replace("43250.5", '"abc"'),
        frames.QUOTE_INVERSE.replace("43250.5", '"NaN"'),
        frames.QUOTE_INVERSE.replace("43250.5", "-43250.5"),
        frames.QUOTE_INVERSE.replace("12000.0", "-1"),
        frames.QUOTE_INVERSE.replace("1700000000123", '"soon"'),
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("deribit", frame, INSTRUMENTS)


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


@pytest.mark.parametrize("body", [frames.GET_INSTRUMENTS_ERROR, b'{"jsonrpc":"2.0"}'])
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


def test_funding_is_the_8h_figure_paid_hourly_from_the_next_full_hour():
    records = {r.symbol: r for r in parse_funding("deribit", [frames.BOOK_SUMMARY.encode()], INSTRUMENTS, 1)}
    assert set(records) == {"BTC-PERPETUAL", "BTC_USDC-PERPETUAL"}  # no dated futures, no unknown names
    inverse = records["BTC-PERPETUAL"]
    assert (inverse.instrument, inverse.rate, inverse.interval_h) == ("BTC/USD:BTC", Decimal("0.000015"), 1)
    assert (inverse.next_funding_ms, inverse.ts_ms) == (1700002800000, 1700000000123)
    # Exactly on the hour: the next one is an hour later.
    assert records["BTC_USDC-PERPETUAL"].next_funding_ms == 1700006400000
    assert records["BTC_USDC-PERPETUAL"].rate == Decimal("-0.0000005")


def test_funding_error_answer_is_a_frame_error():
    body = '{"jsonrpc":"2.0","error":{"code":10028,"message":"too_many_requests"},"testnet":false}'
    with pytest.raises(FrameError, match="10028"):
        parse_funding("deribit", [body.encode()], INSTRUMENTS, 1)


def test_order_step_is_deribits_contract_size_and_minimum_its_min_trade_amount():
    inverse, linear = INSTRUMENTS["BTC-PERPETUAL"], INSTRUMENTS["BTC_USDC-PERPETUAL"]
    # Amounts in USD on the inverse contract: steps of 10 USD.
    assert (inverse.qty_step_contracts, inverse.min_qty_contracts) == (Decimal(10), Decimal(10))
    # In BTC on the linear one.
    assert linear.order_steps_base() == (Decimal("0.0001"), Decimal("0.0001"))
