"""ExchangeSession's own rules (backoff, data watchdog); the per-exchange fault drills are in
test_fault_drills.py."""

from __future__ import annotations

import asyncio

from feeds.exchanges.base import Endpoints
from feeds.session import ExchangeSession


async def test_refused_connections_back_off_and_keep_trying():
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
    collected = []
    session = ExchangeSession(
        "binance",
        {},
        collected.extend,
        endpoints=Endpoints(ws_url=f"ws://127.0.0.1:{port}/public/ws", rest_url=f"http://127.0.0.1:{port}"),
        stall_timeout_s=1,
        backoff_initial_s=0.01,
        backoff_max_s=0.02,
    )
    task = asyncio.create_task(session.run())
    try:
        async with asyncio.timeout(5), attempted:
            await attempted.wait_for(lambda: attempts >= 3)
    finally:
        task.cancel()
        server.close()
    assert session.status.reconnects >= 2
    assert session.status.last_error
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
