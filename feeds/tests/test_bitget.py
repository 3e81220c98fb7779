"""What Bitget's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec
import pytest

from feeds.exchanges import FrameError, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.bitget import Bitget, inst_type
from feeds.tests.frames import bitget as frames

LISTED = [
    *parse_instruments("bitget", frames.CONTRACTS_USDT),
    *parse_instruments("bitget", frames.CONTRACTS_USDC),
    *parse_instruments("bitget", frames.CONTRACTS_COIN),
]
INSTRUMENTS = {i.symbol: i for i in LISTED}


def test_books1_snapshot_becomes_an_exact_quote():
    [quote] = parse_frame("bitget", frames.BOOKS1, INSTRUMENTS, recv_ns=1_700_000_000_700_000_000)
    assert (quote.exchange, quote.symbol, quote.instrument) == ("bitget", "BTCUSDT", "BTC/USDT:USDT")
    assert quote.bid == Decimal("43250.1")
    assert quote.ask == Decimal("43250.2")
    assert quote.bid_size == quote.bid_contracts == Decimal("2.710")
    assert quote.ask_size == quote.ask_contracts == Decimal("8.760")
    assert quote.ts_ms == 1700000000516  # data[0].ts, sent as a string
    assert quote.recv_ns == 1_700_000_000_700_000_000


def test_usdc_perpetual_quotes_under_its_own_name():
    [quote] = parse_frame("bitget", frames.USDC_BOOKS1, INSTRUMENTS)
    assert (quote.symbol, quote.instrument) == ("BTCPERP", "BTC/USDC:USDC")


def test_coin_margined_sizes_are_already_coins():
    [quote] = parse_frame("bitget", frames.INVERSE_BOOKS1, INSTRUMENTS)
    assert quote.instrument == "BTC/USD:BTC"
    assert quote.bid == Decimal("50000.0")
    # Not divided by the price: Bitget sizes BTCUSD in BTC.
    assert quote.bid_size == quote.bid_contracts == Decimal("1.5")
    assert quote.ask_size == Decimal("0.125")
    assert quote.ts_ms == 1700000000600


def test_coin_margined_quotes_without_a_state_dict_too():
    assert parse_frame("bitget", frames.INVERSE_BOOKS1, INSTRUMENTS, None, recv_ns=1) == parse_frame(
        "bitget", frames.INVERSE_BOOKS1, INSTRUMENTS, {}, recv_ns=1
    )


@pytest.mark.parametrize("frame", [frames.EMPTY_BIDS, frames.EMPTY_ASKS])
def test_a_snapshot_with_an_empty_side_gives_no_half_quote(frame):
    assert parse_frame("bitget", frame, INSTRUMENTS) == []


@pytest.mark.parametrize(
    "frame",
    [
        "ping",
        frames.BOOKS1.replace('"43250.1"', '"abc"'),
        frames.BOOKS1.replace('"43250.1"', '"NaN"'),
        frames.BOOKS1.replace('"43250.1"', '"-1"'),
        frames.BOOKS1.replace('"2.710"', '"-2.710"'),
        frames.BOOKS1.replace('"1700000000516"', '"soon"'),
        frames.BOOKS1.replace('["43250.1","2.710"]', '["43250.1"]'),
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("bitget", frame, INSTRUMENTS)


def test_instrument_lists_keep_normal_perpetuals_of_every_product_type():
    assert set(INSTRUMENTS) == {"BTCUSDT", "1000SATSUSDT", "BTCPERP", "BTCUSD"}
    btc = INSTRUMENTS["BTCUSDT"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == (
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        "USDT",
        True,
    )
    assert btc.contract_size == 1
    assert btc.tick_size == Decimal("0.1")  # priceEndStep 1 x 10^-1
    assert INSTRUMENTS["BTCPERP"].instrument == "BTC/USDC:USDC"
    inverse = INSTRUMENTS["BTCUSD"]
    assert (inverse.instrument, inverse.settle, inverse.linear) == ("BTC/USD:BTC", "BTC", False)


def test_tick_is_price_end_step_scaled_by_price_place():
    sats = INSTRUMENTS["1000SATSUSDT"]
    assert sats.tick_size == Decimal("0.0000005")  # priceEndStep 5 x 10^-7
    assert str(sats.tick_size) == "5E-7"
    assert sats.instrument == "1000SATS/USDT:USDT"
    assert (sats.coin, sats.multiplier) == ("SATS", 1000)


def test_refused_instrument_list_raises_frame_error():
    with pytest.raises(FrameError, match="productType"):
        parse_instruments("bitget", frames.CONTRACTS_REFUSED)


def test_each_product_type_has_its_own_instrument_path():
    assert Bitget.instruments_paths == (
        "/api/v2/mix/market/contracts?productType=USDT-FUTURES",
        "/api/v2/mix/market/contracts?productType=USDC-FUTURES",
        "/api/v2/mix/market/contracts?productType=COIN-FUTURES",
    )


def test_subscribe_messages_carry_each_symbols_product_type():
    [message] = Bitget().subscribe_messages(["BTCPERP", "BTCUSD", "BTCUSDT"])
    assert json.loads(message) == {
        "op": "subscribe",
        "args": [
            {"instType": "USDC-FUTURES", "channel": "books1", "instId": "BTCPERP"},
            {"instType": "COIN-FUTURES", "channel": "books1", "instId": "BTCUSD"},
            {"instType": "USDT-FUTURES", "channel": "books1", "instId": "BTCUSDT"},
        ],
    }


def test_subscribe_messages_are_batched_within_the_limits():
    symbols = [f"S{n}USDT" for n in range(Bitget.max_symbols_per_connection)]
    messages = Bitget().subscribe_messages(symbols)
    # 50 channels a connection (Bitget's advice) in 2 messages: far under 10 messages a second.
    assert Bitget.max_symbols_per_connection == 50
    assert [len(json.loads(m)["args"]) for m in messages] == [25, 25]
    assert max(len(m) for m in messages) < 4096


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [("BTCUSDT", "USDT-FUTURES"), ("BTCPERP", "USDC-FUTURES"), ("BTCUSDC", "USDC-FUTURES"), ("ETHUSD", "COIN-FUTURES")],
)
def test_product_type_follows_the_symbol(symbol, expected):
    assert inst_type(symbol) == expected


def test_heartbeat_is_the_text_ping_every_30_seconds_and_connections_rotate_within_24_hours():
    assert Bitget().heartbeat_message() == "ping"
    assert Bitget.heartbeat_interval_s == 30
    assert Bitget.max_lifetime_s < 24 * 3600


def test_instruments_are_frozen_values_the_linear_view_does_not_change():
    state: dict = {}
    parse_frame("bitget", frames.INVERSE_BOOKS1, INSTRUMENTS, state)
    assert INSTRUMENTS["BTCUSD"].linear is False
    assert msgspec.structs.asdict(INSTRUMENTS["BTCUSD"])["contract_size"] == 1


def test_funding_one_answer_per_product_type_with_each_contracts_interval():
    assert Bitget().funding_paths(["BTCUSDT"]) == [
        "/api/v2/mix/market/current-fund-rate?productType=USDT-FUTURES",
        "/api/v2/mix/market/current-fund-rate?productType=USDC-FUTURES",
        "/api/v2/mix/market/current-fund-rate?productType=COIN-FUTURES",
    ]
    bodies = [f.encode() for f in (frames.FUND_RATE_USDT, frames.FUND_RATE_USDC, frames.FUND_RATE_COIN)]
    records = {r.symbol: r for r in parse_funding("bitget", bodies, INSTRUMENTS, 1_700_000_000_500)}
    assert set(records) == {"BTCUSDT", "BTCPERP", "BTCUSD"}
    btc = records["BTCUSDT"]
    assert (btc.instrument, btc.rate, btc.interval_h, btc.next_funding_ms, btc.ts_ms) == (
        "BTC/USDT:USDT",
        Decimal("0.0001"),
        8,
        1_700_006_400_000,
        1_700_000_000_123,  # the answer's requestTime
    )
    assert (records["BTCPERP"].rate, records["BTCPERP"].interval_h) == (Decimal("-0.000025"), 4)
    assert (records["BTCUSD"].interval_h, records["BTCUSD"].next_funding_ms) == (1, 1_700_003_600_000)


@pytest.mark.parametrize(
    "broken",
    [
        frames.FUND_RATE_REFUSED,
        frames.FUND_RATE_USDT.replace('"fundingRateInterval":"8",', "", 1),
        frames.FUND_RATE_USDT.replace('"fundingRateInterval":"8"', '"fundingRateInterval":""', 1),
        frames.FUND_RATE_USDT.replace('"fundingRateInterval":"8"', '"fundingRateInterval":"0"', 1),
        frames.FUND_RATE_USDT.replace('"nextUpdate":"1700006400000",', "", 1),
        frames.FUND_RATE_USDT.replace('"fundingRate":"0.0001"', '"fundingRate":"NaN"', 1),
    ],
)
def test_a_refused_or_incomplete_funding_answer_is_a_frame_error(broken):
    with pytest.raises(FrameError):
        parse_funding("bitget", [broken.encode()], INSTRUMENTS, 1_700_000_000_500)


def test_order_step_and_minimum_are_size_multiplier_and_min_trade_num_in_the_base_coin():
    found = {i.symbol: i for i in parse_instruments("bitget", frames.CONTRACTS_USDT)}
    btc = found["BTCUSDT"]
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal("0.0001"), Decimal("0.0001"))
    assert btc.order_steps_base() == (Decimal("0.0001"), Decimal("0.0001"))
