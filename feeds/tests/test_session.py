"""The sessions' own rules (backoff, data watchdog), for both kinds: plain WebSocket
(ExchangeSession) and Socket.IO (SocketIOSession); the per-exchange fault drills are in
test_fault_drills.py."""

from __future__ import annotations

import asyncio

import pytest

from feeds.exchanges.base import Endpoints
from feeds.session import ExchangeSession
from feeds.socketio_session import SocketIOSession


@pytest.mark.parametrize(
    ("exchange_id", "session_class", "ws_path", "min_attempts", "min_reconnects", "error_says"),
    [
        pytest.param("binance", ExchangeSession, "/public/ws", 3, 2, "InvalidMessage", id="websocket"),
        # aiohttp may retry a refused handshake once itself: several TCP attempts per connection.
        pytest.param("coindcx", SocketIOSession, "", 5, 1, "Socket.IO connection failed", id="socketio"),
    ],
)
async def test_refused_connections_are_counted_and_retried_with_backoff(
    exchange_id, session_class, ws_path, min_attempts, min_reconnects, error_says
):
    attempts = 0
    attempted = asyncio.Condition()

    async def refuse(reader, writer):
        nonlocal attempts
        writer.close()  # accept TCP, then hang up before the WebSocket handshake
        async with attempted:
            attempts += 1
            attempted.notify_all()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    collected: list = []
    session = session_class(
        exchange_id,
        {},
        collected.extend,
        endpoints=Endpoints(ws_url=f"ws://127.0.0.1:{port}{ws_path}", rest_url=f"http://127.0.0.1:{port}"),
        stall_timeout_s=1,
        backoff_initial_s=0.01,
        backoff_max_s=0.02,
    )
    task = asyncio.create_task(session.run())
    try:
        async with asyncio.timeout(5), attempted:
            await attempted.wait_for(lambda: attempts >= min_attempts)
    finally:
        task.cancel()
        server.close()
    assert session.status.reconnects >= min_reconnects
    assert error_says in session.status.last_error
    assert collected == []


async def test_a_connection_that_answers_pings_but_sends_no_data_is_replaced(monkeypatch):
    """An exchange that acknowledges a subscription and then stays silent (Binance does this
    for a stream on the wrong route) still answers heartbeats: only data keeps a session."""
    from feeds.exchanges import get_connector
    from feeds.simulator.server import Simulator
    from feeds.types import Instrument

    monkeypatch.setattr(type(get_connector("bitmex")), "heartbeat_interval_s", 0.05)
    silent = Instrument("bitmex", "NOPEUSDT", "NOPE/USDT:USDT", "NOPE", "USDT", "USDT", True, 1, 1)
    async with Simulator(["bitmex"], step_interval_s=0.02) as sim:
        session = ExchangeSession(
            "bitmex",
            {"NOPEUSDT": silent},
            lambda quotes: None,
            endpoints=sim.endpoints["bitmex"],
            stall_timeout_s=0.4,
            backoff_initial_s=0.01,
            backoff_max_s=0.02,
        )
        task = asyncio.create_task(session.run())
        try:
            await sim.exchanges["bitmex"].wait_for_connections(2, timeout_s=5)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert "stalled: no data" in session.status.last_error
