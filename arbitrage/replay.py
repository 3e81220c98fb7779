"""Replay: recorded quotes through the live engine's own code, in a namespace of their own.

The quotes go in as the live path hands them to the engine: in feed batches (every
FEED_FLUSH_INTERVAL_MS of receive time, latest per symbol, down notices first), each at the
batch's time, with stale quotes expired every fan-out interval. They reach `Engine.on_quotes`
and `Engine.on_changes`, so the book, the tracker and alert matching (with its growth step)
are the live ones. The engine is never started: it joins no group on any layer (it has an
in-memory one of its own), writes nothing to the cache, sends nothing to /ws and writes no
history row; what it would have written is read off its pending lists and dropped.

Funding: recorded funding polls reach `Engine.on_funding` as the live engine gets them (with
the batch they were received in, before its down notices and quotes, as a feed worker's flush
sends them). Each opportunity carries its funding leg as it stood at its peak: both legs'
funding over DEFAULT_HOLDING_H from the peak's batch, entered at the peak net spread (as /ws
shows it); none where either leg had no funding record yet.

Depth: recorded depth batches (the books the live engine was sent: those of open and near
opportunities, on demand) reach `Engine.on_depth` with the batch they were received in, after
funding and before down notices and quotes, as a feed worker's flush sends them. Each
opportunity carries the most profitable walk of both legs' books seen in its life
(`best_depth`), at the replay's fees; none where the books were not recorded or not fresh.

Alerts: a rule "fires" when delivery would send it: once per (rule, opportunity), and at most
once per pair within the rule's cooldown (accounts/alerts/delivery.py), in recorded time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from channels.layers import InMemoryChannelLayer
from django.conf import settings

from arbitrage.depth import opportunities_on
from arbitrage.depth_walk import DepthFill
from arbitrage.engine import Engine, ExchangeConfig
from arbitrage.funding import DEFAULT_HOLDING_H, pair_edge
from arbitrage.messages import OpportunityFunding
from arbitrage.rule_matching import RuleIndex, RuleSpec
from arbitrage.tracker import OpenOpportunity
from feeds.depth import Depth
from feeds.funding import Funding
from feeds.recording import DepthBatch, Down, Event, FundingBatch
from feeds.types import Quote

OPEN_AT_END = "open at end"


@dataclass(frozen=True)
class ReplayedOpportunity:
    """One opportunity's life as the replay saw it. Equality leaves out the random id."""

    group: str
    buy_exchange: str
    buy_instrument: str
    sell_exchange: str
    sell_instrument: str
    opened_ms: int
    closed_ms: int  # its end, or its last sighting when still open at the end of the period
    duration_ms: int
    ticks: int
    first_net_spread_pct: Decimal
    peak_net_spread_pct: Decimal
    peak_size_base: Decimal
    peak_profit_quote: Decimal  # at the peak net spread, in the market's quote currency
    close_reason: str
    id: str = field(compare=False)
    # At the peak, over DEFAULT_HOLDING_H; None where funding of either leg was not recorded.
    funding: OpportunityFunding | None = None
    # The most profitable walk of both books in its life; None where depth was not recorded.
    best_depth: DepthFill | None = None

    @property
    def pair(self) -> str:
        return f"{self.buy_exchange}:{self.buy_instrument}>{self.sell_exchange}:{self.sell_instrument}"

    @classmethod
    def of(
        cls,
        opportunity: OpenOpportunity,
        closed_ms: int,
        reason: str,
        funding: OpportunityFunding | None = None,
        best_depth: DepthFill | None = None,
    ) -> ReplayedOpportunity:
        peak = opportunity.peak
        return cls(
            group=opportunity.group,
            buy_exchange=opportunity.buy.exchange,
            buy_instrument=opportunity.buy.instrument,
            sell_exchange=opportunity.sell.exchange,
            sell_instrument=opportunity.sell.instrument,
            opened_ms=opportunity.opened_ms,
            closed_ms=closed_ms,
            duration_ms=closed_ms - opportunity.opened_ms,
            ticks=opportunity.ticks,
            first_net_spread_pct=opportunity.first_net_spread_pct,
            peak_net_spread_pct=peak.net_spread_pct,
            peak_size_base=peak.size_base,
            peak_profit_quote=peak.profit_quote,
            close_reason=reason,
            id=opportunity.id,
            funding=funding,
            best_depth=best_depth,
        )


@dataclass(frozen=True)
class FiredAlert:
    rule_id: int
    pair: str
    at_ms: int
    net_spread_pct: Decimal
    profit_quote: Decimal
    opportunity_id: str = field(compare=False)


@dataclass
class ReplayReport:
    quotes: int = 0
    downs: int = 0
    funding: int = 0  # funding records handed to the engine
    depth: int = 0  # depth records (books) handed to the engine
    batches: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    opportunities: list[ReplayedOpportunity] = field(default_factory=list)
    alerts: list[FiredAlert] = field(default_factory=list)
    matches: int = 0  # rule matches the engine made (an opening, or a growth step)
    held_by_cooldown: int = 0  # matches a rule's cooldown kept from sending
    wall_s: float = 0.0
    cpu_s: float = 0.0


@dataclass(frozen=True)
class ReplayRule:
    spec: RuleSpec
    name: str = ""
    cooldown_s: int = 300


class Replay:
    def __init__(
        self,
        config: ExchangeConfig | None = None,
        rules: Iterable[ReplayRule] = (),
        *,
        own_fees: Mapping[int, Mapping[str, Decimal]] | None = None,
        flush_ms: int | None = None,
        expire_every_ms: int | None = None,
        pace: Callable[[int], None] | None = None,
    ) -> None:
        self.engine = Engine(InMemoryChannelLayer(), settings.FANOUT_INTERVAL_MS, config)
        self.rules = {rule.spec.id: rule for rule in rules}
        # Rules match at their owner's own taker fees, as the live engine's do.
        specs = [rule.spec for rule in self.rules.values()]
        self.engine.alerts.rules = RuleIndex(specs, own_fees, self.engine.tracker.fee_pct)
        self.flush_ms = flush_ms or settings.FEED_FLUSH_INTERVAL_MS
        self.expire_every_ms = expire_every_ms or settings.FANOUT_INTERVAL_MS
        self.pace = pace  # called with each batch's time before it goes in (--speed)
        self.report = ReplayReport()
        self._expired_at_ms = 0
        self._cooldowns: dict[tuple[int, str], tuple[int, str]] = {}  # (rule, pair) -> (sent at, opportunity)
        self._sent: set[tuple[int, str]] = set()  # (rule, opportunity)
        # opportunity id -> (its peak, its funding leg at that peak)
        self._peak_funding: dict[str, tuple[object, OpportunityFunding | None]] = {}
        self._best_depth: dict[str, DepthFill] = {}  # opportunity id -> its most profitable walk

    def run(self, events: Iterable[Event]) -> ReplayReport:
        started, started_cpu = time.perf_counter(), time.process_time()
        report = self.report
        flush_ms = self.flush_ms
        batch: dict[tuple[str, str], Quote] = {}
        downs: list[Down] = []
        funding: list[Funding] = []
        depth: list[Depth] = []
        batch_end_ms = None
        for event in events:
            if isinstance(event, Quote):
                at_ms = event.recv_ns // 1_000_000
                report.quotes += 1
            elif isinstance(event, FundingBatch):
                at_ms = event.at_ns // 1_000_000
                report.funding += len(event.records)
            elif isinstance(event, DepthBatch):
                at_ms = event.at_ns // 1_000_000
                report.depth += len(event.records)
            else:
                at_ms = event.at_ns // 1_000_000
                report.downs += 1
            if batch_end_ms is None:
                report.first_ms = at_ms
                batch_end_ms = (at_ms // flush_ms + 1) * flush_ms
            elif at_ms >= batch_end_ms:
                self._deliver(batch, downs, batch_end_ms, funding, depth)
                batch, downs, funding, depth = {}, [], [], []
                batch_end_ms = (at_ms // flush_ms + 1) * flush_ms
            if isinstance(event, Quote):
                batch[event.exchange, event.symbol] = event  # as QuotePublisher.add: latest wins
            elif isinstance(event, FundingBatch):
                funding += event.records
            elif isinstance(event, DepthBatch):
                depth += event.records
            else:
                downs.append(event)
            report.last_ms = at_ms
        if batch_end_ms is not None:
            self._deliver(batch, downs, batch_end_ms, funding, depth)
        for opportunity in sorted(self.engine.tracker.open.values(), key=lambda o: o.opened_ms):
            report.opportunities.append(self._replayed(opportunity, opportunity.updated_ms, OPEN_AT_END))
        report.opportunities.sort(key=lambda o: (o.opened_ms, o.pair))
        report.wall_s = time.perf_counter() - started
        report.cpu_s = time.process_time() - started_cpu
        return report

    def _deliver(
        self,
        batch: dict[tuple[str, str], Quote],
        downs: list[Down],
        at_ms: int,
        funding: list[Funding] = (),
        depth: list[Depth] = (),
    ) -> None:
        engine = self.engine
        if self.pace is not None:
            self.pace(at_ms)
        if funding:
            engine.on_funding(funding)
        if depth:
            engine.on_depth(depth, at_ms)
            for opportunity in opportunities_on(depth, engine.tracker.open.values()):
                self._note_depth(opportunity, at_ms)
        for down in downs:
            engine.on_changes(engine.tracker.disconnect(down.exchange, down.instruments, at_ms), at_ms)
        if batch:
            engine.on_quotes(list(batch.values()), at_ms)
            self.report.batches += 1
        if at_ms - self._expired_at_ms >= self.expire_every_ms:
            engine.on_changes(engine.tracker.expire(at_ms), at_ms)
            self._expired_at_ms = at_ms
        self._collect(at_ms)

    def _collect(self, at_ms: int) -> None:
        """Take what the engine would have written and sent; it goes nowhere else."""
        engine = self.engine
        for opportunity, closed, _ in engine.lives.pending.values():
            if engine.funding:
                self._note_peak_funding(opportunity, at_ms)
            if engine.depth.latest:
                self._note_depth(opportunity, at_ms)
            if closed is not None:
                self.report.opportunities.append(self._replayed(opportunity, closed.closed_ms, closed.reason))
                self._peak_funding.pop(opportunity.id, None)
                self._best_depth.pop(opportunity.id, None)
        for rule_id, message in engine.alerts.pending:
            self._alert(rule_id, message, at_ms)
        engine.lives.pending.clear()
        engine.alerts.pending.clear()
        engine.pending_quotes.clear()
        engine.pending_opportunities.clear()
        engine.pending_closed.clear()
        engine.pending_funding.clear()
        engine._changed.clear()

    def _note_peak_funding(self, opportunity: OpenOpportunity, at_ms: int) -> None:
        """The funding leg at a new peak, as /ws would have carried it then."""
        peak = opportunity.peak
        noted = self._peak_funding.get(opportunity.id)
        if noted is not None and noted[0] is peak:
            return
        buy, sell = opportunity.buy, opportunity.sell
        edge = pair_edge(
            self.engine.funding,
            (buy.exchange, buy.instrument),
            (sell.exchange, sell.instrument),
            peak.net_spread_pct,
            at_ms,
            DEFAULT_HOLDING_H,
        )
        self._peak_funding[opportunity.id] = (peak, None if edge is None else OpportunityFunding.from_edge(edge))

    def _note_depth(self, opportunity: OpenOpportunity, at_ms: int) -> None:
        """Both legs' books walked now, kept if it pays more than any walk before in its life."""
        fill = self.engine.depth.fill_for(opportunity, self.engine.tracker, at_ms)
        if fill is None:
            return
        best = self._best_depth.get(opportunity.id)
        if best is None or fill.profit_quote > best.profit_quote:
            self._best_depth[opportunity.id] = fill

    def _replayed(self, opportunity: OpenOpportunity, closed_ms: int, reason: str) -> ReplayedOpportunity:
        noted = self._peak_funding.get(opportunity.id)
        return ReplayedOpportunity.of(
            opportunity, closed_ms, reason, noted[1] if noted else None, self._best_depth.get(opportunity.id)
        )

    def _alert(self, rule_id: int, message: dict, at_ms: int) -> None:
        self.report.matches += 1
        opportunity_id = message["id"]
        if (rule_id, opportunity_id) in self._sent:
            return  # a growth re-match: delivery's per-channel claims send nothing twice
        buy, sell = (
            (message["buy_exchange"], message["buy_instrument"]),
            (message["sell_exchange"], message["sell_instrument"]),
        )
        pair = f"{buy[0]}:{buy[1]}>{sell[0]}:{sell[1]}"  # delivery's pair_key
        held = self._cooldowns.get((rule_id, pair))
        if held is not None and at_ms - held[0] < self.rules[rule_id].cooldown_s * 1000:
            self.report.held_by_cooldown += 1
            return
        self._cooldowns[rule_id, pair] = (at_ms, opportunity_id)
        self._sent.add((rule_id, opportunity_id))
        self.report.alerts.append(
            FiredAlert(
                rule_id,
                pair,
                at_ms,
                Decimal(message["net_spread_pct"]),
                Decimal(message["profit_quote"]),
                opportunity_id,
            )
        )


def replay(events: Iterable[Event], **options) -> ReplayReport:
    return Replay(**options).run(events)


# --- a recorded period, with a user's rules (the command and the page) -----------------------
def user_rules(user, rule_ids: Iterable[int] | None = None) -> list[ReplayRule]:
    """The user's active alert rules (or the ones named, active or not) as the replay matches them."""
    from arbitrage.alerting import rule_spec

    rows = user.alert_rules.all()
    rows = rows.filter(id__in=list(rule_ids)) if rule_ids else rows.filter(active=True)
    return [ReplayRule(rule_spec(row), row.name, row.cooldown_s) for row in rows]


def user_own_fees(user) -> dict[int, dict[str, Decimal]]:
    """The user's own taker fees, as the rule index takes them (accounts.trading)."""
    from accounts.trading import trading_settings

    return {user.pk: dict(trading_settings(user).taker_fees_pct)}


def replay_period(
    from_ms: int,
    to_ms: int,
    *,
    rules: Iterable[ReplayRule] = (),
    own_fees: Mapping[int, Mapping[str, Decimal]] | None = None,
    exchanges: Iterable[str] | None = None,
    directory=None,
    pace: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Replay what was recorded from `from_ms` (included) to `to_ms` (excluded), with the
    exchanges' fees and max quote ages as configured now (admin → Exchanges); `own_fees`
    (user id -> exchange -> taker fee %) for the rules of users with fees of their own."""
    from arbitrage.engine import load_exchange_config
    from feeds.recording import read_period

    events = read_period(directory or settings.RECORDING_DIR, from_ms * 1_000_000, to_ms * 1_000_000, exchanges)
    return Replay(load_exchange_config(), rules, own_fees=own_fees, pace=pace).run(events)


def paced(
    speed: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
) -> Callable[[int], None]:
    """A pace that keeps recorded time `speed` times faster than the wall clock."""
    start: list[float] = []

    def pace(at_ms: int) -> None:
        if not start:
            start[:] = [clock(), at_ms]
            return
        ahead_s = start[0] + (at_ms - start[1]) / 1000 / speed - clock()
        if ahead_s > 0:
            sleep(ahead_s)

    return pace


@dataclass(frozen=True)
class ReplaySummary:
    opportunities: int
    by_reason: dict[str, int]
    duration_p50_ms: int
    duration_p90_ms: int
    duration_max_ms: int
    profit_by_quote: dict[str, Decimal]  # sum of each life's peak profit, per quote currency
    fired_by_rule: dict[int, int]


def summarise(report: ReplayReport) -> ReplaySummary:
    durations = sorted(o.duration_ms for o in report.opportunities)

    def rank(share: float) -> int:  # nearest rank
        return durations[max(0, min(len(durations) - 1, round(share * len(durations)) - 1))] if durations else 0

    by_reason: dict[str, int] = {}
    profit: dict[str, Decimal] = {}
    for o in report.opportunities:
        by_reason[o.close_reason] = by_reason.get(o.close_reason, 0) + 1
        quote = o.group.partition("/")[2] or o.group
        profit[quote] = profit.get(quote, Decimal(0)) + o.peak_profit_quote
    fired: dict[int, int] = {}
    for alert in report.alerts:
        fired[alert.rule_id] = fired.get(alert.rule_id, 0) + 1
    return ReplaySummary(
        len(report.opportunities), by_reason, rank(0.5), rank(0.9), durations[-1] if durations else 0, profit, fired
    )
