"""Phemex perpetuals: the depth-1 order book, USDⓈ-M (real values) and COIN-M (scaled integers).

Docs followed:
- https://phemex-docs.github.io/#usd-m-perpetual-websocket-api (USDⓈ-M: `orderbook_p.*`)
- https://phemex-docs.github.io/#coin-m-perpetual-websocket-api (COIN-M: `orderbook.*`)
- https://github.com/phemex/phemex-api-docs/blob/master/Public-Contract-API-en.md (price scales)

Checked against Phemex's own docs (via `search`):
- Subscribe "with depth": `{"id":N,"method":"orderbook_p.subscribe","params":[symbol,false,depth]}` and
  the same with `orderbook.subscribe` for COIN-M; depth is one of 0, 1, 5, 10, 30, `false` is the
  ~20 ms cadence. One symbol per request; 20 subscriptions and 20 requests/s per connection,
  5 connections per client. The docs print the depth as a string placeholder; clients send a number.
- Frames: a snapshot on subscribe and every 60 s, incremental frames in between; size 0 deletes
  a level; "sort the updated book and keep the top <depth> levels" (levels that fall out of the
  window are not updated any more), so the local book is truncated to the frame's `depth`.
- USDⓈ-M levels are real-valued strings under `orderbook_p`; COIN-M levels are integers under
  `book`: price × 10^priceScale, size in contracts (1 USD each for BTCUSD). `timestamp` is in ns.
- Heartbeat: the *client* must send `{"id":0,"method":"server.ping","params":[]}` (or a WebSocket
  ping) at least every 30 s, 5 s recommended; the reply is `{"error":null,"id":0,"result":"pong"}`.
- Heartbeat deadline: the docs give none for the pong; 10 s (two ping intervals) after a ping without
  one replaces the connection.
- Instruments: `GET /public/products`, USDⓈ-M in `data.perpProductsV2[]` (type `PerpetualV2`),
  COIN-M in `data.products[]` with `type` `Perpetual`; delisted products say `status` `Delisted`.
- The price-scale table in the contract docs lists priceScale 4 (10,000) for every COIN-M and
  USD-M contract.

Where the docs differ from the team's exchanges.md: the docs name `wss://phemex.com/ws` (and
`wss://vapi.phemex.com/ws`) as the WebSocket URL; exchanges.md, ccxt and most clients use
`wss://ws.phemex.com`, which we keep. The error frame shape is not in the docs; we follow
exchanges.md (`{"error":{"code":6001,"message":"invalid argument"},"id":1,"result":null}`).

Choices:
- COIN-M prices need priceScale and Instrument has no field for it. Because the docs give 4 for
  every contract, the connector unscales by 10^4 and `parse_instruments` leaves out any COIN-M
  product whose listed `priceScale` differs, so a quote can never be mis-scaled — even when the
  instruments come back from the database instead of from the exchange.
- Quanto-like and USD-settled legacy contracts (settled in neither base nor quote, or in USD with
  sizes in coin units the product list does not spell out) are left out: we cannot size them.
- `PerpetualPilot` (Phemex's pre-listing contracts) and delisted products are left out.
- The product list has no documented field that marks stock or commodity perpetuals (Phemex
  lists some, e.g. XAUUSDT), so they cannot be told apart here; the watch list names crypto only.
- A book with an empty side gives no quote for that symbol (never a half quote); an incremental
  frame before that symbol's snapshot gives nothing (the book is not known yet).

Funding (polled): `GET /public/products` for each contract's interval, then the documented 24-hour
ticker per contract, 100 ms apart, for the rate. USDⓈ-M: `GET /md/v2/ticker/24hr?symbol=…`,
`{"error":null,"id":0,"result":{"symbol","fundingRateRr":"0.0001","predFundingRateRr",…,
"timestamp":<ns>}}` (`fundingRateRr` a real-valued string, read exactly). COIN-M ("Query 24 hours
ticker" of the contract API): `GET /md/v1/ticker/24hr?symbol=BTCUSD`, the same envelope with
`fundingRateEr` (the docs' response sample calls it `fundingRate`: either is read), an integer
scaled by the product's `ratioScale` ("Fields with post-fix Er are scaled ratios, ratioScale in
products"; 8 in the product list), unscaled exactly. Where the docs are unclear:
- Interval: the docs print no field table for `perpProductsV2`; `fundingInterval` (seconds, e.g.
  28800 or 14400) is what product lists carry and client libraries read. Missing on a contract we
  poll is a FrameError, never an assumed 8 h.
- Next funding: neither the ticker nor the product list documents a next funding time. It is taken
  as the next multiple of the interval after the ticker's time, counted from the Unix epoch (Phemex
  pays on the UTC grid, 00:00/08:00/16:00 for 8 h); an interval that is not on that grid would be
  mis-timed here.
- COIN-M interval: the docs print no field table for `products[]` either; its `fundingInterval`
  is in hours in the product lists client libraries quote (`8`, "Funding is paid … every 8
  hours"), where perpProductsV2 gives seconds. A value up to 24 is read as hours, a larger one as
  seconds (a whole number of hours, else a FrameError): neither unit can be mistaken for the
  other, and a contract without one has no funding, never an assumed 8 h.

Depth: the same book channels, subscribed with depth 10 (one of the documented 0, 1, 5, 10, 30) on
connections of their own, so the quote connections keep their one-level window and light frames;
kept per symbol like the quotes' book (snapshot, then increments cut to the frame's `depth`), the
whole window handed on. The quote connections do not carry the levels: at depth 1 Phemex keeps
only the best level, and deepening their window would make every quote frame heavier for every
watched symbol, not only those with an opportunity.
- Unsubscribing, in the docs' words, "unsubscribes all orderbook related subscriptions":
  `{"id":N,"method":"orderbook_p.unsubscribe","params":[]}` (and `orderbook.unsubscribe` for
  COIN-M) takes no symbol and ends every book of that family on the connection. So
  `depth_unsubscribe_messages` can only end them all (`depth_unsubscribe_ends_all`): whoever
  drops some of a connection's symbols must subscribe the ones it keeps again (each starts over
  from a fresh snapshot).
- 20 subscriptions per connection and 5 connections per client are shared with the quotes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import Connector, build_quote, count_unknown_symbol
from feeds.exchanges.levels import Book, kept_books
from feeds.funding import HOUR_MS, MAX_INTERVAL_H, Funding, build_funding, interval_hours_from_ms
from feeds.types import FrameError, Instrument, Quote, normalise_asset

ZERO = Decimal(0)
# priceScale of every COIN-M contract in Phemex's price-scale table.
COIN_M_PRICE_SCALE = 4
USDT_M_TICKER_PATH = "/md/v2/ticker/24hr"  # real-valued fields (`…Rr`, `…Rp`)
COIN_M_TICKER_PATH = "/md/v1/ticker/24hr"  # scaled fields (`…Er`, `…Ep`); the older /v1/md/… is going
# We watch only the best level; the book window the exchange maintains for us.
BOOK_DEPTH = 1
HEARTBEAT = '{"id":0,"method":"server.ping","params":[]}'


# --- frames ---------------------------------------------------------------------------------------
class _RealLevels(msgspec.Struct):
    asks: list[tuple[Decimal, Decimal]] = []
    bids: list[tuple[Decimal, Decimal]] = []


class _ScaledLevels(msgspec.Struct):
    asks: list[tuple[int, int]] = []
    bids: list[tuple[int, int]] = []


class _Error(msgspec.Struct):
    code: int | str = 0
    message: str = ""


class _Frame(msgspec.Struct):
    # One shape for book frames of both families and for replies (acks, pongs, errors).
    symbol: str = ""
    type: str = ""
    depth: int = 0
    timestamp: int = 0
    orderbook_p: _RealLevels | None = None
    book: _ScaledLevels | None = None
    error: _Error | None = None


_frame_decoder = msgspec.json.Decoder(_Frame)


# --- instruments ----------------------------------------------------------------------------------
class _PerpV2(msgspec.Struct):
    symbol: str
    type: str = ""
    status: str = ""
    baseCurrency: str = ""
    contractUnderlyingAssets: str = ""
    quoteCurrency: str = ""
    settleCurrency: str = ""
    tickSize: Decimal = ZERO
    qtyStepSize: Decimal = ZERO  # base coin


class _Product(msgspec.Struct):
    symbol: str
    type: str = ""
    status: str = ""
    baseCurrency: str = ""
    contractUnderlyingAssets: str = ""
    quoteCurrency: str = ""
    settleCurrency: str = ""
    # A number in /public/products (1.0), "1 USD" in the older product list: read either.
    contractSize: msgspec.Raw = msgspec.Raw(b"null")
    tickSize: Decimal = ZERO
    priceScale: int | None = None
    lotSize: Decimal = ZERO  # contracts


class _ProductsData(msgspec.Struct):
    products: list[_Product] = []
    perpProductsV2: list[_PerpV2] = []


class _Products(msgspec.Struct):
    data: _ProductsData
    code: int = 0
    msg: str = ""


_products_decoder = msgspec.json.Decoder(_Products)


# --- funding --------------------------------------------------------------------------------------
class _FundingProduct(msgspec.Struct):
    symbol: str
    fundingInterval: int | None = None  # USDⓈ-M: seconds; COIN-M: hours or seconds (see the docstring)
    ratioScale: int | None = None  # COIN-M: the scale of its `…Er` ratios


class _FundingProductsData(msgspec.Struct):
    perpProductsV2: list[_FundingProduct] = []
    products: list[_FundingProduct] = []


class _FundingProducts(msgspec.Struct):
    data: _FundingProductsData | None = None
    code: int = 0
    msg: str = ""


class _Ticker(msgspec.Struct):
    symbol: str
    fundingRateRr: Decimal | None = None  # USDⓈ-M, real-valued
    fundingRateEr: int | None = None  # COIN-M, scaled by the product's ratioScale
    fundingRate: int | None = None  # COIN-M, as the docs' response sample names the same figure
    timestamp: int = 0  # ns


class _TickerAnswer(msgspec.Struct):
    error: _Error | None = None
    result: _Ticker | None = None


_funding_products_decoder = msgspec.json.Decoder(_FundingProducts)
_ticker_decoder = msgspec.json.Decoder(_TickerAnswer)


def _contract_size(raw: msgspec.Raw) -> Decimal | None:
    value = msgspec.json.decode(raw)
    if isinstance(value, str):
        value = value.split(" ", 1)[0]  # "1 USD"
    elif isinstance(value, bool) or not isinstance(value, int | float):
        return None
    else:
        value = bytes(raw).decode()  # the number's own digits, never via float
    try:
        size = Decimal(value)
    except InvalidOperation:
        return None  # one unreadable product is left out, not the whole list
    return size if size.is_finite() and size > 0 else None


class Phemex(Connector):
    id = "phemex"
    name = "Phemex"
    ws_url = "wss://ws.phemex.com"
    rest_url = "https://api.phemex.com"
    instruments_paths = ("/public/products",)
    # 20 subscriptions per connection, one symbol per subscribe request (docs: API Rate Limits).
    max_symbols_per_connection = 20
    max_symbols_per_message = 1
    # At most 5 connections per client and 20 requests a second (docs: API Rate Limits).
    max_connections = 5
    subscribe_gap_s = 0.06
    # The client must ping at least every 30 s; the docs recommend 5 s.
    heartbeat_interval_s = 5.0
    heartbeat_timeout_s = 10.0
    heartbeat_marker = '"pong"'
    max_lifetime_s = None
    funding_request_gap_s = 0.1
    has_depth = True
    # An unsubscribe ends every book of its family on the connection (see the module docstring).
    depth_unsubscribe_ends_all = True

    def funding_paths(self, symbols: list[str]) -> list[str]:
        # The product list first (the intervals), then one ticker per contract, each family's own.
        tickers = [
            f"{COIN_M_TICKER_PATH if _is_coin_m(symbol) else USDT_M_TICKER_PATH}?symbol={symbol}" for symbol in symbols
        ]
        return [*self.instruments_paths, *tickers]

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        products = _funding_products_decoder.decode(bodies[0])
        if products.code != 0 or products.data is None:
            raise FrameError(f"phemex products error {products.code}: {products.msg}")
        usdt_m = {p.symbol: p for p in products.data.perpProductsV2}
        coin_m = {p.symbol: p for p in products.data.products}
        records = []
        for body in bodies[1:]:
            answer = _ticker_decoder.decode(body)
            if answer.error is not None or answer.result is None:
                error = answer.error or _Error()
                raise FrameError(f"phemex ticker error {error.code}: {error.message}")
            ticker = answer.result
            instrument = instruments.get(ticker.symbol)
            if instrument is None:
                continue
            if _is_coin_m(ticker.symbol):
                rate, interval_h = _coin_m_funding(ticker, coin_m.get(ticker.symbol))
            else:
                rate, interval_h = _usdt_m_funding(ticker, usdt_m.get(ticker.symbol))
            ts_ms = ticker.timestamp // 1_000_000 or recv_ms
            interval_ms = interval_h * HOUR_MS
            next_ms = (ts_ms // interval_ms + 1) * interval_ms  # the next funding on the UTC grid
            records.append(build_funding(instrument, rate, interval_h, next_ms, ts_ms))
        return records

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return _subscribes(symbols, BOOK_DEPTH)

    def depth_subscribe_messages(self, symbols: list[str]) -> list[str]:
        return _subscribes(symbols, DEPTH_LEVELS)

    def depth_unsubscribe_messages(self, symbols: list[str]) -> list[str]:
        """The documented unsubscribe of each family among `symbols`: it ends every book of that
        family on the connection, not only those of `symbols`."""
        methods = sorted({_method(symbol).replace(".subscribe", ".unsubscribe") for symbol in symbols})
        return [msgspec.json.encode({"id": n, "method": m, "params": []}).decode() for n, m in enumerate(methods, 1)]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        frame = _frame_decoder.decode(raw)
        applied = _applied(frame, instruments, state, "phemex_depth_books")
        if applied is None:
            return []
        instrument, book, top = applied
        if top is None:
            return []  # a side is empty
        bids = sorted(book.bids.items(), reverse=True)[:DEPTH_LEVELS]
        asks = sorted(book.asks.items())[:DEPTH_LEVELS]
        if frame.orderbook_p is None:  # COIN-M: scaled integers
            bids = [(Decimal(price).scaleb(-COIN_M_PRICE_SCALE), Decimal(size)) for price, size in bids]
            asks = [(Decimal(price).scaleb(-COIN_M_PRICE_SCALE), Decimal(size)) for price, size in asks]
        return [build_depth(instrument, bids, asks, _ts_ms(frame, recv_ns), recv_ns)]

    def heartbeat_message(self) -> str | None:
        return HEARTBEAT

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        data = _products_decoder.decode(body).data
        found = [self._usdt_m(p) for p in data.perpProductsV2 if p.type == "PerpetualV2" and p.status == "Listed"]
        for product in data.products:
            if product.type == "Perpetual" and product.status == "Listed":
                instrument = self._coin_m(product)
                if instrument is not None:
                    found.append(instrument)
        return found

    def _usdt_m(self, product: _PerpV2) -> Instrument:
        # Real-valued contracts: sizes are already in base coin, one base unit per "contract".
        return self.make_instrument(
            product.symbol,
            product.baseCurrency or product.contractUnderlyingAssets,
            product.quoteCurrency,
            product.settleCurrency,
            linear=True,
            contract_size=Decimal(1),
            tick_size=product.tickSize,
            qty_step_contracts=product.qtyStepSize,
        )

    def _coin_m(self, product: _Product) -> Instrument | None:
        if product.priceScale != COIN_M_PRICE_SCALE:
            return None  # we could not unscale its prices
        quote = normalise_asset(product.quoteCurrency)
        settle = normalise_asset(product.settleCurrency)
        contract_size = _contract_size(product.contractSize)
        if contract_size is None or quote != "USD" or settle in ("USD", ""):
            return None  # USD-settled legacy or unsized: not an inverse contract we can size
        # On inverse contracts `contractUnderlyingAssets` is "USD"; the base is what settles them.
        base = normalise_asset(product.baseCurrency or settle)
        if base != settle:
            return None  # quanto
        return self.make_instrument(
            product.symbol,
            base,
            quote,
            settle,
            linear=False,
            contract_size=contract_size,
            tick_size=product.tickSize,
            qty_step_contracts=product.lotSize,
            min_qty_contracts=product.lotSize,
        )

    def parse_frame(
        self,
        raw: str | bytes,
        instruments: Mapping[str, Instrument],
        state: dict | None,
        recv_ns: int,
    ) -> list[Quote]:
        frame = _frame_decoder.decode(raw)
        applied = _applied(frame, instruments, state, "phemex_books")
        if applied is None:
            return []
        instrument, _, top = applied
        if top is None:
            return []  # a side is empty: no half quote
        bid, bid_size, ask, ask_size = top
        if frame.orderbook_p is None:  # COIN-M: scaled integers
            bid, ask = Decimal(bid).scaleb(-COIN_M_PRICE_SCALE), Decimal(ask).scaleb(-COIN_M_PRICE_SCALE)
            bid_size, ask_size = Decimal(bid_size), Decimal(ask_size)
        return [build_quote(instrument, bid, bid_size, ask, ask_size, _ts_ms(frame, recv_ns), recv_ns)]


def _applied(
    frame: _Frame, instruments: Mapping[str, Instrument], state: dict | None, key: str
) -> tuple[Instrument, Book, tuple | None] | None:
    """A book frame applied to its symbol's book kept under `key`: (instrument, book, its top as
    Book.apply gives it), or None for acks, pongs, unknown symbols and increments before their
    snapshot; error replies raise."""
    levels = frame.orderbook_p if frame.orderbook_p is not None else frame.book
    if levels is None:
        if frame.error is not None:
            raise FrameError(f"phemex error {frame.error.code}: {frame.error.message}")
        return None  # acks and pongs
    instrument = instruments.get(frame.symbol)
    if instrument is None:
        count_unknown_symbol(state)
        return None
    books = kept_books(state, key)
    if frame.type == "snapshot":
        book = Book()
    elif frame.type == "incremental":
        book = books.get(frame.symbol)
        if book is None:
            return None  # a change before the snapshot: the book is not known yet
    else:
        raise FrameError(f"phemex: unknown book frame type {frame.type!r}")
    top = book.apply(levels.bids, levels.asks, "phemex", frame.depth)
    books[frame.symbol] = book
    return instrument, book, top


def _ts_ms(frame: _Frame, recv_ns: int) -> int:
    # COIN-M snapshots in the docs carry no timestamp: fall back to the receive time.
    return frame.timestamp // 1_000_000 if frame.timestamp else recv_ns // 1_000_000


def _subscribes(symbols: list[str], depth: int) -> list[str]:
    # One symbol per request, as the docs ask.
    return [
        msgspec.json.encode({"id": n, "method": _method(symbol), "params": [symbol, False, depth]}).decode()
        for n, symbol in enumerate(symbols, start=1)
    ]


def _usdt_m_funding(ticker: _Ticker, product: _FundingProduct | None) -> tuple[Decimal, int]:
    """A USDⓈ-M contract's rate (real-valued) and interval (seconds in perpProductsV2)."""
    if ticker.fundingRateRr is None:
        raise FrameError(f"phemex {ticker.symbol}: no funding rate")
    if product is None or not product.fundingInterval:
        raise FrameError(f"phemex {ticker.symbol}: no funding interval")
    return ticker.fundingRateRr, interval_hours_from_ms(product.fundingInterval * 1000)


def _coin_m_funding(ticker: _Ticker, product: _FundingProduct | None) -> tuple[Decimal, int]:
    """A COIN-M contract's rate (an integer scaled by its product's ratioScale) and interval (the
    product's `fundingInterval`: whole hours up to a day, else seconds; see the docstring)."""
    scaled = ticker.fundingRateEr if ticker.fundingRateEr is not None else ticker.fundingRate
    if scaled is None:
        raise FrameError(f"phemex {ticker.symbol}: no funding rate")
    if product is None or product.ratioScale is None or not 0 <= product.ratioScale <= 18:
        raise FrameError(f"phemex {ticker.symbol}: no ratio scale for its funding rate")
    interval = product.fundingInterval
    if not interval or interval < 0:
        raise FrameError(f"phemex {ticker.symbol}: no funding interval")
    interval_h = interval if interval <= MAX_INTERVAL_H else interval_hours_from_ms(interval * 1000)
    return Decimal(scaled).scaleb(-product.ratioScale), interval_h


def _is_coin_m(symbol: str) -> bool:
    # COIN-M symbols are quoted in USD (BTCUSD, cETHUSD); USDⓈ-M ones in USDT or USDC.
    return symbol.endswith("USD")


def _method(symbol: str) -> str:
    return "orderbook.subscribe" if _is_coin_m(symbol) else "orderbook_p.subscribe"
