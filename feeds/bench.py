"""Parser benchmark: µs per frame for each exchange's typical data frame.

The frames are the documented-shape fixtures the parser tests use (feeds/tests/frames/).
Channels that keep a book per connection are timed on their snapshot frames, which carry
the whole top of book, so every call starts from an empty state.
"""

from __future__ import annotations

import importlib
import timeit

from feeds.exchanges import CONNECTORS, parse_frame, parse_instruments

# exchange -> (data frame, instrument-list body), names in feeds/tests/frames/<exchange>.py
FRAMES = {
    "binance": ("BOOK_TICKER", "EXCHANGE_INFO"),
    "bybit": ("SNAPSHOT", "INSTRUMENTS_PAGE"),
    "okx": ("BBO", "INSTRUMENTS"),
    "kucoin": ("TICKER_V2", "CONTRACTS_ACTIVE"),
    "deribit": ("QUOTE_LINEAR", "GET_INSTRUMENTS"),
    "bitmex": ("INSERT", "INSTRUMENT_ACTIVE"),
    "gateio": ("BOOK_TICKER", "CONTRACTS"),
    "mexc": ("DEPTH_FULL", "CONTRACT_DETAIL"),
    "bitget": ("BOOKS1", "CONTRACTS_USDT"),
    "phemex": ("USDT_SNAPSHOT", "PRODUCTS"),
    "coindcx": ("SNAPSHOT", "ACTIVE_INSTRUMENTS"),
}


class _NoLayer:
    """A channel layer that takes every message and keeps none: the publisher's own cost alone."""

    async def group_send(self, group: str, message: dict) -> None:
        pass


def bench_parsers(number: int = 20_000) -> list[dict]:
    rows = []
    for exchange_id in CONNECTORS:
        frame_name, body_name = FRAMES[exchange_id]
        frames = importlib.import_module(f"feeds.tests.frames.{exchange_id}")
        frame = getattr(frames, frame_name)
        instruments = {i.symbol: i for i in parse_instruments(exchange_id, getattr(frames, body_name))}
        quotes = len(parse_frame(exchange_id, frame, instruments, {}, 0))
        if not quotes:
            raise RuntimeError(f"{exchange_id}: {frame_name} gives no quote")
        seconds = min(
            timeit.repeat(
                lambda: parse_frame(exchange_id, frame, instruments, {}, 0),  # noqa: B023
                number=number,
                repeat=3,
            )
        )
        rows.append(
            {"exchange": exchange_id, "us_per_frame": seconds / number * 1e6, "frame": frame_name, "quotes": quotes}
        )
    return rows


def bench_socket_ingest(frames: int = 40_000, frames_per_s: float | None = None) -> dict:
    """A feed worker's CPU per quote, socket to publisher: Binance bookTicker frames over a
    loopback WebSocket (no TLS, so lower than live), read by `websockets` and handed to the
    session's own frame handler (count, parse, deadlines) and the publisher (10 ms flushes).
    The sending server runs on another thread; only the reading thread's CPU counts.

    `frames_per_s` None: as fast as the socket goes, many frames per read (a floor). A rate:
    frames sent evenly (every ms), so each read brings a few, as from live exchanges."""
    import asyncio
    import threading
    import time

    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    from feeds.exchanges.base import Endpoints
    from feeds.publish import QuotePublisher
    from feeds.session import ExchangeSession
    from feeds.tests.frames import binance

    frame = binance.BOOK_TICKER
    instruments = {i.symbol: i for i in parse_instruments("binance", binance.EXCHANGE_INFO)}
    ready, url = threading.Event(), []

    def server() -> None:
        async def blast(ws) -> None:
            per_ms = max(1, round(frames_per_s / 1000)) if frames_per_s else frames
            loop = asyncio.get_running_loop()
            started = loop.time()
            for sent in range(0, frames, per_ms):
                for _ in range(min(per_ms, frames - sent)):
                    await ws.send(frame)
                if frames_per_s:
                    await asyncio.sleep(max(0.0, started + (sent + per_ms) / frames_per_s - loop.time()))
            await ws.close()

        async def main() -> None:
            async with serve(blast, "127.0.0.1", 0) as running:
                url.append(f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}")
                ready.set()
                await running.wait_closed()

        asyncio.run(main())

    async def read() -> tuple[int, float]:
        publisher = QuotePublisher(_NoLayer(), flush_interval_ms=10)
        session = ExchangeSession(
            "binance",
            instruments,
            publisher.add,
            endpoints=Endpoints(url[0], ""),
            stall_timeout_s=30,
            backoff_initial_s=1,
            backoff_max_s=1,
        )
        session._open_deadlines(None)
        flusher = asyncio.create_task(publisher.run())
        state: dict = {}
        async with connect(url[0], max_queue=64) as ws:
            began = time.thread_time()
            async for raw in ws:
                session._on_frame(raw, state)
            spent = time.thread_time() - began
        flusher.cancel()
        return session.status.quotes, spent

    thread = threading.Thread(target=server, daemon=True)
    thread.start()
    ready.wait(10)
    quotes, spent_s = asyncio.run(read())
    return {
        "frames": frames,
        "frames_per_s": frames_per_s,
        "quotes": quotes,
        "us_per_quote": spent_s / max(quotes, 1) * 1e6,
    }


def bench_recording(
    ingest_us_per_quote: float, parse_us_per_quote: float, quotes: int = 200_000, quotes_per_s: int | None = None
) -> dict:
    """What recording adds to a feed worker, per quote, against what ingest costs already:
    each frame's quotes handed to the exchange's sink (`QuoteRecorder.quote_sink`, as a
    session does) plus the once-a-second write (msgpack, zstd level 1, append), all on one core
    (the live recorder writes on a thread, the CPU is the same). `quotes_per_s`: the rate the
    worker ingests, so each write holds one second of it (None: the simulated market's own rate,
    88 quotes per 100 ms). Against `ingest_us_per_quote` (bench_socket_ingest) and, as a worst
    case, against the parser plus the publisher alone."""
    import asyncio
    import tempfile
    import time
    from pathlib import Path

    from feeds.publish import QuotePublisher
    from feeds.recorder import QuoteRecorder
    from feeds.simulator.market import Market
    from feeds.simulator.recorded import market_quotes
    from feeds.simulator.server import SIMULATED_EXCHANGE_IDS
    from feeds.types import Quote

    market = Market(list(SIMULATED_EXCHANGE_IDS), seed=3)
    steps = max(1, quotes // (len(SIMULATED_EXCHANGE_IDS) * len(market.coins)))
    stream = list(market_quotes(market, 1_767_225_600_000, steps / 10))
    per_step = len(stream) // steps  # quotes per 100 ms: ten 10 ms publisher flushes each
    chunks = [stream[n : n + per_step // 10 or 1] for n in range(0, len(stream), per_step // 10 or 1)]

    async def publish() -> float:
        publisher = QuotePublisher(_NoLayer(), flush_interval_ms=10)
        began = time.process_time()
        for chunk in chunks:
            for quote in chunk:
                publisher.add([quote])
            await publisher.flush()
        return time.process_time() - began

    publish_s = asyncio.run(publish())
    with tempfile.TemporaryDirectory() as directory:
        recorder = QuoteRecorder(Path(directory), retention_days=10_000)
        per_second = quotes_per_s or per_step * 10
        # Each second's frames (one quote each) by exchange, as each exchange's connections hand
        # them in; the frames' lists are the parser's, made before the clock starts.
        seconds = []
        for start in range(0, len(stream), per_second):
            by_exchange: dict[str, list[list[Quote]]] = {}
            for quote in stream[start : start + per_second]:
                by_exchange.setdefault(quote.exchange, []).append([quote])
            seconds.append([(recorder.quote_sink(exchange), frames) for exchange, frames in by_exchange.items()])
        began = time.process_time()
        for second in seconds:
            for sink, frames in second:
                for frame in frames:
                    sink(frame)
            recorder._write(recorder._take_quotes(), [])
        recorder.writer.close()
        record_s = time.process_time() - began
        written = recorder.writer.bytes_written
    count = len(stream)
    parse_publish_us = parse_us_per_quote + publish_s / count * 1e6
    record_us = record_s / count * 1e6
    return {
        "quotes": count,
        "quotes_per_write": per_second,
        "ingest_us_per_quote": ingest_us_per_quote,
        "parse_publish_us_per_quote": parse_publish_us,
        "record_us_per_quote": record_us,
        "record_pct_of_ingest": record_us / ingest_us_per_quote * 100,
        "record_pct_of_parse_publish": record_us / parse_publish_us * 100,
        "bytes_per_quote": written / count,
    }


def bench_universe_feed(parse_us_per_quote: float, universe: int, seconds: float = 30, step_ms: int = 100) -> dict:
    """A single process's feed side with a generated universe of `universe` coins watched on all
    11 exchanges (`ARBSITE_INSTRUMENTS=*`): the simulator's market steps (what `run_all --simulate`
    adds), and per quote the publisher (10 ms batches, no layer) plus `parse_us_per_quote`, the
    parsers' mean. Socket reads are not in it: bench_socket_ingest measures those."""
    import asyncio
    import time

    from feeds.publish import QuotePublisher
    from feeds.simulator.market import Market
    from feeds.simulator.recorded import market_quotes
    from feeds.simulator.server import SIMULATED_EXCHANGE_IDS

    market = Market(list(SIMULATED_EXCHANGE_IDS), seed=1, universe=universe)
    step_count = int(seconds * 1000 / step_ms)
    began = time.process_time()
    for step in range(step_count):
        market.step(now_ms=step * step_ms)
    market_s = time.process_time() - began
    stream = list(market_quotes(market, 1_767_225_600_000, seconds, step_ms))
    batch = max(1, len(stream) // (step_count * max(1, step_ms // 10)))

    async def publish() -> float:
        publisher = QuotePublisher(_NoLayer(), flush_interval_ms=10)
        began = time.process_time()
        for n in range(0, len(stream), batch):
            publisher.add(stream[n : n + batch])
            await publisher.flush()
        return time.process_time() - began

    publish_s = asyncio.run(publish())
    quotes_per_s = len(stream) / seconds
    per_quote_us = parse_us_per_quote + publish_s / max(len(stream), 1) * 1e6
    return {
        "universe": universe,
        "books": sum(len(market.listed(exchange)) for exchange in market.exchanges),
        "quotes_per_s": quotes_per_s,
        "parse_publish_us_per_quote": per_quote_us,
        "feed_cpu_pct": quotes_per_s * per_quote_us / 1e4,
        "market_us_per_step": market_s / step_count * 1e6,
        "market_cpu_pct": market_s / seconds * 100,
    }
