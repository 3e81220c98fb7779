"""The equity curve: a point per settle currency on each balance set, each fill and on demand,
balances plus open positions at the mid, with exact numbers along a scripted price path."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from arbitrage.tests.factories import make_quote
from lib.clock import now_ms
from paper.execution import set_balance
from paper.tests.market import INSTRUMENT, quoted

pytestmark = pytest.mark.django_db


def pair(key: str, buy: str = "binance", sell: str = "bybit") -> dict:
    return {
        "buy_exchange": buy,
        "sell_exchange": sell,
        "instrument": INSTRUMENT,
        "size_base": "1",
        "idempotency_key": key,
    }


def curve(client) -> list[tuple[str, D]]:
    return [(point["currency"], D(point["equity"])) for point in client.get("/api/paper/equity").json()]


def test_the_curve_follows_balances_fills_and_marks_exactly(alice, bob, as_user, market):
    client = as_user(alice)
    for exchange in ("binance", "bybit"):
        client.put("/api/paper/wallets", {"exchange": exchange, "currency": "USDT", "balance": "10000"}, format="json")
    assert client.post("/api/paper/executions", pair("open"), format="json").status_code == 201
    # 20,000 less both fees (1.1576 + 1.28172) less each leg's half spread at the mid (0.05 × 2)
    assert curve(client)[-1] == ("USDT", D("19997.46068"))

    at = now_ms()  # the gap closes: the long gains 9.85 at the mid, the short 5.45
    quoted(
        make_quote("binance", INSTRUMENT, bid="2325.00", ask="2325.10", size="5", ts_ms=at),
        make_quote("bybit", INSTRUMENT, bid="2324.90", ask="2325.00", size="5", ts_ms=at),
    )
    recorded = client.post("/api/paper/equity")
    assert recorded.status_code == 201
    assert [(p["currency"], D(p["equity"])) for p in recorded.json()] == [("USDT", D("20012.86068"))]

    assert client.post("/api/paper/executions", pair("close", "bybit", "binance"), format="json").status_code == 201
    # all in the wallets now: +9.80 and +5.40 realised at the touch, less the closing fees
    assert curve(client) == [
        ("USDT", D("10000")),
        ("USDT", D("20000")),
        ("USDT", D("19997.46068")),
        ("USDT", D("20012.86068")),
        ("USDT", D("20010.31943")),
    ]
    points = client.get("/api/paper/equity").json()
    assert [p["recorded_ms"] for p in points] == sorted(p["recorded_ms"] for p in points)
    assert as_user(bob).get("/api/paper/equity").json() == []


def test_a_retried_key_records_no_point(alice, as_user, market):
    client = as_user(alice)
    for exchange in ("binance", "bybit"):
        client.put("/api/paper/wallets", {"exchange": exchange, "currency": "USDT", "balance": "10000"}, format="json")
    client.post("/api/paper/executions", pair("once"), format="json")
    client.post("/api/paper/executions", pair("once"), format="json")

    assert len(curve(client)) == 3


def test_the_admin_lists_every_users_equity_points(client, admin, alice, bob, market):
    set_balance(alice, "binance", "USDT", D("100"))
    set_balance(bob, "binance", "USDT", D("200"))
    client.force_login(admin)

    page = client.get("/admin/paper/paperequitypoint/")

    assert page.status_code == 200
    assert "alice" in page.content.decode() and "bob" in page.content.decode()


def test_the_admin_sees_every_users_wallets_executions_and_positions(client, admin, alice, bob, market):
    from paper.execution import execute_pair

    for user in (alice, bob):
        set_balance(user, "binance", "USDT", D("10000"))
        set_balance(user, "bybit", "USDT", D("10000"))
        execute_pair(user, "binance", "bybit", "ETH/USDT:USDT", D("1"), f"{user.username}-1")
    client.force_login(admin)

    for page in ("paperwallet", "paperexecution", "paperposition"):
        text = client.get(f"/admin/paper/{page}/").content.decode()
        assert "alice" in text and "bob" in text, page
    assert client.get("/admin/paper/paperposition/add/").status_code == 403
