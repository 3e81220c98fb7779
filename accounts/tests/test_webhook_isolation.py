"""A user's slow webhook delays no one else: one deadline bounds a whole attempt, webhooks have
their own lane (queue), and each user has a few sending slots of it, not all of them."""

from __future__ import annotations

import pytest

from accounts.models import AlertEvent
from accounts.tasks import deliver_webhook
from accounts.tests.alerting import make_rule, opportunity
from arbitrage.alerting import enqueue_alerts
from tests.fake_servers import DrippingEndpoint, WebhookReceiver


@pytest.fixture
def local_hooks(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True  # the endpoints here listen on 127.0.0.1
    settings.ALERTS_WEBHOOK_MAX_ATTEMPTS = 1


@pytest.mark.django_db
def test_an_endpoint_dripping_its_answer_is_cut_off_at_the_deadline(alice, local_hooks, settings):
    settings.ALERTS_WEBHOOK_TIMEOUT_S = 1
    with DrippingEndpoint(interval_s=0.1) as endpoint:  # each byte well within a per-read timeout
        rule = make_rule(alice, notify_in_app=False, webhook_url=endpoint.url)
        assert deliver_webhook(rule.id, opportunity()) == "failed"
        [written] = endpoint.wait_for_cut_offs(1, timeout_s=5)
    assert written < len(DrippingEndpoint.ANSWER)  # hung up on mid-answer
    event = AlertEvent.objects.get(rule=rule)
    assert event.error == "the endpoint did not answer within 1 s (attempt 1; giving up)"


@pytest.mark.django_db(transaction=True)
def test_a_slow_webhook_of_one_user_delays_no_other_users_alerts(alice, bob, local_hooks, settings, background_threads):
    settings.ALERTS_WEBHOOK_TIMEOUT_S = 5
    settings.ALERTS_WEBHOOK_PER_USER = 1
    with DrippingEndpoint(interval_s=0.2) as slow, WebhookReceiver() as receiver:
        alices = make_rule(alice, notify_in_app=False, webhook_url=slow.url, cooldown_s=0)
        bobs = make_rule(bob, notify_in_app=True, webhook_url=f"{receiver.url}/hook", cooldown_s=0)
        # Alice's alerts first, as many as there are threads for alerts, then Bob's.
        lanes = background_threads.threads
        alices_alerts = [(alices.id, opportunity(sell=f"exchange-{n}")) for n in range(max(lanes.values()))]
        assert enqueue_alerts([*alices_alerts, (bobs.id, opportunity())]) == []

        receiver.wait_for("POST", 1, timeout_s=10)
        # Bob's webhook arrived while Alice's first was still dripping, and hers go one at a time.
        assert slow.cut_off == [] and slow.open_now == 1
        assert slow.most_open == 1
        assert AlertEvent.objects.get(rule=bobs, channel="in_app").outcome == "sent"
        assert AlertEvent.objects.filter(rule=alices).count() == 1  # the others wait their turn
