"""What Gate.io's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec
import pytest

from feeds.exchanges import FrameError, parse_depth, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.gateio import Gateio
from feeds.tests.frames import gateio as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("gateio", frames.CONTRACTS)}
INSTRUMENTS["ETH_USDT"] = msgspec.structs.replace(
    INSTRUMENTS["BTC_USDT"],
    symbol="ETH_USDT",
    instrument="ETH/USDT:USDT",
    base="ETH",
    coin="ETH",
    contract_size=Decimal("0.01"),
)


def test_book_ticker_becomes_an_exact_quote_in_base_units():
    [quote] = parse_frame("gateio", frames.BOOK_TICKER, INSTRUMENTS, {}, recv_ns=1_700_000_000_200_000_000)
    assert (quote.exchange, quote.symbol, quote.instrument) == ("gateio", "BTC_USDT", "BTC/USDT:USDT")
    assert (quote.bid, quote.ask) == (Decimal("43250.1"), Decimal("43250.2"))
    # Contracts as sent, base = contracts × quanto_multiplier (0.0001 BTC).
    assert (quote.bid_contracts, quote.bid_size) == (Decimal("37000"), Decimal("3.7000"))
    assert (quote.ask_contracts, quote.ask_size) == (Decimal("47061.5"), Decimal("4.70615"))
    assert quote.ts_ms == 1700000000123
    assert quote.recv_ns == 1_700_000_000_200_000_000


def test_integer_sizes_without_the_decimal_header_parse_too():
    [quote] = parse_frame("gateio", frames.BOOK_TICKER_INT_SIZES, INSTRUMENTS, {})
    assert quote.symbol == "ETH_USDT"
    assert (quote.bid_contracts, quote.bid_size) == (Decimal(1500), Decimal("15.00"))
    assert (quote.ask_contracts, quote.ask_size) == (Decimal(250), Decimal("2.50"))


def test_update_id_may_be_a_string():
    [quote] = parse_frame("gateio", frames.BOOK_TICKER_STRING_U, INSTRUMENTS, {})
    assert quote.bid == Decimal("43250.1")


def test_frames_older_than_one_already_seen_are_dropped():
    state: dict = {}
    assert parse_frame("gateio", frames.BOOK_TICKER, INSTRUMENTS, state)
    assert parse_frame("gateio", frames.OLDER_BOOK_TICKER, INSTRUMENTS, state) == []
    # Another connection (another state) has seen nothing yet.
    assert parse_frame("gateio", frames.OLDER_BOOK_TICKER, INSTRUMENTS, {})


@pytest.mark.parametrize("frame", [frames.EMPTY_BID, frames.EMPTY_ASK])
def test_an_empty_side_gives_no_quote(frame):
    assert parse_frame("gateio", frame, INSTRUMENTS, {}) == []


def test_an_empty_side_still_counts_as_the_latest_update():
    state: dict = {}
    parse_frame("gateio", frames.EMPTY_BID, INSTRUMENTS, state)
    assert parse_frame("gateio", frames.BOOK_TICKER, INSTRUMENTS, state) == []


def _ticker(**fields) -> str:
    result = {"t": 1700000000123, "u": 1, "s": "BTC_USDT", "b": "1", "B": 1, "a": "2", "A": 1}
    result.update(fields)
    return json.dumps({"time": 1700000000, "channel": "futures.book_ticker", "event": "update", "result": result})


@pytest.mark.parametrize(
    "frame",
    [
        _ticker(b="abc"),
        _ticker(b="NaN"),
        _ticker(a="-1"),
        _ticker(B="-3"),
        _ticker(A="lots"),
        _ticker(t="soon"),
        _ticker(u="later"),
        _ticker(s=None),
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("gateio", frame, INSTRUMENTS, {})


def test_contract_list_keeps_trading_crypto_perpetuals_only():
    found = {i.symbol for i in parse_instruments("gateio", frames.CONTRACTS)}
    assert found == {"BTC_USDT", "SOL_USDT", "1000RATS_USDT"}


def test_contract_size_is_the_quanto_multiplier_and_tick_the_price_round():
    btc = INSTRUMENTS["BTC_USDT"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == (
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        "USDT",
        True,
    )
    assert btc.contract_size == Decimal("0.0001")
    assert btc.tick_size == Decimal("0.1")
    assert INSTRUMENTS["SOL_USDT"].contract_size == Decimal(1)


def test_multiplied_base_keeps_its_name_and_records_the_coin():
    rats = INSTRUMENTS["1000RATS_USDT"]
    assert rats.instrument == "1000RATS/USDT:USDT"
    assert (rats.coin, rats.multiplier) == ("RATS", 1000)


def test_an_error_body_instead_of_the_contract_list_raises_frame_error():
    with pytest.raises(FrameError):
        parse_instruments("gateio", b'{"label":"TOO_MANY_REQUESTS"}')


def test_subscribe_messages_batch_one_hundred_contracts():
    [message] = Gateio().subscribe_messages(["BTC_USDT", "ETH_USDT"])
    body = json.loads(message)
    assert {k: body[k] for k in ("id", "channel", "event", "payload")} == {
        "id": 1,
        "channel": "futures.book_ticker",
        "event": "subscribe",
        "payload": ["BTC_USDT", "ETH_USDT"],
    }
    assert isinstance(body["time"], int)
    many = [json.loads(m) for m in Gateio().subscribe_messages([f"C{n}_USDT" for n in range(250)])]
    assert [len(m["payload"]) for m in many] == [100, 100, 50]
    assert [m["id"] for m in many] == [1, 2, 3]


def test_handshake_asks_for_decimal_sizes_and_heartbeat_is_futures_ping():
    assert Gateio.ws_headers == {"X-Gate-Size-Decimal": "1"}
    ping = json.loads(Gateio().heartbeat_message())
    assert ping["channel"] == "futures.ping"
    assert isinstance(ping["time"], int)


def test_funding_from_the_contract_list_with_each_contracts_interval():
    records = {r.symbol: r for r in parse_funding("gateio", [frames.CONTRACTS_WITH_FUNDING.encode()], INSTRUMENTS, 7)}
    assert set(records) == {"BTC_USDT", "SOL_USDT"}
    btc = records["BTC_USDT"]
    assert (btc.instrument, btc.rate, btc.interval_h, btc.next_funding_ms, btc.ts_ms) == (
        "BTC/USDT:USDT",
        Decimal("0.000063"),
        8,
        1700006400000,
        7,  # the list states no time: the receive time
    )
    assert (records["SOL_USDT"].rate, records["SOL_USDT"].interval_h) == (Decimal("-0.0002"), 4)


def test_funding_interval_of_no_whole_hours_is_a_frame_error():
    broken = frames.CONTRACTS_WITH_FUNDING.replace('"funding_interval":28800', '"funding_interval":1000')
    with pytest.raises(FrameError):
        parse_funding("gateio", [broken.encode()], INSTRUMENTS, 7)


def test_orders_are_whole_contracts_unless_the_contract_takes_decimal_sizes():
    btc, sol = INSTRUMENTS["BTC_USDT"], INSTRUMENTS["SOL_USDT"]
    # 1 contract of 0.0001 BTC, at least one.
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal(1), Decimal(1))
    assert btc.order_steps_base() == (Decimal("0.0001"), Decimal("0.0001"))
    # enable_decimal: 0.001 contracts of 1 SOL.
    assert (sol.qty_step_contracts, sol.min_qty_contracts) == (Decimal("0.001"), Decimal("0.001"))
    assert sol.order_steps_base() == (Decimal("0.001"), Decimal("0.001"))


BTC_SETTLED = {i.symbol: i for i in parse_instruments("gateio", frames.BTC_CONTRACTS)}


def test_btc_settled_list_keeps_the_inverse_btc_usd_at_one_usd_a_contract():
    assert set(BTC_SETTLED) == {"BTC_USD"}  # the quanto ETH_USD is neither linear nor inverse
    btc = BTC_SETTLED["BTC_USD"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == ("BTC/USD:BTC", "BTC", "USD", "BTC", False)
    assert (btc.contract_size, btc.tick_size) == (Decimal(1), Decimal("0.1"))
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal(1), Decimal(1))


def test_btc_settled_book_ticker_sizes_are_usd_contracts_divided_by_the_price():
    [quote] = parse_frame("gateio", frames.BTC_BOOK_TICKER, BTC_SETTLED, {}, recv_ns=1_700_000_000_200_000_000)
    assert (quote.symbol, quote.instrument) == ("BTC_USD", "BTC/USD:BTC")
    assert (quote.bid, quote.ask) == (Decimal("40000"), Decimal("40000.5"))
    assert (quote.bid_contracts, quote.ask_contracts) == (Decimal(80000), Decimal(120001))
    assert quote.bid_size == Decimal(2)  # 80,000 USD at 40,000
    assert quote.ask_size == Decimal(120001) / Decimal("40000.5")
    assert quote.ts_ms == 1700000000123


def test_btc_settled_funding_comes_from_its_own_contract_list():
    [record] = parse_funding("gateio", [frames.BTC_CONTRACTS.encode()], BTC_SETTLED, recv_ms=1700000000999)
    assert (record.symbol, record.instrument, record.rate) == ("BTC_USD", "BTC/USD:BTC", Decimal("0.0001"))
    assert (record.interval_h, record.next_funding_ms, record.ts_ms) == (8, 1700006400000, 1700000000999)


def test_the_btc_settled_family_has_its_own_socket_on_the_same_host():
    usdt, btc = Gateio.families
    assert (usdt.linear, btc.linear) == (True, False)
    assert Gateio().family_ws_url(Gateio.ws_url, btc) == "wss://fx-ws.gateio.ws/v4/ws/btc"
    assert Gateio().family_ws_url("ws://127.0.0.1:8124/v4/ws/usdt", btc) == "ws://127.0.0.1:8124/v4/ws/btc"
    assert btc.instruments_paths == btc.funding_paths == ("/api/v4/futures/btc/contracts",)
    assert Gateio.instruments_paths == ("/api/v4/futures/usdt/contracts", "/api/v4/futures/btc/contracts")


def test_btc_settled_depth_levels_are_usd_contracts_divided_by_their_price():
    [depth] = parse_depth("gateio", frames.BTC_ORDER_BOOK_ALL, BTC_SETTLED, {})
    assert (depth.symbol, depth.instrument, depth.ts_ms) == ("BTC_USD", "BTC/USD:BTC", 1700000000318)
    assert depth.bids == [(Decimal(40000), Decimal(2)), (Decimal("39999.5"), Decimal(39999) / Decimal("39999.5"))]
    assert depth.asks == [(Decimal("40000.5"), Decimal(120001) / Decimal("40000.5"))]
