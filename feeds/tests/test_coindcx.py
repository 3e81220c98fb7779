"""What CoinDCX's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.exchanges import FrameError, parse_frame, parse_instruments
from feeds.exchanges.coindcx import CoinDCX
from feeds.tests.frames import coindcx as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("coindcx", frames.ACTIVE_INSTRUMENTS)}
RECV_NS = 1_700_000_000_900_000_000


def parse(raw, state=None):
    return parse_frame("coindcx", raw, INSTRUMENTS, state, recv_ns=RECV_NS)


def test_snapshot_becomes_an_exact_quote_from_unsorted_levels():
    [quote] = parse(frames.SNAPSHOT, {})
    assert (quote.exchange, quote.symbol, quote.instrument) == ("coindcx", "B-BTC_USDT", "BTC/USDT:USDT")
    assert (quote.bid, quote.bid_size, quote.bid_contracts) == (Decimal("43250.1"), Decimal("2.89"), Decimal("2.89"))
    assert (quote.ask, quote.ask_size) == (Decimal("43250.2"), Decimal("0.548"))
    assert quote.ts_ms == 1700000000511
    assert quote.recv_ns == RECV_NS


def test_updates_apply_to_the_kept_book():
    state: dict = {}
    parse(frames.SNAPSHOT, state)
    [quote] = parse(frames.UPDATE, state)
    assert (quote.bid, quote.bid_size) == (Decimal("43250.15"), Decimal("0.25"))
    assert (quote.ask, quote.ask_size) == (Decimal("43250.3"), Decimal("1.2"))  # "0" deleted the old best
    assert quote.ts_ms == 1700000000611


def test_a_gap_in_vs_drops_the_book_until_the_next_snapshot():
    state: dict = {}
    parse(frames.SNAPSHOT, state)
    assert parse(frames.UPDATE_AFTER_GAP, state) == []
    assert parse(frames.UPDATE, state) == []  # still waiting: no book
    [quote] = parse(frames.NEXT_SNAPSHOT, state)
    assert (quote.bid, quote.ask) == (Decimal("43251.5"), Decimal("43252.0"))


def test_a_book_with_an_empty_side_gives_no_quote():
    state: dict = {}
    parse(frames.SNAPSHOT, state)
    parse(frames.UPDATE, state)
    assert parse(frames.BIDS_GONE, state) == []
    assert parse(frames.EMPTY_SIDE_SNAPSHOT, {}) == []


def test_update_before_any_snapshot_gives_nothing():
    assert parse(frames.UPDATE, {}) == []
    assert parse(frames.UPDATE, None) == []


def test_multiplied_base_symbol_finds_its_pair():
    [quote] = parse(frames.MULTIPLIED_BASE_SNAPSHOT, {})
    assert (quote.symbol, quote.instrument) == ("B-1000SHIB_USDT", "1000SHIB/USDT:USDT")
    assert quote.bid == Decimal("0.01235")


@pytest.mark.parametrize(
    "frame",
    [
        '"garbage"',
        '{"event":"depth-snapshot","data":"}{ not json"}',
        '{"event":"depth-snapshot","data":{"code":500,"message":"Internal server error"}}',
        '{"event":"new-trade","data":"{}"}',
        frames.event("depth-snapshot", ts=1, vs=1, asks={"abc": "1"}, bids={"1": "1"}, s="BTCUSDT"),
        frames.event("depth-snapshot", ts=1, vs=1, asks={"2": "NaN"}, bids={"1": "1"}, s="BTCUSDT"),
        frames.event("depth-snapshot", ts=1, vs=1, asks={"2": "-1"}, bids={"1": "1"}, s="BTCUSDT"),
        frames.event("depth-snapshot", ts="soon", vs=1, asks={"2": "1"}, bids={"1": "1"}, s="BTCUSDT"),
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse(frame, {})


def test_a_bad_level_leaves_the_kept_book_untouched():
    state: dict = {}
    parse(frames.SNAPSHOT, state)
    bad = frames.event("depth-update", ts=1, vs=220547643, asks={"43250.2": "-1"}, bids={}, s="BTCUSDT")
    with pytest.raises(FrameError):
        parse(bad, state)
    [quote] = parse(frames.UPDATE, state)
    assert quote.ask == Decimal("43250.3")


def test_active_instrument_names_become_linear_usdt_perpetuals():
    found = {i.symbol: i for i in parse_instruments("coindcx", frames.ACTIVE_INSTRUMENTS)}
    # Out: a dated-looking name and a spot pair (not `B-<BASE>_<QUOTE>`).
    assert set(found) == {"B-BTC_USDT", "B-ETH_USDT", "B-1000SHIB_USDT"}
    btc = found["B-BTC_USDT"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == (
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        "USDT",
        True,
    )
    assert (btc.contract_size, btc.tick_size) == (Decimal(1), Decimal(0))  # no tick in the list


def test_multiplied_base_keeps_its_name_and_records_the_coin():
    shib = next(i for i in parse_instruments("coindcx", frames.ACTIVE_INSTRUMENTS) if i.symbol == "B-1000SHIB_USDT")
    assert shib.instrument == "1000SHIB/USDT:USDT"
    assert (shib.coin, shib.multiplier) == ("SHIB", 1000)


def test_instrument_detail_body_parses_with_its_tick_and_filters():
    [eth] = parse_instruments("coindcx", frames.INSTRUMENT_DETAIL)
    assert (eth.symbol, eth.instrument, eth.contract_size, eth.tick_size) == (
        "B-ETH_USDT",
        "ETH/USDT:USDT",
        Decimal("1.0"),
        Decimal("0.01"),
    )
    assert parse_instruments("coindcx", frames.INACTIVE_DETAIL) == []
    assert parse_instruments("coindcx", frames.DATED_DETAIL) == []


def test_one_join_per_pair_on_the_depth_20_futures_channel():
    assert CoinDCX().subscribe_messages(["B-BTC_USDT", "B-ETH_USDT"]) == [
        '{"channelName":"B-BTC_USDT@orderbook@20-futures"}',
        '{"channelName":"B-ETH_USDT@orderbook@20-futures"}',
    ]
    assert CoinDCX.max_symbols_per_message == 1
    assert CoinDCX.transport == "socketio"
    assert CoinDCX.heartbeat_interval_s is None  # Engine.IO pings; the client library answers


def test_order_step_and_minimum_come_from_the_instrument_detail():
    [eth] = parse_instruments("coindcx", frames.INSTRUMENT_DETAIL)
    assert (eth.qty_step_contracts, eth.min_qty_contracts) == (Decimal("0.001"), Decimal("0.001"))
    assert eth.order_steps_base() == (Decimal("0.001"), Decimal("0.001"))
