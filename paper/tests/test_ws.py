"""Paper executions over /ws: the `execution` reply to the connection that asked and to no
other, a retried key filled once, a refusal as an `error` that carries the key."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from arbitrage.executions import execute_handler, register_execute_handler
from arbitrage.messages import server_message_decoder
from arbsite.asgi import application
from paper.active_users import entry_key
from paper.execution import set_balance
from paper.models import PaperExecution
from paper.tests.market import INSTRUMENT

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"host", b"localhost:8000"), (b"origin", b"http://localhost:8000")]


@pytest.fixture
def funded(alice):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("100"))  # enough for a 0.04 ETH short only
    return alice


async def received(communicator: WebsocketCommunicator) -> dict:
    """The next message, which must decode as a documented server message."""
    text = await communicator.receive_from(timeout=5)
    server_message_decoder.decode(text)
    return json.loads(text)


async def connected(user, login_cookie) -> WebsocketCommunicator:
    """A page's connection, past its snapshot."""
    communicator = WebsocketCommunicator(application, "/ws", headers=[*HEADERS, (b"cookie", await login_cookie(user))])
    assert (await communicator.connect(timeout=5))[0]
    while (snapshot := await received(communicator))["page"] < snapshot["pages"]:
        pass
    return communicator


def execute(key: str, size: str = "0.04") -> dict:
    return {
        "type": "execute",
        "buy_exchange": "binance",
        "sell_exchange": "bybit",
        "instrument": "ETH-USDT-USDT",
        "size_base": size,
        "idempotency_key": key,
    }


async def test_an_execute_message_is_answered_with_the_fills_on_that_connection_only(funded, bob, login_cookie, market):
    mine = await connected(funded, login_cookie)
    my_other_tab = await connected(funded, login_cookie)
    bobs = await connected(bob, login_cookie)

    await mine.send_json_to(execute("ws-1"))
    reply = await received(mine)

    assert (reply["type"], reply["idempotency_key"], reply["filled"], reply["size_base"]) == (
        "execution",
        "ws-1",
        True,
        "0.04",
    )
    assert [(f["side"], f["exchange"], f["instrument"], f["price"], f["notional"]) for f in reply["fills"]] == [
        ("buy", "binance", INSTRUMENT, "2315.2", "92.608"),
        ("sell", "bybit", INSTRUMENT, "2330.4", "93.216"),
    ]
    assert [f["fee"] for f in reply["fills"]] == ["0.046304", "0.0512688"]  # 0.05 % and 0.055 %
    assert [f["priced_from"] for f in reply["fills"]] == ["top_of_book", "top_of_book"]  # no depth cached
    assert await bobs.receive_nothing(timeout=0.3)
    assert await my_other_tab.receive_nothing(timeout=0.3)
    for communicator in (mine, my_other_tab, bobs):
        await communicator.disconnect()


async def test_a_retried_key_gets_the_first_execution_and_fills_nothing_more(funded, login_cookie, market):
    communicator = await connected(funded, login_cookie)

    await communicator.send_json_to(execute("retry"))
    first = await received(communicator)
    await communicator.send_json_to(execute("retry"))
    again = await received(communicator)

    assert (first.get("filled"), again.get("filled")) == (True, False), (first, again)
    assert again["id"] == first["id"] and again["fills"] == first["fills"]
    assert await database_sync_to_async(PaperExecution.objects.count)() == 1
    await communicator.disconnect()


async def test_a_refused_execution_is_an_error_naming_the_key_and_fills_nothing(funded, login_cookie, market):
    communicator = await connected(funded, login_cookie)

    await communicator.send_json_to(execute("too-big", size="1"))  # bybit's 100 USDT cannot short 1 ETH
    reply = await received(communicator)

    assert reply["type"] == "error" and reply["idempotency_key"] == "too-big"
    assert reply["error"].startswith("nothing filled: bybit USDT wallet holds less than the")
    assert await database_sync_to_async(PaperExecution.objects.count)() == 0
    await communicator.disconnect()


async def test_without_a_registered_executor_execute_is_refused(alice, login_cookie, market):
    registered = execute_handler()
    register_execute_handler(None)
    try:
        communicator = await connected(alice, login_cookie)
        await communicator.send_json_to(execute("none"))
        assert await received(communicator) == {
            "type": "error",
            "error": "paper execution is not available on this server",
            "idempotency_key": "none",
        }
        await communicator.disconnect()
    finally:
        register_execute_handler(registered)


async def test_an_execute_the_api_would_refuse_is_an_error_naming_the_field(funded, login_cookie, market):
    communicator = await connected(funded, login_cookie)

    await communicator.send_json_to({**execute("odd"), "sell_exchange": "nowhere", "size_base": "NaN"})
    reply = await received(communicator)

    assert reply["type"] == "error" and reply["idempotency_key"] == "odd"
    assert "sell_exchange: unknown exchange 'nowhere'" in reply["error"] and "size_base:" in reply["error"]
    assert await database_sync_to_async(PaperExecution.objects.count)() == 0
    await communicator.disconnect()


async def test_a_connecting_user_is_put_in_the_active_user_cache(funded, login_cookie, redis_url):
    await database_sync_to_async(cache.delete)(entry_key(funded.pk))
    communicator = await connected(funded, login_cookie)
    await communicator.send_json_to({"type": "subscribe", "instruments": [INSTRUMENT]})
    assert (await received(communicator))["type"] == "subscribed"  # handled after the connection's start

    entry = await database_sync_to_async(cache.get)(entry_key(funded.pk))

    assert {key: wallet.balance for key, wallet in entry.wallets.items()} == {
        ("binance", "USDT"): D("10000"),
        ("bybit", "USDT"): D("100"),
    }
    await communicator.disconnect()
