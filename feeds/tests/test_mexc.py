"""What MEXC's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec
import pytest

from feeds.exchanges import FrameError, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.mexc import Mexc
from feeds.tests.frames import mexc as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("mexc", frames.CONTRACT_DETAIL)}
INSTRUMENTS["ETH_USDT"] = msgspec.structs.replace(
    INSTRUMENTS["BTC_USDT"], symbol="ETH_USDT", instrument="ETH/USDT:USDT", base="ETH", coin="ETH"
)


def test_depth_snapshot_becomes_an_exact_quote_in_base_units():
    [quote] = parse_frame("mexc", frames.DEPTH_FULL, INSTRUMENTS, recv_ns=1_700_000_000_200_000_000)
    assert (quote.exchange, quote.symbol, quote.instrument) == ("mexc", "BTC_USDT", "BTC/USDT:USDT")
    assert quote.bid == Decimal("43250.1")
    assert quote.ask == Decimal("43250.2")
    # 31288 contracts of 0.0001 BTC, and 3446 of them.
    assert quote.bid_contracts == Decimal("31288")
    assert quote.bid_size == Decimal("3.1288")
    assert quote.ask_contracts == Decimal("3446")
    assert quote.ask_size == Decimal("0.3446")
    assert quote.ts_ms == 1700000000009  # the matching engine's cts, not the push time
    assert quote.recv_ns == 1_700_000_000_200_000_000


def test_json_numbers_decode_to_decimals_from_their_text_never_through_a_float():
    # 0.1 has no exact binary float; 7.548E+4 is MEXC's Java spelling of 75480.
    decoded = msgspec.json.decode(b"[0.1, 7.548E+4, 43250.123456789012345678]", type=list[Decimal])
    assert decoded == [Decimal("0.1"), Decimal("75480"), Decimal("43250.123456789012345678")]
    assert str(decoded[0]) == "0.1"


def test_exponent_form_price_is_exact_and_written_plainly():
    [quote] = parse_frame("mexc", frames.EXPONENT_PRICE, INSTRUMENTS)
    assert quote.ask == Decimal("75480")
    assert str(quote.ask) == "75480"
    assert quote.bid == Decimal("75479.9")
    assert quote.ask_size == Decimal("0.0005")


def test_inverse_contracts_are_usd_and_become_coins_at_the_price():
    [quote] = parse_frame("mexc", frames.INVERSE_DEPTH, INSTRUMENTS)
    assert quote.instrument == "BTC/USD:BTC"
    # 10 contracts of 100 USD at 50000 USD/BTC = 0.02 BTC.
    assert quote.bid_contracts == 10
    assert quote.bid_size == Decimal("0.02")
    assert quote.ask_size == Decimal(2000) / Decimal("50000.5")


def test_push_time_stands_in_when_cts_is_missing():
    [quote] = parse_frame("mexc", frames.WITHOUT_CTS, INSTRUMENTS)
    assert quote.ts_ms == 1700000000313
    assert quote.bid_size == Decimal("0.0009")


def test_gzip_binary_frames_are_decompressed():
    assert parse_frame("mexc", frames.GZIPPED_DEPTH_FULL, INSTRUMENTS, recv_ns=1) == parse_frame(
        "mexc", frames.DEPTH_FULL, INSTRUMENTS, recv_ns=1
    )


@pytest.mark.parametrize("frame", [frames.EMPTY_BIDS, frames.EMPTY_ASKS])
def test_a_book_with_an_empty_side_gives_no_half_quote(frame):
    assert parse_frame("mexc", frame, INSTRUMENTS) == []


def test_replies_name_no_symbol_so_they_are_matched_to_subscribes_in_send_order():
    # The session subscribes to sorted(instruments), one message each: the 2nd reply answers the 2nd symbol.
    state: dict = {}
    assert parse_frame("mexc", frames.SUBSCRIBE_ACK, INSTRUMENTS, state) == []
    second = sorted(INSTRUMENTS)[1]
    with pytest.raises(FrameError, match=rf"subscription of {second}.*Contract doesn't exist!"):
        parse_frame("mexc", frames.ERROR, INSTRUMENTS, state)


def test_an_error_after_every_subscribe_was_answered_names_no_symbol():
    state: dict = {}
    for _ in INSTRUMENTS:
        parse_frame("mexc", frames.SUBSCRIBE_ACK, INSTRUMENTS, state)
    with pytest.raises(FrameError) as raised:
        parse_frame("mexc", frames.ERROR, INSTRUMENTS, state)
    assert "subscription of" not in str(raised.value)


@pytest.mark.parametrize(
    "frame",
    [
        '{"channel":"push.depth.full","symbol":"BTC_USDT","data":"oops"}',
        '{"channel":"push.depth.full","symbol":"BTC_USDT","data":{"asks":[["abc",1,1]],"bids":[[1,1,1]]}}',
        '{"channel":"push.depth.full","symbol":"BTC_USDT","data":{"asks":[[-1,1,1]],"bids":[[1,1,1]]}}',
        '{"channel":"push.depth.full","symbol":"BTC_USDT","data":{"asks":[[2,-5,1]],"bids":[[1,1,1]]}}',
        '{"channel":"push.depth.full","symbol":"BTC_USDT","data":{"asks":[[2]],"bids":[[1,1,1]]}}',
        '{"channel":"push.depth.full","symbol":"BTC_USDT","data":{"asks":[[2,1,1]],"bids":[[1,1,1]],"cts":"x"}}',
        b"\x1f\x8b\x08\x00garbage that is no gzip",
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("mexc", frame, INSTRUMENTS)


def test_instrument_list_keeps_enabled_crypto_perpetuals_only():
    found = {i.symbol: i for i in parse_instruments("mexc", frames.CONTRACT_DETAIL)}
    assert set(found) == {"BTC_USDT", "1000PEPE_USDT", "BTC_USDC", "BTC_USD"}
    btc = found["BTC_USDT"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == (
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        "USDT",
        True,
    )
    assert btc.contract_size == Decimal("0.0001")
    assert btc.tick_size == Decimal("0.1")
    assert found["BTC_USDC"].instrument == "BTC/USDC:USDC"


def test_inverse_contract_sizes_in_usd():
    inverse = next(i for i in parse_instruments("mexc", frames.CONTRACT_DETAIL) if i.symbol == "BTC_USD")
    assert (inverse.instrument, inverse.linear, inverse.contract_size) == ("BTC/USD:BTC", False, Decimal(100))
    assert inverse.tick_size == Decimal("0.5")


def test_multiplied_base_keeps_its_name_and_records_the_coin():
    pepe = next(i for i in parse_instruments("mexc", frames.CONTRACT_DETAIL) if i.symbol == "1000PEPE_USDT")
    assert pepe.instrument == "1000PEPE/USDT:USDT"
    assert (pepe.coin, pepe.multiplier) == ("PEPE", 1000)
    # 1E+2 and 1E-7 as MEXC spells them, stored as the plain numbers they are.
    assert str(pepe.contract_size) == "100"
    assert pepe.tick_size == Decimal("0.0000001")


def test_refused_instrument_list_raises_frame_error():
    with pytest.raises(FrameError, match="too frequent"):
        parse_instruments("mexc", frames.CONTRACT_DETAIL_REFUSED)


def test_subscribe_messages_are_one_symbol_each_with_limit_5_and_plain_text():
    messages = Mexc().subscribe_messages(["BTC_USDT", "ETH_USDT"])
    assert messages == [
        '{"method":"sub.depth.full","param":{"symbol":"BTC_USDT","limit":5},"gzip":false}',
        '{"method":"sub.depth.full","param":{"symbol":"ETH_USDT","limit":5},"gzip":false}',
    ]
    assert Mexc.max_symbols_per_message == 1


def test_heartbeat_is_a_json_ping_every_10_to_20_seconds():
    assert json.loads(Mexc().heartbeat_message()) == {"method": "ping"}
    assert 10 <= Mexc.heartbeat_interval_s <= 20


def test_funding_one_contract_per_answer_with_each_contracts_interval():
    bodies = [f.encode() for f in (frames.FUNDING_RATE_PEPE, frames.FUNDING_RATE_BTC, frames.FUNDING_RATE_UNKNOWN)]
    records = {r.symbol: r for r in parse_funding("mexc", bodies, INSTRUMENTS, 1_700_000_000_500)}
    assert set(records) == {"BTC_USDT", "1000PEPE_USDT"}
    btc = records["BTC_USDT"]
    assert (btc.instrument, btc.rate, btc.interval_h, btc.next_funding_ms, btc.ts_ms) == (
        "BTC/USDT:USDT",
        Decimal("0.000036"),  # exactly, not through float
        8,
        1_700_006_400_000,
        1_700_000_000_123,  # the answer's own timestamp
    )
    pepe = records["1000PEPE_USDT"]
    # An answer without a timestamp carries the receive time.
    assert (pepe.rate, pepe.interval_h, pepe.ts_ms) == (Decimal("-0.00015"), 4, 1_700_000_000_500)


@pytest.mark.parametrize(
    "broken",
    [
        frames.FUNDING_RATE_REFUSED,
        frames.FUNDING_RATE_BTC.replace('"collectCycle":8,', ""),
        frames.FUNDING_RATE_BTC.replace('"collectCycle":8', '"collectCycle":0'),
        frames.FUNDING_RATE_BTC.replace('"collectCycle":8', '"collectCycle":48'),
        frames.FUNDING_RATE_BTC.replace('"nextSettleTime":1700006400000,', ""),
        frames.FUNDING_RATE_BTC.replace("0.000036", "1.5"),
    ],
)
def test_a_refused_or_incomplete_funding_answer_is_a_frame_error(broken):
    with pytest.raises(FrameError):
        parse_funding("mexc", [frames.FUNDING_RATE_PEPE.encode(), broken.encode()], INSTRUMENTS, 1_700_000_000_500)


def test_funding_paths_ask_one_contract_each():
    assert Mexc().funding_paths(["BTC_USDT", "ETH_USDT"]) == [
        "/api/v1/contract/funding_rate/BTC_USDT",
        "/api/v1/contract/funding_rate/ETH_USDT",
    ]


def test_order_step_and_minimum_are_vol_unit_and_min_vol_in_contracts():
    btc = INSTRUMENTS["BTC_USDT"]
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal(1), Decimal(1))
    # One contract of 0.0001 BTC.
    assert btc.order_steps_base() == (Decimal("0.0001"), Decimal("0.0001"))
