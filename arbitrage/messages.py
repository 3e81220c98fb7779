"""The /ws message schemas: one typed definition per message type, used by the sender,
the tests and the docs. Prices travel as decimal strings, exact as the exchange sent them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import msgspec

from arbitrage.depth_walk import DepthFill
from arbitrage.funding import DEFAULT_HOLDING_H, FundingEdge, FundingLeg, pair_edge
from arbitrage.subscriptions import OF_INSTRUMENTS, OpportunitiesMode
from arbitrage.tracker import Closed, OpenOpportunity
from feeds.funding import Funding
from feeds.types import Quote


class QuoteMessage(msgspec.Struct, frozen=True):
    """One exchange's best bid and ask of one instrument, as browsers and bots receive it."""

    exchange: str
    symbol: str
    instrument: str
    bid: Decimal
    bid_size: Decimal  # base-currency units
    ask: Decimal
    ask_size: Decimal
    price: Decimal  # mid, the seed's `price`
    timestamp: int  # exchange time, ms (the seed's name)
    ts_ms: int  # exchange time, ms
    recv_ms: int  # when Arbsite received it, ms

    @classmethod
    def from_quote(cls, quote: Quote) -> QuoteMessage:
        return cls(
            exchange=quote.exchange,
            symbol=quote.symbol,
            instrument=quote.instrument,
            bid=quote.bid,
            bid_size=quote.bid_size,
            ask=quote.ask,
            ask_size=quote.ask_size,
            price=(quote.bid + quote.ask) / 2,
            timestamp=quote.ts_ms,
            ts_ms=quote.ts_ms,
            recv_ms=quote.recv_ns // 1_000_000,
        )


_PCT = Decimal("0.000001")
_QUOTE = Decimal("0.00000001")
_PRICE = Decimal("1e-12")  # an average price per coin: finer than any tick (1000PEPE's per coin is 1e-8)


_FUNDING_PCT = Decimal("1e-8")


class OpportunityFundingLeg(msgspec.Struct, frozen=True):
    exchange: str
    rate_pct: Decimal  # per funding event; positive: longs pay shorts
    interval_h: int  # hours between this instrument's funding events
    next_funding_ms: int  # the leg's next funding event after now, Unix ms

    @classmethod
    def from_leg(cls, leg: FundingLeg) -> OpportunityFundingLeg:
        return cls(leg.exchange, leg.rate_pct.quantize(_FUNDING_PCT), leg.interval_h, leg.next_funding_ms)


class OpportunityFunding(msgspec.Struct, frozen=True):
    """An opportunity's funding leg held `hours` from now, long where it buys and short where it
    sells (arbitrage/funding.py): on /ws and in alerts over DEFAULT_HOLDING_H, in GET
    /api/arbitrage over its `hours`."""

    long: OpportunityFundingLeg
    short: OpportunityFundingLeg
    hours: int  # the holding period
    funding_pct: Decimal  # both legs' funding events in the holding period, percent of the position
    per_day_pct: Decimal  # the funding differential per day at the current rates
    edge_pct: Decimal  # the net spread + funding_pct

    @classmethod
    def from_edge(cls, edge: FundingEdge) -> OpportunityFunding:
        if edge.edge_pct is None:
            raise ValueError("an opportunity's funding leg needs its net spread")
        return cls(
            long=OpportunityFundingLeg.from_leg(edge.long),
            short=OpportunityFundingLeg.from_leg(edge.short),
            hours=edge.hours,
            funding_pct=edge.funding_pct.quantize(_FUNDING_PCT),
            per_day_pct=edge.daily_pct.quantize(_FUNDING_PCT),
            edge_pct=edge.edge_pct.quantize(_FUNDING_PCT),
        )


class OpportunityDepth(msgspec.Struct, frozen=True):
    """The opportunity walked through both legs' top DEPTH_LEVELS (10) levels, as taker at the
    exchanges' fees: the size of greatest net profit (arbitrage/depth_walk.py)."""

    size_base: Decimal  # coins; 0 when not even the best levels pay both fees
    avg_buy_price: Decimal  # per coin, averaged over the asks bought
    avg_sell_price: Decimal  # per coin, averaged over the bids sold into
    buy_slippage_pct: Decimal  # avg_buy_price above the best ask
    sell_slippage_pct: Decimal  # avg_sell_price below the best bid
    net_spread_pct: Decimal  # after both taker fees, at the average prices
    profit_quote: Decimal  # net profit at size_base, quote currency
    books_exhausted: bool  # a side's known levels ran out while the next coin still paid

    @classmethod
    def from_fill(cls, fill: DepthFill) -> OpportunityDepth:
        return cls(
            size_base=fill.size_base,
            avg_buy_price=fill.avg_buy_price.quantize(_PRICE),
            avg_sell_price=fill.avg_sell_price.quantize(_PRICE),
            buy_slippage_pct=fill.buy_slippage_pct.quantize(_PCT),
            sell_slippage_pct=fill.sell_slippage_pct.quantize(_PCT),
            net_spread_pct=fill.net_spread_pct.quantize(_PCT),
            profit_quote=fill.profit_quote.quantize(_QUOTE),
            books_exhausted=fill.books_exhausted,
        )


class OpportunityMessage(msgspec.Struct, frozen=True):
    """An open opportunity: buy at `buy_exchange`'s ask, sell at `sell_exchange`'s bid, as taker."""

    id: str
    group: str  # coin and quote family, e.g. "BTC/USD"
    symbol: str  # the buy leg's canonical instrument (the seed's `symbol`)
    buy_exchange: str
    buy_instrument: str
    buy_price: Decimal  # per coin
    sell_exchange: str
    sell_instrument: str
    sell_price: Decimal
    spread: Decimal  # sell_price - buy_price
    spread_percentage: Decimal  # gross, the seed's name
    gross_spread_pct: Decimal
    net_spread_pct: Decimal  # after both taker fees
    size_base: Decimal  # coin units executable at both tops of book (top of book only: see `depth`)
    profit_quote: Decimal  # net profit at size_base, quote currency (top of book only)
    potential_profit: Decimal  # the seed's name for profit_quote
    profitable: bool
    basis_risk: bool  # legs quoted in different currencies (USD vs USDT, ...)
    opened_ms: int
    updated_ms: int
    ticks: int
    peak_net_spread_pct: Decimal
    # Held DEFAULT_HOLDING_H (8 h) from when the engine encoded it; null unless both legs have funding.
    funding: OpportunityFunding | None = None
    # Both legs' books walked; null unless both legs have depth no older than a quote may be.
    depth: OpportunityDepth | None = None

    @classmethod
    def from_open(cls, opportunity: OpenOpportunity, funding: OpportunityFunding | None = None) -> OpportunityMessage:
        spread = opportunity.spread
        gross = spread.gross_spread_pct.quantize(_PCT)
        profit = spread.profit_quote.quantize(_QUOTE)
        return cls(
            id=opportunity.id,
            group=opportunity.group,
            symbol=opportunity.buy.instrument,
            buy_exchange=opportunity.buy.exchange,
            buy_instrument=opportunity.buy.instrument,
            buy_price=spread.buy_price,
            sell_exchange=opportunity.sell.exchange,
            sell_instrument=opportunity.sell.instrument,
            sell_price=spread.sell_price,
            spread=spread.sell_price - spread.buy_price,
            spread_percentage=gross,
            gross_spread_pct=gross,
            net_spread_pct=spread.net_spread_pct.quantize(_PCT),
            size_base=spread.size_base,
            profit_quote=profit,
            potential_profit=profit,
            profitable=spread.net_spread_pct > 0,
            basis_risk=spread.basis_risk,
            opened_ms=opportunity.opened_ms,
            updated_ms=opportunity.updated_ms,
            ticks=opportunity.ticks,
            peak_net_spread_pct=opportunity.peak.net_spread_pct.quantize(_PCT),
            funding=funding,
        )


def opportunity_message(
    opportunity: OpenOpportunity,
    funding: Mapping[str, Mapping[str, Funding]],
    now_ms: int,
    depth: DepthFill | None = None,
) -> OpportunityMessage:
    """The opportunity as /ws and alerts carry it: with its funding leg held DEFAULT_HOLDING_H
    from `now_ms`, entered at the message's net spread (as GET /api/arbitrage computes it from
    the cached message), or none unless both legs are in `funding` (instrument -> exchange);
    and with its `depth` figures where both legs' books are known (arbitrage/depth.py)."""
    message = OpportunityMessage.from_open(opportunity)
    if depth is not None:
        message = msgspec.structs.replace(message, depth=OpportunityDepth.from_fill(depth))
    buy, sell = opportunity.buy, opportunity.sell
    edge = pair_edge(
        funding,
        (buy.exchange, buy.instrument),
        (sell.exchange, sell.instrument),
        message.net_spread_pct,
        now_ms,
        DEFAULT_HOLDING_H,
    )
    return message if edge is None else msgspec.structs.replace(message, funding=OpportunityFunding.from_edge(edge))


# How the engine makes an open opportunity's message (funding leg and depth included), for the
# parts of it that encode or match opportunities without holding the books themselves.
MessageOf = Callable[[OpenOpportunity, int], OpportunityMessage]


class OpportunityClosedMessage(msgspec.Struct, frozen=True):
    id: str
    group: str
    buy_exchange: str
    buy_instrument: str
    sell_exchange: str
    sell_instrument: str
    opened_ms: int
    closed_ms: int
    duration_ms: int
    reason: str  # spread (gap gone), stale, invalid (crossed or empty book), disconnected
    peak_net_spread_pct: Decimal
    ticks: int

    @classmethod
    def from_closed(cls, closed: Closed) -> OpportunityClosedMessage:
        opportunity = closed.opportunity
        return cls(
            id=opportunity.id,
            group=opportunity.group,
            buy_exchange=opportunity.buy.exchange,
            buy_instrument=opportunity.buy.instrument,
            sell_exchange=opportunity.sell.exchange,
            sell_instrument=opportunity.sell.instrument,
            opened_ms=opportunity.opened_ms,
            closed_ms=closed.closed_ms,
            duration_ms=closed.closed_ms - opportunity.opened_ms,
            reason=closed.reason,
            peak_net_spread_pct=opportunity.peak.net_spread_pct.quantize(_PCT),
            ticks=opportunity.ticks,
        )


class PriceUpdate(msgspec.Struct, frozen=True, tag="price_update", tag_field="type"):
    """Quotes that changed since the previous update (at most one per instrument and exchange)."""

    seq: int
    data: list[QuoteMessage]


class ArbitrageOpportunities(msgspec.Struct, frozen=True, tag="arbitrage_opportunities", tag_field="type"):
    """Opportunities that opened or changed since the previous update (the seed's message)."""

    seq: int
    data: list[OpportunityMessage]


class OpportunityClosed(msgspec.Struct, frozen=True, tag="opportunity_closed", tag_field="type"):
    seq: int
    data: list[OpportunityClosedMessage]


class Snapshot(msgspec.Struct, frozen=True, tag="snapshot", tag_field="type"):
    """Every current quote and open opportunity the connection watches, replacing what the
    client holds; sent on connect, after (un)subscribe, and whenever the client must resync
    (it fell behind, or the engine restarted). Split in `pages` messages: page 1 clears the
    client's state, the others add to it. Updates with `seq` up to this one's are in it."""

    seq: int
    page: int
    pages: int
    data: list[QuoteMessage]
    opportunities: list[OpportunityMessage]


class Subscribed(msgspec.Struct, frozen=True, tag="subscribed", tag_field="type"):
    """What the connection now receives: the quotes of `instruments` and the opportunities
    `opportunities` says (arbitrage.subscriptions); no instruments with `instruments`: everything."""

    instruments: list[str]
    opportunities: OpportunitiesMode = OF_INSTRUMENTS


class Error(msgspec.Struct, frozen=True, tag="error", tag_field="type", omit_defaults=True):
    error: str
    idempotency_key: str | None = None  # the `execute` message refused, when it is one


class ExecutionFill(msgspec.Struct, frozen=True):
    """One leg of a paper execution, at the price of the book it was filled against."""

    exchange: str
    instrument: str
    side: str  # "buy" (long) or "sell" (short)
    price: Decimal  # average over the levels taken
    size_base: Decimal
    notional: Decimal  # price × size, settle currency
    fee: Decimal  # taker fee, settle currency
    currency: str  # settle currency
    priced_from: str = "top_of_book"  # "depth": the exchange's book walked; "top_of_book": no fresh book known


class Execution(msgspec.Struct, frozen=True, tag="execution", tag_field="type"):
    """The answer to an `execute` message, to that connection only: both legs filled, or the
    execution this idempotency key filled before (`filled` false: nothing more was filled)."""

    id: int
    idempotency_key: str
    filled: bool
    buy_exchange: str
    sell_exchange: str
    size_base: Decimal
    executed_ms: int
    fills: list[ExecutionFill]


class Subscribe(msgspec.Struct, frozen=True, tag="subscribe", tag_field="type"):
    """Add `instruments` to the connection's quotes; `opportunities` (left out: as it was)
    chooses which opportunities come: `instruments` (theirs; with no instruments, every quote
    and opportunity), `all` (every one, whatever the quotes) or `none`."""

    instruments: list[str]
    opportunities: OpportunitiesMode | None = None


class Unsubscribe(msgspec.Struct, frozen=True, tag="unsubscribe", tag_field="type"):
    instruments: list[str]


class Execute(msgspec.Struct, frozen=True, tag="execute", tag_field="type"):
    """Fill a pair on paper now: long `size_base` on `buy_exchange` at its ask, short on
    `sell_exchange` at its bid (POST /api/paper/executions' fields). Answered by an `execution`,
    or an `error` carrying the key, on this connection only; a retried key never fills twice."""

    buy_exchange: str
    sell_exchange: str
    instrument: str
    size_base: Decimal
    idempotency_key: str


class Auth(msgspec.Struct, frozen=True, tag="auth", tag_field="type"):
    """A program's first message on a connection opened without credentials: a JWT access token."""

    token: str


ServerMessage = PriceUpdate | ArbitrageOpportunities | OpportunityClosed | Snapshot | Subscribed | Error | Execution
ClientMessage = Subscribe | Unsubscribe | Execute

client_message_decoder = msgspec.json.Decoder(ClientMessage)
auth_message_decoder = msgspec.json.Decoder(Auth)
server_message_decoder = msgspec.json.Decoder(ServerMessage)
encoder = msgspec.json.Encoder()


def fragment(message: msgspec.Struct) -> str:
    """A message part's JSON, encoded once by the engine and spliced into every recipient's message."""
    return encoder.encode(message).decode()


def quote_fragment(quote: Quote) -> str:
    return fragment(QuoteMessage.from_quote(quote))


def spliced(message_type: str, seq: int, fragments: list[str]) -> str:
    """Equal to encoding a PriceUpdate / ArbitrageOpportunities / OpportunityClosed, without
    decoding and re-encoding each part per recipient."""
    return f'{{"type":"{message_type}","seq":{seq},"data":[{",".join(fragments)}]}}'


SNAPSHOT_PAGE_ITEMS = 500  # quotes (and opportunities) per snapshot message: ~130 KB


def snapshot_pages(seq: int, quote_fragments: list[str], opportunity_fragments: list[str]) -> list[str]:
    """A Snapshot's messages, encoded by splicing the fragments the engine encoded once."""
    size = SNAPSHOT_PAGE_ITEMS
    pages = max(1, -(-len(quote_fragments) // size), -(-len(opportunity_fragments) // size))
    texts = []
    for page in range(pages):
        quotes = ",".join(quote_fragments[page * size : (page + 1) * size])
        opportunities = ",".join(opportunity_fragments[page * size : (page + 1) * size])
        texts.append(
            f'{{"type":"snapshot","seq":{seq},"page":{page + 1},"pages":{pages},'
            f'"data":[{quotes}],"opportunities":[{opportunities}]}}'
        )
    return texts
