"""The arbitrage engine's loop: quotes in from the layer; opportunities tracked; updates out,
coalesced; each opportunity's life written to the database in batches.

Browsers get at most one update per instrument and exchange (and per opportunity) per fan-out
interval, latest wins, so a burst of ticks never queues up behind a slow socket.

The Engine wires the jobs and runs their loops; each job lives in a module named for it:
arbitrage.book (the one store of the latest quotes, which the others read) and
arbitrage.tracker (opportunities), arbitrage.live_update
(each update encoded once), arbitrage.life_writer (each life in the database),
arbitrage.alert_matching (rules matched, handed on through arbitrage.alerting) and
arbitrage.spread_charts (each market's spread history). What talks to Redis, the layer and
the database, with its outage logging, stays here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer
from django.conf import settings
from django.db import DatabaseError
from redis.exceptions import RedisError

from arbitrage import presence
from arbitrage.alert_matching import AlertMatcher
from arbitrage.alerting import enqueue_alerts, load_rule_index, rules_version
from arbitrage.book import QuoteBook, refresh_for
from arbitrage.depth import DepthBook, opportunities_on
from arbitrage.depth_cache import DepthCacheWriter
from arbitrage.depth_demand import DepthDemand
from arbitrage.depth_levels import EncodedLevels
from arbitrage.depth_walk import DepthFill
from arbitrage.fanout import PRICES_EVENT, PRICES_GROUP
from arbitrage.history import open_lives
from arbitrage.life_writer import HISTORY_FLUSH_S, RESUME_GRACE_MS, LifeWriter
from arbitrage.live_update import LiveState, due_to_send
from arbitrage.messages import OpportunityMessage, opportunity_message
from arbitrage.quote_cache import (
    encode_funding_row,
    write_funding,
    write_live_state,
    write_spread_histories,
)
from arbitrage.spread_charts import SPREAD_SAMPLE_S, SpreadCharts
from arbitrage.spreads import units_of
from arbitrage.tracker import Changes, Closed, OpenOpportunity, OpportunityTracker
from feeds.depth import DEPTH_DEMAND_GROUP, DEPTH_DEMAND_REFRESH_S, Depth, decode_depth, demand_message
from feeds.funding import Funding, decode_funding
from feeds.publish import (
    DEPTH_MESSAGE_TYPE,
    FUNDING_MESSAGE_TYPE,
    QUOTES_DOWN_TYPE,
    QUOTES_GROUP,
    QUOTES_MESSAGE_TYPE,
)
from feeds.types import Quote, decode_quotes
from lib.clock import now_ms
from lib.service_watch import DATABASE, REDIS, ServiceWatch

logger = logging.getLogger(__name__)

RETRY_S = 1.0
# A fan-out waits this long after the first change, so that one burst of ticks leaves as one update.
FANOUT_GATHER_S = 0.003
# The whole live state (instrument index, open opportunities) is written again this often even
# unchanged: it is the engine's heartbeat, and it refills a cache that restarted empty.
LIVE_STATE_REFRESH_S = 2.0
PRESENCE_REFRESH_S = 1.0
ALERT_FLUSH_S = 0.2
MAX_PENDING_ALERTS = 10_000
CONFIG_REFRESH_S = 30.0
FUNDING_WRITE_S = 1.0
DEPTH_DEMAND_S = 1.0  # how often the books the feeds should stream are worked out again


@dataclass(frozen=True)
class ExchangeConfig:
    fees_pct: dict[str, Decimal]
    max_age_ms: dict[str, int]


def load_exchange_config() -> ExchangeConfig:
    from feeds.models import Exchange

    rows = list(Exchange.objects.all())
    return ExchangeConfig(
        fees_pct={row.id: row.taker_fee_pct for row in rows},
        max_age_ms={row.id: row.max_quote_age_ms for row in rows},
    )


class Engine:
    def __init__(self, layer: BaseChannelLayer, fanout_interval_ms: int, config: ExchangeConfig | None = None) -> None:
        self.layer = layer
        self.fanout_interval_s = fanout_interval_ms / 1000
        self.book = QuoteBook(refresh_for(settings.QUOTE_MAX_AGE_MS))
        config = config or ExchangeConfig({}, {})
        self.tracker = OpportunityTracker(
            config.fees_pct,
            config.max_age_ms,
            default_max_age_ms=settings.QUOTE_MAX_AGE_MS,
            min_net_spread_pct=settings.MIN_NET_SPREAD_PCT,
            allow_cross_quote=settings.ALLOW_CROSS_QUOTE,
        )
        self.book.refresh_ms_by_exchange = {exchange: refresh_for(age) for exchange, age in config.max_age_ms.items()}
        # Which of the book's quotes changed since the last update: (instrument, exchange).
        self.pending_quotes: set[tuple[str, str]] = set()
        # Funding: instrument -> exchange -> record JSON, as cached; what changed since the last write.
        self.funding_rows: dict[str, dict[str, str]] = {}
        self.funding: dict[str, dict[str, Funding]] = {}  # the same records, for each opportunity's funding leg
        self.pending_funding: set[str] = set()
        self.depth = DepthBook()  # each leg's latest books, walked for an opportunity's `depth`
        self.depth_demand = DepthDemand(
            near_bps=settings.DEPTH_NEAR_BPS,
            linger_ms=round(settings.DEPTH_LINGER_S * 1000),
            max_per_exchange=settings.DEPTH_MAX_PER_EXCHANGE,
        )
        self.depth_fills: dict[str, DepthFill | None] = {}  # each open opportunity's walk, as last seen
        self.depth_wanted: dict[str, list[str]] | None = None  # as last sent
        self._depth_wanted_sent_at = 0.0
        self.pending_opportunities: dict[str, OpenOpportunity] = {}
        # When each open opportunity last went out: its updates go at most every resend interval.
        self.opportunity_sent_at_ms: dict[str, int] = {}
        self.opportunity_resend_ms = settings.OPPORTUNITY_RESEND_MS
        self.pending_closed: list[Closed] = []
        self.live = LiveState(self.book)  # the open opportunities as last encoded; quotes from the book
        # Rises by one per update and starts from the clock, so that it keeps rising across
        # restarts and a client can tell an update it has seen from one it has not.
        self.seq = now_ms()
        self.received_quotes = 0
        self.bad_messages = 0
        self.failed_fanouts = 0
        self._live_state_written_at = 0.0
        self._indexed = 0
        self._changed = asyncio.Event()
        self.channel = ""
        self.alerts = AlertMatcher(Decimal(str(settings.ALERT_GROWTH_STEP_PCT)))
        self._rules_version: tuple[int, str, int, str] | None = None
        self.watched: set[str] | None = None  # None: someone watches everything
        self.watched_opportunities: set[str] | None = None  # ... every opportunity
        self.spread_charts = SpreadCharts()
        # Loops retry every 0.1–2 s: these log an outage when it starts and when it ends.
        self.redis = ServiceWatch(REDIS, logger)
        self.database = ServiceWatch(DATABASE, logger)
        self.lives = LifeWriter(self.database)
        self.depth_cache = DepthCacheWriter(self.redis)  # each leg's latest book, for paper fills

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Join the quotes group; batches published from here on reach this engine."""
        self.channel = await self.layer.new_channel("arbitrage.engine.")
        await self.layer.group_add(QUOTES_GROUP, self.channel)

    async def run(self) -> None:
        await self.take_over()
        await self.refresh_config()
        await self.start()
        try:
            await asyncio.gather(
                self.receive_forever(),
                self.fan_out_forever(),
                self.write_history_forever(),
                self.refresh_forever(),
                self.follow_presence_forever(),
                self.sample_spreads_forever(),
                self.alerts_forever(),
                self.write_funding_forever(),
                self.demand_depth_forever(),
                self.depth_cache.write_forever(),
            )
        finally:
            await self.layer.group_discard(QUOTES_GROUP, self.channel)

    async def take_over(self) -> None:
        """Expect the lives the previous engine left open: each is resumed if its pair opens
        again within RESUME_GRACE_MS of its last sighting, and closed then otherwise."""
        lives = await database_sync_to_async(open_lives)()
        self.tracker.expect(lives, RESUME_GRACE_MS)
        self.lives.expect(lives)
        await self.write_history()  # those whose grace has passed already

    async def refresh_config(self) -> None:
        try:
            config = await database_sync_to_async(load_exchange_config)()
        except DatabaseError as exc:
            self.database.failed(exc, "exchange settings not loaded, keeping the previous ones")
            return
        self.database.succeeded()
        self.tracker.fees_pct = config.fees_pct
        self.tracker.max_age_ms = config.max_age_ms
        self.book.refresh_ms_by_exchange = {exchange: refresh_for(age) for exchange, age in config.max_age_ms.items()}

    # --- input -------------------------------------------------------------------------------
    def on_quotes(self, quotes: list[Quote], at_ms: int | None = None) -> None:
        at_ms = now_ms() if at_ms is None else at_ms
        self.received_quotes += len(quotes)
        seen, changed = self.book.apply(quotes)
        pending = self.pending_quotes
        for quote in changed:
            pending.add((quote.instrument, quote.exchange))
        if pending:
            self._changed.set()
        # The tracker sees the book's quotes (arbitrage.book): an opportunity is priced and aged
        # from the quote the cache holds. A repeat is a sighting all the same.
        on_quote = self.tracker.on_quote
        for quote in seen:
            changes = on_quote(quote, at_ms)
            if changes:
                self.on_changes(changes, at_ms)

    def on_funding(self, records: list[Funding]) -> None:
        for record in records:
            self.funding_rows.setdefault(record.instrument, {})[record.exchange] = encode_funding_row(record)
            self.funding.setdefault(record.instrument, {})[record.exchange] = record
            self.pending_funding.add(record.instrument)

    def on_depth(self, records: list[Depth], at_ms: int | None = None) -> None:
        """Keep the books; an open opportunity they are a leg of goes out again when what
        walking them yields (its `depth`) has changed: most book moves do not reach the walk."""
        self.depth.apply(records)
        self.depth_cache.note(records)
        at_ms = now_ms() if at_ms is None else at_ms
        moved = []
        for opportunity in opportunities_on(records, self.tracker.open.values()):
            fill = self.depth.fill_for(opportunity, self.tracker, at_ms)
            if fill != self.depth_fills.get(opportunity.id):
                self.depth_fills[opportunity.id] = fill
                self.lives.note_depth(opportunity, fill)
                self.pending_opportunities[opportunity.id] = opportunity
                self._changed.set()
                moved.append(opportunity)
        if moved and self.alerts.rules.uses_depth:
            self.alerts.on_depth(moved, self.opportunity_message, at_ms, self.opportunity_levels)

    def opportunity_message(self, opportunity: OpenOpportunity, at_ms: int) -> OpportunityMessage:
        """An open opportunity as /ws, the cache and alerts carry it: with its funding leg and,
        where both legs' books are fresh, its depth."""
        depth = self.depth.fill_for(opportunity, self.tracker, at_ms)
        return opportunity_message(opportunity, self.funding, at_ms, depth)

    def opportunity_levels(self, opportunity: OpenOpportunity, at_ms: int) -> EncodedLevels | None:
        """The levels its depth walks, carried beside it so it is walked again at users' own fees."""
        return self.depth.levels_for(opportunity, self.tracker, at_ms)

    def on_changes(self, changes: Changes, at_ms: int | None = None) -> None:
        for opportunity in changes.opened + changes.updated:
            self.pending_opportunities[opportunity.id] = opportunity
            self.lives.note(opportunity)
        if self.alerts.rules.size:
            at = now_ms() if at_ms is None else at_ms
            self.alerts.match(changes, self.opportunity_message, at, self.opportunity_levels)
        for closed in changes.closed:
            opportunity = closed.opportunity
            self.pending_opportunities.pop(opportunity.id, None)
            self.opportunity_sent_at_ms.pop(opportunity.id, None)
            self.pending_closed.append(closed)
            self.lives.note(opportunity, closed)
            self.alerts.forget(opportunity.id)
            self.depth_fills.pop(opportunity.id, None)
        if changes.opened or changes.updated or changes.closed:
            self._changed.set()

    def on_message(self, message: dict) -> None:
        kind = message.get("type")
        try:
            if kind == QUOTES_MESSAGE_TYPE:
                self.on_quotes(decode_quotes(message["quotes"]))
                return
            if kind == DEPTH_MESSAGE_TYPE:
                self.on_depth(decode_depth(message["depth"]))
                return
            if kind == FUNDING_MESSAGE_TYPE:
                self.on_funding(decode_funding(message["funding"]))
                return
            if kind == QUOTES_DOWN_TYPE:
                self.on_changes(self.tracker.disconnect(message["exchange"], list(message["instruments"]), now_ms()))
                return
        except (KeyError, ValueError, TypeError) as exc:
            logger.warning("undecodable %s message dropped: %s", kind, exc)
        self.bad_messages += 1

    # --- loops -------------------------------------------------------------------------------
    async def receive_forever(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except (RedisError, OSError) as exc:
                self.redis.failed(exc, "channel layer unavailable, retrying")
                await asyncio.sleep(RETRY_S)
                continue
            self.redis.succeeded()
            self.on_message(message)

    async def write_funding_forever(self) -> None:
        """Funding into the cache, at most once a second: it changes every half minute or so."""
        while True:
            await asyncio.sleep(FUNDING_WRITE_S)
            await self.write_funding()

    async def write_funding(self) -> None:
        if not self.pending_funding:
            return
        changed, self.pending_funding = self.pending_funding, set()
        try:
            await write_funding({name: self.funding_rows[name] for name in changed}, sorted(self.funding_rows))
        except (RedisError, OSError) as exc:
            self.pending_funding |= changed  # written with the next round
            self.redis.failed(exc, "funding not written to the cache, retrying")

    async def demand_depth_forever(self) -> None:
        while True:
            await asyncio.sleep(DEPTH_DEMAND_S)
            await self.demand_depth(now_ms())

    async def demand_depth(self, at_ms: int) -> None:
        """Ask the feeds for the books of open and near pairs' legs (arbitrage.depth_demand):
        when they change, and every DEPTH_DEMAND_REFRESH_S regardless, for a worker started
        since and because the feeds drop what is not asked for again."""
        wanted = self.depth_demand.wanted(self.tracker, at_ms)
        if wanted == self.depth_wanted and time.monotonic() - self._depth_wanted_sent_at < DEPTH_DEMAND_REFRESH_S:
            return
        try:
            await self.layer.group_send(DEPTH_DEMAND_GROUP, demand_message(wanted))
        except (RedisError, OSError) as exc:
            self.redis.failed(exc, "depth demand not sent, retrying")
            return
        self.depth_wanted = wanted
        self._depth_wanted_sent_at = time.monotonic()

    async def fan_out_forever(self) -> None:
        """An update leaves soon after a change (FANOUT_GATHER_S), but never sooner than the
        fan-out interval after the previous one: latest wins in between."""
        loop = asyncio.get_running_loop()
        last_at = 0.0
        while True:
            # asyncio.timeout, not wait_for: in Python 3.11 wait_for swallows a cancellation that
            # comes as the event is set, and this loop then never ends.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LIVE_STATE_REFRESH_S):
                    await self._changed.wait()
            wake_at = max(loop.time() + FANOUT_GATHER_S, last_at + self.fanout_interval_s)
            await asyncio.sleep(wake_at - loop.time())
            self._changed.clear()
            last_at = loop.time()
            self.on_changes(self.tracker.expire(now_ms()))
            await self.fan_out()

    async def write_history_forever(self) -> None:
        while True:
            await asyncio.sleep(HISTORY_FLUSH_S)
            await self.write_history()

    async def follow_presence_forever(self) -> None:
        """Keep `watched` current: instruments nobody watches are not sent to /ws at all."""
        while True:
            try:
                watchers = await presence.registry().active()
                self.watched = presence.watched_union(watchers)
                self.watched_opportunities = presence.opportunities_watched(watchers)
                self.spread_charts.charted_groups = {units_of(i).group for i in presence.explicitly_watched(watchers)}
                self.redis.succeeded()
            except (RedisError, OSError) as exc:
                self.watched = self.watched_opportunities = None  # unknown: send everything
                self.redis.failed(exc, "/ws watchers unknown, sending everything")
            await asyncio.sleep(PRESENCE_REFRESH_S)

    async def sample_spreads_forever(self) -> None:
        while True:
            await asyncio.sleep(SPREAD_SAMPLE_S)
            await self.sample_spreads(now_ms())

    async def sample_spreads(self, at_ms: int) -> None:
        """Record each market's best net spread; publish the histories someone is charting."""
        self.spread_charts.sample(self.tracker, at_ms)
        charted = self.spread_charts.charted()
        if charted:
            try:
                await write_spread_histories(charted)
                self.redis.succeeded()
            except (RedisError, OSError) as exc:
                self.redis.failed(exc, "spread history not published")

    async def alerts_forever(self) -> None:
        while True:
            await asyncio.sleep(ALERT_FLUSH_S)
            await self.refresh_rules()
            await self.send_alerts()

    async def refresh_rules(self) -> None:
        """Rebuild the rule index when rules changed (checked every ALERT_FLUSH_S, cheaply)."""
        try:
            version = await database_sync_to_async(rules_version)()
            if version != self._rules_version:
                self.alerts.rules = await database_sync_to_async(load_rule_index)(self.tracker.fee_pct)
                self._rules_version = version
            self.database.succeeded()
        except DatabaseError as exc:
            self.database.failed(exc, "alert rules not reloaded, keeping the previous ones")

    async def send_alerts(self) -> None:
        alerts = self.alerts
        if not alerts.pending:
            return
        batch, alerts.pending = alerts.pending, []
        left = await database_sync_to_async(enqueue_alerts)(batch)
        # A broker that is down delays alerts; it does not lose them (bounded).
        alerts.pending = (left + alerts.pending)[-MAX_PENDING_ALERTS:]

    async def refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(CONFIG_REFRESH_S)
            await self.refresh_config()

    # --- output ------------------------------------------------------------------------------
    async def fan_out(self) -> None:
        """Bring the cache up to date, then send one coalesced update to every web process.

        The cache is written first: a /ws snapshot read from it reflects every update sent
        before, so a connection can drop the queued updates its snapshot already holds.
        """
        heartbeat_due = time.monotonic() - self._live_state_written_at >= LIVE_STATE_REFRESH_S
        at_ms = now_ms()
        opened, held = due_to_send(
            self.pending_opportunities, self.opportunity_sent_at_ms, at_ms, self.opportunity_resend_ms
        )
        if held:
            self._changed.set()  # the fan-out comes back for them when they are due
        if not (self.pending_quotes or opened or self.pending_closed or heartbeat_due):
            return
        quotes, self.pending_quotes = self.pending_quotes, set()
        self.pending_opportunities = held
        closed, self.pending_closed = self.pending_closed, []
        update = self.live.encode(
            quotes,
            opened.values(),
            closed,
            self.opportunity_message,
            at_ms,
            self.watched,
            self.opportunity_levels,
            self.watched_opportunities,
        )
        sending = update.sending
        seq = self.seq + 1 if sending else self.seq
        restoring = not self._live_state_written_at  # the first write, or the cache may have restarted empty
        heartbeat = heartbeat_due or restoring
        try:
            instruments = len(self.book.latest)
            await write_live_state(
                seq,
                self.live.all_rows() if restoring else update.rows,
                index=self.book.instruments() if heartbeat or instruments != self._indexed else None,
                open_opportunities=self.live.open_fragments if heartbeat or opened or closed else None,
                open_levels=self.live.open_levels,
            )
            # The cache holds this update now: a client whose snapshot shows `seq` has it.
            self.seq = seq
            self._indexed = instruments
            if heartbeat:
                self._live_state_written_at = time.monotonic()
            for opportunity_id in opened:
                self.opportunity_sent_at_ms[opportunity_id] = at_ms
            if sending:
                event = {"type": PRICES_EVENT, "seq": seq, "items": update.items}
                event["opportunities"] = update.opportunities
                event["closed"] = update.closed
                if update.levels:
                    event["levels"] = update.levels  # for the fan-out's own-fee groups, not sent to clients
                await self.layer.group_send(PRICES_GROUP, event)
        except (RedisError, OSError) as exc:
            # Nothing is lost: what did not leave goes out with the next update, under anything newer.
            self.pending_quotes |= quotes
            self.pending_opportunities = {**opened, **self.pending_opportunities}
            self.pending_closed = closed + self.pending_closed
            self.failed_fanouts += 1
            self._live_state_written_at = 0.0  # all of it again: the cache may have restarted empty
            self.redis.failed(exc, "fan-out failed, next one carries the latest")
        else:
            self.redis.succeeded()

    async def write_history(self) -> None:
        """Write every life that changed since the last call, and close the lives left open
        that were not resumed in time (arbitrage.life_writer)."""
        await self.lives.write(self.tracker.unresumed(now_ms()))
