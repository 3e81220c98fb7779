"""An open opportunity's changed figures go out at most every OPPORTUNITY_RESEND_MS, latest
winning; its opening and its closing go at once."""

from __future__ import annotations

import json
from decimal import Decimal as D

from arbitrage.engine import Engine, ExchangeConfig
from arbitrage.live_update import due_to_send
from arbitrage.tests.factories import make_quote

T0_MS = 1_767_225_600_000
FEES = ExchangeConfig({"binance": D("0.05"), "bybit": D("0.05")}, {"binance": 5000, "bybit": 5000})


def test_an_opening_is_due_at_once_and_an_update_once_the_interval_has_passed():
    pending = {"new": "opening", "recent": "update", "old": "update"}
    sent_at_ms = {"recent": 1_000, "old": 500}

    due, held = due_to_send(pending, sent_at_ms, now_ms=1_400, resend_ms=500)

    assert due == {"new": "opening", "old": "update"}  # old went 900 ms ago
    assert held == {"recent": "update"}  # went 400 ms ago
    assert due_to_send(pending, sent_at_ms, now_ms=1_400, resend_ms=0) == (pending, {})


class Layer:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def group_send(self, group: str, message: dict) -> None:
        self.sent.append(message)


def opportunities_in(message: dict) -> list[dict]:
    return [json.loads(text) for _, _, text in message.get("opportunities", [])]


async def test_updates_wait_for_the_interval_the_latest_wins_and_a_closing_goes_at_once(monkeypatch, settings):
    settings.OPPORTUNITY_RESEND_MS = 500
    clock = {"ms": T0_MS}
    monkeypatch.setattr("arbitrage.engine.now_ms", lambda: clock["ms"])
    layer = Layer()
    engine = Engine(layer, fanout_interval_ms=25, config=FEES)

    def tick(exchange: str, bid: str, ask: str) -> None:
        quote = make_quote(exchange=exchange, bid=bid, ask=ask, size="1", ts_ms=clock["ms"])
        engine.on_quotes([quote], at_ms=clock["ms"])

    tick("binance", "99.9", "100")
    tick("bybit", "101", "101.1")
    await engine.fan_out()
    [opened] = opportunities_in(layer.sent[-1])  # the opening: at once
    assert opened["sell_price"] == "101"

    clock["ms"] += 100
    tick("bybit", "101.2", "101.3")
    await engine.fan_out()
    assert opportunities_in(layer.sent[-1]) == []  # the quote went, the update waits
    assert engine._changed.is_set()  # and the fan-out comes back for it
    clock["ms"] += 100
    tick("bybit", "101.4", "101.5")
    await engine.fan_out()
    assert opportunities_in(layer.sent[-1]) == []

    clock["ms"] += 300  # 500 ms since it went
    await engine.fan_out()
    [updated] = opportunities_in(layer.sent[-1])
    assert (updated["id"], updated["sell_price"]) == (opened["id"], "101.4")  # the latest figures

    clock["ms"] += 50
    tick("bybit", "101.6", "101.7")  # an update, held ...
    clock["ms"] += 50
    tick("bybit", "100", "100.1")  # ... then the gap closes: the closing goes at once, the update never
    await engine.fan_out()
    assert opportunities_in(layer.sent[-1]) == []
    [closed] = [json.loads(text) for _, _, text in layer.sent[-1]["closed"]]
    assert closed["id"] == opened["id"]
    assert engine.pending_opportunities == {} and engine.opportunity_sent_at_ms == {}
