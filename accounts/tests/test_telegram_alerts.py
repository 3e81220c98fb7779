"""Telegram: a chat linked with a one-time code sent to the bot, and alerts sent to it, against
a local fake of the Bot API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.alerts import telegram_link
from accounts.models import AlertEvent, TelegramLink, TelegramLinkCode
from accounts.tasks import deliver_alert, poll_telegram_updates
from accounts.tests.alerting import make_rule, opportunity
from tests.fake_servers import FakeTelegram

pytestmark = pytest.mark.django_db

TOKEN = "123456:test-token"


@pytest.fixture
def telegram(settings):
    with FakeTelegram(TOKEN) as fake:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_BOT_USERNAME = ""
        settings.TELEGRAM_API_URL = fake.url
        yield fake


def test_a_user_links_their_chat_by_sending_the_code_to_the_bot(alice, api_client, telegram):
    api_client.force_authenticate(alice)
    answer = api_client.post("/api/alerts/telegram/link")
    assert answer.status_code == 201
    code = answer.json()["code"]
    assert answer.json()["bot_username"] == "arbsite_test_bot"  # asked of the Bot API (getMe)
    assert answer.json()["link"] == f"https://t.me/arbsite_test_bot?start={code}"
    assert api_client.get("/api/alerts/telegram/link").json()["linked"] is False

    telegram.user_says(4242, f"/start {code}", username="alice_tg")
    status = api_client.get("/api/alerts/telegram/link").json()  # reads the bot's updates first
    assert status["linked"] is True and status["username"] == "alice_tg" and status["configured"] is True
    assert TelegramLink.objects.get(user=alice).chat_id == 4242
    assert telegram.sent_to(4242) == ["Linked: your Arbsite alerts will come to this chat."]
    assert not TelegramLinkCode.objects.exists()  # used up


def test_a_code_links_once_and_an_unknown_or_expired_one_not_at_all(alice, bob, telegram):
    code = telegram_link.create_link_code(alice).code
    old = telegram_link.create_link_code(bob)
    TelegramLinkCode.objects.filter(code=old.code).update(expires_at=timezone.now() - timedelta(seconds=1))

    telegram.user_says(1, f"/start {code}")
    telegram.user_says(2, f"/start {code}")  # someone who saw the code
    telegram.user_says(3, f"/start {old.code}")
    telegram.user_says(4, "/start nonsense")
    telegram.user_says(5, "hello")
    assert poll_telegram_updates.apply().get() == 5
    assert poll_telegram_updates.apply().get() == 0  # updates are confirmed as they are handled

    assert list(TelegramLink.objects.values_list("user__username", "chat_id")) == [("alice", 1)]
    refused = "That link code is unknown or expired. Ask Arbsite for a new one (Alerts → Telegram)."
    assert [telegram.sent_to(chat) for chat in (2, 3, 4, 5)] == [[refused], [refused], [refused], []]


def test_a_new_code_replaces_the_previous_one(alice, telegram):
    first = telegram_link.create_link_code(alice).code
    telegram_link.create_link_code(alice)
    assert telegram_link.consume_code(first) is None


def test_without_a_bot_token_linking_is_refused_clearly(alice, api_client, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    api_client.force_authenticate(alice)
    answer = api_client.post("/api/alerts/telegram/link")
    assert answer.status_code == 409
    assert answer.json() == {"detail": "Telegram alerts are not set up on this server (no bot token)"}
    assert api_client.get("/api/alerts/telegram/link").json()["configured"] is False
    assert not TelegramLinkCode.objects.exists()


def test_an_alert_goes_to_the_linked_chat(alice, telegram):
    TelegramLink.objects.create(user=alice, chat_id=4242)
    rule = make_rule(alice, notify_in_app=False, notify_telegram=True)
    assert deliver_alert(rule.id, opportunity()) == {"telegram": "sent"}
    [text] = telegram.sent_to(4242)
    assert text.startswith("majors: BTC/USD 0.289206 % net, binance → bybit\n\nBuy BTC/USDT:USDT on binance")
    assert TOKEN not in AlertEvent.objects.get(rule=rule).error


def test_a_bot_api_error_is_recorded_without_the_token(alice, telegram):
    TelegramLink.objects.create(user=alice, chat_id=4242)
    telegram.fail_send = (403, "Forbidden: bot was blocked by the user")
    rule = make_rule(alice, notify_in_app=False, notify_telegram=True)
    assert deliver_alert(rule.id, opportunity()) == {"telegram": "failed"}
    error = AlertEvent.objects.get(rule=rule).error
    assert error == "Telegram: sendMessage: Forbidden: bot was blocked by the user"


def test_unlinking_stops_telegram_alerts(alice, api_client, telegram):
    TelegramLink.objects.create(user=alice, chat_id=4242)
    api_client.force_authenticate(alice)
    assert api_client.delete("/api/alerts/telegram/link").status_code == 204
    rule = make_rule(alice, notify_in_app=False, notify_telegram=True)
    assert deliver_alert(rule.id, opportunity()) == {"telegram": "skipped"}
    assert telegram.sent_to(4242) == []
