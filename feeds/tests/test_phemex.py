"""What Phemex's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec
import pytest

from feeds.exchanges import FrameError, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.phemex import Phemex
from feeds.tests.frames import phemex as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("phemex", frames.PRODUCTS)}
RECV_NS = 1_700_000_000_900_000_000


def parse(raw, state=None):
    return parse_frame("phemex", raw, INSTRUMENTS, state, recv_ns=RECV_NS)


def test_usdt_snapshot_becomes_an_exact_quote():
    [quote] = parse(frames.USDT_SNAPSHOT, {})
    assert (quote.exchange, quote.symbol, quote.instrument) == ("phemex", "BTCUSDT", "BTC/USDT:USDT")
    assert (quote.bid, quote.ask) == (Decimal("43250.1"), Decimal("43250.2"))
    assert quote.bid_size == quote.bid_contracts == Decimal("1.622")
    assert quote.ask_size == quote.ask_contracts == Decimal("0.718")
    assert quote.ts_ms == 1700000000201  # ns -> ms
    assert quote.recv_ns == RECV_NS


def test_incremental_frames_update_the_kept_book():
    state: dict = {}
    parse(frames.USDT_SNAPSHOT, state)
    [moved] = parse(frames.USDT_INCREMENTAL, state)
    assert (moved.bid, moved.bid_size) == (Decimal("43250.1"), Decimal("1.622"))  # unchanged side kept
    assert (moved.ask, moved.ask_size) == (Decimal("43250.4"), Decimal("2.5"))
    assert moved.ts_ms == 1700000000301
    [deeper] = parse(frames.USDT_DEEPER_LEVEL, state)
    assert deeper.ask == Decimal("43250.4")
    # Depth 1: the deeper level falls out of the window the exchange keeps up to date.
    assert list(state["phemex_books"]["BTCUSDT"].asks) == [Decimal("43250.4")]


def test_a_book_with_an_empty_side_gives_no_quote():
    state: dict = {}
    parse(frames.USDT_SNAPSHOT, state)
    assert parse(frames.USDT_BID_GONE, state) == []
    assert parse(frames.USDT_EMPTY_SIDE_SNAPSHOT, {}) == []


def test_incremental_before_its_snapshot_gives_nothing():
    assert parse(frames.USDT_INCREMENTAL, {}) == []
    assert parse(frames.USDT_INCREMENTAL, None) == []


def test_coin_m_prices_are_unscaled_and_usd_contracts_become_base_units():
    [quote] = parse(frames.COIN_M_SNAPSHOT, {})
    assert quote.instrument == "BTC/USD:BTC"
    assert (quote.bid, quote.ask) == (Decimal("43250.1"), Decimal("43250.2"))
    assert (quote.bid_contracts, quote.ask_contracts) == (Decimal(18995), Decimal(19609))
    assert quote.bid_size == Decimal(18995) / Decimal("43250.1")  # 1 USD per contract
    assert quote.ask_size == Decimal(19609) / Decimal("43250.2")
    assert quote.ts_ms == 1700000000123


def test_coin_m_incremental_and_missing_timestamp():
    state: dict = {}
    parse(frames.COIN_M_SNAPSHOT, state)
    [quote] = parse(frames.COIN_M_INCREMENTAL, state)
    assert (quote.bid, quote.bid_contracts) == (Decimal("43249.9"), Decimal(4621))
    assert quote.ask == Decimal("43250.2")
    [untimed] = parse(frames.COIN_M_SNAPSHOT_WITHOUT_TIMESTAMP, {})
    assert untimed.bid == Decimal("8676")
    assert untimed.ts_ms == RECV_NS // 1_000_000  # the docs' sample has none: receive time


@pytest.mark.parametrize(
    "frame",
    [
        frames.USDT_SNAPSHOT.replace('"43250.1"', '"abc"'),
        frames.USDT_SNAPSHOT.replace('"43250.1"', '"NaN"'),
        frames.USDT_SNAPSHOT.replace('"1.622"', '"-1"'),
        frames.USDT_SNAPSHOT.replace('"43250.1"', '"0"'),
        frames.USDT_SNAPSHOT.replace('"snapshot"', '"delta"'),
        frames.USDT_SNAPSHOT.replace("1700000000201355264", '"soon"'),
        frames.COIN_M_SNAPSHOT.replace("432501000", '"432501000"'),
        frames.COIN_M_SNAPSHOT.replace("18995", "-18995"),
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse(frame, {})


def test_a_bad_level_leaves_the_kept_book_untouched():
    state: dict = {}
    parse(frames.USDT_SNAPSHOT, state)
    with pytest.raises(FrameError):
        parse(frames.USDT_INCREMENTAL.replace('"2.5"', '"-2.5"'), state)
    [quote] = parse(frames.USDT_INCREMENTAL, state)
    assert quote.ask == Decimal("43250.4")


def test_instrument_list_keeps_listed_perpetuals_we_can_size():
    found = {i.symbol: i for i in parse_instruments("phemex", frames.PRODUCTS)}
    # Out: USD-settled ETHUSD (sizes in coin), XBTUSD8 (priceScale 8), delisted, spot, pilot.
    assert set(found) == {"BTCUSD", "cETHUSD", "BTCUSDT", "1000PEPEUSDT", "BTCUSDC"}
    btc = found["BTCUSDT"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == (
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        "USDT",
        True,
    )
    assert (btc.contract_size, btc.tick_size) == (Decimal(1), Decimal("0.1"))
    assert found["BTCUSDC"].instrument == "BTC/USDC:USDC"


def test_coin_m_instruments_are_inverse_with_usd_face_value():
    found = {i.symbol: i for i in parse_instruments("phemex", frames.PRODUCTS)}
    btc = found["BTCUSD"]
    assert (btc.instrument, btc.linear, btc.contract_size, btc.tick_size) == (
        "BTC/USD:BTC",
        False,
        Decimal(1),
        Decimal("0.5"),
    )
    eth = found["cETHUSD"]  # contractSize given as "1 USD"
    assert (eth.instrument, eth.contract_size, eth.tick_size) == ("ETH/USD:ETH", Decimal(1), Decimal("0.05"))


def test_multiplied_base_keeps_its_name_and_records_the_coin():
    pepe = next(i for i in parse_instruments("phemex", frames.PRODUCTS) if i.symbol == "1000PEPEUSDT")
    assert pepe.instrument == "1000PEPE/USDT:USDT"
    assert (pepe.coin, pepe.multiplier) == ("PEPE", 1000)


def test_quotes_survive_instruments_reloaded_from_the_database():
    # The database normalises decimals; the COIN-M scale must not depend on their exponent.
    stored = {
        symbol: msgspec.structs.replace(i, tick_size=i.tick_size.normalize(), contract_size=i.contract_size.normalize())
        for symbol, i in INSTRUMENTS.items()
    }
    [quote] = parse_frame("phemex", frames.COIN_M_SNAPSHOT, stored, {}, recv_ns=RECV_NS)
    assert quote.bid == Decimal("43250.1")


def test_one_subscribe_message_per_symbol_in_the_right_family():
    messages = Phemex().subscribe_messages(["BTCUSD", "BTCUSDT", "cETHUSD"])
    assert messages == [
        '{"id":1,"method":"orderbook.subscribe","params":["BTCUSD",false,1]}',
        '{"id":2,"method":"orderbook_p.subscribe","params":["BTCUSDT",false,1]}',
        '{"id":3,"method":"orderbook.subscribe","params":["cETHUSD",false,1]}',
    ]
    assert Phemex.max_symbols_per_connection == 20
    assert Phemex.max_symbols_per_message == 1


def test_heartbeat_is_the_application_ping_every_five_seconds():
    assert Phemex.heartbeat_interval_s == 5.0
    assert json.loads(Phemex().heartbeat_message()) == {"id": 0, "method": "server.ping", "params": []}


def _funding(*tickers, products=frames.PRODUCTS):
    return parse_funding("phemex", [products.encode(), *(t.encode() for t in tickers)], INSTRUMENTS, 1_667_222_000_000)


def test_funding_rate_from_the_ticker_interval_from_the_product_list():
    records = {r.symbol: r for r in _funding(frames.TICKER_BTC, frames.TICKER_PEPE, frames.TICKER_UNKNOWN)}
    assert set(records) == {"BTCUSDT", "1000PEPEUSDT"}
    btc = records["BTCUSDT"]
    assert (btc.instrument, btc.rate, btc.interval_h, btc.ts_ms) == (
        "BTC/USDT:USDT",
        Decimal("0.0001"),
        8,  # fundingInterval 28800 s
        1_667_222_412_794,  # the ticker's ns timestamp
    )
    # 2022-10-31T13:20:12Z: the next 8 h funding is 16:00 UTC.
    assert btc.next_funding_ms == 1_667_232_000_000
    pepe = records["1000PEPEUSDT"]
    assert (pepe.rate, pepe.interval_h, pepe.next_funding_ms) == (Decimal("-0.00015"), 4, 1_667_232_000_000)


@pytest.mark.parametrize(
    "products, ticker",
    [
        (frames.PRODUCTS.replace(',"fundingInterval":28800', ""), frames.TICKER_BTC),  # no interval
        (frames.PRODUCTS.replace('"fundingInterval":28800', '"fundingInterval":5400'), frames.TICKER_BTC),
        (frames.PRODUCTS.replace('"fundingInterval":28800', '"fundingInterval":172800'), frames.TICKER_BTC),
        (frames.PRODUCTS, frames.TICKER_REFUSED),
        (frames.PRODUCTS, frames.TICKER_BTC.replace('"fundingRateRr":"0.0001",', "")),
        (frames.PRODUCTS, frames.TICKER_BTC.replace('"fundingRateRr":"0.0001"', '"fundingRateRr":"1.5"')),
        (frames.PRODUCTS, frames.TICKER_BTC.replace('"fundingRateRr":"0.0001"', '"fundingRateRr":"abc"')),
        ('{"code":10500,"msg":"busy","data":null}', frames.TICKER_BTC),
    ],
)
def test_a_refused_or_incomplete_funding_answer_is_a_frame_error(products, ticker):
    with pytest.raises(FrameError):
        _funding(frames.TICKER_PEPE, ticker, products=products)


def test_coin_m_funding_unscales_the_rate_by_the_products_ratio_scale():
    records = {r.symbol: r for r in _funding(frames.TICKER_BTC, frames.TICKER_BTCUSD, frames.TICKER_CETHUSD_SAMPLE)}
    btc, eth = records["BTCUSD"], records["cETHUSD"]
    assert (btc.instrument, btc.rate, btc.interval_h, btc.ts_ms) == (
        "BTC/USD:BTC",
        Decimal("0.0001"),  # fundingRateEr 10000 at ratioScale 8
        8,  # fundingInterval 8: hours
        1_583_646_442_444,
    )
    # 2020-03-08T05:47:22Z: the next 8 h funding is 08:00 UTC, the next 4 h one too.
    assert btc.next_funding_ms == 1_583_654_400_000
    assert (eth.instrument, eth.rate, eth.interval_h) == ("ETH/USD:ETH", Decimal("-0.00007609"), 4)  # 14400 s
    assert eth.next_funding_ms == 1_583_654_400_000
    assert records["BTCUSDT"].rate == Decimal("0.0001")  # USDⓈ-M beside it, as before


@pytest.mark.parametrize(
    "products, ticker",
    [
        (
            frames.PRODUCTS.replace('"status":"Listed",\n   "fundingInterval":8', '"status":"Listed"'),
            frames.TICKER_BTCUSD,
        ),
        (frames.PRODUCTS.replace('"fundingInterval":8}', '"fundingInterval":5400}'), frames.TICKER_BTCUSD),
        (frames.PRODUCTS.replace('"fundingInterval":8}', '"fundingInterval":48}'), frames.TICKER_BTCUSD),
        (frames.PRODUCTS.replace('"ratioScale":8,"pricePrecision"', '"pricePrecision"'), frames.TICKER_BTCUSD),
        (frames.PRODUCTS, frames.TICKER_BTCUSD.replace('"fundingRateEr":10000,', "")),
        (frames.PRODUCTS, frames.TICKER_BTCUSD.replace('"fundingRateEr":10000', '"fundingRateEr":150000000')),
        (frames.PRODUCTS, frames.TICKER_BTCUSD.replace('"fundingRateEr":10000', '"fundingRateEr":"0.0001"')),
    ],
)
def test_an_incomplete_coin_m_funding_answer_is_a_frame_error(products, ticker):
    with pytest.raises(FrameError):
        _funding(ticker, products=products)


def test_funding_paths_the_product_list_then_one_ticker_per_contract_of_its_family():
    assert Phemex().funding_paths(["1000PEPEUSDT", "BTCUSD", "BTCUSDT", "cETHUSD"]) == [
        "/public/products",
        "/md/v2/ticker/24hr?symbol=1000PEPEUSDT",
        "/md/v1/ticker/24hr?symbol=BTCUSD",
        "/md/v2/ticker/24hr?symbol=BTCUSDT",
        "/md/v1/ticker/24hr?symbol=cETHUSD",
    ]


def test_order_step_is_qty_step_size_in_the_base_coin_or_lot_size_in_contracts():
    usdt_m, coin_m = INSTRUMENTS["BTCUSDT"], INSTRUMENTS["BTCUSD"]
    assert usdt_m.order_steps_base() == (Decimal("0.001"), Decimal(0))  # no minimum quantity listed
    assert (coin_m.qty_step_contracts, coin_m.min_qty_contracts) == (Decimal(1), Decimal(1))
