"""A feed worker: one session per exchange, one publisher, one status reporter, one event loop.

An exchange with instrument families on sockets of their own (feeds/exchanges/base.py, Family:
Bybit's inverse, Gate's BTC-settled, Binance's COIN-M) gets sessions per family, each family
chunked by the per-connection limit, and a depth connection per family (its funding poll asks
each family's answer); its status merges them all.

It runs the exchanges it was given that an admin has not switched off (admin → Exchanges),
and follows the switch while it runs: an exchange switched off is stopped within
ENABLED_REFRESH_S, its quotes declared down (the engine stops counting them and closes what
they fed, as for a lost connection); one switched back on is started.

An exchange whose connector covers depth (feeds/depth.py) gets a depth connection of its own,
published beside the quotes. It streams only the books the engine asks for (open and near
opportunities' legs, DEPTH_DEMAND_GROUP) and stays closed while none are wanted. Where the
quote stream already is the book (CoinDCX), the quote connections follow the same demand and
hand on the wanted books instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError
from redis.exceptions import RedisError

from feeds.backoff import backoff_delay_s
from feeds.configuration import disabled_exchange_ids
from feeds.depth import DEPTH_DEMAND_EXPIRY_S, DEPTH_DEMAND_GROUP, demanded_legs
from feeds.exchanges import get_connector
from feeds.exchanges.base import Endpoints, batched
from feeds.funding_poll import FundingPoller, covers_funding
from feeds.instruments import disabled_symbols, load_instruments
from feeds.publish import QuotePublisher
from feeds.recorder import QuoteRecorder
from feeds.session import ExchangeSession
from feeds.status import SIMULATED_KEY, STATUS_TTL_S, FeedStatus, merge_snapshots, status_key
from feeds.types import FrameError, Quote
from feeds.watchlist import current_watchlist, within_connection_limits
from lib.async_cache import aset_many
from lib.service_watch import DATABASE, REDIS, ServiceWatch

logger = logging.getLogger(__name__)

STATUS_INTERVAL_S = 1.0
ENABLED_REFRESH_S = 5.0
# How long a stopping worker waits for its tasks to end (a socket's close handshake takes at most 2 s).
STOP_TIMEOUT_S = 5.0


def configured_endpoints(exchange_id: str) -> Endpoints:
    """The live URLs, unless settings override them (ARBSITE_<ID>_WS_URL, ARBSITE_<ID>_REST_URL)."""
    connector = get_connector(exchange_id)
    overrides = settings.EXCHANGE_URL_OVERRIDES
    return Endpoints(
        ws_url=overrides.get(f"{exchange_id}_ws_url", connector.ws_url),
        rest_url=overrides.get(f"{exchange_id}_rest_url", connector.rest_url),
    )


def session_class_for(transport: str) -> type[ExchangeSession]:
    if transport == "socketio":
        from feeds.socketio_session import SocketIOSession

        return SocketIOSession
    return ExchangeSession


class FeedWorker:
    def __init__(
        self,
        exchange_ids: Iterable[str],
        endpoints: Mapping[str, Endpoints] | None = None,
        *,
        simulated: bool = False,
    ) -> None:
        self.exchange_ids = list(exchange_ids)
        self.simulated = simulated
        self.endpoints = {eid: (endpoints or {}).get(eid) or configured_endpoints(eid) for eid in self.exchange_ids}
        self.recorder = (
            QuoteRecorder(settings.RECORDING_DIR, settings.RECORDING_RETENTION_DAYS) if settings.RECORDING else None
        )
        self.publisher = QuotePublisher(get_channel_layer(), settings.FEED_FLUSH_INTERVAL_MS, self.recorder)
        # One status per connection of each exchange running; an exchange whose symbols exceed
        # one connection's limit gets several, merged for the status page.
        self.statuses: dict[str, list[FeedStatus]] = {}
        self.sessions: dict[str, list[ExchangeSession]] = {}
        self.depth_sessions: dict[str, list[ExchangeSession]] = {}  # one per family of an exchange
        self.depth_wanted: dict[str, frozenset[str]] = {}  # exchange -> instruments, as last asked
        self.bad_demands = 0
        self.running: dict[str, asyncio.Task] = {}
        self.disabled: set[str] = set()  # switched off by an admin, as last read

    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self._follow_switches(), name="feed-switches"),
            asyncio.create_task(self.publisher.run(), name="feed-publisher"),
            asyncio.create_task(self._report_status(), name="feed-status"),
            asyncio.create_task(self._follow_depth_demand(), name="feed-depth-demand"),
        ]
        if self.recorder is not None:
            tasks.append(asyncio.create_task(self.recorder.run(), name="feed-recorder"))
        try:
            await asyncio.gather(*tasks)
        finally:
            await self._cancel_and_wait([*tasks, *self.running.values()])

    async def _cancel_and_wait(self, tasks: list[asyncio.Task]) -> None:
        """A stopped worker leaves nothing behind: each session has closed its socket and each
        funding poller its HTTP session before run() returns. Left running after their worker,
        they hold connections open that whoever stops next (a simulator, the process) must wait
        out; a task that ignores its cancellation is named after STOP_TIMEOUT_S, not waited on."""
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)
        for task in pending:
            logger.error("%s did not stop within %.0f s of its cancellation", task.get_name(), STOP_TIMEOUT_S)

    async def _follow_switches(self) -> None:
        """Run what is switched on, stop what is switched off; a crashed exchange task ends the
        worker, as it always has (sessions catch what a connection can throw: this is a bug)."""
        database = ServiceWatch(DATABASE, logger)
        while True:
            try:
                disabled = await database_sync_to_async(disabled_exchange_ids)()
                database.succeeded()
            except DatabaseError as exc:  # keep running what runs; the first time, all of them
                database.failed(exc, "exchanges switched on or off in admin are followed once it is back")
                disabled = self.disabled
            for exchange_id in self.exchange_ids:
                if exchange_id in disabled and exchange_id not in self.disabled:
                    logger.info("%s: switched off (admin → Exchanges): not running", exchange_id)
                if exchange_id in disabled and exchange_id in self.running:
                    await self._stop(exchange_id)
                elif exchange_id not in disabled and exchange_id not in self.running:
                    self._start(exchange_id)
            self.disabled = disabled
            if not self.running:
                await asyncio.sleep(ENABLED_REFRESH_S)
                continue
            done, _ = await asyncio.wait(
                self.running.values(), timeout=ENABLED_REFRESH_S, return_when=asyncio.FIRST_EXCEPTION
            )
            for task in done:
                task.result()
            self.running = {eid: task for eid, task in self.running.items() if not task.done()}

    def _start(self, exchange_id: str) -> None:
        self.statuses[exchange_id] = [FeedStatus(exchange_id, url=self.endpoints[exchange_id].ws_url)]
        self.running[exchange_id] = asyncio.create_task(self._run_exchange(exchange_id), name=f"feed-{exchange_id}")

    async def _stop(self, exchange_id: str) -> None:
        task = self.running.pop(exchange_id)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        sessions = self.sessions.pop(exchange_id, [])
        instruments = sorted({i.instrument for session in sessions for i in session.instruments.values()})
        if instruments:
            self.publisher.connection_down(exchange_id, instruments)
        self.statuses.pop(exchange_id, None)  # no longer reported: nobody expects it
        self.depth_sessions.pop(exchange_id, None)

    async def _run_exchange(self, exchange_id: str) -> None:
        status = self.statuses[exchange_id][0]
        endpoints = self.endpoints[exchange_id]
        watchlist = await database_sync_to_async(current_watchlist)()
        attempt = 0
        while True:
            status.state = "loading instruments"
            listed = await load_instruments(exchange_id, endpoints.rest_url)
            disabled = await database_sync_to_async(disabled_symbols)(exchange_id)
            chosen = watchlist.select(listed, disabled)
            if chosen:
                break
            status.record_error("no watched instrument listed (exchange unreachable and none stored?)")
            status.state = "backoff"
            await asyncio.sleep(backoff_delay_s(attempt, settings.FEED_BACKOFF_INITIAL_S, settings.FEED_BACKOFF_MAX_S))
            attempt += 1
        connector = get_connector(exchange_id)
        chosen = within_connection_limits(connector, chosen, frozenset(settings.MAJOR_INSTRUMENTS))
        session_class = session_class_for(connector.transport)
        # Each family's instruments on its own socket (Bybit's inverse, Gate's BTC-settled), each
        # chunked by the per-connection limit: (family, its endpoints, the symbols of a connection).
        groups = connector.by_family(chosen)
        family_endpoints = {
            family: Endpoints(
                connector.family_ws_url(endpoints.ws_url, family), connector.family_rest_url(endpoints.rest_url, family)
            )
            for family, _ in groups
        }
        connections = [
            (family, family_endpoints[family], chunk)
            for family, members in groups
            for chunk in batched(sorted(members), connector.max_symbols_per_connection)
        ]
        logger.info(
            "%s: watching %d instruments over %d connection(s) at %s",
            exchange_id,
            len(chosen),
            len(connections),
            ", ".join(e.ws_url for e in family_endpoints.values()),
        )
        status.url = connections[0][1].ws_url
        statuses = [status] + [FeedStatus(exchange_id, url=e.ws_url) for _, e, _ in connections[1:]]
        self.statuses[exchange_id] = statuses

        def session(chunk: list[str], chunk_endpoints: Endpoints, **options) -> ExchangeSession:
            return session_class(
                exchange_id,
                {symbol: chosen[symbol] for symbol in chunk},
                self.publisher.add,
                endpoints=chunk_endpoints,
                stall_timeout_s=settings.FEED_STALL_TIMEOUT_S,
                backoff_initial_s=settings.FEED_BACKOFF_INITIAL_S,
                backoff_max_s=settings.FEED_BACKOFF_MAX_S,
                **options,
            )

        # Where the quote stream is the book (CoinDCX), the quote connections hand on depth too.
        quote_depth = self.publisher.add_depth if connector.depth_in_quote_frames else None
        sessions = [
            session(
                chunk,
                chunk_endpoints,
                status=chunk_status,
                on_down=self.publisher.connection_down,
                on_raw=self._raw_sink(exchange_id, number),
                on_record=self._quote_sink(exchange_id),
                on_quote_depth=quote_depth,
            )
            for number, ((_, chunk_endpoints, chunk), chunk_status) in enumerate(
                zip(connections, statuses, strict=True)
            )
        ]
        self.sessions[exchange_id] = sessions
        if quote_depth is not None:
            for quote_session in sessions:
                self._want_depth(quote_session, self.depth_wanted.get(exchange_id, frozenset()))
        # One depth connection (one per family, on the family's socket), over every instrument it
        # may be asked for: the engine asks for few (DEPTH_MAX_PER_EXCHANGE), far below any
        # exchange's per-connection limit; a family none of whose books is wanted stays closed.
        # Reported apart (`depth` in the exchange's status): the quotes' freshness is the feed's.
        depth_sessions = []
        if connector.has_depth:
            for family, members in groups:
                depth_endpoints = family_endpoints[family]
                depth_session = session(
                    sorted(members),
                    depth_endpoints,
                    status=FeedStatus(exchange_id, url=depth_endpoints.ws_url),
                    on_depth=self.publisher.add_depth,
                )
                self._want_depth(depth_session, self.depth_wanted.get(exchange_id, frozenset()))
                depth_sessions.append(depth_session)
            self.depth_sessions[exchange_id] = depth_sessions
        # A task group, not gather: should one of them fail, the others are cancelled and waited
        # for, rather than left running with nobody to stop them.
        async with asyncio.TaskGroup() as group:
            for session in sessions:
                group.create_task(session.run(), name=f"feed-{exchange_id}-session")
            for session in depth_sessions:
                group.create_task(session.run(), name=f"feed-{exchange_id}-depth")
            if covers_funding(exchange_id):
                poller = FundingPoller(
                    exchange_id,
                    endpoints.rest_url,
                    chosen,
                    self.publisher.add_funding,
                    on_error=status.record_error,
                    backoff_initial_s=settings.FEED_BACKOFF_INITIAL_S,
                    backoff_max_s=settings.FEED_BACKOFF_MAX_S,
                )
                group.create_task(poller.run(), name=f"feed-{exchange_id}-funding")

    async def _follow_depth_demand(self) -> None:
        """Stream the books the engine asks for; none once it has been silent for
        DEPTH_DEMAND_EXPIRY_S (it has stopped, or the layer lost its messages)."""
        layer = get_channel_layer()
        layer_watch = ServiceWatch(REDIS, logger)
        channel = None
        while True:
            try:
                if channel is None:
                    channel = await layer.new_channel("feeds.depth-demand.")
                # Joined again at every wait: a restarted Redis has forgotten the group.
                await layer.group_add(DEPTH_DEMAND_GROUP, channel)
                async with asyncio.timeout(DEPTH_DEMAND_EXPIRY_S):
                    message = await layer.receive(channel)
                layer_watch.succeeded()
            except TimeoutError:
                self.on_depth_demand({})
                continue
            except (RedisError, OSError) as exc:
                layer_watch.failed(exc, "depth demand not heard; books streamed as last asked")
                await asyncio.sleep(1.0)
                continue
            try:
                self.on_depth_demand(demanded_legs(message))
            except FrameError as exc:
                self.bad_demands += 1
                logger.warning("depth demand dropped: %s", exc)

    def on_depth_demand(self, legs: Mapping[str, frozenset[str]]) -> None:
        """Each running exchange's depth connection streams the books `legs` names for it."""
        self.depth_wanted = {eid: frozenset(legs.get(eid, ())) for eid in self.exchange_ids}
        for exchange_id, depth_sessions in self.depth_sessions.items():
            for depth_session in depth_sessions:  # each takes the legs of its own family
                self._want_depth(depth_session, self.depth_wanted[exchange_id])
        for exchange_id, sessions in self.sessions.items():
            if get_connector(exchange_id).depth_in_quote_frames:  # each takes its own instruments' legs
                for quote_session in sessions:
                    self._want_depth(quote_session, self.depth_wanted[exchange_id])

    @staticmethod
    def _want_depth(depth_session: ExchangeSession, instruments: frozenset[str]) -> None:
        depth_session.want_depth(
            symbol for symbol, instrument in depth_session.instruments.items() if instrument.instrument in instruments
        )

    def _quote_sink(self, exchange_id: str) -> Callable[[list[Quote]], None] | None:
        """Where a connection's quotes go to be recorded: nowhere unless ARBSITE_RECORDING."""
        return self.recorder.quote_sink(exchange_id) if self.recorder is not None else None

    def _raw_sink(self, exchange_id: str, connection: int) -> Callable[[str | bytes, int], None] | None:
        """Where a connection's raw frames go: nowhere unless recording with ARBSITE_RECORD_RAW."""
        if self.recorder is None or not settings.RECORD_RAW:
            return None
        return self.recorder.raw_frames(exchange_id, connection).add

    def status_snapshot(self) -> dict[str, object]:
        """What the cache holds of each running exchange: its connections merged, and its depth
        connections merged under `depth`, where it has any."""
        snapshot: dict[str, object] = {}
        for eid, statuses in self.statuses.items():
            merged = merge_snapshots([status.snapshot() for status in statuses])
            if depth_sessions := self.depth_sessions.get(eid):
                # A family none of whose books is wanted idles: the others say how depth goes.
                working = [s for s in depth_sessions if s.status.state != "idle"] or depth_sessions
                merged["depth"] = merge_snapshots([s.status.snapshot() for s in working])
            snapshot[status_key(eid)] = merged
        if self.simulated:
            snapshot[SIMULATED_KEY] = True
        return snapshot

    async def _report_status(self) -> None:
        cache_watch = ServiceWatch(REDIS, logger)  # logged when it goes and when it is back
        while True:
            await asyncio.sleep(STATUS_INTERVAL_S)
            snapshot = self.status_snapshot()
            try:
                await aset_many(snapshot, STATUS_TTL_S)
                cache_watch.succeeded()
            except (RedisError, OSError) as exc:
                cache_watch.failed(exc, "feed status not published")
