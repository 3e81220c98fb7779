"""/ws through the whole ASGI stack: origin check, session auth, snapshot, updates, filters."""

from __future__ import annotations

import json

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from arbitrage.consumers import CLOSE_UNAUTHENTICATED
from arbitrage.engine import Engine
from arbitrage.messages import server_message_decoder
from arbitrage.tests.factories import make_quote
from arbsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost:8000")


async def _received(communicator: WebsocketCommunicator) -> dict:
    """The next message, which must also decode as one of the documented server messages
    (arbitrage.messages.ServerMessage): what is sent is what the schema says."""
    text = await communicator.receive_from(timeout=5)
    server_message_decoder.decode(text)
    return json.loads(text)


async def _connect(*headers):
    communicator = WebsocketCommunicator(application, "/ws", headers=[(b"host", b"localhost:8000"), *headers])
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def test_anonymous_connection_is_closed_with_4401():
    communicator, connected, _ = await _connect(ORIGIN)
    assert connected
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_foreign_origin_is_refused(alice, login_cookie):
    cookie = await login_cookie(alice)
    _, connected, _ = await _connect((b"origin", b"http://evil.example"), (b"cookie", cookie))
    assert not connected


async def test_logged_in_session_gets_snapshot_then_coalesced_updates(alice, login_cookie):
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.on_quotes([make_quote(bid="100", ask="101", ts_ms=1)])
    await engine.fan_out()  # fills the cache the snapshot comes from

    communicator, connected, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    assert connected
    snapshot = await _received(communicator)
    assert (snapshot["type"], snapshot["page"], snapshot["pages"]) == ("snapshot", 1, 1)
    assert [(q["exchange"], q["bid"]) for q in snapshot["data"]] == [("binance", "100")]

    engine.on_quotes([make_quote(bid="100.5", ask="101", ts_ms=2), make_quote(bid="100.7", ask="101", ts_ms=3)])
    await engine.fan_out()
    update = await _received(communicator)
    assert update["type"] == "price_update"
    assert update["seq"] == snapshot["seq"] + 1
    assert [(q["instrument"], q["bid"], q["ask"], q["ts_ms"]) for q in update["data"]] == [
        ("BTC/USDT:USDT", "100.7", "101", 3)
    ]
    await communicator.disconnect()


async def test_subscribe_narrows_updates_to_the_chosen_instruments(alice, login_cookie):
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    communicator, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    await _received(communicator)  # snapshot
    await communicator.send_json_to({"type": "subscribe", "instruments": ["ETH/USDT:USDT"]})
    assert await _received(communicator) == {
        "type": "subscribed",
        "instruments": ["ETH/USDT:USDT"],
        "opportunities": "instruments",
    }
    assert (await _received(communicator))["type"] == "snapshot"

    engine.on_quotes(
        [
            make_quote(instrument="BTC/USDT:USDT", ts_ms=5),
            make_quote(instrument="ETH/USDT:USDT", bid="2300", ask="2300.1", ts_ms=5),
        ]
    )
    await engine.fan_out()
    update = await _received(communicator)
    assert [q["instrument"] for q in update["data"]] == ["ETH/USDT:USDT"]
    await communicator.disconnect()


@pytest.mark.parametrize(
    "message",
    ["not json", json.dumps({"type": "dance"}), json.dumps({"type": "subscribe", "instruments": "BTC"}), "{}"],
)
async def test_bad_client_messages_get_an_error_and_the_connection_stays(alice, login_cookie, message):
    communicator, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    await _received(communicator)  # snapshot
    await communicator.send_to(text_data=message)
    reply = await _received(communicator)
    assert reply["type"] == "error"
    assert reply["error"]
    await communicator.send_json_to({"type": "unsubscribe", "instruments": []})
    assert (await _received(communicator))["type"] == "subscribed"
    await communicator.disconnect()


async def test_opportunities_open_and_close_on_the_feed_of_a_watcher_only(alice, login_cookie):
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    watcher, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    elsewhere, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    for communicator in (watcher, elsewhere):
        await _received(communicator)  # snapshot
    await elsewhere.send_json_to({"type": "subscribe", "instruments": ["ETH/USDT:USDT"]})
    await _received(elsewhere)  # subscribed
    await _received(elsewhere)  # snapshot

    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=1)], at_ms=1)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", ts_ms=1)], at_ms=1)
    await engine.fan_out()
    assert (await _received(watcher))["type"] == "price_update"
    opened = await _received(watcher)
    assert opened["type"] == "arbitrage_opportunities"
    [opportunity] = opened["data"]
    assert (opportunity["buy_exchange"], opportunity["sell_exchange"], opportunity["profitable"]) == (
        "binance",
        "bybit",
        True,
    )

    engine.on_quotes([make_quote("bybit", bid="100", ask="100.1", ts_ms=2)], at_ms=2)
    await engine.fan_out()
    assert (await _received(watcher))["type"] == "price_update"
    closed = await _received(watcher)
    assert closed["type"] == "opportunity_closed"
    assert closed["data"][0]["id"] == opportunity["id"]
    assert await elsewhere.receive_nothing(timeout=0.3)  # it watches ETH only
    await watcher.disconnect()
    await elsewhere.disconnect()


async def test_subscriptions_are_capped_per_connection_not_per_message(alice, login_cookie):
    from arbitrage.consumers import MAX_INSTRUMENTS

    communicator, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    await _received(communicator)  # snapshot
    half = MAX_INSTRUMENTS // 2 + 1
    await communicator.send_json_to({"type": "subscribe", "instruments": [f"A{i}/USDT:USDT" for i in range(half)]})
    assert len((await _received(communicator))["instruments"]) == half
    assert (await _received(communicator))["type"] == "snapshot"
    await communicator.send_json_to({"type": "subscribe", "instruments": [f"B{i}/USDT:USDT" for i in range(half)]})
    refused = await _received(communicator)
    assert refused == {"type": "error", "error": f"at most {MAX_INSTRUMENTS} instruments per connection"}
    await communicator.send_json_to({"type": "unsubscribe", "instruments": ["A0/USDT:USDT"]})
    assert len((await _received(communicator))["instruments"]) == half - 1
    await communicator.disconnect()


async def test_a_message_flood_is_refused_then_closed(alice, login_cookie):
    from accounts.ws_auth import CLOSE_RATE_LIMITED
    from arbitrage.consumers import MAX_REFUSED_MESSAGES, MESSAGE_BURST

    communicator, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    await _received(communicator)  # snapshot
    for _ in range(MESSAGE_BURST + MAX_REFUSED_MESSAGES):
        await communicator.send_json_to({"type": "unsubscribe", "instruments": []})
    errors, kinds = [], set()
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
        message = json.loads(output["text"])
        kinds.add(message["type"])
        if message["type"] == "error":
            errors.append(message["error"])
    assert output["code"] == CLOSE_RATE_LIMITED
    assert errors[0].startswith("too many messages") and errors[-1] == "too many messages"
    assert kinds == {"subscribed", "snapshot", "error"}


async def test_a_large_snapshot_comes_in_pages_of_one_update(alice, login_cookie):
    from arbitrage.messages import SNAPSHOT_PAGE_ITEMS

    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    count = SNAPSHOT_PAGE_ITEMS * 2 + 7
    engine.on_quotes([make_quote(instrument=f"C{i}/USDT:USDT", ts_ms=1) for i in range(count)])
    await engine.fan_out()

    communicator, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    pages = [await _received(communicator) for _ in range(3)]
    assert [(p["type"], p["page"], p["pages"], p["seq"]) for p in pages] == [
        ("snapshot", n, 3, engine.seq) for n in (1, 2, 3)
    ]
    assert [len(p["data"]) for p in pages] == [SNAPSHOT_PAGE_ITEMS, SNAPSHOT_PAGE_ITEMS, 7]
    assert len({q["instrument"] for p in pages for q in p["data"]}) == count
    await communicator.disconnect()


async def test_a_deeply_nested_message_is_an_error_not_a_crash(alice, login_cookie):
    communicator, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    await _received(communicator)  # snapshot
    await communicator.send_to(text_data='{"type":"subscribe","instruments":' + "[" * 1500 + "]" * 1500 + "}")
    reply = await _received(communicator)
    assert reply["type"] == "error"
    await communicator.send_json_to({"type": "unsubscribe", "instruments": []})
    assert (await _received(communicator))["type"] == "subscribed"
    await communicator.disconnect()


async def test_subscribe_takes_the_symbol_forms_rest_takes_and_names_what_it_cannot(alice, login_cookie):
    from asgiref.sync import sync_to_async

    from feeds.models import Instrument

    await sync_to_async(Instrument.objects.create)(
        exchange="binance",
        symbol="ETHUSDT",
        instrument="ETH/USDT:USDT",
        base="ETH",
        quote="USDT",
        settle="USDT",
        linear=True,
        contract_size=1,
        tick_size="0.01",
    )
    communicator, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    await _received(communicator)  # snapshot
    await communicator.send_json_to({"type": "subscribe", "instruments": ["ETHUSDT", "btc-usdt-usdt", "NOPE"]})

    error = await _received(communicator)
    assert error["type"] == "error" and error["error"].startswith("unknown symbol 'NOPE'")
    assert await _received(communicator) == {
        "type": "subscribed",
        "instruments": ["BTC/USDT:USDT", "ETH/USDT:USDT"],
        "opportunities": "instruments",
    }
    await communicator.disconnect()
