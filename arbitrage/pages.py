"""What the pages show, computed from what the cache holds. Pure: no Django."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from arbitrage.messages import OpportunityMessage, QuoteMessage
from arbitrage.near_miss import NearMissRow
from arbitrage.read_model import Executable, MaxQuoteAges, NetSpread, executable, price_row
from arbitrage.spreads import DEFAULT_TAKER_FEE_PCT, units_of
from lib.numbers import tick_decimals


@dataclass(frozen=True)
class Column:
    """An exchange's column of the price matrix; the page gives the browser both numbers (in
    the column header) so its live figures follow the same rules (arbitrage/read_model.py)."""

    exchange: str
    max_quote_age_ms: int  # older quotes are stale: greyed, and out of the best bid and ask
    taker_fee_pct: Decimal = DEFAULT_TAKER_FEE_PCT  # for the row's best net spread


@dataclass
class Cell:
    exchange: str
    quote: QuoteMessage | None = None
    age_ms: int | None = None
    stale: bool = False
    best_bid: bool = False
    best_ask: bool = False


@dataclass
class Row:
    instrument: str
    watched: bool
    cells: list[Cell] = field(default_factory=list)
    spread_pct: Decimal | None = None  # best bid vs best ask across exchanges, gross
    net: NetSpread | None = None  # the best pair of two exchanges after both taker fees
    price_decimals: int | None = None  # from the finest tick among the exchanges listing it
    net_size_base: Decimal | None = None  # what the best pair's two tops of book both hold
    size_decimals: int | None = None  # from the finest lot among the exchanges listing it

    @property
    def coin(self) -> str:
        """The unit of its quotes' sizes: the instrument's base (1000PEPE counts thousands)."""
        return self.instrument.partition("/")[0]


def price_decimals(
    ticks: Iterable[tuple[str, Decimal]], lots: Iterable[tuple[str, Decimal]] = ()
) -> dict[str, dict[str, int]]:
    """How many decimals the pages show prices and sizes with, from (instrument, tick size) and
    (instrument, order step in base units) listings: per instrument, the finest tick among its
    exchanges (so no exchange's last digit is lost); per group ("BTC/USD"), the same for prices
    per coin, as opportunities quote them (1000PEPE's tick is per thousand coins: three more
    decimals). Sizes alike, from the finest lot: `size_instruments` in base units (as quotes
    give them), `size_groups` in coins (as opportunities do)."""
    instruments: dict[str, int] = {}
    groups: dict[str, int] = {}
    for instrument, tick in ticks:
        decimals = tick_decimals(tick)
        if decimals is None:
            continue
        instruments[instrument] = max(decimals, instruments.get(instrument, 0))
        units = units_of(instrument)
        per_coin = decimals + max(len(str(int(units.multiplier))) - 1, 0)
        groups[units.group] = max(per_coin, groups.get(units.group, 0))
    size_instruments: dict[str, int] = {}
    size_groups: dict[str, int] = {}
    for instrument, lot_base in lots:
        decimals = tick_decimals(lot_base)
        if decimals is None:
            continue
        size_instruments[instrument] = max(decimals, size_instruments.get(instrument, 0))
        units = units_of(instrument)
        per_coin = tick_decimals(lot_base * units.multiplier)
        size_groups[units.group] = max(per_coin, size_groups.get(units.group, 0))
    return {
        "instruments": instruments,
        "groups": groups,
        "size_instruments": size_instruments,
        "size_groups": size_groups,
    }


def matrix_columns(
    exchanges: list[str], max_ages: MaxQuoteAges, taker_fees_pct: Mapping[str, Decimal] | None = None
) -> list[Column]:
    """One column per exchange, with the max quote age the page greys its quotes by and the
    taker fee its net spreads count."""
    fees = taker_fees_pct or {}
    return [
        Column(exchange, max_ages.of(exchange), fees.get(exchange, DEFAULT_TAKER_FEE_PCT)) for exchange in exchanges
    ]


def price_matrix(
    quotes: Mapping[str, Mapping[str, QuoteMessage]],
    columns: list[Column],
    watched: set[str],
    now_ms: int,
    decimals: Mapping[str, int] | None = None,
    size_decimals: Mapping[str, int] | None = None,
) -> list[Row]:
    """Instruments × exchanges, each row read by arbitrage.read_model: its best bid and best ask
    among its fresh quotes marked, its gross spread across exchanges and its best net spread;
    watched rows first. A quote of an exchange with no column takes no part, as in the browser."""
    max_ages = MaxQuoteAges({column.exchange: column.max_quote_age_ms for column in columns}, default_ms=0)
    fees = {column.exchange: column.taker_fee_pct for column in columns}
    rows = []
    for instrument, by_exchange in quotes.items():
        shown = {column.exchange: by_exchange[column.exchange] for column in columns if column.exchange in by_exchange}
        read = price_row(instrument, shown, max_ages, fees, now_ms)
        row = Row(
            instrument,
            instrument in watched,
            spread_pct=read.cross_spread_pct,
            net=read.net,
            price_decimals=(decimals or {}).get(instrument),
            size_decimals=(size_decimals or {}).get(instrument),
        )
        if read.net is not None:
            buy, sell = read.readings[read.net.buy_exchange], read.readings[read.net.sell_exchange]
            row.net_size_base = min(buy.quote.ask_size, sell.quote.bid_size)
        # The page marks only a fresh best: with every quote stale, no cell stands out.
        best_bid = read.best_bid if read.fresh_exchanges else None
        best_ask = read.best_ask if read.fresh_exchanges else None
        for column in columns:
            reading = read.readings.get(column.exchange)
            if reading is None:
                row.cells.append(Cell(column.exchange))
                continue
            row.cells.append(
                Cell(
                    column.exchange,
                    reading.quote,
                    reading.age_ms,
                    reading.stale,
                    best_bid=reading is best_bid,
                    best_ask=reading is best_ask,
                )
            )
        rows.append(row)
    rows.sort(key=lambda r: (not r.watched, r.instrument))
    return rows


@dataclass(frozen=True)
class ListedPair:
    """An open opportunity as the pages list it: the typed record, with how long it has been
    open and the currency its profit is in. Its fields read through (`pair.net_spread_pct`), so
    a template row reads a pair as it reads the record."""

    opportunity: OpportunityMessage
    open_for_ms: int
    profit_currency: str

    def __getattr__(self, name: str) -> object:
        return getattr(self.opportunity, name)

    @property
    def executable(self) -> Executable:
        """Its size and profit as the table shows them: walking both books where known."""
        return executable(self.opportunity)


@dataclass(frozen=True)
class ListedNearMiss:
    """A near miss as the Opportunities page lists it: the typed row, with the decimals its
    market's prices and sizes are written with. Its fields read through, as ListedPair's do."""

    row: NearMissRow
    price_decimals: int | None
    size_decimals: int | None
    coin: str

    @classmethod
    def of(
        cls, row: NearMissRow, group_decimals: Mapping[str, int], group_size_decimals: Mapping[str, int]
    ) -> ListedNearMiss:
        return cls(
            row, group_decimals.get(row.group), group_size_decimals.get(row.group), units_of(row.buy_instrument).coin
        )

    def __getattr__(self, name: str) -> object:
        return getattr(self.row, name)


@dataclass
class OpportunityGroup:
    """One market event: the open pairs of one coin and quote family, best net spread first."""

    group: str
    pairs: list[ListedPair]
    price_decimals: int | None = None  # per coin, for the pairs' prices
    size_decimals: int | None = None  # the lot's, in coins, for the pairs' sizes

    @property
    def coin(self) -> str:
        return self.group.partition("/")[0]

    @property
    def best(self) -> ListedPair:
        return self.pairs[0]

    @property
    def open_for_ms(self) -> int:
        return max(pair.open_for_ms for pair in self.pairs)


def group_opportunities(
    ranked: list[OpportunityMessage],
    now_ms: int,
    group_decimals: Mapping[str, int] | None = None,
    group_size_decimals: Mapping[str, int] | None = None,
) -> list[OpportunityGroup]:
    """Open opportunities (best net first, as `rank` leaves them) as one group per market event,
    the group of the best pair first."""
    groups: dict[str, OpportunityGroup] = {}
    decimals, size_decimals = group_decimals or {}, group_size_decimals or {}
    for item in ranked:
        pair = ListedPair(item, max(0, now_ms - item.opened_ms), units_of(item.buy_instrument).quote)
        group = groups.get(item.group)
        if group is None:
            group = groups[item.group] = OpportunityGroup(
                item.group, [], decimals.get(item.group), size_decimals.get(item.group)
            )
        group.pairs.append(pair)
    return list(groups.values())


def spread_points(points: list[tuple[int, float]]) -> list[list[float]]:
    """The best net spread over time for the chart: [[seconds since the epoch, %], ...]."""
    return [[t_ms / 1000, round(value, 6)] for t_ms, value in points]


@dataclass(frozen=True)
class HistoryRow:
    """One closed (or still open) life of an opportunity, as the instrument page lists it."""

    opportunity: object  # arbitrage.models.Opportunity; this module imports no model
    price_decimals: int | None
    coin: str
    currency: str
    size_decimals: int | None = None  # the group's lot, in coins

    @property
    def from_depth(self) -> bool:
        """Whether both books were known in its life: its best walk, else its top-of-book peak."""
        return self.opportunity.depth_profit_quote is not None

    @property
    def profit_quote(self) -> object:
        o = self.opportunity
        return o.depth_profit_quote if self.from_depth else o.peak_profit_quote

    @property
    def size_base(self) -> object:
        o = self.opportunity
        return o.depth_size_base if self.from_depth else o.peak_size_base


def history_rows(
    history, group_decimals: Mapping[str, int], group_size_decimals: Mapping[str, int] | None = None
) -> list[HistoryRow]:
    """Each recorded opportunity with what the page needs to write its numbers."""
    sizes = group_size_decimals or {}
    return [
        HistoryRow(
            h,
            group_decimals.get(h.group),
            units_of(h.buy_instrument).coin,
            units_of(h.buy_instrument).quote,
            sizes.get(h.group),
        )
        for h in history
    ]


# --- the Replay page ---------------------------------------------------------------------------
REPLAY_ROWS = 200  # the most profitable lives listed; the summary counts them all


def _at(at_ms: int) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC)


def replay_context(report, summary, rules: list, group_size_decimals: Mapping[str, int] | None = None) -> dict:
    """The Replay page's table and alerts from a ReplayReport and its summary (arbitrage/replay.py);
    each row with its coin, the group's lot and its profit's currency, to write its numbers."""
    best = sorted(report.opportunities, key=lambda o: o.peak_profit_quote, reverse=True)[:REPLAY_ROWS]
    sizes = group_size_decimals or {}
    rows = []
    for o in best:
        units = units_of(o.buy_instrument)
        rows.append(
            {
                "o": o,
                "opened": _at(o.opened_ms),
                "duration_s": o.duration_ms / 1000,
                "coin": units.coin,
                "size_decimals": sizes.get(units.group),
                "currency": units.quote,
            }
        )
    fired = [
        {
            "rule": rule,
            "alerts": [
                {"alert": a, "at": _at(a.at_ms), "currency": _pair_currency(a.pair)}
                for a in report.alerts
                if a.rule_id == rule.spec.id
            ],
        }
        for rule in rules
    ]
    return {
        "report": report,
        "summary": summary,
        "rows": rows,
        "fired": fired,
        "rules": rules,
        "chart": replay_chart(report.opportunities),
    }


def _pair_currency(pair: str) -> str:
    """binance:BTC/USDT:USDT>okx:BTC/USDT:USDT -> USDT, its buy leg's quote currency."""
    return units_of(pair.partition(">")[0].partition(":")[2]).quote


def replay_chart(opportunities) -> dict[str, list[float]]:
    """For the Replay page's chart, in open-time order: seconds since the epoch, each
    opportunity's peak net spread (%), and the peak profit summed so far (quote currency)."""
    ordered = sorted(opportunities, key=lambda o: o.opened_ms)
    total, summed = Decimal(0), []
    for o in ordered:
        total += o.peak_profit_quote
        summed.append(float(total))
    return {
        "t": [o.opened_ms / 1000 for o in ordered],
        "peak_net_pct": [float(o.peak_net_spread_pct) for o in ordered],
        "profit_summed": summed,
    }
