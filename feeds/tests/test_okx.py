"""What OKX's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest

from feeds.exchanges import FrameError, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.okx import OKX
from feeds.tests.frames import okx as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("okx", frames.INSTRUMENTS)}


def test_bbo_becomes_an_exact_quote_in_base_units():
    [quote] = parse_frame("okx", frames.BBO, INSTRUMENTS, recv_ns=1_700_000_000_200_000_000)
    assert (quote.exchange, quote.symbol, quote.instrument) == ("okx", "BTC-USDT-SWAP", "BTC/USDT:USDT")
    assert quote.bid == Decimal("43250.1")
    assert quote.ask == Decimal("43250.2")
    # 0.01 BTC per contract; fractional contracts are allowed.
    assert quote.bid_contracts == Decimal("256.5")
    assert quote.bid_size == Decimal("2.565")
    assert quote.ask_contracts == Decimal("415")
    assert quote.ask_size == Decimal("4.15")
    assert quote.ts_ms == 1700000000123  # the string "ts" as an int
    assert quote.recv_ns == 1_700_000_000_200_000_000


def test_usdc_swap_uses_its_own_contract_value():
    [quote] = parse_frame("okx", frames.USDC_BBO, INSTRUMENTS)
    assert quote.instrument == "BTC/USDC:USDC"
    assert quote.bid_size == Decimal("0.02565")  # 256.5 × 0.0001 BTC


def test_inverse_swap_sizes_are_usd_face_value_over_price():
    [quote] = parse_frame("okx", frames.INVERSE_BBO, INSTRUMENTS)
    assert quote.instrument == "BTC/USD:BTC"
    assert (quote.bid_contracts, quote.ask_contracts) == (Decimal("8"), Decimal("3"))
    assert quote.bid_size == Decimal("0.02")  # 8 × 100 USD / 40000
    assert quote.ask_size == Decimal(300) / Decimal("40000.5")
    assert quote.ts_ms == 1700000000456


def test_empty_side_gives_no_half_quote():
    assert parse_frame("okx", frames.EMPTY_BID_BBO, INSTRUMENTS, {}) == []


def test_service_upgrade_notice_is_no_error_but_is_recorded_and_logged(caplog):
    state: dict = {}
    with caplog.at_level(logging.WARNING, logger="feeds.exchanges.okx"):
        assert parse_frame("okx", frames.SERVICE_UPGRADE_NOTICE, INSTRUMENTS, state) == []
    assert state["reconnect_requested"].startswith("The connection will soon be closed")
    assert "64008" in caplog.text
    assert parse_frame("okx", frames.SERVICE_UPGRADE_NOTICE, INSTRUMENTS, None) == []


def _bbo(bids: str = '[["1","1","0","1"]]', asks: str = '[["2","1","0","1"]]', ts: str = '"1"') -> str:
    return (
        f'{{"arg":{{"channel":"bbo-tbt","instId":"BTC-USDT-SWAP"}},"data":[{{"asks":{asks},"bids":{bids},"ts":{ts}}}]}}'
    )


@pytest.mark.parametrize(
    "frame",
    [
        "ping",
        _bbo(bids='[["abc","1","0","1"]]'),
        _bbo(bids='[["NaN","1","0","1"]]'),
        _bbo(asks='[["2","-1","0","1"]]'),
        _bbo(asks='[["2"]]'),
        _bbo(asks="[[2,1,0,1]]"),
        _bbo(ts='"soon"'),
        _bbo(ts="1.5"),
        '{"data":[{"asks":[["2","1","0","1"]],"bids":[["1","1","0","1"]],"ts":"1"}]}',
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("okx", frame, INSTRUMENTS, {})


def test_instrument_list_keeps_live_crypto_swaps_only():
    assert set(INSTRUMENTS) == {
        "BTC-USDT-SWAP",
        "BTC-USDC-SWAP",
        "BTC-USD-SWAP",
        "ETH-USD-SWAP",
        "PEPE-USDT-SWAP",
        "1000SATS-USDT-SWAP",
    }


def test_linear_contract_size_is_base_units_per_contract():
    btc = INSTRUMENTS["BTC-USDT-SWAP"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == (
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        "USDT",
        True,
    )
    assert btc.contract_size == Decimal("0.01")
    assert btc.tick_size == Decimal("0.1")
    assert INSTRUMENTS["BTC-USDC-SWAP"].instrument == "BTC/USDC:USDC"
    assert INSTRUMENTS["PEPE-USDT-SWAP"].contract_size == Decimal("10000000")


def test_inverse_contract_size_is_usd_face_value():
    btc, eth = INSTRUMENTS["BTC-USD-SWAP"], INSTRUMENTS["ETH-USD-SWAP"]
    assert (btc.instrument, btc.linear, btc.contract_size) == ("BTC/USD:BTC", False, Decimal("100"))
    assert (eth.instrument, eth.contract_size) == ("ETH/USD:ETH", Decimal("10"))


def test_contract_multiplier_scales_the_contract_value():
    row = {**frames.SWAP_ROWS[0], "ctVal": "0.1", "ctMult": "10"}
    [btc] = parse_instruments("okx", json.dumps({"code": "0", "msg": "", "data": [row]}))
    assert btc.contract_size == Decimal("1.0")


def test_multiplied_base_keeps_its_name_and_records_the_coin():
    sats = INSTRUMENTS["1000SATS-USDT-SWAP"]
    assert (sats.instrument, sats.coin, sats.multiplier) == ("1000SATS/USDT:USDT", "SATS", 1000)
    assert (INSTRUMENTS["PEPE-USDT-SWAP"].coin, INSTRUMENTS["PEPE-USDT-SWAP"].multiplier) == ("PEPE", 1)


def test_dated_futures_are_left_out():
    assert parse_instruments("okx", frames.FUTURES_INSTRUMENTS) == []


@pytest.mark.parametrize("body", [frames.INSTRUMENTS_ERROR])
def test_unusable_instrument_list_raises_frame_error(body):
    with pytest.raises(FrameError):
        parse_instruments("okx", body)


def test_a_kept_row_with_a_broken_number_raises_frame_error():
    row = {**frames.SWAP_ROWS[0], "ctVal": ""}
    with pytest.raises(FrameError):
        parse_instruments("okx", json.dumps({"code": "0", "msg": "", "data": [row]}))


def test_subscribe_messages_put_many_args_in_one_request():
    [message] = OKX().subscribe_messages(["BTC-USDT-SWAP", "BTC-USD-SWAP"])
    assert json.loads(message) == {
        "id": "1",
        "op": "subscribe",
        "args": [{"channel": "bbo-tbt", "instId": "BTC-USDT-SWAP"}, {"channel": "bbo-tbt", "instId": "BTC-USD-SWAP"}],
    }
    many = OKX().subscribe_messages([f"C{n}-USDT-SWAP" for n in range(450)])
    assert [len(json.loads(m)["args"]) for m in many] == [200, 200, 50]
    assert all(len(m.encode()) < 64 * 1024 for m in many)
    assert OKX().subscribe_messages([]) == []


def test_heartbeat_is_the_text_ping_inside_30_seconds():
    assert OKX().heartbeat_message() == "ping"
    assert OKX.heartbeat_interval_s < 30


def test_funding_interval_is_the_gap_between_this_and_the_next_funding_time():
    bodies = [frames.FUNDING_RATE.encode(), frames.FUNDING_RATE_HOURLY.encode()]
    records = {r.symbol: r for r in parse_funding("okx", bodies, INSTRUMENTS, 1)}
    btc = records["BTC-USDT-SWAP"]
    assert (btc.instrument, btc.rate, btc.interval_h) == ("BTC/USDT:USDT", Decimal("0.0000792386885340"), 8)
    assert (btc.next_funding_ms, btc.ts_ms) == (1703088000000, 1703070685309)
    inverse = records["BTC-USD-SWAP"]
    assert (inverse.instrument, inverse.rate, inverse.interval_h) == ("BTC/USD:BTC", Decimal("-0.0000125"), 1)


def test_funding_paths_ask_one_instrument_each():
    assert OKX().funding_paths(["BTC-USDT-SWAP", "ETH-USDT-SWAP"]) == [
        "/api/v5/public/funding-rate?instId=BTC-USDT-SWAP",
        "/api/v5/public/funding-rate?instId=ETH-USDT-SWAP",
    ]


@pytest.mark.parametrize(
    "body",
    [
        frames.FUNDING_RATE_ERROR,
        frames.FUNDING_RATE.replace("1703116800000", "1703100000000"),  # 3 h 20 min: no whole hours
        frames.FUNDING_RATE.replace('"0.0000792386885340"', '"2"'),  # 200 % a settlement
    ],
)
def test_broken_funding_answers_are_frame_errors(body):
    with pytest.raises(FrameError):
        parse_funding("okx", [body.encode()], INSTRUMENTS, 1)


def test_order_step_and_minimum_are_lot_and_min_size_in_contracts():
    btc, pepe = INSTRUMENTS["BTC-USDT-SWAP"], INSTRUMENTS["PEPE-USDT-SWAP"]
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal("0.01"), Decimal("0.01"))
    # 0.01 contracts of 0.01 BTC.
    assert btc.order_steps_base() == (Decimal("0.0001"), Decimal("0.0001"))
    # One contract of 10,000,000 PEPE.
    assert pepe.order_steps_base() == (Decimal(10000000), Decimal(10000000))
