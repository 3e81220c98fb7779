"""Celery beat's schedule: every task it names exists; the daily instrument refresh.

Here rather than under feeds/tests because it crosses apps (the schedule) and feeds/tests is
another change's ground right now."""

from __future__ import annotations

import pytest
from django.conf import settings

from arbsite.celery import app
from feeds.exchanges import EXCHANGE_IDS
from feeds.models import Exchange
from feeds.tasks import refresh_instruments


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


@pytest.mark.django_db
def test_instrument_lists_are_refreshed_for_every_exchange_not_switched_off(monkeypatch):
    Exchange.objects.filter(id="okx").update(enabled=False)
    expected = [exchange_id for exchange_id in EXCHANGE_IDS if exchange_id != "okx"]
    asked = []

    async def load(exchange_id, rest_url):
        asked.append((exchange_id, rest_url))
        return [object()] * 3

    monkeypatch.setattr("feeds.tasks.load_instruments", load)
    monkeypatch.setitem(settings.EXCHANGE_URL_OVERRIDES, "binance_rest_url", "http://127.0.0.1:9/binance")
    assert refresh_instruments.apply().get() == dict.fromkeys(expected, 3)
    assert [exchange for exchange, _ in asked] == expected
    assert ("binance", "http://127.0.0.1:9/binance") in asked


@pytest.mark.django_db
def test_telegram_polling_is_scheduled_only_with_a_bot_token():
    assert ("poll-telegram-updates" in settings.CELERY_BEAT_SCHEDULE) == bool(settings.TELEGRAM_BOT_TOKEN)
