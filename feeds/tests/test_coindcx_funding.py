"""CoinDCX funding: every pair's rate (`fr`) from the current prices, each pair's interval from its
instrument details (`funding_frequency`, hours), the next funding on the interval's UTC grid; on the
simulator, a poller asks the details once and then only the prices."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from feeds.exchanges import FrameError, parse_funding, parse_instruments
from feeds.exchanges.coindcx import CoinDCX
from feeds.funding_poll import FundingDetails, FundingPoller, covers_funding, fetch_funding, funding_base_url
from feeds.rest import fetch_instruments
from feeds.simulator.server import Simulator
from feeds.tests.frames import coindcx as frames

INSTRUMENTS = {
    i.symbol: i for i in parse_instruments("coindcx", '["B-NTRN_USDT","B-1000SHIB_USDT","B-BTC_USDT","B-ETH_USDT"]')
}
RECV_MS = 1720429587000
DETAILS = [
    frames.funding_detail("B-NTRN_USDT", "NTRN", 8),
    frames.funding_detail("B-1000SHIB_USDT", "1000SHIB", 4),
    frames.funding_detail("B-BTC_USDT", "BTC", "8.0"),
]


def parse(prices=frames.CURRENT_PRICES, details=DETAILS):
    return {r.symbol: r for r in parse_funding("coindcx", [prices, *details], INSTRUMENTS, RECV_MS)}


def test_each_pair_has_its_rate_and_its_own_interval_from_the_documented_answers():
    records = parse()
    assert set(records) == {"B-NTRN_USDT", "B-1000SHIB_USDT", "B-BTC_USDT"}  # ETH: not in the prices
    ntrn, shib = records["B-NTRN_USDT"], records["B-1000SHIB_USDT"]
    assert (ntrn.exchange, ntrn.instrument, ntrn.rate, ntrn.interval_h) == (
        "coindcx",
        "NTRN/USDT:USDT",
        Decimal("0.00005"),
        8,
    )
    assert (shib.instrument, shib.rate, shib.interval_h) == ("1000SHIB/USDT:USDT", Decimal("-0.00011894"), 4)
    assert records["B-BTC_USDT"].interval_h == 8  # "8.0" is a whole number of hours too
    # Stated at the answer's ts; the next funding on each interval's UTC grid after it.
    assert ntrn.ts_ms == shib.ts_ms == 1720429586580
    assert ntrn.next_funding_ms == 1720454400000  # 2024-07-08 16:00 UTC
    assert shib.next_funding_ms == 1720440000000  # 12:00 UTC


def test_a_pair_whose_details_did_not_say_has_no_funding_rather_than_an_assumed_interval():
    details = [frames.INVALID_PAIR, b"not json", frames.funding_detail("B-NTRN_USDT", "NTRN", "null")]
    details += [frames.funding_detail("B-1000SHIB_USDT", "1000SHIB", 2.5), DETAILS[2]]
    assert set(parse(details=details)) == {"B-BTC_USDT"}
    assert parse(details=[]) == {}


def test_the_efr_figure_is_not_the_rate():
    shib = parse()["B-1000SHIB_USDT"]
    assert shib.rate != Decimal("-0.00009115")


@pytest.mark.parametrize(
    "prices",
    [
        b"[]",
        b'{"ts":1,"prices":{"B-BTC_USDT":{"fr":"soon"}}}',
        b'{"ts":1,"prices":{"B-BTC_USDT":{"fr":1.5}}}',  # past any exchange's clamp
        b"<html>502</html>",
        b'{"code":429,"message":"Too many requests","status":"error"}',
    ],
)
def test_a_broken_prices_answer_is_a_frame_error(prices):
    with pytest.raises(FrameError):
        parse(prices=prices)


def test_the_rates_come_from_the_public_host_and_the_details_one_per_pair():
    connector = CoinDCX()
    assert connector.funding_paths(["B-BTC_USDT"]) == ["/market_data/v3/current_prices/futures/rt"]
    assert connector.funding_detail_paths(["B-BTC_USDT", "B-ETH_USDT"]) == [
        "/exchange/v1/derivatives/futures/data/instrument?pair=B-BTC_USDT&margin_currency_short_name=USDT",
        "/exchange/v1/derivatives/futures/data/instrument?pair=B-ETH_USDT&margin_currency_short_name=USDT",
    ]
    assert funding_base_url("coindcx", "https://api.coindcx.com") == "https://public.coindcx.com"
    assert funding_base_url("coindcx", "http://127.0.0.1:9400/coindcx/") == "http://127.0.0.1:9400/coindcx"
    assert funding_base_url("binance", "https://fapi.binance.com") == "https://fapi.binance.com"
    assert covers_funding("coindcx")


def test_details_are_asked_again_only_when_due_or_missing():
    details = FundingDetails()
    paths = ["/a", "/b"]
    assert details.paths_due(paths, 3600, now_s=10) == paths  # never fetched
    details.fetched_at_s, details.bodies = 10, {"/a": b"{}"}
    assert details.paths_due(paths, 3600, now_s=20) == ["/b"]  # /b failed: asked at the next poll
    assert details.paths_due(paths, 3600, now_s=3610) == paths  # an hour on: all again


# --- on the simulator ----------------------------------------------------------------------------


async def test_a_poller_asks_the_details_once_and_then_only_the_prices():
    async with Simulator(["coindcx"], step_interval_s=0.05, seed=3) as sim:
        rest_url = sim.endpoints["coindcx"].rest_url
        listed = {i.symbol: i for i in await fetch_instruments("coindcx", rest_url)}
        instruments = {**listed, "B-GONE_USDT": parse_instruments("coindcx", '["B-GONE_USDT"]')[0]}
        delivered: asyncio.Queue = asyncio.Queue()
        poller = FundingPoller("coindcx", rest_url, instruments, delivered.put_nowait)
        poller.interval_s = 0.01  # polls back to back
        task = asyncio.create_task(poller.run())
        try:
            first = await asyncio.wait_for(delivered.get(), 10)
            fetched_at_s, kept = poller.details.fetched_at_s, dict(poller.details.bodies)
            second = await asyncio.wait_for(delivered.get(), 10)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    # The pair the exchange does not know answers 422: no funding for it, and it is not kept.
    assert {r.symbol for r in first} == {r.symbol for r in second} == set(listed)
    assert set(kept) == set(CoinDCX().funding_detail_paths(sorted(listed)))
    assert poller.details.fetched_at_s == fetched_at_s and poller.details.bodies == kept
    assert poller.failures == 0


async def test_a_single_fetch_reads_the_simulated_intervals():
    async with Simulator(["coindcx"], step_interval_s=0.05, seed=3) as sim:
        rest_url = sim.endpoints["coindcx"].rest_url
        instruments = {i.symbol: i for i in await fetch_instruments("coindcx", rest_url)}
        records = {r.symbol: r for r in await fetch_funding("coindcx", rest_url, instruments)}
    assert (records["B-SOL_USDT"].interval_h, records["B-BTC_USDT"].interval_h) == (4, 8)
