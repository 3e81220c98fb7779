"""Funding maths, with exact numbers: events counted in the holding period, legs on different intervals."""

from __future__ import annotations

from decimal import Decimal

from arbitrage.funding import (
    daily_rate_pct,
    events_within,
    funding_edge,
    funding_pairs,
    next_event_ms,
    opportunity_edge,
)
from arbitrage.tests.factories import make_quote, opportunity_record
from feeds.funding import Funding

H = 3_600_000
NOW = 1_700_000_000_000


def record(exchange: str, rate: str, interval_h: int, next_in_ms: int, instrument: str = "BTC/USDT:USDT") -> Funding:
    return Funding(exchange, "X", instrument, Decimal(rate), interval_h, NOW + next_in_ms, NOW)


def test_long_8h_short_4h_over_8h_counts_each_legs_events():
    long = record("binance", "0.0001", 8, 2 * H)  # pays at +2 h only (+10 h is past 8 h)
    short = record("bybit", "0.0003", 4, 1 * H)  # earns at +1 h and +5 h (+9 h is past)
    edge = funding_edge(long, short, NOW, hours=8, net_spread_pct=Decimal("-0.02"))
    assert (edge.long.events, edge.short.events) == (1, 2)
    assert edge.long.funding_pct == Decimal("-0.01")
    assert edge.short.funding_pct == Decimal("0.06")
    assert edge.funding_pct == Decimal("0.05")
    assert edge.edge_pct == Decimal("0.03")
    # Per day: the short earns 0.0003 × 6, the long pays 0.0001 × 3.
    assert edge.daily_pct == Decimal("0.15")
    assert edge.annual_pct == Decimal("54.75")
    assert (edge.long.countdown_ms, edge.short.countdown_ms) == (2 * H, 1 * H)


def test_hourly_leg_against_8h_leg_over_a_day():
    long = record("okx", "-0.00005", 1, 30 * 60_000)  # negative: the long earns, 24 times
    short = record("binance", "0.0001", 8, 7 * H)  # +7 h and +15 h and +23 h
    edge = funding_edge(long, short, NOW, hours=24)
    assert (edge.long.events, edge.short.events) == (24, 3)
    assert edge.long.funding_pct == Decimal("0.12")
    assert edge.short.funding_pct == Decimal("0.03")
    assert edge.funding_pct == Decimal("0.15")
    assert edge.edge_pct is None  # no quotes: no entry, no edge
    assert edge.daily_pct == Decimal("0.15")


def test_an_event_at_the_end_of_the_period_counts_and_one_at_now_does_not():
    at_end = record("bybit", "0.0001", 4, 8 * H)
    assert events_within(at_end, NOW, 8) == 1
    assert events_within(at_end, NOW, 7) == 0
    at_now = record("bybit", "0.0001", 4, 0)
    assert next_event_ms(at_now, NOW) == NOW + 4 * H
    assert events_within(at_now, NOW, 8) == 2


def test_a_passed_funding_time_rolls_forward_by_whole_intervals():
    stale = record("okx", "0.0001", 8, -9 * H)  # stated 9 h ago: the next are at +7 h, +15 h
    assert next_event_ms(stale, NOW) == NOW + 7 * H
    assert events_within(stale, NOW, 16) == 2


def test_daily_rate_follows_the_interval():
    assert daily_rate_pct(record("a", "0.0001", 8, H)) == Decimal("0.03")
    assert daily_rate_pct(record("a", "0.0001", 4, H)) == Decimal("0.06")
    assert daily_rate_pct(record("a", "0.0001", 1, H)) == Decimal("0.24")


def test_same_rates_same_interval_cancel():
    edge = funding_edge(record("a", "0.0002", 8, H), record("b", "0.0002", 8, 3 * H), NOW)
    assert edge.funding_pct == 0
    assert edge.daily_pct == 0


def test_pairs_in_one_market_ranked_by_funding_per_day_with_the_spread_as_entry():
    funding = {
        "BTC/USDT:USDT": {
            "binance": record("binance", "0.0001", 8, 2 * H),  # 0.03 %/day
            "bybit": record("bybit", "0.0003", 4, 1 * H),  # 0.18 %/day
        },
        "BTC/USDC:USDC": {"okx": record("okx", "-0.00005", 1, H // 2, "BTC/USDC:USDC")},
        "ETH/USDT:USDT": {"binance": record("binance", "0.0005", 8, H, "ETH/USDT:USDT")},
    }
    quotes = {
        ("BTC/USDT:USDT", "binance"): make_quote(exchange="binance", bid="99.9", ask="100"),
        ("BTC/USDT:USDT", "bybit"): make_quote(exchange="bybit", bid="100.05", ask="100.2"),
    }
    fees = {"binance": Decimal("0.01"), "bybit": Decimal("0.01")}
    pairs = funding_pairs(funding, quotes, fees, NOW, hours=8)
    legs = [(p.edge.long.exchange, p.edge.short.exchange, p.edge.daily_pct) for p in pairs]
    # okx pays longs 0.12 %/day; each pair once, in the direction that earns; ETH has one exchange only.
    assert legs == [
        ("okx", "bybit", Decimal("0.30")),
        ("binance", "bybit", Decimal("0.15")),
        ("okx", "binance", Decimal("0.15")),
    ]
    okx_bybit, binance_bybit, _ = pairs
    assert okx_bybit.basis_risk and okx_bybit.edge.net_spread_pct is None  # no okx quote: no entry
    assert not binance_bybit.basis_risk
    # Buy binance at 100 (+0.01 %), sell bybit at 100.05 (-0.01 %): 100.039995 - 100.01 = 0.029995.
    assert binance_bybit.edge.net_spread_pct == Decimal("0.029995")
    assert binance_bybit.edge.funding_pct == Decimal("0.05")
    assert binance_bybit.edge.edge_pct == Decimal("0.079995")


def test_an_opportunity_is_long_where_it_buys_and_short_where_it_sells():
    funding = {
        "BTC/USDT:USDT": {"binance": record("binance", "0.0001", 8, 2 * H)},
        "BTC/USD:USD": {"phemex": record("phemex", "0.0003", 4, H, instrument="BTC/USD:USD")},
    }
    legs = {"buy_exchange": "binance", "sell_exchange": "phemex", "sell_instrument": "BTC/USD:USD"}
    opportunity = opportunity_record(**legs, net_spread_pct="0.899500")
    edge = opportunity_edge(opportunity, funding, NOW, hours=8)
    assert (edge.long.exchange, edge.short.exchange) == ("binance", "phemex")
    assert (edge.funding_pct, edge.edge_pct) == (Decimal("0.05"), Decimal("0.9495"))
    assert edge.long.rate_pct == Decimal("0.01")
    # The other way round neither leg has a record where the opportunity trades.
    reverse = opportunity_record(**{**legs, "buy_exchange": "phemex", "sell_exchange": "binance"})
    assert opportunity_edge(reverse, funding, NOW) is None
    assert opportunity_edge(opportunity_record(**{**legs, "sell_exchange": "okx"}), funding, NOW) is None


def test_a_funding_filter_narrows_and_ranks_by_edge_with_unquoted_entries_last():
    from types import SimpleNamespace

    from arbitrage.funding import FundingFilter, narrowed

    def pair(long: str, short: str, daily: str, edge: str | None):
        legs = SimpleNamespace(exchange=long), SimpleNamespace(exchange=short)
        return SimpleNamespace(
            edge=SimpleNamespace(
                long=legs[0], short=legs[1], daily_pct=Decimal(daily), edge_pct=None if edge is None else Decimal(edge)
            )
        )

    by_daily = [pair("a", "b", "0.3", "-0.1"), pair("c", "b", "0.2", None), pair("a", "d", "0.1", "0.4")]

    def longs(chosen):
        return [(p.edge.long.exchange, p.edge.short.exchange) for p in narrowed(by_daily, chosen)]

    assert longs(FundingFilter()) == [("a", "b"), ("c", "b"), ("a", "d")]
    assert longs(FundingFilter(sort="edge")) == [("a", "d"), ("a", "b"), ("c", "b")]
    assert longs(FundingFilter(positive_edge=True)) == [("a", "d")]
    assert longs(FundingFilter(exchanges=frozenset({"d", "c"}))) == [("c", "b"), ("a", "d")]
    assert longs(FundingFilter(min_daily_pct=Decimal("0.2"))) == [("a", "b"), ("c", "b")]


def test_the_funding_ranking_benchmark_prices_every_earning_pair():
    from arbitrage.bench import bench_funding_ranking

    # 5 coins on 3 exchanges each: 3 ordered pairs per coin earn funding (rates all differ).
    result = bench_funding_ranking(coins=5, listed_on=3, shown=2)
    assert result["pairs"] == 15
    assert result["all_priced_ms"] > 0 and result["shown_priced_ms"] > 0
