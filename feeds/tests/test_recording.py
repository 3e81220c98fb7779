"""Recordings: what goes in comes back, merged across exchanges in time order; days rotate and
old days are deleted; a record cut short ends its file without losing what came before."""

from __future__ import annotations

import datetime as dt
import os
import stat
import time

from arbitrage.tests.factories import make_quote
from feeds.publish import QuotePublisher
from feeds.recorder import QuoteRecorder
from feeds.recording import MAGIC, Down, ReadStats, RecordingWriter, file_path, read_file, read_period

DAY_MS = 86_400_000
T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def at(exchange: str, ms: int, bid: str = "100"):
    return make_quote(exchange=exchange, bid=bid, ask="101", ts_ms=ms)  # recv_ns = ts + 5 ms


def test_quotes_come_back_exactly_and_merged_in_receive_order(tmp_path):
    writer = RecordingWriter(tmp_path / "recordings", retention_days=7)
    tmp_path = tmp_path / "recordings"
    binance = [at("binance", T0_MS + n * 10, bid=f"100.{n}") for n in range(0, 50, 2)]
    bybit = [at("bybit", T0_MS + n * 10) for n in range(1, 50, 2)]
    writer.write(binance[:10])
    writer.write(bybit + binance[10:], [Down("bybit", ["BTC/USDT:USDT"], T0_MS * 10**6 + 10**9)])

    events = list(read_period(tmp_path, T0_MS * 10**6, (T0_MS + DAY_MS) * 10**6))

    quotes = [e for e in events if not isinstance(e, Down)]
    assert quotes == sorted(binance + bybit, key=lambda q: q.recv_ns)
    assert [e for e in events if isinstance(e, Down)] == [Down("bybit", ["BTC/USDT:USDT"], T0_MS * 10**6 + 10**9)]
    assert events.index(Down("bybit", ["BTC/USDT:USDT"], T0_MS * 10**6 + 10**9)) == len(events) - 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["binance", "bybit"]
    path = file_path(tmp_path, "binance", dt.date(2026, 1, 1))
    assert path.read_bytes().startswith(MAGIC)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path).st_mode) == stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_a_period_reads_only_its_own_quotes_across_day_files(tmp_path):
    writer = RecordingWriter(tmp_path, retention_days=7)
    late, early = at("okx", T0_MS - 1000), at("okx", T0_MS + 1000)
    writer.write([late, early])  # one batch across midnight: two day files

    assert sorted(p.name for p in (tmp_path / "okx").iterdir()) == ["2025-12-31.arbrec", "2026-01-01.arbrec"]
    assert list(read_period(tmp_path, T0_MS * 10**6, (T0_MS + 60_000) * 10**6)) == [early]
    assert list(read_period(tmp_path, (T0_MS - 60_000) * 10**6, (T0_MS + 60_000) * 10**6)) == [late, early]


def test_a_new_day_deletes_the_days_past_retention(tmp_path):
    writer = RecordingWriter(tmp_path, retention_days=2)
    for day in range(4):
        writer.write([at("binance", T0_MS + day * DAY_MS)])

    # Written on days 1..4; on day 4, with two days kept, days 3 and 4 remain.
    assert sorted(p.name for p in (tmp_path / "binance").iterdir()) == ["2026-01-03.arbrec", "2026-01-04.arbrec"]


def test_a_record_cut_short_ends_the_file_and_is_counted(tmp_path):
    writer = RecordingWriter(tmp_path, retention_days=7)
    writer.write([at("binance", T0_MS)])
    writer.write([at("binance", T0_MS + 10)])
    path = file_path(tmp_path, "binance", dt.date(2026, 1, 1))
    path.write_bytes(path.read_bytes()[:-3])
    stats = ReadStats()

    assert [q for record in read_file(path, stats) for q in record] == [at("binance", T0_MS)]
    assert (stats.records, stats.truncated) == (1, 1)


async def test_every_quote_handed_to_the_sink_is_recorded_while_the_publisher_coalesces(tmp_path):
    class Layer:
        sent: list = []

        async def group_send(self, group, message):
            self.sent.append(message)

    recorder = QuoteRecorder(tmp_path, retention_days=7)
    publisher = QuotePublisher(Layer(), flush_interval_ms=10, recorder=recorder)
    sink = recorder.quote_sink("binance")
    now_ms = time.time_ns() // 1_000_000  # the down notice is stamped now: same day, nothing pruned
    ticks = [at("binance", now_ms - 100 + n, bid=f"100.{n}") for n in range(5)]
    for tick in ticks:  # what a session does with each frame's quotes
        publisher.add([tick])
        sink([tick])
    publisher.connection_down("binance", ["BTC/USDT:USDT"])
    await publisher.flush()
    await recorder.flush()

    assert publisher.sent_quotes == 1  # latest per symbol leaves for the engine
    recorded = list(read_period(tmp_path, 0, 2**62))
    assert recorded[:5] == ticks  # every tick is recorded
    assert isinstance(recorded[5], Down) and recorded[5].instruments == ["BTC/USDT:USDT"]
    assert recorder.buffered == 0 and recorder.writer.quotes == 5


async def test_a_failed_write_keeps_the_quotes_ahead_of_later_ones(tmp_path, monkeypatch):
    recorder = QuoteRecorder(tmp_path, retention_days=10_000)
    sink = recorder.quote_sink("okx")
    first = [at("okx", T0_MS), at("okx", T0_MS + 1)]
    sink(first)

    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr(recorder.writer, "write_grouped", refuse)
    await recorder.flush()
    assert (recorder.failed_writes, recorder.buffered) == (1, 2)

    later = [at("okx", T0_MS + 2)]
    sink(later)  # the same sink goes on working after the failure
    monkeypatch.undo()
    await recorder.flush()

    assert list(read_period(tmp_path, 0, 2**62)) == first + later
    assert recorder.buffered == 0 and recorder.dropped_quotes == 0


def test_a_feed_worker_records_only_when_recording_is_on(settings, tmp_path):
    from feeds.runner import FeedWorker

    settings.RECORDING_DIR = tmp_path
    settings.RECORDING_RETENTION_DAYS = 3
    assert FeedWorker(["binance"]).publisher.recorder is None  # off by default
    assert FeedWorker(["binance"])._quote_sink("binance") is None

    settings.RECORDING = True
    worker = FeedWorker(["binance"])

    assert worker.publisher.recorder is worker.recorder
    assert (worker.recorder.writer.directory, worker.recorder.writer.retention_days) == (tmp_path, 3)
    # Each connection's quotes go to its exchange's buffer, straight from the session.
    worker._quote_sink("binance")([at("binance", T0_MS)])
    assert worker.recorder.buffers["binance"] == [at("binance", T0_MS)]


async def test_the_recorder_writes_what_is_left_when_it_stops(tmp_path):
    import asyncio

    recorder = QuoteRecorder(tmp_path, retention_days=7, flush_interval_s=3600)
    task = asyncio.create_task(recorder.run())
    await asyncio.sleep(0)  # running, waiting for its first flush
    now_ms = time.time_ns() // 1_000_000
    recorder.add([at("okx", now_ms)])
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    assert list(read_period(tmp_path, 0, 2**62)) == [at("okx", now_ms)]


def _funding(exchange: str, rate: str, next_ms: int = T0_MS + 3_600_000):
    from decimal import Decimal

    from feeds.funding import Funding

    return Funding(exchange, "BTCUSDT", "BTC/USDT:USDT", Decimal(rate), 8, next_ms, T0_MS)


def test_funding_is_recorded_per_exchange_and_comes_back_in_time_order(tmp_path):
    from feeds.recording import FundingBatch

    writer = RecordingWriter(tmp_path, retention_days=10_000)
    polled = FundingBatch(T0_MS * 10**6 + 15 * 10**6, [_funding("binance", "0.0001"), _funding("bybit", "-0.0002")])
    writer.write([at("binance", T0_MS), at("binance", T0_MS + 20)], funding=[polled])

    events = list(read_period(tmp_path, 0, 2**62))

    # Received at +15 ms: between the quote received at +5 ms and the one at +25 ms; one record a file.
    assert events == [
        at("binance", T0_MS),
        FundingBatch(polled.at_ns, [_funding("binance", "0.0001")]),
        FundingBatch(polled.at_ns, [_funding("bybit", "-0.0002")]),
        at("binance", T0_MS + 20),
    ]
    assert str(events[2].records[0].rate) == "-0.0002"


def test_a_record_of_a_kind_the_reader_does_not_know_is_skipped(tmp_path):
    import struct

    import zstandard

    writer = RecordingWriter(tmp_path, retention_days=10_000)
    writer.write([at("okx", T0_MS)])
    path = file_path(tmp_path, "okx", dt.date(2026, 1, 1))
    unknown = zstandard.ZstdCompressor().compress(b"anything a later version writes")
    with path.open("ab") as file:
        file.write(struct.pack(">cI", b"Z", len(unknown)) + unknown)
    writer.write([at("okx", T0_MS + 1)])
    stats = ReadStats()

    assert list(read_period(tmp_path, 0, 2**62, stats=stats)) == [at("okx", T0_MS), at("okx", T0_MS + 1)]
    assert (stats.records, stats.truncated) == (3, 0)


async def test_a_feed_workers_funding_polls_are_recorded_as_they_reach_the_publisher(tmp_path):
    from feeds.recording import FundingBatch

    class Layer:
        async def group_send(self, group, message):
            pass

    recorder = QuoteRecorder(tmp_path, retention_days=10_000)
    publisher = QuotePublisher(Layer(), flush_interval_ms=10, recorder=recorder)
    before_ns = time.time_ns()
    publisher.add_funding([_funding("bybit", "0.0003")])
    await recorder.flush()

    [batch] = list(read_period(tmp_path, 0, 2**62))
    assert isinstance(batch, FundingBatch) and batch.records == [_funding("bybit", "0.0003")]
    assert before_ns <= batch.at_ns <= time.time_ns()
    assert recorder.funding == []


def test_two_writers_of_one_day_file_append_whole_records_under_one_header(tmp_path):
    # Two feed workers recording one exchange each keep the day file open: O_APPEND keeps both whole.
    first, second = RecordingWriter(tmp_path, retention_days=10_000), RecordingWriter(tmp_path, retention_days=10_000)
    first.write([at("okx", T0_MS)])
    second.write([at("okx", T0_MS + 1)])
    first.write([at("okx", T0_MS + 2)])
    first.close()
    second.close()
    path = file_path(tmp_path, "okx", dt.date(2026, 1, 1))

    assert path.read_bytes().count(MAGIC) == 1
    assert list(read_period(tmp_path, 0, 2**62)) == [at("okx", T0_MS + n) for n in range(3)]


def test_a_busy_second_is_cut_into_records_of_bounded_size(tmp_path, monkeypatch):
    import feeds.recording

    monkeypatch.setattr(feeds.recording, "MAX_RECORD_QUOTES", 3)
    writer = RecordingWriter(tmp_path, retention_days=10_000)
    quotes = [at("okx", T0_MS + n) for n in range(7)]
    writer.write(quotes)
    stats = ReadStats()

    assert list(read_period(tmp_path, 0, 2**62, stats=stats)) == quotes
    assert (stats.records, writer.quotes) == (3, 7)  # 3 + 3 + 1


def _book(exchange: str, recv_ms: int):
    from decimal import Decimal

    from feeds.depth import Depth

    bids = [(Decimal("43200.5"), Decimal("0.25")), (Decimal("43150"), Decimal("1.000"))]
    asks = [(Decimal("43201"), Decimal("0.5")), (Decimal("43250"), Decimal("2"))]
    return Depth(exchange, "BTCUSDT", "BTC/USDT:USDT", bids, asks, recv_ms - 3, recv_ms * 10**6)


def test_depth_is_recorded_per_exchange_exactly_and_comes_back_in_time_order(tmp_path):
    from feeds.recording import DepthBatch

    writer = RecordingWriter(tmp_path, retention_days=10_000)
    sent = DepthBatch(T0_MS * 10**6 + 15 * 10**6, [_book("binance", T0_MS + 12), _book("bybit", T0_MS + 14)])
    writer.write([at("binance", T0_MS), at("binance", T0_MS + 20)], depth=[sent])

    events = list(read_period(tmp_path, 0, 2**62))

    assert events == [
        at("binance", T0_MS),
        DepthBatch(sent.at_ns, [_book("binance", T0_MS + 12)]),
        DepthBatch(sent.at_ns, [_book("bybit", T0_MS + 14)]),
        at("binance", T0_MS + 20),
    ]
    # Exactly as sent: trailing zeros and all.
    assert [str(size) for _, size in events[2].records[0].bids] == ["0.25", "1.000"]


async def test_the_depth_a_publisher_sends_the_engine_is_recorded(tmp_path):
    from feeds.recording import DepthBatch

    sent = []

    class Layer:
        async def group_send(self, group, message):
            sent.append(message["type"])

    recorder = QuoteRecorder(tmp_path, retention_days=10_000)
    publisher = QuotePublisher(Layer(), flush_interval_ms=10, recorder=recorder)
    before_ns = time.time_ns()
    publisher.add_depth([_book("okx", T0_MS), _book("okx", T0_MS + 5)])  # latest per symbol wins
    await publisher.flush()
    await recorder.flush()

    [batch] = list(read_period(tmp_path, 0, 2**62))
    assert sent == ["depth.batch"]
    assert isinstance(batch, DepthBatch) and batch.records == [_book("okx", T0_MS + 5)]
    assert before_ns <= batch.at_ns <= time.time_ns()
    assert recorder.depth == []


async def test_depth_a_failed_write_took_is_written_with_the_next_flush(tmp_path, monkeypatch):
    from feeds.recording import DepthBatch

    recorder = QuoteRecorder(tmp_path, retention_days=10_000)
    recorder.add_depth([_book("okx", T0_MS)])

    def disk_full(*args):
        raise OSError("No space left on device")

    monkeypatch.setattr(recorder.writer, "write_grouped", disk_full)
    await recorder.flush()
    assert recorder.failed_writes == 1 and len(recorder.depth) == 1
    monkeypatch.undo()
    await recorder.flush()

    assert [type(event) for event in read_period(tmp_path, 0, 2**62)] == [DepthBatch]
