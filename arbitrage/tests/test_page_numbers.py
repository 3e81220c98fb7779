"""What the pages compute for their numbers and groups: pure, from the cache's shapes."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from arbitrage.pages import group_opportunities, price_decimals
from arbitrage.tests.factories import opportunity_record


def test_price_decimals_take_the_finest_tick_per_instrument_and_per_coin_per_group():
    decimals = price_decimals(
        [
            ("BTC/USDT:USDT", Decimal("0.1")),
            ("BTC/USDT:USDT", Decimal("0.01")),
            ("BTC/USD:BTC", Decimal("0.5")),
            ("BTC/USDT:USDT", Decimal("0")),  # a listing that says nothing
            ("1000PEPE/USDT:USDT", Decimal("0.0000001")),
        ]
    )
    assert decimals["instruments"] == {"BTC/USDT:USDT": 2, "BTC/USD:BTC": 1, "1000PEPE/USDT:USDT": 7}
    assert decimals["groups"] == {"BTC/USD": 2, "PEPE/USD": 10}  # PEPE's tick is per thousand coins


def test_size_decimals_take_the_finest_lot_in_base_units_and_in_coins():
    decimals = price_decimals(
        [("BTC/USDT:USDT", Decimal("0.1"))],
        [
            ("BTC/USDT:USDT", Decimal("0.001")),
            ("BTC/USDT:USDT", Decimal("0.0001")),
            ("BTC/USDC:USDC", Decimal("0.01")),
            ("DOGE/USDT:USDT", Decimal("1")),
            ("1000PEPE/USDT:USDT", Decimal("1")),  # one unit is a thousand coins
            ("ETH/USDT:USDT", Decimal("0")),  # a listing that gives no step
        ],
    )
    assert decimals["size_instruments"] == {
        "BTC/USDT:USDT": 4,
        "BTC/USDC:USDC": 2,
        "DOGE/USDT:USDT": 0,
        "1000PEPE/USDT:USDT": 0,
    }
    assert decimals["size_groups"] == {"BTC/USD": 4, "DOGE/USD": 0, "PEPE/USD": 0}


def test_sizes_on_the_pages_are_rounded_to_the_groups_lot():
    from arbsite.templatetags.numbers import size

    [group] = group_opportunities(
        [
            msgspec.structs.replace(
                _opportunity("a", "ETH/USD", "0.7", 1_000, "ETH/USDT:USDT"), size_base=Decimal("8.0669999999999999999")
            )
        ],
        now_ms=2_000,
        group_size_decimals={"ETH/USD": 3},
    )
    assert group.size_decimals == 3
    assert size(group.best.size_base, group) == "8.066 ETH"
    assert size(group.best.size_base, {"coin": "ETH", "size_decimals": 2}) == "8.06 ETH"  # a near miss row
    assert size(group.best.size_base, "ETH") == "8.067 ETH"  # no lot known: four significant digits


def _opportunity(id_, group, net, opened_ms, buy_instrument="BTC/USDT:USDT"):
    return opportunity_record(
        id=id_,
        group=group,
        net_spread_pct=net,
        opened_ms=opened_ms,
        buy_instrument=buy_instrument,
        sell_instrument=buy_instrument,
    )


def test_one_group_per_market_event_best_pair_first_with_its_age():
    ranked = [
        _opportunity("a", "ETH/USD", "0.7", 1_000),
        _opportunity("b", "BTC/USD", "0.5", 4_000, "BTC/USD:BTC"),
        _opportunity("c", "ETH/USD", "0.6", 2_000),
        _opportunity("d", "BTC/USD", "0.4", 5_000),
    ]
    groups = group_opportunities(ranked, now_ms=10_000, group_decimals={"ETH/USD": 2})
    assert [g.group for g in groups] == ["ETH/USD", "BTC/USD"]
    eth, btc = groups
    assert [p.id for p in eth.pairs] == ["a", "c"] and eth.best.id == "a"
    assert eth.best.opportunity is ranked[0]  # the typed record, read through
    assert eth.open_for_ms == 9_000  # since its first pair opened
    assert eth.price_decimals == 2 and btc.price_decimals is None
    assert eth.coin == "ETH"
    assert [p.profit_currency for p in btc.pairs] == ["USD", "USDT"]
    assert [p.open_for_ms for p in btc.pairs] == [6_000, 5_000]
