"""The engine's updates, received once per web process and written to every local /ws connection.

Why not one channel-layer group member per connection: measured at 1,000 connections, the
layer spent 370–920 µs of CPU per delivery (a deep copy per member in the in-memory layer,
one msgpack decode per consumer, a receive loop per consumer) where a daphne send costs
~13 µs. Here each update is decoded once, the messages for each distinct subscription are
encoded and framed once, and each connection costs one socket write (arbitrage.socket_writer).
Channels still carries everything else:
the engine's updates between processes, each user's alerts, authentication.

A connection whose client is not reading (unsent bytes above `SEND_BACKLOG_LIMIT_BYTES`)
gets no more deltas; they are dropped and counted, and once its backlog drains it gets a
fresh snapshot, which replaces its state: the latest wins and the others never wait.
A snapshot is taken from the cache, which the engine writes before it sends an update, so
deltas queued while it is read are kept only when newer than it (`seq`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from channels.layers import BaseChannelLayer
from redis.exceptions import RedisError

from arbitrage import presence
from arbitrage.fee_tables import FeeView
from arbitrage.messages import spliced
from arbitrage.socket_writer import SharedMessages
from arbitrage.subscriptions import (
    NONE,
    OF_INSTRUMENTS,
    OpportunitiesMode,
    every_opportunity,
    every_quote,
)
from lib.clock import now_ms
from lib.service_watch import REDIS, ServiceWatch

logger = logging.getLogger(__name__)

PRICES_GROUP = "prices"
PRICES_EVENT = "prices.batch"
SEND_BACKLOG_LIMIT_BYTES = 1 << 20  # a client this far behind gets deltas no more
RESUME_BACKLOG_BYTES = 64 << 10  # ... until it has drained to this, then a snapshot
MAX_QUEUED_UPDATES = 200  # updates held for a connection while its snapshot is read
# A cache older than the updates already seen (a Redis restarted empty, not yet rewritten by
# the engine) would blank the client: wait for the engine, but not for ever (a dead engine).
SNAPSHOT_RETRY_S = 0.1
SNAPSHOT_WAIT_S = 5.0
PRESENCE_REFRESH_S = 10.0
RETRY_S = 1.0


@dataclass(eq=False)
class Subscriber:
    """One /ws connection as the fan-out sees it; the consumer supplies the I/O."""

    send_text: Callable[[str], Awaitable[None]]
    # Sends a snapshot reflecting at least update `min_seq`; returns the seq it reflects, or
    # None (nothing sent) while the cache is older than that.
    send_snapshot: Callable[[int], Awaitable[int | None]]
    backlog_bytes: Callable[[], int]
    user_id: int
    # Writes a frame made by socket_writer.text_frame, or deflate_frame when `deflate`; False
    # when the connection is closing. None where the server gives no socket: texts go through
    # `send_text`.
    write_frame: Callable[[bytes], bool] | None = None
    deflate: bool = False
    instruments: frozenset[str] = frozenset()  # empty: everything, unless `opportunities` says otherwise
    opportunities: OpportunitiesMode = OF_INSTRUMENTS  # which opportunities (arbitrage.subscriptions)
    fees: FeeView | None = None  # the user's own fees; None: the engine's figures as they are
    syncing: bool = False
    behind: bool = False
    queued: list[tuple[int, list[str]]] = field(default_factory=list)
    dropped_updates: int = 0


def update_texts(
    event: dict,
    instruments: frozenset[str],
    fees: FeeView | None = None,
    at_fees: dict[str, str] | None = None,
    opportunities: OpportunitiesMode = OF_INSTRUMENTS,
) -> list[str]:
    """The /ws messages one update makes for a subscription (`instruments`, and which
    `opportunities`: arbitrage.subscriptions), at a user's own fees when they set any: net
    figures and depth walked again through the levels the update carries (`levels`). `at_fees`
    keeps the opportunities already rewritten at `fees` in this update (engine text -> text at
    the fees), so subscriptions of other instruments at the same fees walk each opportunity once."""
    seq = event["seq"]
    if every_quote(instruments, opportunities):
        quotes = [text for _, text in event["items"]]
    else:
        quotes = [text for instrument, text in event["items"] if instrument in instruments]
    if opportunities == NONE:
        opened, closed = [], []
    elif every_opportunity(instruments, opportunities):
        opened = [text for _, _, text in event["opportunities"]]
        closed = [text for _, _, text in event["closed"]]
    else:
        opened = [text for buy, sell, text in event["opportunities"] if buy in instruments or sell in instruments]
        closed = [text for buy, sell, text in event["closed"] if buy in instruments or sell in instruments]
    if fees is not None:
        at_fees = {} if at_fees is None else at_fees
        levels = event.get("levels") or {}
        rewritten = []
        for text in opened:
            mine = at_fees.get(text)
            if mine is None:
                mine = at_fees[text] = fees.text(text, levels)
            rewritten.append(mine)
        opened = rewritten
    texts = []
    if quotes:
        texts.append(spliced("price_update", seq, quotes))
    if opened:
        texts.append(spliced("arbitrage_opportunities", seq, opened))
    if closed:
        texts.append(spliced("opportunity_closed", seq, closed))
    return texts


class FanoutHub:
    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.subscribers: set[Subscriber] = set()
        self.channel = ""
        self.last_seq: int | None = None
        self.delivered = 0
        self.dropped_updates = 0
        self.resyncs = 0
        self._membership_changed = asyncio.Event()
        self.presence_written = asyncio.Event()  # set after each write to the registry
        self._tasks: list[asyncio.Task] = []
        self._resyncing: set[asyncio.Task] = set()
        self._forgetting: asyncio.Future | None = None  # the layer and registry told we left
        self.layer_watch = ServiceWatch(REDIS, logger)

    # --- membership --------------------------------------------------------------------------
    async def join(self, subscriber: Subscriber) -> None:
        if not self._tasks:
            await self.start()
        self.subscribers.add(subscriber)
        self._membership_changed.set()
        self.resync(subscriber)

    def leave(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        self._membership_changed.set()
        if not self.subscribers and self._tasks:
            # Nobody left to serve: stop receiving updates until the next connection.
            self._forgetting = asyncio.ensure_future(self._halt())

    def resubscribe(
        self, subscriber: Subscriber, instruments: frozenset[str], opportunities: OpportunitiesMode | None = None
    ) -> None:
        subscriber.instruments = instruments
        if opportunities is not None:
            subscriber.opportunities = opportunities
        self._membership_changed.set()
        self.resync(subscriber)

    def resync(self, subscriber: Subscriber) -> None:
        """Send the subscriber a snapshot; updates that arrive meanwhile follow it."""
        if subscriber.syncing:
            return
        subscriber.syncing = True
        subscriber.behind = False
        subscriber.queued = []
        task = asyncio.ensure_future(self._resync(subscriber))
        self._resyncing.add(task)
        task.add_done_callback(self._resyncing.discard)

    async def _resync(self, subscriber: Subscriber) -> None:
        try:
            while True:
                seq = await self._send_current_snapshot(subscriber)
                self.resyncs += 1
                queued, subscriber.queued = subscriber.queued, []
                overflowed = len(queued) >= MAX_QUEUED_UPDATES
                if not overflowed:
                    for update_seq, texts in queued:
                        if update_seq > seq:
                            for text in texts:
                                await subscriber.send_text(text)
                    return
        except (RedisError, OSError) as exc:
            # The cache is out of reach: every connection resyncs once the layer delivers again.
            self.layer_watch.failed(exc, "/ws snapshots not sent")
        except Exception:
            # The connection stays: it resyncs again when it next falls behind or resubscribes.
            logger.exception("snapshot not sent")
        finally:
            subscriber.syncing = False

    async def _send_current_snapshot(self, subscriber: Subscriber) -> int:
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + SNAPSHOT_WAIT_S
        while (seq := await subscriber.send_snapshot(self.last_seq or 0)) is None:
            if loop.time() >= give_up_at:
                return await subscriber.send_snapshot(0)
            await asyncio.sleep(SNAPSHOT_RETRY_S)
        return seq

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self.channel = await self.layer.new_channel("fanout.")
        await self.layer.group_add(PRICES_GROUP, self.channel)
        self._tasks = [
            asyncio.ensure_future(self._receive_forever()),
            asyncio.ensure_future(self._register_forever()),
        ]

    def _halt(self) -> Awaitable[None]:
        """Stop at once; what is left to tell the layer and the registry is returned to await."""
        for task in [*self._tasks, *self._resyncing]:
            task.cancel()
        self._tasks = []
        self.last_seq = None
        channel, self.channel = self.channel, ""
        return self._forget(channel)

    async def _forget(self, channel: str) -> None:
        try:
            await self.layer.group_discard(PRICES_GROUP, channel)
            await presence.registry().remove(channel)
        except (RedisError, OSError) as exc:
            logger.warning("fan-out channel not removed (it expires): %s", exc)

    async def stop(self) -> None:
        await self._halt()

    # --- updates -----------------------------------------------------------------------------
    async def _receive_forever(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except (RedisError, OSError) as exc:
                self.layer_watch.failed(exc, "/ws updates paused")
                await asyncio.sleep(RETRY_S)
                continue
            if self.layer_watch.down:
                self.layer_watch.succeeded()
                self.resync_all()  # updates were missed meanwhile
            if event.get("type") == PRICES_EVENT:
                await self.on_update(event)

    def resync_all(self) -> None:
        for subscriber in list(self.subscribers):
            self.resync(subscriber)

    async def on_update(self, event: dict) -> None:
        seq = event["seq"]
        if self.last_seq is not None and seq != self.last_seq + 1:
            # Updates were missed (a layer outage) or the engine restarted: nobody's state holds.
            self.resync_all()
        self.last_seq = seq
        messages_by_subscription: dict[tuple[frozenset[str], OpportunitiesMode, FeeView | None], SharedMessages] = {}
        # Per fee group, each opportunity rewritten (its depth walked again) once per update.
        at_fees: dict[FeeView, dict[str, str]] = {}
        for subscriber in list(self.subscribers):
            key = (subscriber.instruments, subscriber.opportunities, subscriber.fees)
            messages = messages_by_subscription.get(key)
            if messages is None:
                fees = subscriber.fees
                memo = at_fees.setdefault(fees, {}) if fees is not None else None
                texts = update_texts(event, subscriber.instruments, fees, memo, subscriber.opportunities)
                messages = SharedMessages(texts)
                messages_by_subscription[key] = messages
            if messages.texts:
                await self._deliver(subscriber, seq, messages)

    async def _deliver(self, subscriber: Subscriber, seq: int, messages: SharedMessages) -> None:
        texts = messages.texts
        if subscriber.syncing:
            if len(subscriber.queued) < MAX_QUEUED_UPDATES:
                subscriber.queued.append((seq, texts))
            return
        backlog = subscriber.backlog_bytes()
        if subscriber.behind:
            if backlog <= RESUME_BACKLOG_BYTES:
                self.resync(subscriber)
                subscriber.queued.append((seq, texts))
            else:
                self._drop(subscriber)
            return
        if backlog > SEND_BACKLOG_LIMIT_BYTES:
            subscriber.behind = True
            self._drop(subscriber)
            return
        try:
            if subscriber.write_frame is not None:
                for frame in messages.frames(subscriber.deflate):
                    if not subscriber.write_frame(frame):
                        return  # closing
            else:
                for text in texts:
                    await subscriber.send_text(text)
        except Exception:
            logger.debug("update not sent to a closing connection", exc_info=True)
            return
        self.delivered += len(texts)

    def _drop(self, subscriber: Subscriber) -> None:
        subscriber.dropped_updates += 1
        self.dropped_updates += 1
        if self.dropped_updates in (1, 10) or self.dropped_updates % 1000 == 0:
            logger.warning("slow /ws clients: %d updates dropped so far (they resync)", self.dropped_updates)

    # --- presence ----------------------------------------------------------------------------
    def watchers(self) -> presence.Watchers:
        everything = any(every_quote(s.instruments, s.opportunities) for s in self.subscribers)
        named = sorted({i for s in self.subscribers for i in s.instruments})
        return presence.Watchers(
            channel=self.channel,
            connections=len(self.subscribers),
            user_ids=sorted({s.user_id for s in self.subscribers}),
            everything=everything,
            instruments=named,
            updated_ms=now_ms(),
            all_opportunities=any(every_opportunity(s.instruments, s.opportunities) for s in self.subscribers),
            charted=sorted({i for s in self.subscribers if s.opportunities == OF_INSTRUMENTS for i in s.instruments}),
        )

    async def _register_forever(self) -> None:
        """Tell the engine what this process's connections watch: on change, and periodically
        so the entry outlives its TTL only while the process does."""
        registry = presence.registry()
        while True:
            self._membership_changed.clear()
            try:
                if self.subscribers:
                    await registry.put(self.watchers())
                else:
                    await registry.remove(self.channel)
                # The in-memory layer forgets members after its group expiry: join again.
                await self.layer.group_add(PRICES_GROUP, self.channel)
            except (RedisError, OSError) as exc:
                self.layer_watch.failed(exc, "/ws watchers not registered")
            else:
                self.presence_written.set()
            with contextlib.suppress(TimeoutError):  # not wait_for: see Engine.fan_out_forever
                async with asyncio.timeout(PRESENCE_REFRESH_S):
                    await self._membership_changed.wait()
            await asyncio.sleep(0.05)  # a connection storm registers once, not once per connection


_hubs: dict[asyncio.AbstractEventLoop, FanoutHub] = {}


def hub_for(layer: BaseChannelLayer) -> FanoutHub:
    """This process's hub (one per event loop: tests run several loops)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = FanoutHub(layer)
    return hub
