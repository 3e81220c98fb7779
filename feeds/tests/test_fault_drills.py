"""Fault drills, the same for every exchange: the real session on its simulated exchange streams
its watched instruments and survives drops, stalls, late heartbeats, garbage, error frames and
server closes.

What differs between exchanges is data, in DRILLS; their protocol rules (acks, heartbeats, tokens,
error shapes) are tested in feeds/tests/test_simulator_<exchange>.py.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import pytest

from feeds.exchanges import EXCHANGE_IDS
from feeds.simulator.server import Simulator


@dataclass(frozen=True)
class Heartbeat:
    """The exchange's heartbeat scaled down for the late-heartbeat drill."""

    timeout_s: float  # the session's deadline
    client_pings: bool = True  # else the exchange does
    session_ping_interval_s: float | None = 0.1  # None: not set on the session
    # How often the simulated exchange pings; for KuCoin, the ping interval its token announces.
    server_ping_interval_s: float | None = None


@dataclass(frozen=True)
class Drill:
    # Two watched symbols, linear and inverse (or USDT and USDC) where the exchange lists both,
    # with the canonical instrument each must be quoted as.
    watched: dict[str, str]
    # What the simulated exchange's error frame makes the session record as its last error.
    error_says: str
    close_code: int = 1001
    close_reason: str = "going away"
    # What a server close leaves in the last error; by default the close code.
    closed_says: str = ""
    # Attributes set on the simulated exchange, and session options (heartbeat_interval_s, ...).
    sim_attributes: dict = field(default_factory=dict)
    session_options: dict = field(default_factory=dict)
    # The server cuts a connection on which the client has been silent (`idle_timeout_s` on the
    # simulator), so the heartbeat alone must keep a connection with no subscriptions open.
    cuts_silent_clients: bool = False
    heartbeat: Heartbeat = Heartbeat(0.3)


DRILLS = {
    "binance": Drill(
        {"BTCUSDT": "BTC/USDT:USDT", "ETHUSDT": "ETH/USDT:USDT"},
        error_says="binance error 2: Invalid request: simulated",
        heartbeat=Heartbeat(0.4, client_pings=False, session_ping_interval_s=None, server_ping_interval_s=0.1),
    ),
    "bybit": Drill(
        {"BTCUSDT": "BTC/USDT:USDT", "BTCPERP": "BTC/USDC:USDC"},
        error_says="bybit subscribe refused: error:handler not found,topic:orderbook.1.SIMULATED",
        cuts_silent_clients=True,
    ),
    "okx": Drill(
        {"BTC-USDT-SWAP": "BTC/USDT:USDT", "BTC-USD-SWAP": "BTC/USD:BTC"},
        error_says="okx error 64007: Operation subscribe failed",
        close_code=4004,
        close_reason="No data received in 30s",
        cuts_silent_clients=True,
    ),
    "kucoin": Drill(
        {"XBTUSDTM": "BTC/USDT:USDT", "XBTUSDM": "BTC/USD:BTC"},
        error_says="kucoin error 404: topic does not exist",
        heartbeat=Heartbeat(0.3, session_ping_interval_s=None, server_ping_interval_s=0.1),
    ),
    "deribit": Drill(
        {"BTC-PERPETUAL": "BTC/USD:BTC", "BTC_USDC-PERPETUAL": "BTC/USDC:USDC"},
        error_says="deribit error 10028: too_many_requests",
        heartbeat=Heartbeat(0.4, client_pings=False, session_ping_interval_s=None, server_ping_interval_s=0.1),
    ),
    "bitmex": Drill(
        {"XBTUSDT": "BTC/USDT:USDT", "XBTUSD": "BTC/USD:BTC"},
        error_says="bitmex error 400: Simulated error",
    ),
    "gateio": Drill(
        {"BTC_USDT": "BTC/USDT:USDT", "ETH_USDT": "ETH/USDT:USDT"},
        error_says="gateio error 3 on futures.book_ticker subscribe: service error (simulated)",
        close_code=1012,
        close_reason="service restart",
    ),
    "mexc": Drill(
        {"BTC_USDT": "BTC/USDT:USDT", "BTC_USD": "BTC/USD:BTC"},
        error_says="mexc rs.error: simulated error",
    ),
    "bitget": Drill(
        {"BTCUSDT": "BTC/USDT:USDT", "BTCUSD": "BTC/USD:BTC"},
        error_says="bitget error 30016: simulated error",
    ),
    "phemex": Drill(
        {"BTCUSDT": "BTC/USDT:USDT", "BTCUSD": "BTC/USD:BTC"},
        error_says="phemex error 6001: invalid argument",
        # Phemex drops clients that stop pinging: its 30 s limit and 5 s heartbeat, scaled down.
        sim_attributes={"client_heartbeat_timeout_s": 0.4},
        session_options={"heartbeat_interval_s": 0.1},
    ),
    "coindcx": Drill(
        {"B-BTC_USDT": "BTC/USDT:USDT", "B-ETH_USDT": "ETH/USDT:USDT"},
        # No documented error event: the simulator sends an error body where the data string belongs.
        error_says="coindcx: unparseable frame: Expected `str`, got `object`",
        # Socket.IO has no close codes: the server ends a client with a disconnect packet.
        closed_says="server disconnect",
        # Whole seconds: python-engineio announces its ping interval so, and its client gives up
        # on a server silent for that interval plus the ping timeout.
        heartbeat=Heartbeat(1.5, client_pings=False, session_ping_interval_s=None, server_ping_interval_s=1.0),
    ),
}


@pytest.fixture(params=EXCHANGE_IDS)
def exchange_id(request) -> str:
    return request.param


@pytest.fixture
def drill(exchange_id) -> Drill:
    return DRILLS[exchange_id]


@pytest.fixture
async def sim(exchange_id, drill):
    async with Simulator([exchange_id], step_interval_s=0.02, seed=7) as simulator:
        for name, value in drill.sim_attributes.items():
            setattr(simulator.exchanges[exchange_id], name, value)
        yield simulator


@pytest.fixture
def exchange(sim, exchange_id):
    """The simulated exchange, whose faults the drills switch."""
    return sim.exchanges[exchange_id]


@pytest.fixture
def start(sim, exchange_id, drill, start_session):
    """Start a session on the drill's watched instruments."""

    def start_drill(**options):
        return start_session(sim, exchange_id, watched=drill.watched, **{**drill.session_options, **options})

    return start_drill


async def test_session_subscribes_and_streams_quotes_for_each_watched_instrument(exchange_id, drill, start):
    session, quotes = await start()
    for symbol, quote in zip(drill.watched, await quotes.first_of(*drill.watched), strict=True):
        assert (quote.exchange, quote.symbol, quote.instrument) == (exchange_id, symbol, drill.watched[symbol])
        assert 0 < quote.bid < quote.ask
        assert quote.bid_size > 0 and quote.ask_size > 0
    assert session.status.state == "connected"
    assert session.status.frame_errors == 0


async def test_dropped_connection_reconnects_and_resubscribes(drill, exchange, start):
    session, quotes = await start()
    await quotes.next()
    exchange.drop_connections()
    dropped_at = time.time_ns()
    await exchange.wait_for_connections(2, timeout_s=5)
    await quotes.first_of(*drill.watched, after_ns=dropped_at)  # every instrument again
    assert session.status.reconnects == 1


async def test_stalled_connection_is_replaced_by_the_watchdog(exchange_id, exchange, start):
    session, quotes = await start(stall_timeout_s=0.3)
    await quotes.next()
    exchange.faults.stall = True  # the socket stays open, heartbeats included: only the watchdog can tell
    await exchange.wait_for_connections(2, timeout_s=5)
    assert "stalled" in session.status.last_error
    exchange.faults.stall = False
    assert (await quotes.next_after(time.time_ns())).exchange == exchange_id


# How late the exchange's side of the heartbeat comes in the drill: far past every deadline above.
LATE_S = 2.0
# Room for a loaded machine to close and reconnect once the guard has seen the deadline pass.
SLACK_S = 0.5


@pytest.fixture
async def heartbeat_sim(exchange_id, drill):
    async with Simulator(
        [exchange_id], step_interval_s=0.02, seed=7, server_ping_interval_s=drill.heartbeat.server_ping_interval_s
    ) as simulator:
        for name, value in drill.sim_attributes.items():
            setattr(simulator.exchanges[exchange_id], name, value)
        yield simulator


async def test_a_late_heartbeat_replaces_the_connection_within_its_deadline(
    exchange_id, drill, heartbeat_sim, start_session
):
    heartbeat, exchange = drill.heartbeat, heartbeat_sim.exchanges[exchange_id]
    options = {**drill.session_options, "heartbeat_timeout_s": heartbeat.timeout_s}
    if heartbeat.session_ping_interval_s is not None:
        options["heartbeat_interval_s"] = heartbeat.session_ping_interval_s
    session, quotes = await start_session(heartbeat_sim, exchange_id, watched=drill.watched, **options)
    first = await quotes.next()
    # On time, the heartbeat keeps the connection: wait, on quotes, through several deadlines.
    await quotes.next_after(first.recv_ns + int(3 * heartbeat.timeout_s * 1e9))
    assert (exchange.connections_total, session.status.heartbeat_timeouts) == (1, 0)

    late_from = time.monotonic()
    exchange.faults.delay_pong_s = LATE_S  # data keeps flowing: only the heartbeat is late
    await exchange.wait_for_connections(2, timeout_s=5)
    replaced_after_s = time.monotonic() - late_from
    exchange.faults.delay_pong_s = 0
    assert session.status.heartbeat_timeouts >= 1
    assert session.status.last_error == (
        f"no pong within {heartbeat.timeout_s:g} s of a ping"
        if heartbeat.client_pings
        else f"no heartbeat from the exchange for {heartbeat.timeout_s:g} s"
    )
    # The next ping (or the exchange's last heartbeat) is at most one interval away, the deadline
    # runs from there, the guard looks every quarter deadline, then closes and reconnects at once.
    last_on_time_s = heartbeat.session_ping_interval_s or heartbeat.server_ping_interval_s
    assert replaced_after_s <= last_on_time_s + 1.25 * heartbeat.timeout_s + SLACK_S
    assert (await quotes.next_after(time.time_ns())).exchange == exchange_id


async def test_error_and_garbage_frames_are_counted_without_dropping_the_connection(
    exchange_id, drill, exchange, start
):
    session, quotes = await start()
    await quotes.next()
    exchange.faults.error = True
    async with asyncio.timeout(5):
        while drill.error_says not in session.status.last_error:
            await quotes.next()
    errors = session.status.frame_errors
    exchange.faults.error, exchange.faults.garbage = False, True
    async with asyncio.timeout(5):
        while session.status.frame_errors < errors + 2:  # random bytes and broken JSON
            await quotes.next()
    exchange.faults.garbage = False
    assert (await quotes.next_after(time.time_ns())).exchange == exchange_id
    assert exchange.connections_total == 1


async def test_server_close_leads_to_reconnect(exchange_id, drill, exchange, start):
    session, quotes = await start()
    await quotes.next()
    await exchange.close_connections(drill.close_code, drill.close_reason)
    await exchange.wait_for_connections(2, timeout_s=5)
    assert (await quotes.next_after(time.time_ns())).exchange == exchange_id
    assert session.status.reconnects >= 1
    assert (drill.closed_says or str(drill.close_code)) in session.status.last_error


@pytest.mark.parametrize("exchange_id", [eid for eid, drill in DRILLS.items() if drill.cuts_silent_clients])
async def test_the_heartbeat_alone_keeps_an_idle_connection_open(sim, exchange, start_session):
    exchange.idle_timeout_s = 0.3
    session, _ = await start_session(sim, watched=(), heartbeat_interval_s=0.05)
    await exchange.wait_for_pings(20, timeout_s=5)  # ≥ 1 s: more than three idle timeouts
    assert exchange.connections_total == 1
    assert session.status.state == "connected"
    assert session.status.frame_errors == 0  # the pongs are control frames
    assert session.status.messages >= 15
