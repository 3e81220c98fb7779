"""Bybit v5 linear perpetuals (USDT and USDC) and inverse perpetuals: the `orderbook.1` channel.

Docs followed:
- https://bybit-exchange.github.io/docs/v5/ws/connect (endpoints, heartbeat, limits)
- https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook (frames)
- https://bybit-exchange.github.io/docs/v5/market/instrument (instrument list)

Checked against those pages (through the search tool's stored copies), in agreement with
/work/shared/exchanges.md unless said otherwise:
- `wss://stream.bybit.com/v5/public/linear` carries USDT perps, USDC perps and dated futures;
  inverse contracts (`BTCUSD`, settled in the coin) live on `/v5/public/inverse`, which refuses
  linear topics as the linear socket refuses inverse ones. Two families (base.Family), each
  with its socket, its instrument list (`category=linear` / `category=inverse`) and its funding
  answer; frames, acks, heartbeat and limits are the same on both, so one parser serves both.
- Inverse sizes are USD contracts, 1 USD each (`lotSizeFilter.qtyStep` "1" counts them):
  base units = contracts ÷ price, as for BitMEX's XBTUSD. `InverseFutures` (dated) are left
  out like `LinearFutures`.
- Level 1 of linear, inverse and spot is snapshot-only ("has snapshot message only"); an
  unchanged book is re-sent every 3 s with the same `u`. Deltas (the older behaviour) are
  still applied through the per-connection `state`; a delta before any snapshot of its
  symbol is ignored, since a book cannot be completed from a change.
- `cts` is the matching engine's time and `ts` the push time: quotes carry `cts`.
- Public connections: the `args` of one connection may total at most 21,000 characters;
  linear has no per-request arg count (Spot's is 10). The docs recommend a ping every 20 s;
  the server cuts a connection that saw neither ping-pong nor data for 10 minutes.
- The public pong is `{"success":true,"ret_msg":"pong","conn_id":...,"op":"ping"}`; the
  private `{"op":"pong","args":[...]}` shape is accepted too. Both give [].
- Heartbeat deadline: the docs give none for the pong; 10 s, half the ping interval, so a
  lost pong is noticed before the next ping is due. Missing it replaces the connection.
- Instrument pages default to 500 entries and there are more than 500 linear symbols; the
  maximum `limit=1000` is asked for, and `next_page_path` follows `nextPageCursor` until it is
  empty. Each page parses on its own.
- `symbolType` is described as "the region to which the trading pair belongs"; its values
  (`innovation`, `stock`, `commodity`, …) are as exchanges.md lists them. Only crypto types
  ("" and `innovation`) are kept: a new kind is left out until someone looks at it.

A quote with an empty side is not returned: the symbol gives nothing until both sides are
known again.

Funding (polled): https://bybit-exchange.github.io/docs/v5/market/tickers
- `GET /v5/market/tickers?category=linear` (`category=inverse`) answers every symbol of its
  family in one call:
  `fundingRate`, `nextFundingTime` (ms) and `fundingIntervalHour`, all strings; the body's
  `time` is when. Dated futures answer `fundingRate` "": left out. The same fields come on the
  `tickers.SYMBOL` socket channel; one REST call every 30 s is far cheaper than 500 more topics.

Depth: the same orderbook page, `orderbook.50.SYMBOL` (linear and inverse: pushed every 20 ms),
on connections of their own, one per family: a snapshot on subscribing (and again whenever
Bybit resets the book, `u` 1), then deltas where size "0" removes a price. Kept per symbol through the connection's
`state` (feeds/exchanges/levels.py); each frame gives the top DEPTH_LEVELS a side.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import quote

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import Connector, Family, batched, build_quote, count_unknown_symbol
from feeds.exchanges.levels import Book, kept_books, merged
from feeds.funding import Funding, build_funding
from feeds.types import FrameError, Instrument, Quote, split_multiplier

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
TOPIC_PREFIX = "orderbook.1."
DEPTH_TOPIC_PREFIX = "orderbook.50."
DEPTH_KEPT = 50
# Perpetuals only, each family's: dated futures (LinearFutures, InverseFutures) are left out.
PERPETUAL_CONTRACT_TYPES = {"LinearPerpetual": True, "InversePerpetual": False}  # -> linear
# Crypto perps only; stock, commodity and forex perps have no counterpart to compare with.
CRYPTO_SYMBOL_TYPES = frozenset({"", "innovation"})

# A level is [price, size] as strings; kept as sent so the snapshot path converts only once.
Level = list[str]


class _Book(msgspec.Struct):
    s: str = ""
    b: list[Level] = []
    a: list[Level] = []
    u: int = 0


class _Frame(msgspec.Struct):
    topic: str = ""
    type: str = ""
    ts: int = 0
    cts: int = 0
    data: _Book | None = None
    # Acks, pongs and refusals: {"success":..,"ret_msg":..,"conn_id":..,"req_id":..,"op":..}
    success: bool | None = None
    ret_msg: str = ""
    op: str = ""


_frame_decoder = msgspec.json.Decoder(_Frame)


class _PriceFilter(msgspec.Struct):
    tickSize: Decimal = ZERO


class _LotSizeFilter(msgspec.Struct):
    qtyStep: Decimal = ZERO  # in the base coin (linear) or in USD contracts (inverse), as sizes are
    minOrderQty: Decimal = ZERO


class _Symbol(msgspec.Struct):
    symbol: str
    contractType: str = ""
    status: str = ""
    baseCoin: str = ""
    quoteCoin: str = ""
    settleCoin: str = ""
    symbolType: str = ""
    priceFilter: _PriceFilter = msgspec.field(default_factory=_PriceFilter)
    lotSizeFilter: _LotSizeFilter = msgspec.field(default_factory=_LotSizeFilter)


class _Result(msgspec.Struct):
    category: str = ""
    symbols: list[_Symbol] = msgspec.field(name="list", default_factory=list)
    nextPageCursor: str = ""


class _InstrumentsBody(msgspec.Struct):
    retCode: int = 0
    retMsg: str = ""
    result: _Result = msgspec.field(default_factory=_Result)


_instruments_decoder = msgspec.json.Decoder(_InstrumentsBody)


class _Ticker(msgspec.Struct):
    symbol: str
    fundingRate: str = ""
    nextFundingTime: str = ""
    fundingIntervalHour: str = ""


class _TickersResult(msgspec.Struct):
    tickers: list[_Ticker] = msgspec.field(name="list", default_factory=list)


class _TickersBody(msgspec.Struct):
    retCode: int = 0
    retMsg: str = ""
    result: _TickersResult = msgspec.field(default_factory=_TickersResult)
    time: int = 0


_tickers_decoder = msgspec.json.Decoder(_TickersBody)


def _moved(top: Level | tuple | None, changes: list[Level], highest_first: bool) -> tuple | None:
    """A side's top (price, size) after a delta: size "0" removes a price, any other size sets it.

    The server keeps a one-level window: a new best price arrives as an insert and the old
    one as a removal, in either order, so the best remaining level is the new top.
    """
    side = {} if top is None else {Decimal(top[0]): Decimal(top[1])}
    side = merged(side, [(Decimal(change[0]), Decimal(change[1])) for change in changes], "bybit", 1, highest_first)
    return next(iter(side.items()), None)


class Bybit(Connector):
    id = "bybit"
    name = "Bybit"
    families = (
        Family(
            "linear",
            "/v5/public/linear",
            ("/v5/market/instruments-info?category=linear&limit=1000",),
            linear=True,
            funding_paths=("/v5/market/tickers?category=linear",),
        ),
        Family(
            "inverse",
            "/v5/public/inverse",
            ("/v5/market/instruments-info?category=inverse&limit=1000",),
            linear=False,
            funding_paths=("/v5/market/tickers?category=inverse",),
        ),
    )
    ws_url = "wss://stream.bybit.com" + families[0].ws_path
    rest_url = "https://api.bybit.com"
    instruments_paths = tuple(path for family in families for path in family.instruments_paths)
    # 21,000 characters of args per public connection: 500 topics of at most 42 characters
    # (`orderbook.1.` plus a 30-character symbol) fit; today's longest symbols have ~20.
    max_symbols_per_connection = 500
    # Linear takes any number of args per request: one request per connection.
    max_symbols_per_message = 500
    heartbeat_interval_s = 20.0
    heartbeat_timeout_s = 10.0
    heartbeat_marker = '"pong"'  # "ret_msg":"pong", or "op":"pong"
    max_lifetime_s = None
    has_depth = True

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return self._subscribe(symbols, TOPIC_PREFIX)

    def depth_requests(self, symbols: list[str], op: str) -> list[str]:
        # `orderbook.50.` is one character longer than `orderbook.1.`: 500 topics still fit.
        return self._subscribe(symbols, DEPTH_TOPIC_PREFIX, op=op)

    def _subscribe(self, symbols: list[str], prefix: str, op: str = "subscribe") -> list[str]:
        return [
            msgspec.json.encode({"op": op, "args": [prefix + symbol for symbol in batch], "req_id": str(n)}).decode()
            for n, batch in enumerate(batched(symbols, self.max_symbols_per_message), start=1)
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        frame = _frame_decoder.decode(raw)
        data = frame.data
        if data is None or not frame.topic.startswith(DEPTH_TOPIC_PREFIX):
            if frame.success is False:
                raise FrameError(f"bybit {frame.op or 'request'} refused: {frame.ret_msg}")
            return []
        instrument = instruments.get(data.s)
        if instrument is None:
            count_unknown_symbol(state)
            return []
        books = kept_books(state, "depth_books")
        bids = [(Decimal(price), Decimal(size)) for price, size in data.b]
        asks = [(Decimal(price), Decimal(size)) for price, size in data.a]
        if frame.type == "snapshot":
            book = books[data.s] = Book()
        elif frame.type == "delta":
            book = books.get(data.s)
            if book is None:
                return []  # a change to a book we never saw whole
        else:
            raise FrameError(f"bybit {frame.topic}: unknown message type {frame.type!r}")
        book.apply(bids, asks, "bybit", DEPTH_KEPT)
        best_bids = sorted(book.bids.items(), reverse=True)[:DEPTH_LEVELS]
        best_asks = sorted(book.asks.items())[:DEPTH_LEVELS]
        if not best_bids or not best_asks:
            return []
        return [build_depth(instrument, best_bids, best_asks, frame.cts or frame.ts, recv_ns)]

    def heartbeat_message(self) -> str:
        return '{"op":"ping"}'

    def coin_and_multiplier(self, base: str) -> tuple[str, Decimal]:
        """`1000PEPE` like everyone, plus Bybit's suffixed `SHIB1000` (1000 SHIB per unit)."""
        coin, multiplier = split_multiplier(base)
        if multiplier == 1 and base.endswith("1000") and base[:-4].isalpha():
            return base[:-4], Decimal(1000)
        return coin, multiplier

    def funding_paths(self, symbols: list[str]) -> list[str]:
        # The runner polls each family at its own paths; without a family, the linear one.
        return list(self.families[0].funding_paths)

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        decoded = _tickers_decoder.decode(bodies[0])
        if decoded.retCode != 0:
            raise FrameError(f"bybit error {decoded.retCode}: {decoded.retMsg}")
        records = []
        for row in decoded.result.tickers:
            instrument = instruments.get(row.symbol)
            if instrument is None or not row.fundingRate:
                continue
            records.append(
                build_funding(
                    instrument,
                    Decimal(row.fundingRate),
                    int(row.fundingIntervalHour),
                    int(row.nextFundingTime),
                    decoded.time or recv_ms,
                )
            )
        return records

    def next_page_path(self, path: str, body: str | bytes) -> str | None:
        try:
            cursor = _instruments_decoder.decode(body).result.nextPageCursor
        except msgspec.MsgspecError:
            return None
        if not cursor:
            return None
        first = path.split("&cursor=")[0]
        return f"{first}&cursor={quote(cursor, safe='')}"

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        decoded = _instruments_decoder.decode(body)
        if decoded.retCode != 0:
            raise FrameError(f"bybit instrument list error {decoded.retCode}: {decoded.retMsg}")
        instruments = []
        for sym in decoded.result.symbols:
            linear = PERPETUAL_CONTRACT_TYPES.get(sym.contractType)
            if linear is None or sym.status != "Trading" or sym.symbolType not in CRYPTO_SYMBOL_TYPES:
                continue
            # USDC perps are named BTCPERP: the coins come from the fields, never the symbol.
            instruments.append(
                self.make_instrument(
                    sym.symbol,
                    sym.baseCoin,
                    sym.quoteCoin,
                    sym.settleCoin or (sym.quoteCoin if linear else sym.baseCoin),
                    linear=linear,
                    # Linear sizes are in the base coin; inverse ones in USD contracts of 1 USD.
                    contract_size=Decimal(1),
                    tick_size=sym.priceFilter.tickSize,
                    qty_step_contracts=sym.lotSizeFilter.qtyStep,
                    min_qty_contracts=sym.lotSizeFilter.minOrderQty,
                )
            )
        return instruments

    def parse_frame(
        self,
        raw: str | bytes,
        instruments: Mapping[str, Instrument],
        state: dict | None,
        recv_ns: int,
    ) -> list[Quote]:
        frame = _frame_decoder.decode(raw)
        book = frame.data
        if book is not None and frame.topic.startswith(TOPIC_PREFIX):
            instrument = instruments.get(book.s)
            if instrument is None:
                return count_unknown_symbol(state)
            # Each symbol's top levels, as sent or as deltas left them; kept only for the deltas.
            books = kept_books(state, "books")
            if frame.type == "snapshot":
                bid = book.b[0] if book.b else None
                ask = book.a[0] if book.a else None
            elif frame.type == "delta":
                known = books.get(book.s)
                if known is None:
                    return []  # a change to a book we never saw whole
                bid = _moved(known[0], book.b, highest_first=True) if book.b else known[0]
                ask = _moved(known[1], book.a, highest_first=False) if book.a else known[1]
            else:
                raise FrameError(f"bybit {frame.topic}: unknown message type {frame.type!r}")
            books[book.s] = (bid, ask)
            if bid is None or ask is None:
                return []
            return [
                build_quote(
                    instrument,
                    Decimal(bid[0]),
                    Decimal(bid[1]),
                    Decimal(ask[0]),
                    Decimal(ask[1]),
                    frame.cts or frame.ts,
                    recv_ns,
                )
            ]
        if book is None and frame.topic.startswith("orderbook."):
            raise FrameError(f"bybit {frame.topic}: frame without data")
        if frame.success is False:
            # A refused subscribe names the topic inside ret_msg: "error:handler not found,topic:…".
            raise FrameError(f"bybit {frame.op or 'request'} refused: {frame.ret_msg}")
        return []
