"""Exactly once with several workers: deliveries of one opportunity raced from threads, each
with its own PostgreSQL connection, send once per channel; lives of one pair raced within the
cooldown send once in all. The database decides, not timing."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connections

from accounts.models import AlertEvent, TelegramLink
from accounts.tasks import deliver_alert
from accounts.tests.alerting import make_rule, opportunity
from tests.fake_servers import FakeTelegram, WebhookReceiver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 4
TOKEN = "123456:race-token"


def race(*calls) -> list:
    """Run each (function, *args) on its own thread, released together; their results."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, function, *args) -> None:
        try:
            start.wait(10)
            results[index] = function(*args)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, *call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def channels_out(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True  # the receiver is on 127.0.0.1
    with FakeTelegram(TOKEN) as telegram, WebhookReceiver() as receiver:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_API_URL = telegram.url
        yield telegram, receiver


def test_workers_racing_on_one_opportunity_send_once_per_channel(postgres_url, alice, channels_out):
    telegram, receiver = channels_out
    TelegramLink.objects.create(user=alice, chat_id=4242)
    rule = make_rule(alice, notify_email=True, notify_telegram=True, webhook_url=f"{receiver.url}/hook", cooldown_s=0)
    found = [opportunity() for _ in range(5)]

    for item in found:
        results = race(*[(deliver_alert, rule.id, item)] * WORKERS)
        outcomes = Counter(outcome for result in results for outcome in result.values())
        # Each run queues the webhook (run inline here): those tasks race on its claim in turn.
        assert outcomes == {"sent": 3, "duplicate": 3 * (WORKERS - 1), "queued": WORKERS}, results

    assert len(receiver.calls) == len(found)
    assert len(telegram.sent_to(4242)) == len(found)
    assert len(mail.outbox) == len(found)
    per_opportunity = Counter(AlertEvent.objects.filter(rule=rule).values_list("opportunity_id", "channel"))
    assert set(per_opportunity.values()) == {1} and len(per_opportunity) == 4 * len(found)


def test_lives_of_one_pair_racing_within_the_cooldown_send_once(postgres_url, alice, bob):
    rule = make_rule(alice, notify_email=True, cooldown_s=300)
    lives = [opportunity() for _ in range(WORKERS)]  # one pair, several lives at once

    results = race(*[(deliver_alert, rule.id, life) for life in lives])

    assert sorted(results, key=len) == [{}] * (WORKERS - 1) + [{"in_app": "sent", "email": "sent"}]
    assert len(mail.outbox) == 1
    assert AlertEvent.objects.filter(rule=rule).values("opportunity_id").distinct().count() == 1
