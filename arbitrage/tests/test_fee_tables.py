"""A user's own taker fees: an opportunity's net figures derived again, exactly, and equal to the
engine's at the admin's fees."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from arbitrage.fee_tables import FeeView, net_figures, taker_fee_pct, with_own_fees
from arbitrage.messages import OpportunityMessage
from arbitrage.spreads import DEFAULT_TAKER_FEE_PCT, exact_spread
from arbitrage.tests.factories import make_quote
from arbitrage.tracker import OpenOpportunity

ADMIN = {"binance": Decimal("0.05"), "bybit": Decimal("0.055"), "okx": Decimal("0.05")}


def _cached(buy_exchange="binance", sell_exchange="bybit", buy="100", sell="101", size="0.5", fees=ADMIN) -> dict:
    """An open opportunity as the engine caches it (its message, decimals as strings)."""
    spread = exact_spread(
        make_quote(buy_exchange, bid="99.9", ask=buy, size="2"),
        make_quote(sell_exchange, bid=sell, ask="101.1", size=size),
        fees[buy_exchange],
        fees[sell_exchange],
    )
    opportunity = OpenOpportunity("id", "BTC/USD", make_quote(buy_exchange), make_quote(sell_exchange), spread, 1, 1)
    return msgspec.json.decode(msgspec.json.encode(OpportunityMessage.from_open(opportunity)))


def test_net_figures_at_lower_fees_are_exact():
    # Buy 100, sell 101, 0.5 coins; 0.02 % on the buy leg, 0.03 % on the sell leg:
    # (101 × 0.9997 − 100 × 1.0002) / 100 × 100 = 0.9497 %, profit 0.9497 × 0.5 = 0.47485.
    figures = net_figures(_cached(), Decimal("0.02"), Decimal("0.03"))
    assert figures == {
        "net_spread_pct": "0.949700",
        "profit_quote": "0.47485000",
        "potential_profit": "0.47485000",
        "profitable": True,
    }


def test_the_funding_edge_follows_the_net_spread_at_the_users_fees():
    funding = {"hours": 8, "funding_pct": "0.05000000", "per_day_pct": "0.15000000", "edge_pct": "0.94445000"}
    cached = {**_cached(), "funding": funding}
    figures = net_figures(cached, Decimal("0.02"), Decimal("0.03"))
    # 0.9497 % net at these fees + 0.05 % funding.
    assert figures["funding"] == {**funding, "edge_pct": "0.99970000"}
    assert "funding" not in net_figures({**cached, "funding": None}, Decimal("0.02"), Decimal("0.03"))


def test_at_the_admin_fees_the_figures_are_the_engines_to_the_digit():
    for buy, sell, size in [("100", "101", "0.5"), ("43250.2", "43261.7", "1.5"), ("0.012345", "0.0123461", "7")]:
        cached = _cached(buy=buy, sell=sell, size=size)
        figures = net_figures(cached, ADMIN["binance"], ADMIN["bybit"])
        assert figures == {key: cached[key] for key in figures}


def test_fees_that_eat_the_gap_make_it_unprofitable():
    figures = net_figures(_cached(), Decimal("0.5"), Decimal("0.5"))
    # (101 × 0.995 − 100 × 1.005) / 100 × 100 = −0.005 %
    assert (figures["net_spread_pct"], figures["profitable"]) == ("-0.005000", False)
    assert figures["profit_quote"] == "-0.00250000"


def test_the_users_fee_else_the_admins_else_the_engines_default():
    own = {"binance": Decimal("0.01")}
    assert taker_fee_pct("binance", own, ADMIN) == Decimal("0.01")
    assert taker_fee_pct("bybit", own, ADMIN) == Decimal("0.055")
    assert taker_fee_pct("phemex", own, ADMIN) == DEFAULT_TAKER_FEE_PCT
    assert taker_fee_pct("binance", {"binance": Decimal(0)}, ADMIN) == Decimal(0)


def _typed(cached: dict) -> OpportunityMessage:
    return msgspec.convert(cached, OpportunityMessage, strict=False)


def test_only_opportunities_on_the_users_exchanges_change_and_order_is_kept():
    on_binance = _typed(_cached())
    elsewhere = _typed({**_cached(buy_exchange="okx"), "id": "other"})
    found = with_own_fees([on_binance, elsewhere], {"binance": Decimal("0.02")}, ADMIN)
    assert found[1] is elsewhere
    # Sell leg at the admin's 0.055 %: (101 × 0.99945 − 100 × 1.0002) / 100 × 100 = 0.92445 %.
    assert str(found[0].net_spread_pct) == "0.924450"
    assert found[0].gross_spread_pct == on_binance.gross_spread_pct
    assert str(on_binance.net_spread_pct) == "0.894450"  # the cached one is not changed


def test_no_fee_of_ones_own_returns_the_same_list():
    opportunities = [_typed(_cached())]
    assert with_own_fees(opportunities, {}, ADMIN) is opportunities


def test_the_typed_records_and_the_ws_text_agree_at_the_users_fees():
    """The API and pages (typed records) and /ws (FeeView on the JSON) show one set of numbers."""
    funding = {
        "long": {"exchange": "binance", "rate_pct": "0.01", "interval_h": 8, "next_funding_ms": 1},
        "short": {"exchange": "bybit", "rate_pct": "0.02", "interval_h": 8, "next_funding_ms": 1},
        "hours": 8,
        "funding_pct": "0.05000000",
        "per_day_pct": "0.15000000",
        "edge_pct": "0.94445000",
    }
    view = FeeView({"binance": Decimal("0.02")}, ADMIN)
    for cached in (_cached(), {**_cached(), "funding": funding}, _cached(buy="43250.2", sell="43261.7", size="1.5")):
        text = msgspec.json.encode(cached).decode()
        [typed] = with_own_fees([_typed(cached)], view.own, view.admin)
        assert msgspec.json.decode(view.text(text)) == msgspec.to_builtins(typed)


def test_a_fee_view_rewrites_only_opportunities_on_the_users_exchanges():
    view = FeeView({"binance": Decimal("0.02")}, ADMIN)
    assert view == FeeView({"binance": Decimal("0.02")}, dict(ADMIN)) and len({view, FeeView({}, ADMIN)}) == 2
    text = msgspec.json.encode(_cached()).decode()
    rewritten = msgspec.json.decode(view.text(text))
    assert (rewritten["net_spread_pct"], rewritten["profit_quote"]) == ("0.924450", "0.46222500")
    assert list(rewritten) == list(_cached())  # the same fields in the same order
    elsewhere = msgspec.json.encode(_cached(buy_exchange="okx")).decode()
    assert view.text(elsewhere) is elsewhere
