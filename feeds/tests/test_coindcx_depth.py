"""CoinDCX depth from its quote stream: the quote connection's frames are the exchange's depth-20
book, so for the books the engine wants (and only those) each frame also gives a depth record,
the best 10 levels a side; on the simulator, one connection follows the demand as it moves."""

from __future__ import annotations

import time
from decimal import Decimal
from types import SimpleNamespace

import pytest

from feeds.depth import DEPTH_LEVELS, demand_message, demanded_legs
from feeds.exchanges import parse_frame_and_depth, parse_instruments
from feeds.exchanges.coindcx import CoinDCX
from feeds.simulator.server import Simulator
from feeds.tests.conftest import Collector
from feeds.tests.frames import coindcx as frames

INSTRUMENTS = {i.symbol: i for i in parse_instruments("coindcx", frames.ACTIVE_INSTRUMENTS)}
RECV_NS = 1_700_000_001_500_000_000
BOTH = frozenset({"B-BTC_USDT", "B-ETH_USDT"})


def parse(raw, state, wanted=BOTH):
    return parse_frame_and_depth("coindcx", raw, INSTRUMENTS, state, RECV_NS, wanted)


def test_a_wanted_book_gives_its_best_ten_levels_a_side_best_first():
    quotes, [depth] = parse(frames.ETH_BOOK_20, {})
    assert (depth.exchange, depth.symbol, depth.instrument) == ("coindcx", "B-ETH_USDT", "ETH/USDT:USDT")
    assert len(depth.bids) == len(depth.asks) == DEPTH_LEVELS
    assert depth.bids == [(Decimal(f"{2300 - n / 100:.2f}"), Decimal(n + 1)) for n in range(10)]
    assert depth.asks == [(Decimal(f"{2300.01 + n / 100:.2f}"), Decimal(n + 1)) for n in range(10)]
    assert (depth.ts_ms, depth.recv_ns) == (1700000001000, RECV_NS)
    [quote] = quotes  # the quote is the depth's first level, as ever
    assert (quote.bid, quote.bid_size, quote.ask, quote.ask_size) == (*depth.bids[0], *depth.asks[0])


def test_updates_reach_the_depth_of_the_kept_book():
    state: dict = {}
    parse(frames.SNAPSHOT, state)
    [quote], [depth] = parse(frames.UPDATE, state)
    # The best ask was deleted ("0") and a better bid arrived.
    assert depth.bids == [
        (Decimal("43250.15"), Decimal("0.25")),
        (Decimal("43250.1"), Decimal("2.89")),
        (Decimal("43249.9"), Decimal("0.5")),
    ]
    assert depth.asks == [(Decimal("43250.3"), Decimal("1.2")), (Decimal("43251"), Decimal("3"))]
    assert (quote.bid, quote.ask) == (Decimal("43250.15"), Decimal("43250.3"))


def test_a_book_nobody_wants_gives_quotes_only():
    state: dict = {}
    quotes, records = parse(frames.SNAPSHOT, state, wanted=frozenset({"B-ETH_USDT"}))
    assert len(quotes) == 1 and records == []
    assert parse(frames.ETH_BOOK_20, state, wanted=frozenset())[1] == []
    # Asked for later, the book kept meanwhile is whole at once.
    [_], [depth] = parse(frames.UPDATE, state, wanted=frozenset({"B-BTC_USDT"}))
    assert depth.bids[0] == (Decimal("43250.15"), Decimal("0.25"))


def test_no_depth_without_a_trusted_book():
    state: dict = {}
    assert parse(frames.UPDATE, state) == ([], [])  # no snapshot yet
    parse(frames.SNAPSHOT, state)
    assert parse(frames.UPDATE_AFTER_GAP, state) == ([], [])  # a gap in vs drops the book
    state = {}
    parse(frames.SNAPSHOT, state)
    parse(frames.UPDATE, state)
    assert parse(frames.BIDS_GONE, state) == ([], [])  # a side emptied: no quote, no depth
    assert parse(frames.EMPTY_SIDE_SNAPSHOT, {}) == ([], [])
    assert parse(frames.UNKNOWN_SYMBOL, {}) == ([], [])


def test_the_connector_hands_depth_on_from_its_quote_connections():
    assert CoinDCX.depth_in_quote_frames and not CoinDCX.has_depth  # no depth connection of its own


# --- on the simulator ----------------------------------------------------------------------------


@pytest.fixture
async def sim():
    async with Simulator(["coindcx"], step_interval_s=0.02, seed=5) as simulator:
        yield simulator


async def _depth_of(depths: Collector, instrument: str, after_ns: int = 0):
    while (record := await depths.next()).instrument != instrument or record.recv_ns <= after_ns:
        pass
    return record


async def test_the_quote_connection_follows_the_demand_without_reconnecting(sim, start_session):
    depths = Collector()
    session, quotes = await start_session(sim, "coindcx", watched=["B-BTC_USDT", "B-ETH_USDT"], on_quote_depth=depths)
    await quotes.first_of("B-BTC_USDT", "B-ETH_USDT")
    assert depths.count == 0  # nothing wanted: quotes only
    assert session.status.subscribed == 2  # its quote joins, whatever depth is wanted

    session.want_depth(["B-BTC_USDT"])
    btc = await _depth_of(depths, "BTC/USDT:USDT")
    assert (len(btc.bids), len(btc.asks)) == (DEPTH_LEVELS, DEPTH_LEVELS)  # 10 of the channel's 20
    assert [p for p, _ in btc.bids] == sorted((p for p, _ in btc.bids), reverse=True)
    assert [p for p, _ in btc.asks] == sorted(p for p, _ in btc.asks)
    assert btc.bids[0][0] < btc.asks[0][0]

    moved_ns = time.time_ns()
    session.want_depth(["B-ETH_USDT", "NOTLISTED"])
    await _depth_of(depths, "ETH/USDT:USDT", moved_ns)
    # Once quotes of both arrive after the change, only ETH's books have come with them.
    await quotes.first_of("B-BTC_USDT", "B-ETH_USDT", after_ns=time.time_ns())
    later = [depths.queue.get_nowait() for _ in range(depths.queue.qsize())]
    assert {r.instrument for r in later if r.recv_ns > moved_ns} == {"ETH/USDT:USDT"}

    dropped_ns = time.time_ns()
    session.want_depth([])
    await quotes.first_of("B-BTC_USDT", "B-ETH_USDT", after_ns=time.time_ns())
    later = [depths.queue.get_nowait() for _ in range(depths.queue.qsize())]
    assert [r for r in later if r.recv_ns > dropped_ns] == []
    assert session.status.reconnects == 0 and session.status.frame_errors == 0
    assert session.status.state == "connected"


async def test_a_depth_record_is_the_book_its_quote_came_from(sim, start_session):
    depths = Collector()
    session, quotes = await start_session(sim, "coindcx", watched=["B-SOL_USDT"], on_quote_depth=depths)
    session.want_depth(["B-SOL_USDT"])
    depth = await depths.next()
    # Depth goes out before the frame's quote, both from the same frame.
    while (quote := await quotes.next()).recv_ns != depth.recv_ns:
        pass
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)


def test_a_worker_asks_coindcx_quote_connections_for_their_own_legs():
    from feeds.runner import FeedWorker

    asked = {}
    worker = FeedWorker(["coindcx", "binance"], endpoints={})

    def stub(name, symbols):
        return SimpleNamespace(
            instruments={symbol: SimpleNamespace(instrument=instrument) for symbol, instrument in symbols.items()},
            want_depth=lambda wanted: asked.__setitem__(name, sorted(wanted)),
        )

    worker.sessions = {
        "coindcx": [stub("first", {"B-BTC_USDT": "BTC/USDT:USDT"}), stub("second", {"B-ETH_USDT": "ETH/USDT:USDT"})],
        "binance": [stub("binance quotes", {"BTCUSDT": "BTC/USDT:USDT"})],  # it has a depth connection instead
    }
    worker.on_depth_demand(demanded_legs(demand_message({"coindcx": ["ETH/USDT:USDT"], "binance": ["BTC/USDT:USDT"]})))
    assert asked == {"first": [], "second": ["B-ETH_USDT"]}
    worker.on_depth_demand({})
    assert asked == {"first": [], "second": []}
