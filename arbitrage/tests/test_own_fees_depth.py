"""An opportunity's depth walk at each user's own fees: the engine carries the levels it walked
beside each open opportunity, and every place a user reads `depth` (the API, /ws snapshots and
updates, alerts) walks them again at that user's fees. Three users, one pair:

Binance asks 100 × 1, 100.2 × 2, 100.5 × 5; Bybit bids 101 × 1.5, 100.6 × 2, 100.3 × 5.
- carol, the admin's 0.05 % a leg: 3 coins, profit 302.4 × 0.9995 − 300.4 × 1.0005 = 1.6986;
- alice, 0 % on both: 3.5 coins (the fourth half-coin sells at 100.6 above 100.5), bought for
  350.65 and sold for 352.7, profit 2.05;
- bob, 0.2 % on both: 1.5 coins (100.6 × 0.998 = 100.3988 < 100.2 × 1.002 = 100.4004), bought
  for 150.1 and sold for 151.5, profit 151.5 × 0.998 − 150.1 × 1.002 = 0.7968.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connections
from hypothesis import given
from hypothesis import strategies as st

from accounts.trading import save_trading_settings
from arbitrage import fanout
from arbitrage.depth_levels import decode_levels, encode_levels, reachable, walk_encoded
from arbitrage.depth_walk import walk_books
from arbitrage.engine import Engine, ExchangeConfig
from arbitrage.fee_tables import FeeView
from arbitrage.rule_matching import RuleIndex, RuleSpec
from arbitrage.tests.factories import make_quote
from feeds.depth import Depth
from feeds.models import Exchange
from lib.clock import now_ms

INSTRUMENT = "BTC/USDT:USDT"
ADMIN = {"binance": D("0.05"), "bybit": D("0.05")}
FEES = ExchangeConfig(ADMIN, {"binance": 5000, "bybit": 5000})
ASKS = [(D("100"), D("1")), (D("100.2"), D("2")), (D("100.5"), D("5"))]
BIDS = [(D("101"), D("1.5")), (D("100.6"), D("2")), (D("100.3"), D("5"))]
ALICE_FEES = {"binance": {"taker_fee_pct": "0"}, "bybit": {"taker_fee_pct": "0"}}
BOB_FEES = {"binance": {"taker_fee_pct": "0.2"}, "bybit": {"taker_fee_pct": "0.2"}}

CAROL_DEPTH = ("3.0", "1.69860000")
ALICE_DEPTH = ("3.5", "2.05000000")
BOB_DEPTH = ("1.5", "0.79680000")


def books(at: int) -> list[Depth]:
    return [
        Depth("binance", "BTCUSDT", INSTRUMENT, [(D("99.9"), D("1"))], ASKS, at, at * 1_000_000),
        Depth("bybit", "BTCUSDT", INSTRUMENT, BIDS, [(D("101.1"), D("1"))], at, at * 1_000_000),
    ]


def quotes(engine: Engine, at: int, bybit_bid: str = "101", bybit_ask: str = "101.1") -> None:
    engine.on_quotes([make_quote("binance", INSTRUMENT, bid="99.9", ask="100", size="1", ts_ms=at)], at_ms=at)
    engine.on_quotes([make_quote("bybit", INSTRUMENT, bid=bybit_bid, ask=bybit_ask, size="1.5", ts_ms=at)], at_ms=at)


def open_pair(config: ExchangeConfig | None = FEES) -> Engine:
    at = now_ms()
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=config)
    engine.on_depth(books(at))
    quotes(engine, at)
    return engine


def depth_of(opportunity: dict) -> tuple[str, str]:
    return opportunity["depth"]["size_base"], opportunity["depth"]["profit_quote"]


# --- the levels carried -----------------------------------------------------------------------


def test_only_the_levels_a_walk_at_any_fees_reaches_are_carried():
    asks, bids = reachable(ASKS, BIDS)
    # With no fees the walk stops at ask 100.5 against bid 100.3: the third bid is where it stops.
    assert (asks, bids) == (ASKS, BIDS)  # every level is read here
    far_asks = [*ASKS[:2], (D("102"), D("5")), (D("103"), D("5"))]
    assert reachable(far_asks, BIDS) == (far_asks[:3], BIDS[:2])
    assert decode_levels(encode_levels(far_asks, BIDS)) == (far_asks[:3], BIDS[:2])
    with pytest.raises(ValueError):
        walk_encoded([[["x", "1"]], []], D(0), D(0))


level = st.tuples(
    st.decimals(min_value=D("90"), max_value=D("110"), places=1),
    st.decimals(min_value=D("0.1"), max_value=D("5"), places=1),
)
fee = st.decimals(min_value=D("0"), max_value=D("0.5"), places=3)


@given(
    asks=st.lists(level, min_size=1, max_size=10).map(lambda side: sorted(side)),
    bids=st.lists(level, min_size=1, max_size=10).map(lambda side: sorted(side, reverse=True)),
    buy_fee=fee,
    sell_fee=fee,
)
def test_walking_the_carried_levels_gives_the_walk_of_the_whole_books(asks, bids, buy_fee, sell_fee):
    assert walk_encoded(encode_levels(asks, bids), buy_fee, sell_fee) == walk_books(asks, bids, buy_fee, sell_fee)


# --- every place a user reads depth -----------------------------------------------------------


@pytest.mark.django_db
def test_the_api_walks_each_users_depth_at_their_fees(as_user, alice, bob, django_user_model):
    carol = django_user_model.objects.create_user("carol", password="pw")
    save_trading_settings(alice, fees=ALICE_FEES)
    save_trading_settings(bob, fees=BOB_FEES)
    async_to_sync(open_pair().fan_out)()

    seen = {}
    for name, user in (("alice", alice), ("bob", bob), ("carol", carol)):
        [opportunity] = as_user(user).get("/api/arbitrage").json()["opportunities"]
        seen[name] = depth_of(opportunity)

    assert seen == {"alice": ALICE_DEPTH, "bob": BOB_DEPTH, "carol": CAROL_DEPTH}
    [alices] = as_user(alice).get("/api/arbitrage").json()["opportunities"]
    assert alices["depth"] == {
        "size_base": "3.5",
        "avg_buy_price": "100.185714285714",  # 350.65 / 3.5
        "avg_sell_price": "100.771428571429",  # 352.7 / 3.5
        "buy_slippage_pct": "0.185714",
        "sell_slippage_pct": "0.226308",  # (101 − 100.7714..) / 101 × 100
        "net_spread_pct": "0.584629",  # (352.7 − 350.65) / 350.65 × 100
        "profit_quote": "2.05000000",
        "books_exhausted": False,
    }


@pytest.mark.django_db
def test_the_paper_ticket_suggests_each_users_own_depth_size(as_user, alice, bob):
    save_trading_settings(alice, fees=ALICE_FEES)
    save_trading_settings(bob, fees=BOB_FEES)
    async_to_sync(open_pair().fan_out)()
    pair = {"buy_exchange": "binance", "sell_exchange": "bybit", "instrument": INSTRUMENT}

    sizes = [D(as_user(user).get("/api/paper/ticket", pair).json()["size_base"]) for user in (alice, bob)]

    assert sizes == [D("3.5"), D("1.5")]


def _set_up(alice, bob) -> None:
    for exchange, fee_pct in ADMIN.items():
        Exchange.objects.update_or_create(id=exchange, defaults={"name": exchange, "taker_fee_pct": fee_pct})
    save_trading_settings(alice, fees=ALICE_FEES)
    save_trading_settings(bob, fees=BOB_FEES)
    connections.close_all()  # this runs in a worker thread: its connection must not outlive the test


@pytest.mark.django_db(transaction=True)
async def test_ws_snapshots_and_updates_carry_each_users_depth(alice, bob, login_cookie, django_user_model):
    from arbitrage.tests.test_consumer import ORIGIN, _connect, _received

    await sync_to_async(_set_up)(alice, bob)
    carol = await sync_to_async(django_user_model.objects.create_user)("carol", password="pw")
    engine = open_pair(config=None)
    engine.tracker.fees_pct = dict(ADMIN)
    await engine.fan_out()

    connected = {}
    for name, user in (("alice", alice), ("bob", bob), ("carol", carol)):
        connected[name], _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(user)))
    snapshots = {name: [depth_of(o) for o in (await _received(ws))["opportunities"]] for name, ws in connected.items()}
    assert snapshots == {"alice": [ALICE_DEPTH], "bob": [BOB_DEPTH], "carol": [CAROL_DEPTH]}

    # Bybit's best bid moves up to 101.2 (its book with it): every walk takes more.
    at = now_ms()
    moved = [(D("101.2"), D("1.5")), *BIDS[1:]]
    engine.on_depth(
        [books(at)[0], Depth("bybit", "BTCUSDT", INSTRUMENT, moved, [(D("101.3"), D("1"))], at, at * 1_000_000)]
    )
    quotes(engine, at, bybit_bid="101.2", bybit_ask="101.3")
    await engine.fan_out()
    updates = {}
    for name, ws in connected.items():
        assert (await _received(ws))["type"] == "price_update"
        updates[name] = [depth_of(o) for o in (await _received(ws))["data"]]
    # Alice: 3.5 coins as before, 0.3 more for the first 1.5: 2.35. Bob: 1.5 coins, 151.8 × 0.998
    # − 150.1 × 1.002 = 1.0962. Carol: 3 coins, 302.7 × 0.9995 − 300.4 × 1.0005 = 1.99845.
    assert updates == {
        "alice": [("3.5", "2.35000000")],
        "bob": [("1.5", "1.09620000")],
        "carol": [("3.0", "1.99845000")],
    }
    for ws in connected.values():
        await ws.disconnect()


def test_the_fan_out_walks_an_opportunity_once_per_fee_group_per_update(monkeypatch):
    walks = []
    real_text = FeeView.text
    monkeypatch.setattr(
        FeeView, "text", lambda self, text, levels=None: walks.append(text) or real_text(self, text, levels)
    )
    opportunity = (
        '{"id":"o1","buy_exchange":"binance","sell_exchange":"bybit","buy_price":"100","sell_price":"101",'
        '"size_base":"1","depth":null}'
    )
    event = {"seq": 5, "items": [], "opportunities": [[INSTRUMENT, INSTRUMENT, opportunity]], "closed": []}
    fees = FeeView({"binance": D("0")}, ADMIN)
    memo: dict[str, str] = {}

    fanout.update_texts(event, frozenset(), fees, memo)
    fanout.update_texts(event, frozenset({INSTRUMENT}), FeeView({"binance": D("0")}, ADMIN), memo)

    assert walks == [opportunity]


def test_an_alert_tells_each_user_the_depth_at_their_fees():
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=FEES)
    engine.alerts.rules = RuleIndex(
        [
            RuleSpec(rule_id, user_id, frozenset(), frozenset(), frozenset(), D("0"))
            for rule_id, user_id in ((1, 1), (2, 2), (3, 3))
        ],
        own_fees={1: {"binance": D("0"), "bybit": D("0")}, 2: {"binance": D("0.2"), "bybit": D("0.2")}},
        admin_fee_pct=ADMIN.__getitem__,
    )
    at = now_ms()
    engine.on_depth(books(at))
    quotes(engine, at)

    sent = {rule_id: depth_of(payload) for rule_id, payload in engine.alerts.pending}

    assert sent == {1: ALICE_DEPTH, 2: BOB_DEPTH, 3: CAROL_DEPTH}


def test_without_readable_levels_a_users_depth_is_null_not_the_admins():
    from arbitrage import fee_tables

    opportunity = {"buy_price": "100", "sell_price": "101", "size_base": "1", "depth": {"size_base": "3.0"}}
    before = fee_tables.unreadable_levels

    assert fee_tables.net_figures(opportunity, D("0"), D("0"))["depth"] is None  # no levels came with it
    assert fee_tables.net_figures(opportunity, D("0"), D("0"), [[["1", "x"]], [["2", "1"]]])["depth"] is None
    assert fee_tables.unreadable_levels == before + 1
    assert "depth" not in fee_tables.net_figures({**opportunity, "depth": None}, D("0"), D("0"))
