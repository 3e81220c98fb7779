"""What BitMEX's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from feeds.exchanges import FrameError, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.bitmex import Bitmex
from feeds.tests.frames import bitmex as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("bitmex", frames.INSTRUMENT_ACTIVE)}


def test_partial_of_the_inverse_contract_is_an_exact_quote_in_base_units():
    [quote] = parse_frame("bitmex", frames.PARTIAL, INSTRUMENTS, {}, recv_ns=1_795_428_000_200_000_000)
    assert (quote.exchange, quote.symbol, quote.instrument) == ("bitmex", "XBTUSD", "BTC/USD:BTC")
    assert quote.bid == Decimal("43250.5")
    assert quote.ask == Decimal("43251")
    assert (quote.bid_contracts, quote.ask_contracts) == (Decimal(12000), Decimal(3000))
    # 1 USD per contract: base = USD / price.
    assert quote.bid_size == Decimal(12000) / Decimal("43250.5")
    assert quote.ask_size == Decimal(3000) / Decimal("43251")
    assert quote.ts_ms == 1795428000123  # 2026-11-23T10:00:00.123Z
    assert quote.recv_ns == 1_795_428_000_200_000_000


def test_insert_with_several_rows_gives_each_symbols_latest_row():
    quotes = parse_frame("bitmex", frames.INSERT, INSTRUMENTS, {})
    assert [q.symbol for q in quotes] == ["XBTUSDT", "ETHUSDT"]
    xbt, eth = quotes
    # Linear: contracts / underlyingToPositionMultiplier (1,000,000 per XBT, 100,000 per ETH).
    assert (xbt.bid, xbt.ask) == (Decimal("43250.3"), Decimal("43250.4"))
    assert (xbt.bid_contracts, xbt.bid_size) == (Decimal(3214000), Decimal("3.214"))
    assert (xbt.ask_contracts, xbt.ask_size) == (Decimal(1002000), Decimal("1.002"))
    assert xbt.ts_ms == 1795428001500
    assert (eth.bid_size, eth.ask_size) == (Decimal("1.5"), Decimal("0.25"))
    assert eth.ts_ms == 1795428001250


def test_missing_keys_mean_an_empty_side_and_give_no_quote():
    assert parse_frame("bitmex", frames.EMPTY_BID, INSTRUMENTS, {}) == []


def test_a_later_row_with_an_empty_side_wins_over_an_earlier_full_one():
    assert parse_frame("bitmex", frames.LATER_EMPTY_ASK, INSTRUMENTS, {}) == []


def test_update_rows_are_merged_into_the_connections_last_row():
    state: dict = {}
    parse_frame("bitmex", frames.PARTIAL, INSTRUMENTS, state)
    [quote] = parse_frame("bitmex", frames.UPDATE_ASK_ONLY, INSTRUMENTS, state)
    assert (quote.bid, quote.bid_contracts) == (Decimal("43250.5"), Decimal(12000))
    assert (quote.ask, quote.ask_contracts) == (Decimal("43252.5"), Decimal(500))
    assert quote.ts_ms == 1795428004000


def test_update_without_a_row_to_update_gives_nothing():
    assert parse_frame("bitmex", frames.UPDATE_ASK_ONLY, INSTRUMENTS, {}) == []


def test_delete_forgets_the_row():
    state: dict = {}
    parse_frame("bitmex", frames.PARTIAL, INSTRUMENTS, state)
    assert parse_frame("bitmex", frames.DELETE, INSTRUMENTS, state) == []
    assert parse_frame("bitmex", frames.UPDATE_ASK_ONLY, INSTRUMENTS, state) == []


def _row(**fields) -> str:
    row = {
        "timestamp": "2026-11-23T10:00:00.123Z",
        "symbol": "XBTUSD",
        "bidSize": 100,
        "bidPrice": 43250,
        "askPrice": 43251,
        "askSize": 100,
    }
    row.update(fields)
    return json.dumps({"table": "quote", "action": "insert", "data": [row]})


@pytest.mark.parametrize(
    "frame",
    [
        "png",
        _row(bidPrice="abc"),
        _row(bidSize=-5),
        _row(timestamp="soon"),
        _row(timestamp="2026-11-23T10:00:00.123"),  # no zone: not a point in time
        _row(timestamp=None),
        _row(askSize="NaN"),
        _row(symbol=7),
        _row().replace('"insert"', '"sideways"'),
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("bitmex", frame, INSTRUMENTS, {})


def test_instrument_list_keeps_open_sizable_perpetuals_only():
    assert set(INSTRUMENTS) == {"XBTUSD", "XBTUSDT", "ETHUSDT", "1000PEPEUSDT"}


def test_inverse_contract_is_one_usd_settled_in_btc():
    xbtusd = INSTRUMENTS["XBTUSD"]
    assert (xbtusd.instrument, xbtusd.base, xbtusd.quote, xbtusd.settle) == ("BTC/USD:BTC", "BTC", "USD", "BTC")
    assert xbtusd.linear is False
    assert xbtusd.contract_size == Decimal(1)
    assert xbtusd.tick_size == Decimal("0.1")


def test_linear_contract_size_is_one_over_the_position_multiplier():
    xbtusdt = INSTRUMENTS["XBTUSDT"]
    assert (xbtusdt.instrument, xbtusdt.settle, xbtusdt.linear) == ("BTC/USDT:USDT", "USDT", True)
    assert xbtusdt.contract_size == Decimal("0.000001")
    assert xbtusdt.tick_size == Decimal("0.5")
    assert INSTRUMENTS["ETHUSDT"].contract_size == Decimal("0.00001")


def test_multiplied_base_keeps_its_name_and_records_the_coin():
    pepe = INSTRUMENTS["1000PEPEUSDT"]
    assert pepe.instrument == "1000PEPE/USDT:USDT"
    assert (pepe.coin, pepe.multiplier) == ("PEPE", 1000)
    assert pepe.tick_size == Decimal("1e-7")


def test_an_error_body_instead_of_the_instrument_list_raises_frame_error():
    with pytest.raises(FrameError):
        parse_instruments("bitmex", b'{"error":{"message":"Rate limit"}}')


def test_subscribe_messages_name_quote_topics_in_batches():
    messages = Bitmex().subscribe_messages(["XBTUSD", "XBTUSDT"])
    assert messages == ['{"op":"subscribe","args":["quote:XBTUSD","quote:XBTUSDT"]}']
    many = Bitmex().subscribe_messages([f"S{n}USDT" for n in range(250)])
    assert len(many) == 3
    assert sum(len(json.loads(m)["args"]) for m in many) == 250
    assert all(len(json.loads(m)["args"]) <= Bitmex.max_symbols_per_message for m in many)


def test_heartbeat_is_the_text_ping_every_five_seconds():
    assert Bitmex().heartbeat_message() == "ping"
    assert Bitmex.heartbeat_interval_s == 5


def test_funding_from_the_instrument_list_with_each_instruments_interval():
    recv_ms = 1_700_000_000_500
    body = frames.INSTRUMENT_FUNDING.encode()
    records = {r.symbol: r for r in parse_funding("bitmex", [body], INSTRUMENTS, recv_ms)}
    assert set(records) == {"XBTUSD", "XBTUSDT"}
    inverse = records["XBTUSD"]
    assert (inverse.instrument, inverse.rate, inverse.interval_h, inverse.next_funding_ms, inverse.ts_ms) == (
        "BTC/USD:BTC",
        Decimal("0.0001"),  # exactly, not through float
        8,
        1_700_020_800_000,  # 2023-11-15T04:00:00Z
        1_700_000_000_000,  # the row's own timestamp
    )
    linear = records["XBTUSDT"]
    # 2000-01-01T04:00 is 4 h; a row without a timestamp carries the receive time.
    assert (linear.rate, linear.interval_h, linear.next_funding_ms, linear.ts_ms) == (
        Decimal("-0.000123"),
        4,
        1_700_006_400_000,
        recv_ms,
    )


@pytest.mark.parametrize(
    "broken",
    [
        frames.INSTRUMENT_FUNDING.replace("2000-01-01T04:00:00.000Z", "2000-01-01T04:30:00.000Z"),
        frames.INSTRUMENT_FUNDING.replace('"fundingInterval":"2000-01-01T08:00:00.000Z",', "", 1),
        frames.INSTRUMENT_FUNDING.replace('"fundingTimestamp":"2023-11-15T00:00:00.000Z",', ""),
        frames.INSTRUMENT_FUNDING.replace("2000-01-01T08:00:00.000Z", "1999-12-31T16:00:00.000Z", 1),
        frames.INSTRUMENT_FUNDING.replace("2023-11-15T04:00:00.000Z", "2023-11-15T04:00:00", 1),
        frames.ERROR,
    ],
)
def test_funding_without_a_whole_hour_interval_or_a_next_time_is_a_frame_error(broken):
    with pytest.raises(FrameError):
        parse_funding("bitmex", [broken.encode()], INSTRUMENTS, 1_700_000_000_500)


def test_order_step_and_minimum_are_one_lot_of_contracts():
    btc = INSTRUMENTS["XBTUSDT"]
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal(1000), Decimal(1000))
    # 1000 contracts of one millionth of a BTC.
    assert btc.order_steps_base() == (Decimal("0.001"), Decimal("0.001"))
    assert INSTRUMENTS["XBTUSD"].qty_step_contracts == 100  # USD
