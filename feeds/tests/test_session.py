"""ExchangeSession against the simulated exchange: the same code that runs live, another URL."""

from __future__ import annotations

import asyncio
import time

from feeds.exchanges.base import Endpoints
from feeds.session import ExchangeSession


async def test_session_subscribes_and_streams_quotes(simulator, start_session):
    session, quotes = await start_session(simulator)
    first = await quotes.next()
    assert first.exchange == "binance"
    assert first.instrument in {"BTC/USDT:USDT", "ETH/USDT:USDT"}
    assert first.bid < first.ask
    assert session.status.state == "connected"
    seen = {first.symbol}
    while seen != {"BTCUSDT", "ETHUSDT"}:
        seen.add((await quotes.next()).symbol)


async def test_dropped_connection_reconnects_and_resubscribes(simulator, start_session):
    session, quotes = await start_session(simulator)
    await quotes.next()
    simulator.exchanges["binance"].drop_connections()
    dropped_at = time.time_ns()
    await simulator.exchanges["binance"].wait_for_connections(2, timeout_s=5)
    after = await quotes.next_after(dropped_at)
    assert after.exchange == "binance"
    assert session.status.reconnects == 1


async def test_stalled_connection_is_replaced_by_the_watchdog(simulator, start_session):
    sim = simulator.exchanges["binance"]
    session, quotes = await start_session(simulator, stall_timeout_s=0.3)
    await quotes.next()
    sim.faults.stall = True
    await sim.wait_for_connections(2, timeout_s=5)
    assert "stalled" in session.status.last_error
    sim.faults.stall = False
    resumed_at = time.time_ns()
    assert (await quotes.next_after(resumed_at)).exchange == "binance"


async def test_garbage_and_error_frames_are_counted_without_dropping_the_connection(simulator, start_session):
    sim = simulator.exchanges["binance"]
    session, quotes = await start_session(simulator)
    await quotes.next()
    sim.faults.garbage = True
    sim.faults.error = True
    marked = time.time_ns()
    await quotes.next_after(marked)
    await quotes.next_after(time.time_ns())
    assert session.status.frame_errors >= 3
    assert sim.connections_total == 1
    sim.faults.garbage = sim.faults.error = False


async def test_server_close_code_leads_to_reconnect(simulator, start_session):
    sim = simulator.exchanges["binance"]
    session, quotes = await start_session(simulator)
    await quotes.next()
    await sim.close_connections(1001, "going away")
    await sim.wait_for_connections(2, timeout_s=5)
    assert (await quotes.next_after(time.time_ns())).exchange == "binance"
    assert session.status.reconnects >= 1


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
