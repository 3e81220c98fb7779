"""Raw frames (ARBSITE_RECORD_RAW): each connection's frames kept exactly as received, in files
of their own next to the quotes, read back byte for byte; off unless asked for."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from feeds.recorder import QuoteRecorder
from feeds.recording import MAGIC, RecordingWriter, raw_file_path, read_period, read_raw_file

T0_NS = 1_767_225_600_000 * 10**6  # 2026-01-01T00:00:00Z
DAY_NS = 86_400 * 10**9


def test_text_and_binary_frames_read_back_byte_identical_per_connection_and_day(tmp_path):
    text = '{"e":"bookTicker","s":"BTCUSDT","b":"43000.10","B":"1.5","note":"ünïcode ✓"}'
    binary = bytes(range(256)) + b"\x1f\x8b\x08\x00"  # not UTF-8: stays bytes
    writer = RecordingWriter(tmp_path, retention_days=10_000)
    writer.write_raw("binance", 0, [(T0_NS - 1, text), (T0_NS + 5, binary)])
    writer.write_raw("binance", 1, [(T0_NS + 7, "pong")])

    day_before = list(read_raw_file(raw_file_path(tmp_path, "binance", dt.date(2025, 12, 31), 0)))
    [(at_ns, frame)] = list(read_raw_file(raw_file_path(tmp_path, "binance", dt.date(2026, 1, 1), 0)))

    assert day_before == [(T0_NS - 1, text)]
    assert type(day_before[0][1]) is str and day_before[0][1].encode() == text.encode()
    assert (at_ns, type(frame), frame) == (T0_NS + 5, bytes, binary)
    assert list(read_raw_file(raw_file_path(tmp_path, "binance", dt.date(2026, 1, 1), 1))) == [(T0_NS + 7, "pong")]
    path = raw_file_path(tmp_path, "binance", dt.date(2026, 1, 1), 0)
    assert path.name == "2026-01-01.0.arbraw" and path.read_bytes().startswith(MAGIC)
    assert list(read_period(tmp_path, 0, 2**62)) == []  # quote readers never see them


def test_raw_files_go_with_the_retention(tmp_path):
    writer = RecordingWriter(tmp_path, retention_days=2)
    for day in range(3):
        writer.write_raw("okx", 0, [(T0_NS + day * DAY_NS, "{}")])

    assert sorted(p.name for p in (tmp_path / "okx").iterdir()) == ["2026-01-02.0.arbraw", "2026-01-03.0.arbraw"]


async def test_a_session_against_the_simulator_records_every_frame_it_received(tmp_path):
    import aiohttp

    from feeds.exchanges import parse_instruments
    from feeds.session import ExchangeSession
    from feeds.simulator.server import Simulator

    recorder = QuoteRecorder(tmp_path, retention_days=10_000)
    sink = recorder.raw_frames("binance", 0)
    received: list[tuple[int, str | bytes]] = []
    enough = asyncio.Event()

    def on_raw(raw: str | bytes, recv_ns: int) -> None:
        received.append((recv_ns, raw))
        sink.add(raw, recv_ns)
        if len(received) >= 20:
            enough.set()

    async with Simulator(["binance"], step_interval_s=0.02) as sim:
        async with aiohttp.ClientSession() as http:
            listed = await (await http.get(sim.endpoints["binance"].rest_url + "/fapi/v1/exchangeInfo")).read()
        instruments = {i.symbol: i for i in parse_instruments("binance", listed) if i.symbol == "BTCUSDT"}
        published: list = []
        session = ExchangeSession(
            "binance",
            instruments,
            published.extend,
            endpoints=sim.endpoints["binance"],
            stall_timeout_s=5,
            backoff_initial_s=0.01,
            backoff_max_s=0.02,
            on_raw=on_raw,
            on_record=recorder.quote_sink("binance"),
        )
        task = asyncio.create_task(session.run())
        try:
            await asyncio.wait_for(enough.wait(), timeout=10)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    await recorder.flush()

    # Every day file of connection 0, in case the test ran across midnight.
    recorded = [frame for path in sorted((tmp_path / "binance").glob("*.0.arbraw")) for frame in read_raw_file(path)]
    assert recorded == received and all(type(a[1]) is type(b[1]) for a, b in zip(recorded, received, strict=True))
    assert recorder.writer.raw_frames == len(received)
    # The quotes, recorded as the session handed them to the publisher.
    assert list(read_period(tmp_path, 0, 2**62)) == published and published
    assert len(received) >= 20 and received[-1][0] <= time.time_ns()


def test_a_feed_worker_hands_its_connections_raw_frames_to_the_recorder_only_when_asked(settings, tmp_path):
    from feeds.runner import FeedWorker

    settings.RECORDING_DIR = tmp_path
    settings.RECORD_RAW = True
    assert FeedWorker(["binance"])._raw_sink("binance", 0) is None  # recording off: nothing raw either

    settings.RECORDING = True
    settings.RECORD_RAW = False
    assert FeedWorker(["binance"])._raw_sink("binance", 0) is None  # off by default

    settings.RECORD_RAW = True
    worker = FeedWorker(["binance"])
    sink = worker._raw_sink("binance", 1)
    sink("frame", T0_NS)
    assert worker.recorder.raw["binance", 1].frames == [(T0_NS, "frame")]
