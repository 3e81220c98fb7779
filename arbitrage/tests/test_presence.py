"""What each web process's /ws connections watch, in the registry (Redis in CI), and the engine
sending only what is watched."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from arbitrage import presence
from arbitrage.engine import Engine
from arbitrage.fanout import PRICES_GROUP, hub_for
from arbitrage.tests.factories import make_quote
from arbsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def _registered(hub) -> list[presence.Watchers]:
    """The registry once the hub has written its next entry."""
    hub.presence_written.clear()
    await asyncio.wait_for(hub.presence_written.wait(), 5)
    return [entry for entry in await presence.registry().active() if entry.channel == hub.channel]


async def test_a_process_registers_what_its_connections_watch_and_leaves(alice, login_cookie):
    def connect(cookie):
        return WebsocketCommunicator(
            application, "/ws", headers=[(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", cookie)]
        )

    cookie = await login_cookie(alice)
    first, second = connect(cookie), connect(cookie)
    for communicator in (first, second):
        await communicator.connect(timeout=5)
        await communicator.receive_json_from(timeout=5)  # snapshot
    hub = hub_for(get_channel_layer())
    [entry] = await _registered(hub)
    assert (entry.connections, entry.user_ids, entry.everything) == (2, [alice.pk], True)

    for communicator in (first, second):
        await communicator.send_json_to({"type": "subscribe", "instruments": ["ETH/USDT:USDT"]})
        await communicator.receive_json_from(timeout=5)  # subscribed
    [entry] = await _registered(hub)
    assert (entry.everything, entry.instruments) == (False, ["ETH/USDT:USDT"])

    channel = hub.channel
    await first.disconnect()
    [entry] = await _registered(hub)
    assert entry.connections == 1
    await second.disconnect()  # the last one: the process stops listening and leaves the registry
    await asyncio.wait_for(hub._forgetting, 5)
    assert not [entry for entry in await presence.registry().active() if entry.channel == channel]


def test_the_union_of_watched_instruments_is_none_when_anyone_watches_all():
    def entry(*instruments, everything=False):
        return presence.Watchers("c", 1, [1], everything, list(instruments), 0)

    assert presence.watched_union([entry("A"), entry("B", "C")]) == {"A", "B", "C"}
    assert presence.watched_union([entry("A"), entry(everything=True)]) is None
    assert presence.watched_union([]) is None
    assert presence.explicitly_watched([entry("A"), entry("B", everything=True)]) == {"A", "B"}


async def test_the_engine_does_not_send_what_nobody_watches_but_still_caches_it():
    from arbitrage.quote_cache import read_quotes

    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(PRICES_GROUP, listener)
    engine = Engine(layer, fanout_interval_ms=100)
    engine.watched = {"ETH/USDT:USDT"}
    engine.on_quotes([make_quote(instrument="BTC/USDT:USDT"), make_quote(instrument="ETH/USDT:USDT", bid="1", ask="2")])
    await engine.fan_out()
    event = await asyncio.wait_for(layer.receive(listener), 5)
    await layer.group_discard(PRICES_GROUP, listener)
    assert [instrument for instrument, _ in event["items"]] == ["ETH/USDT:USDT"]
    assert set(read_quotes()) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}


async def test_the_engine_sends_every_opportunity_but_only_the_watched_quotes_when_a_page_takes_them_all():
    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(PRICES_GROUP, listener)
    engine = Engine(layer, fanout_interval_ms=100)
    engine.watched, engine.watched_opportunities = {"ETH/USDT:USDT"}, None
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=1)], at_ms=1)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", ts_ms=1)], at_ms=1)
    await engine.fan_out()
    event = await asyncio.wait_for(layer.receive(listener), 5)
    await layer.group_discard(PRICES_GROUP, listener)
    assert event["items"] == []
    assert [(buy, sell) for buy, sell, _ in event["opportunities"]] == [("BTC/USDT:USDT", "BTC/USDT:USDT")]
