"""The engine's loops retry every 0.1–2 s while Redis or the database is down; each outage is
logged when it starts and when it ends, not at every retry."""

from __future__ import annotations

import logging

import pytest
from channels.layers import get_channel_layer
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from arbitrage.engine import Engine
from arbitrage.rule_matching import RuleIndex
from arbitrage.tests.factories import make_quote


def engine_messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "arbitrage.engine"]


# The reads are replaced, but database_sync_to_async still closes old connections in its
# thread, which pytest-django refuses without the mark whenever an earlier test left one there.
@pytest.mark.django_db
async def test_alert_rules_unreadable_for_a_while_are_logged_twice(monkeypatch, caplog):
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    database_up = False

    def rules_version():
        if not database_up:
            raise OperationalError("connection refused")
        return (0, "None")

    monkeypatch.setattr("arbitrage.engine.rules_version", rules_version)
    monkeypatch.setattr("arbitrage.engine.load_rule_index", lambda admin_fee_pct: RuleIndex())
    with caplog.at_level(logging.INFO):
        for _ in range(25):  # five seconds of refreshes every 0.2 s
            await engine.refresh_rules()
        database_up = True
        await engine.refresh_rules()
        await engine.refresh_rules()
    messages = engine_messages(caplog)
    assert len(messages) == 2
    assert messages[0].startswith("the database is unavailable (connection refused): alert rules not reloaded")
    assert messages[1].startswith("the database is available again after ")
    assert messages[1].endswith("; 25 failures meanwhile")


async def test_a_fan_out_failing_every_100_ms_is_logged_once(monkeypatch, caplog):
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)

    async def refuse(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(engine.layer, "group_send", refuse)
    with caplog.at_level(logging.INFO):
        for tick in range(10):
            engine.on_quotes([make_quote(bid=f"{100 + tick}", ask="200", ts_ms=tick)])
            await engine.fan_out()
    assert engine_messages(caplog) == [
        "Redis is unavailable (Connection refused): fan-out failed, next one carries the latest; "
        "counting failures until it is back"
    ]
