"""One channel failing never costs an alert its other channels, and never leaves a row pending:
the rule's name (the user's own text) cannot break an email header, and an error no transport
foresaw is that channel's `failed` row."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.alerts.transports.email import Email
from accounts.models import AlertEvent
from accounts.tasks import deliver_alert
from accounts.tests.alerting import make_rule, opportunity
from tests.fake_servers import WebhookReceiver

pytestmark = pytest.mark.django_db


def outcomes(rule) -> dict[str, tuple[str, str]]:
    return {event.channel: (event.outcome, event.error) for event in AlertEvent.objects.filter(rule=rule)}


def test_a_newline_in_the_rule_name_cannot_reach_the_email_headers(alice, settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    with WebhookReceiver() as receiver:
        rule = make_rule(
            alice, name="eth\r\nBcc: someone@example.com", notify_email=True, webhook_url=f"{receiver.url}/hook"
        )
        assert deliver_alert(rule.id, opportunity()) == {"in_app": "sent", "email": "sent", "webhook": "queued"}
        [call] = receiver.calls

    [email] = mail.outbox
    assert email.subject == "eth Bcc: someone@example.com: BTC/USD 0.289206 % net, binance → bybit"
    assert email.bcc == [] and email.recipients() == ["alice@example.com"]
    assert "Alert rule: eth Bcc: someone@example.com." in email.body
    assert call.params["rule"]["name"] == "eth\r\nBcc: someone@example.com"  # JSON carries it as it is
    assert {channel: outcome for channel, (outcome, _) in outcomes(rule).items()} == {
        "in_app": "sent",
        "email": "sent",
        "webhook": "sent",
    }


def test_an_unforeseen_error_in_one_channel_fails_that_channel_only(alice, settings, monkeypatch):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True

    def broken(self, rule, alert, attempt):
        raise RuntimeError("a bug in the email channel")

    monkeypatch.setattr(Email, "send", broken)
    with WebhookReceiver() as receiver:
        rule = make_rule(alice, notify_email=True, webhook_url=f"{receiver.url}/hook")
        assert deliver_alert(rule.id, opportunity()) == {"in_app": "sent", "email": "failed", "webhook": "queued"}
        assert len(receiver.calls) == 1

    assert outcomes(rule) == {
        "in_app": ("sent", ""),
        "email": ("failed", "unexpected error: RuntimeError('a bug in the email channel')"),
        "webhook": ("sent", ""),
    }
