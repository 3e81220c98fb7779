"""What KuCoin's connector alone does; what every parser does is tested in test_parsers.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from feeds.exchanges import FrameError, parse_frame, parse_funding, parse_instruments
from feeds.exchanges.kucoin import KuCoin
from feeds.tests.frames import kucoin as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("kucoin", frames.CONTRACTS_ACTIVE)}


def test_ticker_v2_becomes_an_exact_quote_in_base_units():
    [quote] = parse_frame("kucoin", frames.TICKER_V2, INSTRUMENTS, recv_ns=1_740_641_976_300_000_000)
    assert (quote.exchange, quote.symbol, quote.instrument) == ("kucoin", "XBTUSDTM", "BTC/USDT:USDT")
    assert quote.bid == Decimal("86454.5")
    assert quote.ask == Decimal("86454.6")
    # 5044 lots of 0.001 BTC
    assert quote.bid_contracts == 5044
    assert quote.bid_size == Decimal("5.044")
    assert quote.ask_contracts == 73
    assert quote.ask_size == Decimal("0.073")
    assert quote.ts_ms == 1740641976241  # from nanoseconds, truncated
    assert quote.recv_ns == 1_740_641_976_300_000_000


def test_inverse_lots_are_usd_converted_at_the_quote_price():
    [quote] = parse_frame("kucoin", frames.TICKER_V2_INVERSE, INSTRUMENTS)
    assert quote.instrument == "BTC/USD:BTC"
    assert quote.bid_contracts == 86000
    assert quote.bid_size == Decimal(1)  # 86000 USD at 86000.0
    assert quote.ask_size == Decimal(43000) / Decimal("86000.5")
    assert quote.ts_ms == 1740641976241


def test_prices_sent_as_json_numbers_are_exact_too():
    [quote] = parse_frame("kucoin", frames.TICKER_V2_NUMERIC_PRICES, INSTRUMENTS)
    assert quote.bid == Decimal("3200.0")
    assert quote.ask == Decimal("3600.0")
    assert quote.ts_ms == 1553846081210


def test_repeated_frames_are_returned_for_the_engine_to_drop():
    first = parse_frame("kucoin", frames.TICKER_V2, INSTRUMENTS, recv_ns=1)
    assert parse_frame("kucoin", frames.TICKER_V2, INSTRUMENTS, recv_ns=1) == first


@pytest.mark.parametrize("frame", [frames.EMPTY_BID, frames.NULL_ASK])
def test_a_side_without_orders_gives_no_half_quote(frame):
    assert parse_frame("kucoin", frame, INSTRUMENTS) == []


@pytest.mark.parametrize(
    "frame",
    [
        '{"type":"message","subject":"tickerV2","data":"oops"}',
        frames.TICKER_V2.replace('"86454.5"', '"abc"'),
        frames.TICKER_V2.replace('"86454.5"', '"NaN"'),
        frames.TICKER_V2.replace('"86454.5"', '"-1"'),
        frames.TICKER_V2.replace('"bestBidSize":5044', '"bestBidSize":-5'),
        frames.TICKER_V2.replace('"ts":1740641976241123456', '"ts":"soon"'),
    ],
)
def test_malformed_frames_raise_frame_error(frame):
    with pytest.raises(FrameError):
        parse_frame("kucoin", frame, INSTRUMENTS)


def test_instrument_list_keeps_open_perpetuals_with_canonical_names():
    assert set(INSTRUMENTS) == {"XBTUSDTM", "XBTUSDCM", "XBTUSDM", "1000PEPEUSDTM"}  # no dated, no paused
    btc = INSTRUMENTS["XBTUSDTM"]
    assert (btc.instrument, btc.base, btc.quote, btc.settle, btc.linear) == (
        "BTC/USDT:USDT",
        "BTC",
        "USDT",
        "USDT",
        True,
    )
    assert btc.contract_size == Decimal("0.001")
    assert btc.tick_size == Decimal("0.1")
    assert INSTRUMENTS["XBTUSDCM"].instrument == "BTC/USDC:USDC"


def test_inverse_contract_is_one_usd_settled_in_btc():
    inverse = INSTRUMENTS["XBTUSDM"]
    assert (inverse.instrument, inverse.linear) == ("BTC/USD:BTC", False)
    assert inverse.contract_size == 1
    assert inverse.tick_size == Decimal("0.5")


def test_multiplied_base_keeps_its_name_and_records_the_coin():
    pepe = INSTRUMENTS["1000PEPEUSDTM"]
    assert pepe.instrument == "1000PEPE/USDT:USDT"
    assert (pepe.coin, pepe.multiplier) == ("PEPE", 1000)
    assert pepe.tick_size == Decimal("1E-7")
    assert pepe.contract_size == 10


@pytest.mark.parametrize("body", [frames.CONTRACTS_ERROR, b'{"code":"200000"}'])
def test_bad_instrument_lists_raise_frame_error(body):
    with pytest.raises(FrameError):
        parse_instruments("kucoin", body)


def test_subscribe_messages_put_up_to_100_symbols_in_one_topic():
    [message] = KuCoin().subscribe_messages(["ETHUSDTM", "XBTUSDTM"])
    assert json.loads(message) == {
        "id": "1",
        "type": "subscribe",
        "topic": "/contractMarket/tickerV2:ETHUSDTM,XBTUSDTM",
        "privateChannel": False,
        "response": True,
    }
    many = [json.loads(m) for m in KuCoin().subscribe_messages([f"S{n}USDTM" for n in range(250)])]
    assert [len(m["topic"].split(":")[1].split(",")) for m in many] == [100, 100, 50]
    assert [m["id"] for m in many] == ["1", "2", "3"]


def test_heartbeat_is_a_json_ping_with_an_id():
    ping = json.loads(KuCoin().heartbeat_message())
    assert ping["type"] == "ping"
    assert isinstance(ping["id"], str) and ping["id"]


def test_token_response_gives_the_url_the_ping_interval_and_the_pong_deadline():
    endpoint = KuCoin().ws_url_from_token(frames.BULLET_PUBLIC, "wss://fallback/")
    assert endpoint.ws_url.startswith("wss://ws-api-futures.kucoin.com/?token=2neAiuYvAU61ZDXANAGAsiL4-")
    assert "==&connectId=" in endpoint.ws_url
    assert (endpoint.heartbeat_interval_s, endpoint.heartbeat_timeout_s) == (18.0, 10.0)


def test_each_connection_gets_its_own_connect_id():
    first = KuCoin().ws_url_from_token(frames.BULLET_PUBLIC, "wss://fallback/")
    second = KuCoin().ws_url_from_token(frames.BULLET_PUBLIC, "wss://fallback/")
    assert first.ws_url != second.ws_url


def test_token_response_without_servers_falls_back_to_the_configured_url_and_heartbeat():
    body = '{"code":"200000","data":{"token":"abc","instanceServers":[]}}'
    endpoint = KuCoin().ws_url_from_token(body, "ws://127.0.0.1:9/")
    assert endpoint.ws_url.startswith("ws://127.0.0.1:9/?token=abc&")
    assert (endpoint.heartbeat_interval_s, endpoint.heartbeat_timeout_s) == (None, None)


@pytest.mark.parametrize("body", [frames.BULLET_ERROR, b"<html>403</html>", b'{"code":"200000","data":{}}'])
def test_token_errors_raise_frame_error(body):
    with pytest.raises(FrameError):
        KuCoin().ws_url_from_token(body, "wss://fallback/")


def test_declared_limits_and_endpoints():
    connector = KuCoin()
    assert connector.token_path == "/api/v1/bullet-public"
    assert connector.rest_url == "https://api-futures.kucoin.com"
    assert connector.instruments_paths == ("/api/v1/contracts/active",)
    assert connector.max_symbols_per_message == 100
    assert connector.max_lifetime_s < 24 * 3600


def test_funding_from_the_contract_list_with_each_contracts_interval():
    recv_ms = 1_700_000_000_000
    body = frames.CONTRACTS_WITH_FUNDING.encode()
    records = {r.symbol: r for r in parse_funding("kucoin", [body], INSTRUMENTS, recv_ms)}
    assert set(records) == {"XBTUSDTM", "XBTUSDM"}
    btc = records["XBTUSDTM"]
    assert (btc.instrument, btc.rate, btc.interval_h, btc.next_funding_ms, btc.ts_ms) == (
        "BTC/USDT:USDT",
        Decimal("0.000297"),  # exactly, not through float
        8,
        recv_ms + 20022985,  # the time left, from the receive time
        recv_ms,  # the list states no time: the receive time
    )
    inverse = records["XBTUSDM"]
    # The interval in force now, and the next funding's own time when the row gives it.
    assert (inverse.rate, inverse.interval_h, inverse.next_funding_ms) == (Decimal("-0.0001"), 4, 1700006400000)


@pytest.mark.parametrize(
    "broken",
    [
        frames.CONTRACTS_WITH_FUNDING.replace('"fundingRateGranularity":28800000,"next', '"next', 1),
        frames.CONTRACTS_WITH_FUNDING.replace("28800000", "1000", 1),
        frames.CONTRACTS_WITH_FUNDING.replace('"nextFundingRateTime":20022985', '"x":0'),
        frames.CONTRACTS_ERROR,
        "[]",
    ],
)
def test_funding_without_an_interval_or_a_next_time_is_a_frame_error(broken):
    with pytest.raises(FrameError):
        parse_funding("kucoin", [broken.encode()], INSTRUMENTS, 1_700_000_000_000)


def test_order_step_and_minimum_are_one_lot_of_contracts():
    btc = INSTRUMENTS["XBTUSDTM"]
    assert (btc.qty_step_contracts, btc.min_qty_contracts) == (Decimal(1), Decimal(1))
    # One contract of 0.001 BTC.
    assert btc.order_steps_base() == (Decimal("0.001"), Decimal("0.001"))
