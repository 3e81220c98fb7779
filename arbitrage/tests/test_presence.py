"""Active /ws connections in the registry (Redis in CI), and the engine sending only what is watched."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from arbitrage import presence
from arbitrage.engine import PRICES_GROUP, Engine
from arbitrage.tests.factories import make_quote
from arbsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def _active_for(username: str) -> list[presence.Connection]:
    return [c for c in await presence.registry().active() if c.username == username]


async def test_a_connection_registers_updates_and_leaves(alice, login_cookie):
    communicator = WebsocketCommunicator(
        application,
        "/ws",
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", await login_cookie(alice))],
    )
    await communicator.connect(timeout=5)
    await communicator.receive_json_from(timeout=5)
    [connection] = await _active_for("alice")
    assert connection.user_id == alice.pk and connection.instruments == []

    await communicator.send_json_to({"type": "subscribe", "instruments": ["ETH/USDT:USDT"]})
    await communicator.receive_json_from(timeout=5)
    [connection] = await _active_for("alice")
    assert connection.instruments == ["ETH/USDT:USDT"]

    await communicator.disconnect()
    assert await _active_for("alice") == []


def test_the_union_of_watched_instruments_is_none_when_anyone_watches_all():
    def conn(*instruments):
        return presence.Connection("c", 1, "u", list(instruments), 0)

    assert presence.watched_union([conn("A"), conn("B", "C")]) == {"A", "B", "C"}
    assert presence.watched_union([conn("A"), conn()]) is None
    assert presence.watched_union([]) is None


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
