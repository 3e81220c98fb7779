"""The per-process fan-out: one decode per update, slow clients dropped and resynced, gaps healed."""

from __future__ import annotations

import asyncio
import json

from channels.layers import InMemoryChannelLayer

from arbitrage.fanout import MAX_QUEUED_UPDATES, SEND_BACKLOG_LIMIT_BYTES, FanoutHub, Subscriber, update_texts


class FakeConnection:
    """A /ws connection as the hub sees it: what it was sent, and a settable backlog."""

    def __init__(self, instruments: frozenset[str] = frozenset(), snapshot_seq: int = 0) -> None:
        self.sent: list[str] = []
        self.backlog = 0
        self.snapshot_seq = snapshot_seq
        self.snapshots = 0
        self.snapshot_gate: asyncio.Event | None = None  # set: the snapshot read completes
        self.snapshot_asked = asyncio.Event()  # set on every read
        self.subscriber = Subscriber(
            send_text=self.send_text,
            send_snapshot=self.send_snapshot,
            backlog_bytes=lambda: self.backlog,
            user_id=1,
            instruments=instruments,
        )

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def send_snapshot(self, min_seq: int = 0) -> int | None:
        self.snapshot_asked.set()
        if self.snapshot_gate is not None:
            await self.snapshot_gate.wait()
        if self.snapshot_seq < min_seq:
            return None
        self.snapshots += 1
        self.sent.append(f"snapshot@{self.snapshot_seq}")
        return self.snapshot_seq


def _event(seq: int, *instruments: str) -> dict:
    return {
        "type": "prices.batch",
        "seq": seq,
        "items": [[i, f'{{"instrument":"{i}","seq":{seq}}}'] for i in instruments],
        "opportunities": [],
        "closed": [],
    }


async def _joined(hub: FanoutHub, connection: FakeConnection) -> None:
    hub.subscribers.add(connection.subscriber)
    hub.resync(connection.subscriber)
    await asyncio.wait_for(_settled(hub), 5)


async def _settled(hub: FanoutHub) -> None:
    while hub._resyncing:
        await asyncio.gather(*hub._resyncing)


def test_one_update_is_encoded_once_per_subscription_and_filtered():
    event = _event(7, "BTC/USDT:USDT", "ETH/USDT:USDT")
    everything = update_texts(event, frozenset())
    eth_only = update_texts(event, frozenset({"ETH/USDT:USDT"}))
    assert everything == [
        '{"type":"price_update","seq":7,"data":[{"instrument":"BTC/USDT:USDT","seq":7},'
        '{"instrument":"ETH/USDT:USDT","seq":7}]}'
    ]
    assert eth_only == ['{"type":"price_update","seq":7,"data":[{"instrument":"ETH/USDT:USDT","seq":7}]}']
    assert update_texts(event, frozenset({"SOL/USDT:USDT"})) == []


async def test_a_slow_client_is_skipped_counted_and_resynced_when_it_drains_while_others_get_everything():
    hub = FanoutHub(InMemoryChannelLayer())
    fast, slow = FakeConnection(snapshot_seq=10), FakeConnection(snapshot_seq=10)
    await _joined(hub, fast)
    await _joined(hub, slow)

    await hub.on_update(_event(11, "BTC/USDT:USDT"))
    slow.backlog = SEND_BACKLOG_LIMIT_BYTES + 1  # its reader stopped
    for seq in (12, 13, 14):
        await hub.on_update(_event(seq, "BTC/USDT:USDT"))
    assert [json.loads(text)["seq"] for text in fast.sent[1:]] == [11, 12, 13, 14]
    assert len(slow.sent) == 2  # snapshot and seq 11: nothing queued behind its socket
    assert (slow.subscriber.dropped_updates, hub.dropped_updates) == (3, 3)

    slow.backlog = 0  # it caught up: a fresh snapshot replaces what it missed, then it is live
    slow.snapshot_seq = 15  # the cache is written before an update leaves
    await hub.on_update(_event(15, "BTC/USDT:USDT"))
    await asyncio.wait_for(_settled(hub), 5)
    await hub.on_update(_event(16, "BTC/USDT:USDT"))
    assert slow.sent[2] == "snapshot@15"
    assert len(slow.sent) == 4 and '"seq":16' in slow.sent[3]
    assert len(fast.sent) == 7


async def test_updates_arriving_during_a_snapshot_follow_it_unless_the_snapshot_holds_them():
    hub = FanoutHub(InMemoryChannelLayer())
    connection = FakeConnection(snapshot_seq=21)
    connection.snapshot_gate = asyncio.Event()
    hub.subscribers.add(connection.subscriber)
    hub.resync(connection.subscriber)
    await asyncio.wait_for(connection.snapshot_asked.wait(), 5)  # the read began
    for seq in (20, 21, 22):  # the cache is written before an update leaves: 20 and 21 are in it
        await hub.on_update(_event(seq, "BTC/USDT:USDT"))
    assert connection.sent == []
    connection.snapshot_gate.set()
    await asyncio.wait_for(_settled(hub), 5)
    assert connection.sent[0] == "snapshot@21"
    assert len(connection.sent) == 2 and '"seq":22' in connection.sent[1]


async def test_a_snapshot_outrun_by_too_many_updates_is_taken_again():
    hub = FanoutHub(InMemoryChannelLayer())
    connection = FakeConnection(snapshot_seq=0)
    connection.snapshot_gate = asyncio.Event()
    hub.subscribers.add(connection.subscriber)
    hub.resync(connection.subscriber)
    for seq in range(1, MAX_QUEUED_UPDATES + 5):
        await hub.on_update(_event(seq, "BTC/USDT:USDT"))
    connection.snapshot_seq = MAX_QUEUED_UPDATES + 4
    connection.snapshot_gate.set()
    await asyncio.wait_for(_settled(hub), 5)
    assert connection.snapshots == 2
    assert connection.sent == ["snapshot@204", "snapshot@204"]


async def test_a_gap_in_updates_resyncs_every_connection():
    hub = FanoutHub(InMemoryChannelLayer())
    connection = FakeConnection(snapshot_seq=5)
    await _joined(hub, connection)
    await hub.on_update(_event(6, "BTC/USDT:USDT"))
    connection.snapshot_seq = 1_000_000
    await hub.on_update(_event(1_000_000, "BTC/USDT:USDT"))  # a restarted engine, or missed updates
    await asyncio.wait_for(_settled(hub), 5)
    assert connection.sent[0] == "snapshot@5"
    assert '"seq":6' in connection.sent[1]
    assert connection.sent[2:] == ["snapshot@1000000"]  # the update it queued behind is already in it


async def test_connections_with_a_socket_get_each_message_framed_once_for_all_of_them():
    from arbitrage.socket_writer import text_frame

    hub = FanoutHub(InMemoryChannelLayer())
    frames_written: list[list[bytes]] = [[], []]
    connections = [FakeConnection(snapshot_seq=10), FakeConnection(snapshot_seq=10)]
    for connection, written in zip(connections, frames_written, strict=True):
        connection.subscriber.write_frame = lambda frame, written=written: written.append(frame) or True
        await _joined(hub, connection)

    await hub.on_update(_event(11, "BTC/USDT:USDT"))

    expected = text_frame(b'{"type":"price_update","seq":11,"data":[{"instrument":"BTC/USDT:USDT","seq":11}]}')
    assert frames_written == [[expected], [expected]]
    assert frames_written[0][0] is frames_written[1][0]  # framed once
    assert [c.sent for c in connections] == [["snapshot@10"], ["snapshot@10"]]  # no text path
    assert hub.delivered == 2


async def test_connections_that_negotiated_deflate_share_one_compressed_frame_others_get_plain_text():
    from arbitrage.socket_writer import deflate_frame, text_frame

    hub = FanoutHub(InMemoryChannelLayer())
    written: list[list[bytes]] = [[], [], []]
    connections = [FakeConnection(snapshot_seq=10) for _ in written]
    for connection, frames, deflate in zip(connections, written, (True, True, False), strict=True):
        connection.subscriber.write_frame = lambda frame, frames=frames: frames.append(frame) or True
        connection.subscriber.deflate = deflate
        await _joined(hub, connection)
    instruments = [f"COIN{n}/USDT:USDT" for n in range(20)]

    await hub.on_update(_event(11, *instruments))

    text = update_texts(_event(11, *instruments), frozenset())[0].encode()
    assert written == [[deflate_frame(text)], [deflate_frame(text)], [text_frame(text)]]
    assert written[0][0] is written[1][0]  # compressed once
    assert hub.delivered == 3


async def test_a_connection_closing_under_the_writer_is_skipped_without_error():
    hub = FanoutHub(InMemoryChannelLayer())
    closing, open_ = FakeConnection(snapshot_seq=10), FakeConnection(snapshot_seq=10)
    closing.subscriber.write_frame = lambda frame: False
    await _joined(hub, closing)
    await _joined(hub, open_)

    await hub.on_update(_event(11, "BTC/USDT:USDT"))

    assert open_.sent[-1].startswith('{"type":"price_update","seq":11')
    assert hub.delivered == 1


async def test_a_resync_waits_for_a_cache_as_new_as_the_updates_seen_then_sends_it(monkeypatch):
    from arbitrage import fanout

    monkeypatch.setattr(fanout, "SNAPSHOT_RETRY_S", 0.001)
    hub = FanoutHub(InMemoryChannelLayer())
    connection = FakeConnection(snapshot_seq=10)
    await _joined(hub, connection)
    await hub.on_update(_event(11, "BTC/USDT:USDT"))
    connection.snapshot_seq = 0  # Redis restarted empty: the cache knows no update yet

    connection.snapshot_asked.clear()
    hub.resync_all()
    for _ in range(2):  # asked, found too old; asked again
        await asyncio.wait_for(connection.snapshot_asked.wait(), 5)
        connection.snapshot_asked.clear()
    assert connection.sent[-1].startswith('{"type":"price_update","seq":11')  # nothing blanked it
    connection.snapshot_seq = 12  # the engine rewrote the cache
    await asyncio.wait_for(_settled(hub), 5)

    assert connection.sent[-1] == "snapshot@12"
    assert connection.snapshots == 2


async def test_a_resync_gives_up_waiting_for_a_newer_cache_after_a_while(monkeypatch):
    from arbitrage import fanout

    monkeypatch.setattr(fanout, "SNAPSHOT_RETRY_S", 0.001)
    monkeypatch.setattr(fanout, "SNAPSHOT_WAIT_S", 0.01)
    hub = FanoutHub(InMemoryChannelLayer())
    connection = FakeConnection(snapshot_seq=10)
    await _joined(hub, connection)
    await hub.on_update(_event(11, "BTC/USDT:USDT"))
    connection.snapshot_seq = 3  # an engine whose clock went back, say

    hub.resync_all()
    await asyncio.wait_for(_settled(hub), 5)

    assert connection.sent[-1] == "snapshot@3"


async def test_a_snapshot_the_cache_could_not_give_is_sent_once_updates_flow_again():
    from redis.exceptions import ConnectionError as RedisConnectionError

    hub = FanoutHub(InMemoryChannelLayer())
    connection = FakeConnection(snapshot_seq=10)
    await _joined(hub, connection)
    real_snapshot = connection.subscriber.send_snapshot

    async def cache_gone(min_seq: int = 0) -> int | None:
        raise RedisConnectionError("Connection closed by server.")

    connection.subscriber.send_snapshot = cache_gone
    hub.resync_all()  # e.g. Redis restarted: a resync whose snapshot read fails
    await asyncio.wait_for(_settled(hub), 5)
    assert hub.layer_watch.down and not connection.subscriber.syncing

    connection.subscriber.send_snapshot = real_snapshot
    connection.snapshot_seq = 12
    hub.channel = await hub.layer.new_channel("fanout.")
    receiving = asyncio.ensure_future(hub._receive_forever())
    try:
        await hub.layer.send(hub.channel, _event(12, "BTC/USDT:USDT"))
        while connection.snapshots < 2:
            await asyncio.wait_for(connection.snapshot_asked.wait(), 5)
            connection.snapshot_asked.clear()
        await asyncio.wait_for(_settled(hub), 5)
    finally:
        receiving.cancel()

    assert connection.sent[-1] == "snapshot@12"
    assert not hub.layer_watch.down
