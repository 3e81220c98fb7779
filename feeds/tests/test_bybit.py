"""What Bybit's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec
import pytest

from feeds.exchanges import FrameError, parse_depth, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.bybit import Bybit
from feeds.tests.frames import bybit as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("bybit", frames.INSTRUMENTS_PAGE)}
INSTRUMENTS["ETHUSDT"] = msgspec.structs.replace(
    INSTRUMENTS["BTCUSDT"], symbol="ETHUSDT", instrument="ETH/USDT:USDT", base="ETH", coin="ETH"
)


def test_snapshot_becomes_an_exact_quote_at_matching_engine_time():
    [quote] = parse_frame("bybit", frames.SNAPSHOT, INSTRUMENTS, {}, recv_ns=1_700_000_000_200_000_000)
    assert (quote.exchange, quote.symbol, quote.instrument) == ("bybit", "BTCUSDT", "BTC/USDT:USDT")
    assert quote.bid == Decimal("43250.1")
    assert quote.ask == Decimal("43250.2")
    # Linear sizes are already base coin.
    assert quote.bid_size == quote.bid_contracts == Decimal("3.2")
    assert quote.ask_size == quote.ask_contracts == Decimal("1.004")
    assert quote.ts_ms == 1700000000120  # cts, not the push time ts
    assert quote.recv_ns == 1_700_000_000_200_000_000


def test_usdc_perpetual_named_perp_is_btc_usdc():
    [quote] = parse_frame("bybit", frames.USDC_SNAPSHOT, INSTRUMENTS)
    assert (quote.symbol, quote.instrument) == ("BTCPERP", "BTC/USDC:USDC")


def test_push_time_is_used_when_there_is_no_matching_engine_time():
    [quote] = parse_frame("bybit", frames.SNAPSHOT_WITHOUT_CTS, INSTRUMENTS)
    assert quote.ts_ms == 1700000000555
    assert quote.ask_size == Decimal("12")


def test_snapshot_with_an_empty_side_gives_no_half_quote():
    state: dict = {}
    assert parse_frame("bybit", frames.EMPTY_ASK_SNAPSHOT, INSTRUMENTS, state) == []
    # A later delta that restores the side completes the book again.
    [quote] = parse_frame("bybit", frames.DELTA_ASK_RETURNS, INSTRUMENTS, state)
    assert (quote.bid, quote.ask, quote.ask_size) == (Decimal("43250.1"), Decimal("43250.3"), Decimal("0.5"))


def test_deltas_are_applied_to_the_snapshot_kept_in_state():
    state: dict = {}
    parse_frame("bybit", frames.SNAPSHOT, INSTRUMENTS, state)
    [moved] = parse_frame("bybit", frames.DELTA_NEW_BEST_ASK, INSTRUMENTS, state)
    assert (moved.bid, moved.bid_size) == (Decimal("43250.1"), Decimal("3.2"))  # untouched side kept
    assert (moved.ask, moved.ask_size) == (Decimal("43250.3"), Decimal("0.5"))
    assert moved.ts_ms == 1700000000298
    [resized] = parse_frame("bybit", frames.DELTA_BID_SIZE, INSTRUMENTS, state)
    assert (resized.bid, resized.bid_size) == (Decimal("43250.1"), Decimal("7.5"))
    assert parse_frame("bybit", frames.DELTA_BID_REMOVED, INSTRUMENTS, state) == []  # bid side now empty
    [back] = parse_frame("bybit", frames.DELTA_BID_RETURNS, INSTRUMENTS, state)
    assert (back.bid, back.bid_size, back.ask) == (Decimal("43249.9"), Decimal("2"), Decimal("43250.3"))


def test_a_delta_before_any_snapshot_gives_nothing():
    assert parse_frame("bybit", frames.DELTA_BID_SIZE, INSTRUMENTS, {}) == []
    assert parse_frame("bybit", frames.DELTA_BID_SIZE, INSTRUMENTS, None) == []


def test_a_new_snapshot_replaces_what_deltas_built():
    state: dict = {}
    parse_frame("bybit", frames.SNAPSHOT, INSTRUMENTS, state)
    parse_frame("bybit", frames.DELTA_NEW_BEST_ASK, INSTRUMENTS, state)
    [quote] = parse_frame("bybit", frames.SNAPSHOT, INSTRUMENTS, state)
    assert quote.ask == Decimal("43250.2")


def _book(b: str = '[["1","1"]]', a: str = '[["2","1"]]', kind: str = "snapshot") -> str:
    return f'{{"topic":"orderbook.1.BTCUSDT","ts":1,"type":"{kind}","data":{{"s":"BTCUSDT","b":{b},"a":{a}}}}}'


@pytest.mark.parametrize(
    "frame",
    [
        _book(b='[["abc","1"]]'),
        _book(b='[["NaN","1"]]'),
        _book(a='[["2","-1"]]'),
        _book(a='[["2"]]'),
        _book(a='[["2","1"]]', kind="mystery"),
        _book(b="[[1,2]]"),
        '{"topic":"orderbook.1.BTCUSDT","ts":1,"type":"snapshot"}',
        '{"topic":"orderbook.1.BTCUSDT","ts":"soon","type":"snapshot","data":{"s":"BTCUSDT","b":[],"a":[]}}',
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("bybit", frame, INSTRUMENTS, {})


def test_malformed_delta_raises_frame_error():
    state: dict = {}
    parse_frame("bybit", frames.SNAPSHOT, INSTRUMENTS, state)
    for bad in ('[["sNaN","1"]]', '[["1","x"]]', '[["1"]]'):
        with pytest.raises(FrameError):
            parse_frame("bybit", _book(b=bad, a="[]", kind="delta"), INSTRUMENTS, state)


def test_instrument_list_keeps_trading_crypto_perpetuals_only():
    found = {i.symbol: i for i in parse_instruments("bybit", frames.INSTRUMENTS_PAGE)}
    assert set(found) == {"BTCUSDT", "BTCPERP", "1000PEPEUSDT", "SHIB1000USDT"}
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


def test_usdc_perpetual_takes_its_coins_from_the_fields_not_the_symbol():
    perp = next(i for i in parse_instruments("bybit", frames.INSTRUMENTS_PAGE) if i.symbol == "BTCPERP")
    assert (perp.instrument, perp.base, perp.quote, perp.settle) == ("BTC/USDC:USDC", "BTC", "USDC", "USDC")
    assert perp.tick_size == Decimal("0.5")


def test_multiplied_bases_keep_their_name_and_record_the_coin():
    found = {i.symbol: i for i in parse_instruments("bybit", frames.INSTRUMENTS_PAGE)}
    pepe, shib = found["1000PEPEUSDT"], found["SHIB1000USDT"]
    assert (pepe.instrument, pepe.coin, pepe.multiplier) == ("1000PEPE/USDT:USDT", "PEPE", 1000)
    assert (shib.instrument, shib.coin, shib.multiplier) == ("SHIB1000/USDT:USDT", "SHIB", 1000)
    assert found["BTCUSDT"].multiplier == 1


def test_each_page_parses_on_its_own():
    [eth] = parse_instruments("bybit", frames.FIRST_PAGE_OF_TWO)
    assert eth.instrument == "ETH/USDT:USDT"


def test_inverse_perpetuals_are_listed_coin_settled_in_usd_contracts():
    found = {i.symbol: i for i in parse_instruments("bybit", frames.INVERSE_PAGE)}
    assert set(found) == {"BTCUSD", "ETHUSD"}  # the dated BTCUSDH26 is left out
    btc = found["BTCUSD"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == ("BTC/USD:BTC", "BTC", "USD", "BTC", False)
    assert (btc.contract_size, btc.tick_size) == (Decimal(1), Decimal("0.50"))  # 1 USD a contract
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal(1), Decimal(1))
    assert found["ETHUSD"].instrument == "ETH/USD:ETH"


def test_inverse_snapshot_sizes_are_usd_contracts_divided_by_the_price():
    inverse = {i.symbol: i for i in parse_instruments("bybit", frames.INVERSE_PAGE)}
    [quote] = parse_frame("bybit", frames.INVERSE_SNAPSHOT, inverse, {}, recv_ns=1_700_000_000_200_000_000)
    assert (quote.symbol, quote.instrument) == ("BTCUSD", "BTC/USD:BTC")
    assert (quote.bid, quote.ask) == (Decimal("40000.00"), Decimal("40000.50"))
    assert (quote.bid_contracts, quote.ask_contracts) == (Decimal(80000), Decimal(120001))
    assert quote.bid_size == Decimal(2)  # 80,000 USD at 40,000
    assert quote.ask_size == Decimal(120001) / Decimal("40000.50")
    assert quote.ask_size.quantize(Decimal("0.000001")) == Decimal("2.999988")
    assert quote.ts_ms == 1700000000119


def test_the_two_families_have_their_own_socket_list_and_funding_answer():
    linear, inverse = Bybit.families
    assert (linear.linear, inverse.linear) == (True, False)
    assert Bybit.ws_url == "wss://stream.bybit.com/v5/public/linear"
    assert Bybit().family_ws_url(Bybit.ws_url, inverse) == "wss://stream.bybit.com/v5/public/inverse"
    assert Bybit.instruments_paths == (
        "/v5/market/instruments-info?category=linear&limit=1000",
        "/v5/market/instruments-info?category=inverse&limit=1000",
    )
    assert inverse.funding_paths == ("/v5/market/tickers?category=inverse",)


def test_an_overridden_socket_url_keeps_its_host_for_the_inverse_family():
    inverse = Bybit.families[1]
    url = Bybit().family_ws_url("ws://127.0.0.1:8123/v5/public/linear", inverse)
    assert url == "ws://127.0.0.1:8123/v5/public/inverse"


def test_instruments_are_grouped_by_the_socket_that_carries_them():
    inverse = {i.symbol: i for i in parse_instruments("bybit", frames.INVERSE_PAGE)}
    groups = Bybit().by_family({**INSTRUMENTS, **inverse})
    assert [(family.name, sorted(members)) for family, members in groups] == [
        ("linear", sorted(INSTRUMENTS)),
        ("inverse", ["BTCUSD", "ETHUSD"]),
    ]
    assert [family.name for family, _ in Bybit().by_family(inverse)] == ["inverse"]


def test_inverse_funding_comes_from_the_inverse_tickers():
    inverse = {i.symbol: i for i in parse_instruments("bybit", frames.INVERSE_PAGE)}
    [record] = parse_funding("bybit", [frames.INVERSE_TICKERS.encode()], inverse, recv_ms=1)
    assert (record.symbol, record.instrument) == ("BTCUSD", "BTC/USD:BTC")
    assert record.rate == Decimal("-0.000052")
    assert (record.interval_h, record.next_funding_ms, record.ts_ms) == (8, 1700006400000, 1700000000456)


@pytest.mark.parametrize("body", [frames.INSTRUMENTS_ERROR])
def test_unusable_instrument_list_raises_frame_error(body):
    with pytest.raises(FrameError):
        parse_instruments("bybit", body)


def test_subscribe_messages_batch_orderbook_topics():
    [message] = Bybit().subscribe_messages(["BTCUSDT", "ETHUSDT"])
    assert json.loads(message) == {
        "op": "subscribe",
        "args": ["orderbook.1.BTCUSDT", "orderbook.1.ETHUSDT"],
        "req_id": "1",
    }
    many = Bybit().subscribe_messages([f"S{n}USDT" for n in range(1200)])
    assert [len(json.loads(m)["args"]) for m in many] == [500, 500, 200]
    assert Bybit().subscribe_messages([]) == []


def test_a_full_connection_stays_inside_bybit_args_limit():
    # 21,000 characters of args per public connection; 30-character symbols are longer than any listed.
    symbols = [f"{n:04d}".ljust(30, "X") for n in range(Bybit.max_symbols_per_connection)]
    args = [arg for message in Bybit().subscribe_messages(symbols) for arg in json.loads(message)["args"]]
    assert len(args) == Bybit.max_symbols_per_connection
    assert sum(len(arg) for arg in args) <= 21_000


def test_heartbeat_is_a_json_ping_every_20_seconds():
    assert json.loads(Bybit().heartbeat_message()) == {"op": "ping"}
    assert Bybit.heartbeat_interval_s == 20


def test_funding_from_linear_tickers_with_each_symbols_interval():
    records = {r.symbol: r for r in parse_funding("bybit", [frames.TICKERS.encode()], INSTRUMENTS, 1)}
    assert set(records) == {"BTCUSDT", "BTCPERP"}  # the dated future and unknown symbols left out
    btc = records["BTCUSDT"]
    assert (btc.rate, btc.interval_h, btc.next_funding_ms, btc.ts_ms) == (
        Decimal("0.0001"),
        8,
        1700006400000,
        1700000000321,
    )
    assert (records["BTCPERP"].rate, records["BTCPERP"].interval_h) == (Decimal("-0.00002"), 1)


def test_funding_error_answer_is_a_frame_error():
    with pytest.raises(FrameError, match="10001"):
        parse_funding("bybit", [frames.TICKERS_ERROR.encode()], INSTRUMENTS, 1)


def test_order_step_and_minimum_come_from_the_lot_size_filter():
    found = {i.symbol: i for i in parse_instruments("bybit", frames.INSTRUMENTS_PAGE)}
    btc = found["BTCUSDT"]
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal("0.001"), Decimal("0.001"))
    assert btc.order_steps_base() == (Decimal("0.001"), Decimal("0.001"))
    assert (found["1000PEPEUSDT"].qty_step_contracts, found["1000PEPEUSDT"].min_qty_contracts) == (Decimal(100), 0)


def test_inverse_depth_levels_are_usd_contracts_divided_by_their_price():
    inverse = {i.symbol: i for i in parse_instruments("bybit", frames.INVERSE_PAGE)}
    [depth] = parse_depth("bybit", frames.INVERSE_DEPTH_SNAPSHOT, inverse, {})
    assert (depth.symbol, depth.instrument, depth.ts_ms) == ("BTCUSD", "BTC/USD:BTC", 1700000000220)
    assert depth.bids == [
        (Decimal("40000.00"), Decimal(2)),
        (Decimal("39999.50"), Decimal(39999) / Decimal("39999.50")),
    ]
    assert depth.asks == [(Decimal("40000.50"), Decimal(120001) / Decimal("40000.50"))]
