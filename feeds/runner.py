"""A feed worker: one session per exchange, one publisher, one status reporter, one event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from arbsite.service_watch import REDIS, ServiceWatch
from feeds.backoff import backoff_delay_s
from feeds.exchanges import get_connector
from feeds.exchanges.base import Endpoints, batched
from feeds.instruments import disabled_symbols, load_instruments
from feeds.publish import QuotePublisher
from feeds.session import ExchangeSession
from feeds.status import SIMULATED_KEY, STATUS_TTL_S, FeedStatus, merge_snapshots, status_key
from feeds.watchlist import current_watchlist

logger = logging.getLogger(__name__)

STATUS_INTERVAL_S = 1.0


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
        self.publisher = QuotePublisher(get_channel_layer(), settings.FEED_FLUSH_INTERVAL_MS)
        # One status per connection; an exchange whose symbols exceed one connection's limit
        # gets several, merged for the status page.
        self.statuses: dict[str, list[FeedStatus]] = {
            eid: [FeedStatus(eid, url=self.endpoints[eid].ws_url)] for eid in self.exchange_ids
        }
        self.sessions: dict[str, list[ExchangeSession]] = {}

    async def run(self) -> None:
        tasks = [asyncio.create_task(self._run_exchange(eid), name=f"feed-{eid}") for eid in self.exchange_ids]
        tasks.append(asyncio.create_task(self.publisher.run(), name="feed-publisher"))
        tasks.append(asyncio.create_task(self._report_status(), name="feed-status"))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

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
        session_class = session_class_for(connector.transport)
        symbols = sorted(chosen)
        chunks = list(batched(symbols, connector.max_symbols_per_connection))
        logger.info(
            "%s: watching %d instruments over %d connection(s) at %s",
            exchange_id,
            len(chosen),
            len(chunks),
            endpoints.ws_url,
        )
        statuses = [status] + [FeedStatus(exchange_id, url=endpoints.ws_url) for _ in chunks[1:]]
        self.statuses[exchange_id] = statuses
        sessions = [
            session_class(
                exchange_id,
                {symbol: chosen[symbol] for symbol in chunk},
                self.publisher.add,
                endpoints=endpoints,
                stall_timeout_s=settings.FEED_STALL_TIMEOUT_S,
                backoff_initial_s=settings.FEED_BACKOFF_INITIAL_S,
                backoff_max_s=settings.FEED_BACKOFF_MAX_S,
                status=chunk_status,
                on_down=self.publisher.connection_down,
            )
            for chunk, chunk_status in zip(chunks, statuses, strict=True)
        ]
        self.sessions[exchange_id] = sessions
        await asyncio.gather(*(session.run() for session in sessions))

    async def _report_status(self) -> None:
        cache_watch = ServiceWatch(REDIS, logger)  # logged when it goes and when it is back
        while True:
            await asyncio.sleep(STATUS_INTERVAL_S)
            snapshot: dict[str, object] = {
                status_key(eid): merge_snapshots([status.snapshot() for status in statuses])
                for eid, statuses in self.statuses.items()
            }
            if self.simulated:
                snapshot[SIMULATED_KEY] = True
            try:
                await cache.aset_many(snapshot, timeout=STATUS_TTL_S)
                cache_watch.succeeded()
            except (RedisError, OSError) as exc:
                cache_watch.failed(exc, "feed status not published")
