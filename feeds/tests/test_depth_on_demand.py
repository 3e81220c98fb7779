"""A depth connection streams only the books it is asked for: it stays closed while none are
wanted, subscribes and drops books on the open connection as the demand moves, and closes once
nothing is wanted. The feed worker routes the engine's demand to each exchange's connection."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from feeds.depth import DEPTH_DEMAND_TYPE, demand_message, demanded_legs
from feeds.simulator.server import Simulator
from feeds.tests.conftest import Collector
from feeds.types import FrameError


@pytest.fixture
async def sim():
    async with Simulator(["binance", "bybit", "phemex", "kucoin"], step_interval_s=0.02, seed=5) as simulator:
        yield simulator


async def _records_of(depths: Collector, instrument: str, count: int) -> list:
    """The next `count` records, from the first of `instrument` on."""
    while (record := await depths.next()).instrument != instrument:
        pass
    return [record] + [await depths.next() for _ in range(count - 1)]


# Phemex's unsubscribe ends every book on the connection: the books kept are subscribed again.
@pytest.mark.parametrize(
    ("exchange_id", "btc", "eth"),
    [
        ("binance", "BTCUSDT", "ETHUSDT"),
        ("bybit", "BTCUSDT", "ETHUSDT"),
        ("phemex", "BTCUSDT", "ETHUSDT"),
        ("kucoin", "XBTUSDTM", "ETHUSDTM"),
    ],
)
async def test_books_follow_what_is_wanted_on_one_connection(sim, start_session, exchange_id, btc, eth):
    depths = Collector()
    session, _ = await start_session(sim, exchange_id, watched=[btc, eth], on_depth=depths, want_depth=False)
    await asyncio.wait_for(session.idle.wait(), 5)
    assert session.status.state == "idle" and session.status.connected_since_ms is None
    assert depths.queue.empty() and session.status.subscribed == 0

    session.want_depth([btc])
    first = await depths.next()
    assert first.instrument == "BTC/USDT:USDT" and session.status.subscribed == 1
    connections = session.status.reconnects

    session.want_depth([eth])
    # Once the first ETH book is in, BTC's stream has been dropped: the exchange handles the
    # unsubscribe before the subscribe that follows it.
    after = await _records_of(depths, "ETH/USDT:USDT", 20)
    assert {record.instrument for record in after} == {"ETH/USDT:USDT"}
    assert session.status.reconnects == connections and session.status.state == "connected"

    session.want_depth([btc, eth, "NOTLISTED"])
    seen = set()
    while seen != {"BTC/USDT:USDT", "ETH/USDT:USDT"}:
        seen.add((await depths.next()).instrument)
    assert session.status.subscribed == 2

    session.want_depth([eth])  # one book dropped, the other kept streaming
    run = 0
    while run < 20:
        run = run + 1 if (await depths.next()).instrument == "ETH/USDT:USDT" else 0
    assert session.status.frame_errors == 0


async def test_nothing_wanted_closes_the_connection_and_new_demand_opens_one(sim, start_session):
    depths = Collector()
    session, _ = await start_session(sim, "binance", watched=["BTCUSDT"], on_depth=depths)
    await depths.next()
    session.want_depth([])
    await asyncio.wait_for(session.idle.wait(), 5)
    assert session.status.state == "idle" and session.status.connected_since_ms is None
    assert session.status.reconnects == 0 and session.status.last_error == ""
    while not depths.queue.empty():  # what was in flight as it closed
        depths.queue.get_nowait()
    session.want_depth(["BTCUSDT"])
    assert (await depths.next()).instrument == "BTC/USDT:USDT"
    assert not session.idle.is_set() and session.status.state == "connected"


def test_a_worker_asks_each_exchanges_depth_connection_for_its_own_legs():
    from feeds.runner import FeedWorker

    asked = {}
    worker = FeedWorker(["binance", "bybit"], endpoints={})

    def stub(exchange_id, symbols):
        return SimpleNamespace(
            instruments={symbol: SimpleNamespace(instrument=name) for symbol, name in symbols.items()},
            want_depth=lambda wanted: asked.__setitem__(exchange_id, sorted(wanted)),
        )

    worker.depth_sessions = {
        "binance": [stub("binance", {"BTCUSDT": "BTC/USDT:USDT", "ETHUSDT": "ETH/USDT:USDT"})],
        "bybit": [stub("bybit", {"BTCUSDT": "BTC/USDT:USDT", "BTCPERP": "BTC/USDC:USDC"})],
    }
    worker.on_depth_demand(demanded_legs(demand_message({"binance": ["ETH/USDT:USDT"], "okx": ["BTC/USDT:USDT"]})))
    assert asked == {"binance": ["ETHUSDT"], "bybit": []}
    worker.on_depth_demand({"bybit": frozenset({"BTC/USDC:USDC", "BTC/USDT:USDT"})})
    assert asked == {"binance": [], "bybit": ["BTCPERP", "BTCUSDT"]}


@pytest.mark.parametrize(
    "message",
    [{"type": "quotes.batch"}, {"type": DEPTH_DEMAND_TYPE}, {"type": DEPTH_DEMAND_TYPE, "legs": {"binance": "BTC"}}],
)
def test_a_malformed_demand_is_refused(message):
    with pytest.raises(FrameError):
        demanded_legs(message)
