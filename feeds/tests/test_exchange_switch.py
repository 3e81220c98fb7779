"""An exchange an admin switched off (admin → Exchanges) is not run by a feed worker; switched
off while running, it is stopped and its quotes declared down (the engine stops counting them
and closes what they fed); switched back on, it starts. Pages and /health expect only the
exchanges switched on."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connections

from feeds import runner
from feeds.models import Exchange
from feeds.publish import QUOTES_DOWN_TYPE, QUOTES_GROUP
from feeds.runner import FeedWorker
from feeds.simulator.server import Simulator
from feeds.status import FeedStatus, status_key


async def switch(exchange_id: str, enabled: bool) -> None:
    # update_or_create: an earlier transactional test may have flushed the seeded rows.
    await Exchange.objects.aupdate_or_create(
        id=exchange_id, defaults={"name": exchange_id.title(), "taker_fee_pct": Decimal("0.05"), "enabled": enabled}
    )


@pytest.mark.django_db(transaction=True)
async def test_a_worker_runs_what_is_switched_on_and_follows_the_switch(settings, monkeypatch):
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["BTC/USDT:USDT"]
    monkeypatch.setattr(runner, "ENABLED_REFRESH_S", 0.05)
    await switch("binance", True)
    await switch("bybit", False)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(QUOTES_GROUP, channel)

    async def down_news(exchange_id: str) -> dict:
        while True:
            message = await layer.receive(channel)
            if message["type"] == QUOTES_DOWN_TYPE and message["exchange"] == exchange_id:
                return message

    async with Simulator(["binance", "bybit"], step_interval_s=0.02, seed=5) as sim:
        worker = FeedWorker(["binance", "bybit"], sim.endpoints, simulated=True)
        task = asyncio.create_task(worker.run())
        try:
            async with asyncio.timeout(20):
                # Decided in the same pass that started binance: bybit was never started.
                await sim.exchanges["binance"].wait_for_connections(1, timeout_s=10)
                assert (set(worker.running), set(worker.statuses)) == ({"binance"}, {"binance"})
                assert sim.exchanges["bybit"].connections_total == 0

                await switch("bybit", True)
                await sim.exchanges["bybit"].wait_for_connections(1, timeout_s=10)

                await switch("binance", False)
                news = await down_news("binance")
                assert news["instruments"] == ["BTC/USDT:USDT"]
                assert set(worker.running) == set(worker.statuses) == {"bybit"}
                assert len(sim.exchanges["binance"].connections) == 0
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await layer.group_discard(QUOTES_GROUP, channel)
    await sync_to_async(connections.close_all)()


@pytest.mark.django_db
def test_pages_expect_only_the_exchanges_switched_on(client, alice):
    Exchange.objects.filter(id="bybit").update(enabled=False)
    for exchange_id in ("binance", "bybit"):
        status = FeedStatus(exchange_id, state="connected")
        cache.set(status_key(exchange_id), status.snapshot())
    client.force_login(alice)

    feeds_page = client.get("/feeds/").content.decode()
    assert 'data-exchange="binance"' in feeds_page and 'data-exchange="okx"' in feeds_page
    assert 'data-exchange="bybit"' not in feeds_page
    prices_page = client.get("/").content.decode()
    assert 'data-exchange="okx"' in prices_page and 'data-exchange="bybit"' not in prices_page
    filters = client.get("/opportunities/").content.decode()
    assert 'value="okx"' in filters and 'value="bybit"' not in filters
    # A rule may still name it: a rule outlives the switch.
    assert 'name="buy_exchanges" value="bybit"' in client.get("/accounts/alerts/").content.decode()


@pytest.mark.django_db(transaction=True)
async def test_health_expects_only_the_exchanges_switched_on(async_client):
    await switch("binance", True)
    await switch("bybit", False)
    body = (await async_client.get("/health")).json()
    assert body["exchanges"]["binance"]["freshness"] == "not running"
    assert "bybit" not in body["exchanges"]
    await sync_to_async(connections.close_all)()
