"""Alert delivery: matched by the engine, delivered once per channel, cooldown per pair, history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core import mail

from accounts.models import AlertCooldown, AlertEvent, AlertRule
from accounts.tasks import deliver_alert
from accounts.tests.alerting import make_rule, opportunity
from arbitrage.alerting import load_rule_specs
from arbitrage.engine import Engine
from arbitrage.rule_matching import RuleIndex
from arbitrage.tests.factories import make_quote
from lib import clock

pytestmark = pytest.mark.django_db


def events(rule) -> list[tuple[str, str, int]]:
    return sorted(AlertEvent.objects.filter(rule=rule).values_list("channel", "outcome", "attempt"))


def test_an_opportunity_is_delivered_once_on_each_channel_the_rule_asks_for(alice):
    rule = make_rule(alice, notify_email=True)
    found = opportunity()

    assert deliver_alert(rule.id, found) == {"in_app": "sent", "email": "sent"}

    assert events(rule) == [("email", "sent", 1), ("in_app", "sent", 1)]
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]
    assert email.subject == "majors: BTC/USD 0.289206 % net, binance → bybit"
    assert "Buy BTC/USDT:USDT on binance at 43250" in email.body
    event = AlertEvent.objects.get(rule=rule, channel="email")
    assert event.opportunity_id.hex == found["id"] and event.user == alice and not event.test
    assert 150 <= event.latency_ms < 60_000  # opened 150 ms before delivery


def test_the_same_opportunity_again_sends_nothing(alice):
    """A redelivered task, or the engine matching an opportunity that grew another step."""
    rule = make_rule(alice, notify_email=True)
    found = opportunity()
    deliver_alert(rule.id, found)

    again = dict(found, net_spread_pct="0.9", updated_ms=found["updated_ms"] + 5000)
    assert deliver_alert(rule.id, again) == {"in_app": "duplicate", "email": "duplicate"}
    assert deliver_alert.apply(args=(rule.id, found)).get() == {"in_app": "duplicate", "email": "duplicate"}

    assert len(mail.outbox) == 1
    assert AlertEvent.objects.filter(rule=rule).count() == 2


def test_cooldown_spaces_out_the_lives_of_one_pair_per_rule(alice, bob):
    rule = make_rule(alice, cooldown_s=300)
    other_rule = make_rule(bob, cooldown_s=300)
    first, second = opportunity(), opportunity()  # two lives of binance -> bybit BTC

    assert deliver_alert(rule.id, first) == {"in_app": "sent"}
    assert deliver_alert(rule.id, second) == {}  # cooling down: nothing sent, nothing recorded
    assert deliver_alert(other_rule.id, second) == {"in_app": "sent"}  # each rule its own cooldown
    assert deliver_alert(rule.id, opportunity(sell="okx")) == {"in_app": "sent"}  # another pair
    assert deliver_alert(rule.id, opportunity(instrument="ETH/USDT:USDT")) == {"in_app": "sent"}

    # 300 s later the pair may alert again.
    cooldown = AlertCooldown.objects.get(rule=rule, opportunity_id=first["id"])
    AlertCooldown.objects.filter(pk=cooldown.pk).update(last_sent_at=cooldown.last_sent_at - timedelta(seconds=300))
    third = opportunity()
    assert deliver_alert(rule.id, third) == {"in_app": "sent"}
    alerted = {event.opportunity_id.hex for event in AlertEvent.objects.filter(rule=rule)}
    assert first["id"] in alerted and third["id"] in alerted and second["id"] not in alerted
    assert len(alerted) == AlertEvent.objects.filter(rule=rule).count() == 4


def test_a_zero_cooldown_alerts_every_life(alice):
    rule = make_rule(alice, cooldown_s=0)
    assert [deliver_alert(rule.id, opportunity()) for _ in range(3)] == [{"in_app": "sent"}] * 3


def test_a_paused_or_deleted_rule_sends_nothing(alice):
    paused = make_rule(alice, active=False, notify_email=True)
    assert deliver_alert(paused.id, opportunity()) == {}
    assert deliver_alert(10**9, opportunity()) == {}
    assert not mail.outbox and not AlertEvent.objects.exists()


def test_a_channel_that_cannot_deliver_is_recorded_as_skipped_with_the_reason(django_user_model, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    carol = django_user_model.objects.create_user("carol", "", "carol-pass-1234")  # no email address
    rule = make_rule(carol, notify_in_app=False, notify_email=True, notify_telegram=True)

    assert deliver_alert(rule.id, opportunity()) == {"email": "skipped", "telegram": "skipped"}

    assert dict(AlertEvent.objects.filter(rule=rule).values_list("channel", "error")) == {
        "email": "your account has no email address",
        "telegram": "Telegram is not set up on this server (no bot token)",
    }
    assert not mail.outbox


def test_history_shows_each_user_their_own_deliveries(alice, bob, api_client):
    rule = make_rule(alice, notify_email=True)
    deliver_alert(rule.id, opportunity())
    api_client.force_authenticate(bob)
    assert api_client.get("/api/alerts/events").json()["count"] == 0
    api_client.force_authenticate(alice)
    rows = api_client.get("/api/alerts/events").json()["results"]
    assert sorted((row["channel"], row["outcome"], row["attempt"], row["test"]) for row in rows) == [
        ("email", "sent", 1, False),
        ("in_app", "sent", 1, False),
    ]


@pytest.mark.django_db(transaction=True)
async def test_the_engine_queues_exactly_the_rules_an_opportunity_matches(alice, bob):
    """Engine side to delivery: alice's rule matches, bob's does not; one task, one alert."""
    rule = await sync_to_async(make_rule)(alice, instruments=["BTC/USDT:USDT"], min_net_spread_pct="0.5")
    await sync_to_async(make_rule)(bob, min_net_spread_pct="5")
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.tracker.fees_pct = {"binance": Decimal("0.05"), "bybit": Decimal("0.05")}
    engine.alerts.rules = RuleIndex(await sync_to_async(load_rule_specs)())

    t0 = clock.now_ms()
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=t0)], at_ms=t0)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", ts_ms=t0)], at_ms=t0)
    engine.on_quotes([make_quote("bybit", bid="101.01", ask="101.1", ts_ms=t0 + 1)], at_ms=t0 + 1)  # no step

    [(rule_id, message)] = engine.alerts.pending
    assert rule_id == rule.id and message["buy_exchange"] == "binance" and message["sell_exchange"] == "bybit"
    result = await sync_to_async(lambda: deliver_alert.apply(args=(rule_id, message)).get())()
    assert result == {"in_app": "sent"}
    assert await AlertEvent.objects.filter(rule_id=rule.id).acount() == 1
    assert await AlertRule.objects.filter(user=bob).aexists()
    assert not await AlertEvent.objects.filter(user=bob).aexists()
