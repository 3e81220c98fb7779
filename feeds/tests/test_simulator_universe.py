"""The simulator's generated universe: what each exchange lists, in its own format, and that a
step sends only the books that moved."""

from __future__ import annotations

import pytest

from feeds.rest import fetch_instruments
from feeds.simulator.market import COINS, Market
from feeds.simulator.server import SIMULATED_EXCHANGE_IDS, Simulator
from feeds.simulator.universe import RESERVED

MAJORS = {coin.name for coin in COINS}


def test_the_same_seed_lists_the_same_universe():
    first, second = (Market(list(SIMULATED_EXCHANGE_IDS), seed=5, universe=300) for _ in range(2))
    assert first.universe.coins == second.universe.coins
    assert all(first.listed(e) == second.listed(e) for e in SIMULATED_EXCHANGE_IDS)
    other = Market(list(SIMULATED_EXCHANGE_IDS), seed=6, universe=300)
    assert {c.name for c in other.universe.coins} != {c.name for c in first.universe.coins}


def test_each_exchange_lists_its_realistic_share():
    market = Market(list(SIMULATED_EXCHANGE_IDS), seed=1, universe=300)
    counts = {exchange: len(market.listed(exchange)) for exchange in SIMULATED_EXCHANGE_IDS}
    assert counts == {
        "binance": 253,
        "bybit": 276,
        "okx": 177,
        "kucoin": 205,
        "deribit": 11,
        "bitmex": 35,
        "gateio": 287,
        "mexc": 276,
        "bitget": 261,
        "phemex": 140,
        "coindcx": 65,
    }
    for exchange in SIMULATED_EXCHANGE_IDS:
        assert set(market.listed(exchange)) >= MAJORS
    # A coin's exchanges fall with its rank, and none is listed on fewer than two.
    venues = [len(market.universe.listed_on(c.name, market.exchanges)) for c in market.universe.coins]
    assert min(venues) >= 2
    first, middle, last = (sum(venues[n : n + 50]) / 50 for n in (0, 125, 250))
    assert first > 7.5 > middle > 5.5 > last


def test_generated_coins_look_like_tickers_and_clash_with_no_real_one():
    coins = Market([], seed=1, universe=1000).universe.coins
    names = [coin.name for coin in coins]
    assert len(set(names)) == 1000
    assert not set(names) & RESERVED
    assert all(name.isalpha() and name.isupper() and 4 <= len(name) <= 5 for name in names)
    for coin in coins:
        assert coin.start_price % coin.tick == 0
        assert 0.0001 <= coin.start_price <= 5000
        # five significant digits, about
        assert 10_000 <= coin.start_price / coin.tick < 100_000
        assert coin.typical_size > 0


def test_without_a_universe_the_market_is_the_majors_as_before():
    plain = Market(["binance", "okx"], seed=3)
    assert plain.listed("okx") is plain.coins
    assert set(plain.coins) == MAJORS
    plain.step(now_ms=100)
    assert plain.moved == frozenset(MAJORS)
    # The majors' prices do not depend on the universe beside them.
    wide = Market(["binance", "okx"], seed=3, universe=50)
    wide.step(now_ms=100)
    assert all(wide.book("okx", name) == plain.book("okx", name) for name in MAJORS)


def test_a_step_moves_every_major_and_some_generated_coins():
    market = Market(list(SIMULATED_EXCHANGE_IDS), seed=2, universe=200)
    generated = {coin.name for coin in market.universe.coins}
    assert market.moved == frozenset(market.coins)  # the first step builds every book
    moved_counts = []
    for step in range(1, 41):
        before = dict(market.books)
        market.step(now_ms=step * 100)
        assert market.moved >= MAJORS
        changed = {name for (exchange, name), book in market.books.items() if before.get((exchange, name)) is not book}
        assert changed == market.moved
        moved_counts.append(len(market.moved & generated))
    # About one generated coin in six a step, never all, and each within MAX_QUIET_STEPS.
    assert 15 < sum(moved_counts) / len(moved_counts) < 60
    assert all(market.step_no - market.universe.last_moved[name] < 20 for name in generated)


@pytest.mark.parametrize("exchange_id", SIMULATED_EXCHANGE_IDS)
async def test_every_exchange_lists_its_share_in_its_own_format(exchange_id):
    async with Simulator([exchange_id], step_interval_s=3600, seed=4, universe=40) as sim:
        listed = await fetch_instruments(exchange_id, sim.endpoints[exchange_id].rest_url)
        market = sim.market
    linear = {i.coin for i in listed if i.linear}
    assert linear == set(market.listed(exchange_id))
    by_coin = {i.coin: i for i in listed if i.linear}
    for name in set(market.listed(exchange_id)) - MAJORS:
        instrument = by_coin[name]
        if exchange_id != "coindcx":  # its list names the pairs only; ticks come with each quote
            assert instrument.tick_size == market.coins[name].tick
        assert instrument.instrument == f"{name}/{instrument.quote}:{instrument.settle}"
