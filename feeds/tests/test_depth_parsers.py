"""Depth frames of each exchange with depth, as the exchanges send them, into exact depth records."""

from __future__ import annotations

import contextlib
import json
import re
from decimal import Decimal as D

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.exchanges import FrameError, get_connector, parse_depth, parse_frame, parse_instruments
from feeds.tests.frames import binance as binance_frames
from feeds.tests.frames import bitget as bitget_frames
from feeds.tests.frames import bitmex as bitmex_frames
from feeds.tests.frames import bybit as bybit_frames
from feeds.tests.frames import deribit as deribit_frames
from feeds.tests.frames import gateio as gateio_frames
from feeds.tests.frames import kucoin as kucoin_frames
from feeds.tests.frames import mexc as mexc_frames
from feeds.tests.frames import okx as okx_frames
from feeds.tests.frames import phemex as phemex_frames
from feeds.types import MAX_PRICE, MAX_SIZE, MIN_PRICE

BINANCE = {i.symbol: i for i in parse_instruments("binance", binance_frames.EXCHANGE_INFO)}
BYBIT = {i.symbol: i for i in parse_instruments("bybit", bybit_frames.INSTRUMENTS_PAGE)}
DERIBIT = {i.symbol: i for i in parse_instruments("deribit", deribit_frames.GET_INSTRUMENTS)}
BITMEX = {i.symbol: i for i in parse_instruments("bitmex", bitmex_frames.INSTRUMENT_ACTIVE)}
PHEMEX = {i.symbol: i for i in parse_instruments("phemex", phemex_frames.PRODUCTS)}


def test_binance_partial_depth_becomes_levels_best_first_in_base_units():
    [depth] = parse_depth("binance", binance_frames.DEPTH, BINANCE, recv_ns=7)
    assert (depth.exchange, depth.symbol, depth.instrument) == ("binance", "BTCUSDT", "BTC/USDT:USDT")
    assert depth.bids == [(D("7403.89"), D("0.002")), (D("7403.90"), D("3.906")), (D("7404.00"), D("1.428"))]
    # An empty level carries nothing to walk: left out.
    assert depth.asks == [(D("7405.96"), D("3.340")), (D("7406.63"), D("4.525")), (D("7407.15"), D("4.800"))]
    assert (depth.ts_ms, depth.recv_ns) == (1571889248276, 7)


def test_binance_depth_subscribes_the_documented_stream_and_ignores_acks():
    assert get_connector("binance").depth_subscribe_messages(["BTCUSDT"]) == [binance_frames.DEPTH_SUBSCRIBE]
    assert parse_depth("binance", binance_frames.SUBSCRIBE_ACK, BINANCE) == []
    assert parse_depth("binance", binance_frames.DEPTH.replace("BTCUSDT", "NOPEUSDT"), BINANCE, {}) == []
    with pytest.raises(FrameError, match="binance error 2"):
        parse_depth("binance", binance_frames.ERROR, BINANCE)


def test_bybit_depth_snapshot_then_delta_keeps_the_book():
    state: dict = {}
    [snapshot] = parse_depth("bybit", bybit_frames.DEPTH_SNAPSHOT, BYBIT, state, recv_ns=1)
    assert snapshot.bids == [(D("17440.00"), D("40.833")), (D("17439.50"), D("0.513")), (D("17416.00"), D("6.156"))]
    assert snapshot.asks == [(D("17440.50"), D("78.815")), (D("17441.00"), D("8.858")), (D("17464.50"), D("4.901"))]
    assert snapshot.ts_ms == 1671179923020
    [delta] = parse_depth("bybit", bybit_frames.DEPTH_DELTA, BYBIT, state, recv_ns=2)
    assert delta.bids == [(D("17440.00"), D("40.833")), (D("17416.00"), D("6.156"))]
    assert delta.asks == [
        (D("17440.50"), D("78.857")),
        (D("17441.00"), D("8.858")),
        (D("17442.00"), D("1.510")),
        (D("17464.50"), D("4.901")),
    ]


def test_bybit_depth_delta_before_a_snapshot_and_refusals():
    assert parse_depth("bybit", bybit_frames.DEPTH_DELTA, BYBIT, {}) == []
    assert parse_depth("bybit", bybit_frames.SUBSCRIBE_ACK, BYBIT, {}) == []
    with pytest.raises(FrameError, match="refused"):
        parse_depth("bybit", bybit_frames.SUBSCRIBE_REFUSED, BYBIT, {})
    assert parse_frame("bybit", bybit_frames.DEPTH_SNAPSHOT, BYBIT, {}) == []  # never a quote
    [message] = get_connector("bybit").depth_subscribe_messages(["BTCUSDT"])
    assert json.loads(message)["args"] == ["orderbook.50.BTCUSDT"]


def test_bybit_depth_keeps_ten_levels_a_side():
    levels = [[str(100 - n), "1"] for n in range(50)]
    asks = [[str(101 + n), "1"] for n in range(50)]
    frame = msgspec.json.decode(bybit_frames.DEPTH_SNAPSHOT)
    frame["data"]["b"], frame["data"]["a"] = levels, asks
    [depth] = parse_depth("bybit", msgspec.json.encode(frame), BYBIT, {})
    assert (len(depth.bids), len(depth.asks)) == (10, 10)
    assert (depth.bids[-1][0], depth.asks[-1][0]) == (D("91"), D("110"))


# --- fuzzing: nothing but FrameError, and only levels inside the Quote bounds -------------------

DEPTH_FRAMES = {
    "binance": [binance_frames.DEPTH, binance_frames.SUBSCRIBE_ACK, binance_frames.ERROR],
    "bybit": [bybit_frames.DEPTH_SNAPSHOT, bybit_frames.DEPTH_DELTA, bybit_frames.SUBSCRIBE_REFUSED],
    "deribit": [deribit_frames.DEPTH_INVERSE, deribit_frames.DEPTH_LINEAR, deribit_frames.ERROR_RATE_LIMIT],
    "bitmex": [bitmex_frames.DEPTH_PARTIAL, bitmex_frames.DEPTH_UPDATE, bitmex_frames.ERROR],
    "phemex": [phemex_frames.DEPTH_SNAPSHOT, phemex_frames.DEPTH_INCREMENTAL, phemex_frames.COIN_M_DEPTH_SNAPSHOT],
}
INSTRUMENTS = {"binance": BINANCE, "bybit": BYBIT, "deribit": DERIBIT, "bitmex": BITMEX, "phemex": PHEMEX}
ODD_VALUES = ['"NaN"', '"-1"', '"1e999"', '""', '"abc"', "[]", "null", '"0"', "1e400", '"1e-30"', "{}"]


@pytest.mark.parametrize("exchange_id", sorted(DEPTH_FRAMES))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_depth_frames_never_raise_anything_but_frame_error(exchange_id, data):
    state: dict = {}
    frames = DEPTH_FRAMES[exchange_id]
    for raw in data.draw(st.lists(st.sampled_from(frames), max_size=3), label="prelude"):
        with contextlib.suppress(FrameError):
            _assert_in_bounds(parse_depth(exchange_id, raw, INSTRUMENTS[exchange_id], state))
    frame = data.draw(st.sampled_from(frames), label="frame")
    numbers = re.findall(r'"[0-9.]+"', frame)
    if numbers:
        target = data.draw(st.sampled_from(numbers), label="number")
        frame = frame.replace(target, data.draw(st.sampled_from(ODD_VALUES), label="odd"), 1)
    if data.draw(st.booleans(), label="truncated"):
        frame = frame[: data.draw(st.integers(0, len(frame)), label="cut")]
    with contextlib.suppress(FrameError):
        _assert_in_bounds(parse_depth(exchange_id, frame, INSTRUMENTS[exchange_id], state))
    with contextlib.suppress(FrameError):
        parse_depth(exchange_id, data.draw(st.binary(max_size=200), label="bytes"), INSTRUMENTS[exchange_id], state)


def _assert_in_bounds(records: list) -> None:
    for record in records:
        for price, size in record.bids + record.asks:
            assert MIN_PRICE <= price < MAX_PRICE and 0 < size < MAX_SIZE, record


# --- OKX: books5, the top 5 levels whole in every frame -----------------------------------------

OKX = {i.symbol: i for i in parse_instruments("okx", okx_frames.INSTRUMENTS)}
DEPTH_FRAMES["okx"] = [okx_frames.BOOKS5, okx_frames.INVERSE_BOOKS5, okx_frames.ERROR_UNKNOWN_INSTRUMENT]
INSTRUMENTS["okx"] = OKX


def test_okx_books5_becomes_five_levels_a_side_in_base_units():
    [depth] = parse_depth("okx", okx_frames.BOOKS5, OKX, recv_ns=3)
    assert (depth.exchange, depth.symbol, depth.instrument) == ("okx", "BTC-USDT-SWAP", "BTC/USDT:USDT")
    # 0.01 BTC a contract (ctVal); an empty level is left out.
    assert depth.asks == [
        (D("43250.2"), D("4.15")),
        (D("43250.3"), D("0.535")),
        (D("43251"), D("0.72")),
        (D("43252.5"), D("0.70")),
    ]
    assert depth.bids == [
        (D("43250.1"), D("2.565")),
        (D("43250"), D("0.57")),
        (D("43249.9"), D("0.69")),
        (D("43249"), D("0.71")),
        (D("43248.2"), D("0.65")),
    ]
    assert (depth.ts_ms, depth.recv_ns) == (1700000000123, 3)


def test_okx_inverse_books5_sizes_are_face_value_over_price():
    [depth] = parse_depth("okx", okx_frames.INVERSE_BOOKS5, OKX)
    assert depth.instrument == "BTC/USD:BTC"
    assert depth.bids == [(D("40000"), D("0.02")), (D("39999.5"), D(200) / D("39999.5"))]
    assert depth.asks == [(D("40000.5"), D(300) / D("40000.5")), (D("40001"), D(400) / D("40001"))]


def test_okx_depth_subscribes_and_drops_books5_and_ignores_acks():
    okx = get_connector("okx")
    assert okx.depth_subscribe_messages(["BTC-USDT-SWAP"]) == [okx_frames.BOOKS5_SUBSCRIBE]
    assert okx.depth_unsubscribe_messages(["BTC-USDT-SWAP"]) == [okx_frames.BOOKS5_UNSUBSCRIBE]
    for control in (okx_frames.BOOKS5_SUBSCRIBE_ACK, okx_frames.BOOKS5_UNSUBSCRIBE_ACK, okx_frames.PONG):
        assert parse_depth("okx", control, OKX, {}) == []
    state: dict = {}
    assert parse_depth("okx", okx_frames.BOOKS5.replace("BTC-USDT-SWAP", "NOPE-USDT-SWAP"), OKX, state) == []
    assert state["unknown_symbols"] == 1
    with pytest.raises(FrameError, match="okx error 60018"):
        parse_depth("okx", okx_frames.ERROR_UNKNOWN_INSTRUMENT, OKX)
    with pytest.raises(FrameError, match="okx"):
        parse_depth("okx", okx_frames.BOOKS5.replace('"43250.3"', '"-1"'), OKX)
    with pytest.raises(FrameError):
        parse_depth("okx", okx_frames.BOOKS5[:90], OKX)
    with pytest.raises(FrameError, match="bbo-tbt"):
        parse_depth("okx", okx_frames.BBO, OKX)  # a quote frame on a depth connection


def test_okx_upgrade_notice_on_a_depth_connection_asks_for_a_reconnect():
    state: dict = {}
    assert parse_depth("okx", okx_frames.SERVICE_UPGRADE_NOTICE, OKX, state) == []
    assert "reconnect_requested" in state


# --- Bitget: books15, the top 15 levels whole in every push -------------------------------------

BITGET = {
    i.symbol: i
    for body in (bitget_frames.CONTRACTS_USDT, bitget_frames.CONTRACTS_COIN)
    for i in parse_instruments("bitget", body)
}
DEPTH_FRAMES["bitget"] = [bitget_frames.BOOKS15, bitget_frames.INVERSE_BOOKS15, bitget_frames.ERROR]
INSTRUMENTS["bitget"] = BITGET


def test_bitget_books15_becomes_levels_in_the_base_coin():
    [depth] = parse_depth("bitget", bitget_frames.BOOKS15, BITGET, recv_ns=4)
    assert (depth.exchange, depth.symbol, depth.instrument) == ("bitget", "BTCUSDT", "BTC/USDT:USDT")
    assert depth.asks == [(D("43250.2"), D("8.760")), (D("43250.5"), D("0.400")), (D("43251.0"), D("1.250"))]
    assert depth.bids == [(D("43250.1"), D("2.710")), (D("43249.0"), D("3.5"))]  # the empty level left out
    assert (depth.ts_ms, depth.recv_ns) == (1700000000716, 4)


def test_bitget_coin_margined_books15_sizes_stay_in_coins():
    [depth] = parse_depth("bitget", bitget_frames.INVERSE_BOOKS15, BITGET, {})
    assert depth.instrument == "BTC/USD:BTC"
    assert depth.asks == [(D("50000.5"), D("0.125")), (D("50001.0"), D("2"))]
    assert depth.bids == [(D("50000.0"), D("1.5"))]


def test_bitget_depth_subscribes_and_drops_books15_per_product_type_and_ignores_acks():
    bitget = get_connector("bitget")
    assert bitget.depth_subscribe_messages(["BTCUSDT", "BTCUSD"]) == [bitget_frames.BOOKS15_SUBSCRIBE]
    assert bitget.depth_unsubscribe_messages(["BTCUSDT"]) == [bitget_frames.BOOKS15_UNSUBSCRIBE]
    for control in (bitget_frames.BOOKS15_UNSUBSCRIBE_ACK, bitget_frames.PONG):
        assert parse_depth("bitget", control, BITGET, {}) == []
    state: dict = {}
    assert parse_depth("bitget", bitget_frames.BOOKS15.replace("BTCUSDT", "NOPEUSDT"), BITGET, state) == []
    assert state["unknown_symbols"] == 1
    with pytest.raises(FrameError, match="bitget error 30001"):
        parse_depth("bitget", bitget_frames.ERROR, BITGET)
    with pytest.raises(FrameError, match="bitget"):
        parse_depth("bitget", bitget_frames.BOOKS15.replace('"0.400"', '"NaN"'), BITGET)
    with pytest.raises(FrameError, match="books1"):
        parse_depth("bitget", bitget_frames.BOOKS1, BITGET)  # a quote frame on a depth connection


# --- Gate.io: futures.order_book, the top 10 levels whole in every `all` frame ------------------

GATEIO = {i.symbol: i for i in parse_instruments("gateio", gateio_frames.CONTRACTS)}
DEPTH_FRAMES["gateio"] = [gateio_frames.ORDER_BOOK_ALL, gateio_frames.ORDER_BOOK_ALL_INT_SIZES, gateio_frames.ERROR]
INSTRUMENTS["gateio"] = GATEIO


def test_gateio_order_book_becomes_levels_in_base_units():
    [depth] = parse_depth("gateio", gateio_frames.ORDER_BOOK_ALL, GATEIO, recv_ns=5)
    assert (depth.exchange, depth.symbol, depth.instrument) == ("gateio", "BTC_USDT", "BTC/USDT:USDT")
    # 0.0001 BTC a contract (quanto_multiplier); the empty level left out.
    assert depth.asks == [(D("43250.2"), D("4.7061")), (D("43250.3"), D("0.12"))]
    assert depth.bids == [(D("43250.1"), D("3.7")), (D("43249.5"), D("0.2245"))]
    assert (depth.ts_ms, depth.recv_ns) == (1700000000223, 5)
    [sol] = parse_depth("gateio", gateio_frames.ORDER_BOOK_ALL_INT_SIZES, GATEIO)
    assert (sol.bids, sol.asks) == ([(D("95"), D("7"))], [(D("95.001"), D("12"))])


def test_gateio_depth_subscribes_one_contract_a_request_and_ignores_the_rest():
    gateio = get_connector("gateio")
    [subscribe] = gateio.depth_subscribe_messages(["BTC_USDT"])
    assert json.loads(subscribe) == {
        **json.loads(gateio_frames.ORDER_BOOK_SUBSCRIBE),
        "time": json.loads(subscribe)["time"],
    }
    unsubscribe = [json.loads(m) for m in gateio.depth_unsubscribe_messages(["BTC_USDT", "SOL_USDT"])]
    assert [(m["event"], m["payload"]) for m in unsubscribe] == [
        ("unsubscribe", ["BTC_USDT", "10", "0"]),
        ("unsubscribe", ["SOL_USDT", "10", "0"]),
    ]
    for control in (gateio_frames.ORDER_BOOK_UNSUBSCRIBE_ACK, gateio_frames.ORDER_BOOK_UPDATE, gateio_frames.PONG):
        assert parse_depth("gateio", control, GATEIO, {}) == []
    assert parse_depth("gateio", gateio_frames.BOOK_TICKER, GATEIO, {}) == []  # never from a quote frame
    state: dict = {}
    assert parse_depth("gateio", gateio_frames.ORDER_BOOK_ALL.replace("BTC_USDT", "NOPE_USDT"), GATEIO, state) == []
    assert state["unknown_symbols"] == 1
    with pytest.raises(FrameError, match=r"gateio error 2 on futures\.order_book subscribe"):
        parse_depth("gateio", gateio_frames.ORDER_BOOK_ERROR, GATEIO)
    with pytest.raises(FrameError, match="gateio"):
        parse_depth("gateio", gateio_frames.ORDER_BOOK_ALL.replace('"s":"1200"', '"s":"-3"'), GATEIO)


# --- KuCoin: /contractMarket/level2Depth50, the best 50 levels whole in every push ---------------

KUCOIN = {i.symbol: i for i in parse_instruments("kucoin", kucoin_frames.CONTRACTS_ACTIVE)}
DEPTH_FRAMES["kucoin"] = [kucoin_frames.LEVEL2_DEPTH50, kucoin_frames.LEVEL2_DEPTH50_INVERSE, kucoin_frames.ERROR_TOPIC]
INSTRUMENTS["kucoin"] = KUCOIN


def test_kucoin_level2_depth50_becomes_levels_in_base_units():
    [depth] = parse_depth("kucoin", kucoin_frames.LEVEL2_DEPTH50, KUCOIN, recv_ns=6)
    assert (depth.exchange, depth.symbol, depth.instrument) == ("kucoin", "XBTUSDTM", "BTC/USDT:USDT")
    # 0.001 BTC a lot (multiplier); the empty level left out.
    assert depth.bids == [(D("89778.6"), D("1.534")), (D("89778.2"), D("0.054"))]
    assert depth.asks == [(D("89778.7"), D("0.854")), (D("89779.2"), D("0.004")), (D("89780"), D("0.120"))]
    assert (depth.ts_ms, depth.recv_ns) == (1731680249701, 6)


def test_kucoin_inverse_depth_sizes_are_usd_over_price():
    [depth] = parse_depth("kucoin", kucoin_frames.LEVEL2_DEPTH50_INVERSE, KUCOIN)
    assert depth.instrument == "BTC/USD:BTC"
    assert depth.bids == [(D("86000"), D("1"))]
    assert depth.asks == [(D("86000.5"), D(43000) / D("86000.5")), (D("86001"), D("10"))]


def test_kucoin_keeps_the_best_ten_of_fifty():
    frame = json.loads(kucoin_frames.LEVEL2_DEPTH50)
    frame["data"]["bids"] = [[str(89000 - n), 1] for n in range(50)]
    frame["data"]["asks"] = [[str(89001 + n), 1] for n in range(50)]
    [depth] = parse_depth("kucoin", json.dumps(frame), KUCOIN)
    assert (len(depth.bids), len(depth.asks)) == (10, 10)
    assert (depth.bids[-1][0], depth.asks[-1][0]) == (D("88991"), D("89010"))


def test_kucoin_depth_subscribes_a_topic_per_symbol_and_ignores_control_frames():
    kucoin = get_connector("kucoin")
    assert kucoin.depth_subscribe_messages(["XBTUSDTM"]) == [kucoin_frames.LEVEL2_DEPTH50_SUBSCRIBE]
    assert kucoin.depth_unsubscribe_messages(["XBTUSDTM"]) == [kucoin_frames.LEVEL2_DEPTH50_UNSUBSCRIBE]
    assert len(kucoin.depth_subscribe_messages(["XBTUSDTM", "XBTUSDM"])) == 2
    for control in (kucoin_frames.WELCOME, kucoin_frames.ACK, kucoin_frames.PONG):
        assert parse_depth("kucoin", control, KUCOIN, {}) == []
    state: dict = {}
    unknown = kucoin_frames.LEVEL2_DEPTH50.replace("level2Depth50:XBTUSDTM", "level2Depth50:NOPEUSDTM")
    assert parse_depth("kucoin", unknown, KUCOIN, state) == []
    assert state["unknown_symbols"] == 1
    with pytest.raises(FrameError, match="kucoin error 404"):
        parse_depth("kucoin", kucoin_frames.ERROR_TOPIC, KUCOIN)
    with pytest.raises(FrameError, match="kucoin"):
        parse_depth("kucoin", kucoin_frames.LEVEL2_DEPTH50.replace("1534", "1.5e999"), KUCOIN)
    with pytest.raises(FrameError, match="tickerV2"):
        parse_depth("kucoin", kucoin_frames.TICKER_V2, KUCOIN)  # a quote frame on a depth connection


# --- MEXC: sub.depth.full at limit 10, on depth connections of their own ------------------------

MEXC = {i.symbol: i for i in parse_instruments("mexc", mexc_frames.CONTRACT_DETAIL)}
DEPTH_FRAMES["mexc"] = [mexc_frames.DEPTH_FULL, mexc_frames.INVERSE_DEPTH, mexc_frames.REFUSED_ACK]
INSTRUMENTS["mexc"] = MEXC


def test_mexc_full_depth_becomes_levels_in_base_units():
    [depth] = parse_depth("mexc", mexc_frames.DEPTH_FULL, MEXC, recv_ns=8)
    assert (depth.exchange, depth.symbol, depth.instrument) == ("mexc", "BTC_USDT", "BTC/USDT:USDT")
    # 0.0001 BTC a contract (contractSize); the order count is not a size.
    assert depth.asks[:2] == [(D("43250.2"), D("0.3446")), (D("43250.3"), D("0.1239"))]
    assert depth.bids == [
        (D("43250.1"), D("3.1288")),
        (D("43250"), D("0.0512")),
        (D("43249.9"), D("0.0008")),
        (D("43249.8"), D("0.0002")),
        (D("43249.7"), D("0.0001")),
    ]
    assert (depth.ts_ms, depth.recv_ns) == (1700000000009, 8)


def test_mexc_depth_prices_in_exponent_form_and_inverse_sizes_are_exact():
    [depth] = parse_depth("mexc", mexc_frames.EXPONENT_PRICE, MEXC)
    assert str(depth.asks[0][0]) == "75480" and depth.asks[0][1] == D("0.0005")
    [inverse] = parse_depth("mexc", mexc_frames.INVERSE_DEPTH, MEXC)
    assert inverse.instrument == "BTC/USD:BTC"
    assert inverse.bids == [(D("50000"), D("0.02"))]  # 10 contracts of 100 USD at 50,000
    assert inverse.asks == [(D("50000.5"), D(2000) / D("50000.5"))]
    assert parse_depth("mexc", mexc_frames.GZIPPED_DEPTH_FULL, MEXC)[0].bids[0] == (D("43250.1"), D("3.1288"))


def test_mexc_depth_subscribes_at_limit_ten_drops_with_usub_and_refusals_raise():
    mexc = get_connector("mexc")
    assert mexc.depth_subscribe_messages(["BTC_USDT"]) == [mexc_frames.DEPTH_SUBSCRIBE]
    assert mexc.depth_unsubscribe_messages(["BTC_USDT"]) == [mexc_frames.DEPTH_UNSUBSCRIBE]
    for control in (mexc_frames.SUBSCRIBE_ACK, mexc_frames.DEPTH_UNSUBSCRIBE_ACK, mexc_frames.PONG):
        assert parse_depth("mexc", control, MEXC, {}) == []
    state: dict = {}
    assert parse_depth("mexc", mexc_frames.UNKNOWN_SYMBOL, MEXC, state) == []
    assert state["unknown_symbols"] == 1
    with pytest.raises(FrameError, match="Contract doesn't exist"):
        parse_depth("mexc", mexc_frames.ERROR, MEXC)
    with pytest.raises(FrameError, match="limit error"):
        parse_depth("mexc", mexc_frames.REFUSED_ACK, MEXC)
    with pytest.raises(FrameError, match="mexc"):
        parse_depth("mexc", mexc_frames.DEPTH_FULL.replace("31288", "-5"), MEXC)


# --- Deribit ---------------------------------------------------------------------------------


def test_deribit_inverse_book_amounts_in_usd_become_base_units():
    [depth] = parse_depth("deribit", deribit_frames.DEPTH_INVERSE, DERIBIT, recv_ns=3)
    assert (depth.exchange, depth.symbol, depth.instrument) == ("deribit", "BTC-PERPETUAL", "BTC/USD:BTC")
    assert depth.bids == [(D("40000.0"), D("0.3")), (D("39990.0"), D("1"))]
    assert depth.asks == [(D("40010.0"), D("1")), (D("40030.0"), D("2"))]  # an empty level left out
    assert (depth.ts_ms, depth.recv_ns) == (1700000000123, 3)


def test_deribit_linear_book_amounts_are_base_units():
    [depth] = parse_depth("deribit", deribit_frames.DEPTH_LINEAR, DERIBIT)
    assert depth.instrument == "BTC/USDC:USDC"
    assert depth.bids == [(D("43249.9"), D("0.1234"))]
    assert depth.asks == [(D("43250.1"), D("2.5")), (D("43250.2"), D("0.0001"))]


def test_deribit_depth_subscribes_and_drops_the_grouped_book_and_ignores_control_frames():
    connector = get_connector("deribit")
    heartbeat, subscribe = connector.depth_subscribe_messages(["BTC-PERPETUAL"])
    assert json.loads(heartbeat)["method"] == "public/set_heartbeat"  # depth connections need it too
    assert json.loads(subscribe) == json.loads(deribit_frames.DEPTH_SUBSCRIBE)
    [unsubscribe] = connector.depth_unsubscribe_messages(["BTC-PERPETUAL"])
    assert json.loads(unsubscribe) == json.loads(deribit_frames.DEPTH_UNSUBSCRIBE)
    for control in (deribit_frames.DEPTH_SUBSCRIBE_REPLY, deribit_frames.HEARTBEAT, deribit_frames.TEST_REQUEST):
        assert parse_depth("deribit", control, DERIBIT) == []
    assert parse_depth("deribit", deribit_frames.QUOTE_INVERSE, DERIBIT) == []  # a quote is no book
    state: dict = {}
    assert parse_depth("deribit", deribit_frames.DEPTH_INVERSE.replace("BTC-PERP", "NOPE-PERP"), DERIBIT, state) == []
    assert state["unknown_symbols"] == 1
    assert parse_frame("deribit", deribit_frames.DEPTH_INVERSE, DERIBIT) == []  # never a quote


@pytest.mark.parametrize(
    "frame",
    [
        deribit_frames.ERROR_RATE_LIMIT,
        deribit_frames.DEPTH_INVERSE.replace("[40000.0,12000.0]", "[null,12000.0]"),
        deribit_frames.DEPTH_INVERSE.replace("[40000.0,12000.0]", "[40000.0,-1]"),
        deribit_frames.DEPTH_INVERSE.replace(',"data":{"timestamp"', ',"nodata":{"timestamp"'),
        deribit_frames.DEPTH_INVERSE[:-20],
    ],
)
def test_deribit_malformed_depth_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_depth("deribit", frame, DERIBIT)


# --- BitMEX ----------------------------------------------------------------------------------


def test_bitmex_inverse_order_book10_sizes_in_usd_become_base_units():
    [depth] = parse_depth("bitmex", bitmex_frames.DEPTH_PARTIAL, BITMEX, recv_ns=4)
    assert (depth.exchange, depth.symbol, depth.instrument) == ("bitmex", "XBTUSD", "BTC/USD:BTC")
    assert depth.bids == [(D("40000"), D("0.3")), (D("39999.5"), D("1"))]
    assert depth.asks == [(D("40000.5"), D("2"))]  # an empty level left out
    assert (depth.ts_ms, depth.recv_ns) == (1795428000123, 4)


def test_bitmex_linear_order_book10_contracts_become_base_units():
    [depth] = parse_depth("bitmex", bitmex_frames.DEPTH_UPDATE, BITMEX)
    assert depth.instrument == "BTC/USDT:USDT"
    assert depth.bids == [(D("43250.1"), D("1")), (D("43250"), D("0.25"))]
    assert depth.asks == [(D("43250.3"), D("3.214"))]
    assert depth.ts_ms == 1795428001500


def test_bitmex_depth_subscribes_and_drops_order_book10_and_ignores_control_frames():
    connector = get_connector("bitmex")
    assert connector.depth_subscribe_messages(["XBTUSD"]) == [bitmex_frames.DEPTH_SUBSCRIBE]
    assert connector.depth_unsubscribe_messages(["XBTUSD"]) == [bitmex_frames.DEPTH_UNSUBSCRIBE]
    controls = (
        bitmex_frames.WELCOME,
        bitmex_frames.DEPTH_SUBSCRIBE_ACK,
        bitmex_frames.DEPTH_UNSUBSCRIBE_ACK,
        bitmex_frames.PONG,
        bitmex_frames.INSERT,  # the quote table is no book
    )
    for control in controls:
        assert parse_depth("bitmex", control, BITMEX) == []
    state: dict = {}
    assert parse_depth("bitmex", bitmex_frames.DEPTH_PARTIAL.replace('"XBTUSD"', '"NOPEUSD"'), BITMEX, state) == []
    assert state["unknown_symbols"] == 1
    assert parse_frame("bitmex", bitmex_frames.DEPTH_UPDATE, BITMEX) == []  # never a quote


@pytest.mark.parametrize(
    "frame",
    [
        bitmex_frames.ERROR,
        bitmex_frames.DEPTH_UPDATE.replace("[43250,250000]", '["x",250000]'),
        bitmex_frames.DEPTH_UPDATE.replace("[43250,250000]", "[43250,-1]"),
        bitmex_frames.DEPTH_UPDATE.replace('"timestamp":"2026-11-23T10:00:01.500Z",', ""),
        bitmex_frames.DEPTH_UPDATE.replace('"action":"update"', '"action":"upsert"'),
        bitmex_frames.DEPTH_UPDATE[:-10],
    ],
)
def test_bitmex_malformed_depth_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_depth("bitmex", frame, BITMEX)


# --- Phemex ----------------------------------------------------------------------------------


def test_phemex_depth_snapshot_then_increment_keeps_the_ten_level_window():
    state: dict = {}
    [snapshot] = parse_depth("phemex", phemex_frames.DEPTH_SNAPSHOT, PHEMEX, state, recv_ns=5)
    assert (snapshot.exchange, snapshot.symbol, snapshot.instrument) == ("phemex", "BTCUSDT", "BTC/USDT:USDT")
    assert snapshot.bids == [(D("43250.1"), D("1.622")), (D("43249.0"), D("0.904")), (D("43248.7"), D("1.074"))]
    assert snapshot.asks == [(D("43250.2"), D("0.718")), (D("43250.9"), D("0.524")), (D("43251.5"), D("2"))]
    assert (snapshot.ts_ms, snapshot.recv_ns) == (1700000000201, 5)
    [delta] = parse_depth("phemex", phemex_frames.DEPTH_INCREMENTAL, PHEMEX, state)
    assert delta.bids == [
        (D("43250.1"), D("1.622")),
        (D("43249.5"), D("3")),
        (D("43249.0"), D("0.5")),
        (D("43248.7"), D("1.074")),
    ]
    assert delta.asks == [(D("43250.9"), D("0.524")), (D("43251.5"), D("2"))]
    assert delta.ts_ms == 1700000000301


def test_phemex_coin_m_depth_unscales_prices_and_turns_usd_contracts_into_base_units():
    [depth] = parse_depth("phemex", phemex_frames.COIN_M_DEPTH_SNAPSHOT, PHEMEX, {})
    assert depth.instrument == "BTC/USD:BTC"
    assert depth.bids == [(D("40000"), D("0.3")), (D("39999"), D("1"))]
    assert depth.asks == [(D("40000.5"), D("2")), (D("40001"), D("1"))]


def test_phemex_depth_subscribes_ten_levels_and_its_unsubscribe_is_the_documented_one():
    connector = get_connector("phemex")
    assert connector.depth_subscribe_messages(["BTCUSDT"]) == [phemex_frames.DEPTH_SUBSCRIBE]
    # Phemex's unsubscribe names no symbol and ends every book of its family on the connection.
    assert connector.depth_unsubscribe_messages(["BTCUSDT", "ETHUSDT"]) == [phemex_frames.DEPTH_UNSUBSCRIBE]
    assert [json.loads(m)["method"] for m in connector.depth_unsubscribe_messages(["BTCUSD", "BTCUSDT"])] == [
        "orderbook.unsubscribe",
        "orderbook_p.unsubscribe",
    ]
    assert connector.depth_unsubscribe_ends_all is True
    for control in (phemex_frames.SUBSCRIBE_ACK, phemex_frames.PONG):
        assert parse_depth("phemex", control, PHEMEX, {}) == []
    assert parse_depth("phemex", phemex_frames.DEPTH_INCREMENTAL, PHEMEX, {}) == []  # before a snapshot
    state: dict = {}
    assert parse_depth("phemex", phemex_frames.DEPTH_SNAPSHOT.replace("BTCUSDT", "NOPEUSDT"), PHEMEX, state) == []
    assert state["unknown_symbols"] == 1


@pytest.mark.parametrize(
    "frame",
    [
        phemex_frames.ERROR,
        phemex_frames.DEPTH_SNAPSHOT.replace('["43249.0","0.904"]', '["43249.0","-1"]'),
        phemex_frames.DEPTH_SNAPSHOT.replace('["43249.0","0.904"]', '["NaN","1"]'),
        phemex_frames.DEPTH_SNAPSHOT.replace('"type":"snapshot"', '"type":"partial"'),
        phemex_frames.DEPTH_SNAPSHOT[:-12],
    ],
)
def test_phemex_malformed_depth_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_depth("phemex", frame, PHEMEX, {})


@pytest.mark.parametrize(
    ("exchange", "symbols"),
    [
        ("binance", ["BTCUSDT", "ETHUSDT"]),
        ("bitget", ["BTCUSDT"]),
        ("bitmex", ["XBTUSDT"]),
        ("bybit", ["BTCUSDT", "ETHUSDT"]),
        ("kucoin", ["XBTUSDTM"]),
        ("okx", ["BTC-USDT-SWAP"]),
    ],
)
def test_a_depth_unsubscribe_is_its_subscribe_with_the_other_word(exchange, symbols):
    """One builder per connector (`depth_requests`), the two messages from the base."""
    connector = get_connector(exchange)
    subscribe = connector.depth_subscribe_messages(symbols)
    assert subscribe == connector.depth_requests(symbols, "subscribe")
    flipped = [m.replace("SUBSCRIBE", "UNSUBSCRIBE").replace('"subscribe"', '"unsubscribe"') for m in subscribe]
    assert connector.depth_unsubscribe_messages(symbols) == flipped != subscribe
