"""CoinDCX USDT-margined perpetual futures over Socket.IO: the depth-20 order book.

Docs followed: https://docs.coindcx.com/#futures-end-points (REST: active instruments, instrument
details) and https://docs.coindcx.com/#futures-sockets (Socket.IO endpoint, `join`, order book).

Checked via `search`: the docs' full text is not in the searchable corpus beyond its opening
page, so the protocol below is from exchanges.md, cross-checked against ccxt's coindcx module
(the instrument-detail fields `unit_contract_value`, `price_increment`, `is_inverse`, `kind`,
`status`) and several public clients that join `B-<BASE>_USDT@orderbook@<depth>-futures` on
`wss://stream.coindcx.com` with `transports=["websocket"]` and read `depth-snapshot` /
`depth-update` events whose `data` is a JSON *string*. No disagreement with exchanges.md found.

- Transport: Socket.IO over WebSocket only; feeds/socketio_session.py does the I/O. Engine.IO's
  own ping/pong (25 s / 20 s) keeps the socket alive, so no application heartbeat.
- Heartbeat deadline: Engine.IO's rule, a server ping within pingInterval + pingTimeout of the
  last (45 s, read from the handshake), or the connection is replaced.
- Subscribe: emit `join` with `{"channelName": "B-BTC_USDT@orderbook@20-futures"}` per pair
  (depth 10, 20 or 50). There is no ack and no error: an unknown channel is silence, which the
  session's stall watchdog turns into a reconnect. `subscribe_messages` returns the join payloads.
- Frames: `{"event":"depth-snapshot"|"depth-update","data":"<JSON string>"}`; the inner object is
  `{"ts":ms,"vs":n,"asks":{price:size},"bids":{price:size},"s":"BTCUSDT","pr":"futures"}` with
  unsorted price -> size maps of strings, sizes in base coin, size "0" deleting a level, and `vs`
  rising by one per frame. A gap in `vs` drops that symbol's book until the next snapshot.
- The frame names the symbol `BTCUSDT`, while instruments (and channels) use the pair
  `B-BTC_USDT`: the connector maps one to the other, caching the mapping in the per-connection
  `state`.
- Instruments: the list endpoint returns pair names only. We build instruments from the names
  (linear, settle = the margin currency asked for, `unit_contract_value` 1 as the detail endpoint
  gives for every USDT perpetual, tick unknown = 0) rather than making one detail request per
  pair; a per-pair detail body (`{"instrument": {...}}`) is parsed too, with its tick size and its
  `kind`/`status`/`is_inverse`/`is_quanto` filters, for callers that fetch details.
- A book with an empty side gives no quote for that symbol, never half a quote.
- Funding (polled, feeds/funding_poll.py). The rate: `GET https://public.coindcx.com/market_data/
  v3/current_prices/futures/rt` ("Get Current Prices RT"), every pair in one answer,
  `{"ts":ms,"vs":n,"prices":{"B-BTC_USDT":{"fr":5e-05,"efr":5e-05,"mp":…,"mkt":"BTCUSDT",…}}}`.
  The docs list `fr` and `efr` without a word on either; `fr` is read as the funding rate per
  event (the name, and the rate CoinDCX shows), `efr` (an estimate, by its name) is not used.
  The interval: `funding_frequency` ("Number of hours after which funding happens") in each
  pair's instrument details, the only place CoinDCX states it: one request per pair, 100 ms
  apart, at the first poll and hourly after (`funding_detail_paths`); a pair whose details did
  not answer has no funding record until they do, never an assumed 8 h. The next funding: no
  documented field; taken as the next multiple of the interval on the UTC grid (00:00, 08:00,
  16:00 for 8 h, the schedule the other venues here pay on) after the answer's `ts`, as for
  Phemex.
- Depth (feeds/depth.py) comes from the same frames: no depth connection of its own
  (`depth_in_quote_frames`). The session passes the symbols whose books the engine wants, and
  for those only, each frame that gives a quote also gives a depth record, the best 10 levels a
  side of the kept book; every other symbol costs one set lookup more per frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import Connector, build_quote, count_unknown_symbol
from feeds.exchanges.levels import Book, kept_books
from feeds.funding import HOUR_MS, Funding, build_funding
from feeds.types import FrameError, Instrument, Quote

ZERO = Decimal(0)
BOOK_DEPTH = 20  # the exchange offers 10, 20 or 50 levels; 20 keeps frames small
MARGIN_CURRENCY = "USDT"
SNAPSHOT = "depth-snapshot"
UPDATE = "depth-update"
NO_SYMBOLS: frozenset[str] = frozenset()
ACTIVE_INSTRUMENTS_PATH = "/exchange/v1/derivatives/futures/data/active_instruments"
INSTRUMENT_PATH = "/exchange/v1/derivatives/futures/data/instrument"
CURRENT_PRICES_PATH = "/market_data/v3/current_prices/futures/rt"  # on public.coindcx.com


# --- frames ---------------------------------------------------------------------------------------
class _Event(msgspec.Struct):
    event: str = ""
    data: str = ""


class _Depth(msgspec.Struct):
    s: str = ""
    ts: int = 0
    vs: int | None = None
    asks: dict[Decimal, Decimal] = {}
    bids: dict[Decimal, Decimal] = {}
    pr: str = ""


_event_decoder = msgspec.json.Decoder(_Event)
_depth_decoder = msgspec.json.Decoder(_Depth)


# --- instruments ----------------------------------------------------------------------------------
class _Detail(msgspec.Struct):
    pair: str
    underlying_currency_short_name: str = ""
    quote_currency_short_name: str = ""
    settle_currency_short_name: str = ""
    kind: str = ""
    status: str = ""
    is_inverse: bool = False
    is_quanto: bool = False
    unit_contract_value: Decimal = Decimal(1)
    price_increment: Decimal = ZERO
    quantity_increment: Decimal = ZERO  # contracts (base units at unit_contract_value 1)
    min_quantity: Decimal = ZERO


class _DetailBody(msgspec.Struct):
    instrument: _Detail


# The list endpoint answers with a JSON array of pair names; the detail endpoint with an object.
_instruments_decoder = msgspec.json.Decoder(list[str] | _DetailBody)


# --- funding --------------------------------------------------------------------------------------
class _Price(msgspec.Struct):
    fr: Decimal | None = None  # the funding rate per event, a JSON number read exactly


class _Prices(msgspec.Struct):
    prices: dict[str, _Price]  # pair -> its figures; an answer without them (an error) is a FrameError
    ts: int = 0  # ms


class _FundingDetail(msgspec.Struct):
    pair: str = ""
    funding_frequency: Decimal | None = None  # hours between two fundings


class _FundingDetailBody(msgspec.Struct):
    instrument: _FundingDetail | None = None


_prices_decoder = msgspec.json.Decoder(_Prices)
_funding_detail_decoder = msgspec.json.Decoder(_FundingDetailBody)


def pair_parts(pair: str) -> tuple[str, str] | None:
    """`B-BTC_USDT` -> ("BTC", "USDT"); None for a name that is not a futures pair."""
    prefix, _, market = pair.partition("-")
    base, _, quote = market.partition("_")
    # Futures pairs are `B-<BASE>_<QUOTE>`; anything else (a dated suffix, a spot name) is not one.
    if prefix != "B" or not base.isalnum() or not quote.isalpha():
        return None
    return base, quote


def channel_name(pair: str) -> str:
    return f"{pair}@orderbook@{BOOK_DEPTH}-futures"


class CoinDCX(Connector):
    id = "coindcx"
    name = "CoinDCX"
    ws_url = "wss://stream.coindcx.com"
    rest_url = "https://api.coindcx.com"
    instruments_paths = (f"{ACTIVE_INSTRUMENTS_PATH}?margin_currency_short_name[]={MARGIN_CURRENCY}",)
    # Funding: every pair's rate from the public host's current prices, each pair's interval from
    # its details (see the module docstring); the details 10 a second at most, the docs naming
    # no public rate limit.
    funding_rest_url = "https://public.coindcx.com"
    funding_request_gap_s = 0.1
    transport = "socketio"
    # Socket.IO specifics, read by feeds/socketio_session.py.
    socketio_path = "socket.io"
    socketio_join_event = "join"
    socketio_events = (SNAPSHOT, UPDATE)
    # One join per pair; the docs give no per-socket channel limit, so stay modest.
    max_symbols_per_connection = 50
    max_symbols_per_message = 1
    heartbeat_interval_s = None  # Engine.IO pings and the client library answers
    heartbeat_timeout_s = 45.0  # Engine.IO's pingInterval + pingTimeout, if the handshake names none
    max_lifetime_s = None
    # The quote stream is the book: its connections hand on the wanted books' top levels (the
    # joins cannot change on an open Socket.IO connection, and a second would repeat the frames).
    depth_in_quote_frames = True

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return [msgspec.json.encode({"channelName": channel_name(pair)}).decode() for pair in symbols]

    def funding_paths(self, symbols: list[str]) -> list[str]:
        return [CURRENT_PRICES_PATH]  # every pair's rate in one answer

    def funding_detail_paths(self, symbols: list[str]) -> list[str]:
        # The interval is stated in each pair's details only: one request per pair, kept an hour.
        return [f"{INSTRUMENT_PATH}?pair={pair}&margin_currency_short_name={MARGIN_CURRENCY}" for pair in symbols]

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        prices = _prices_decoder.decode(bodies[0])
        interval_h: dict[str, int] = {}
        for body in bodies[1:]:
            try:
                detail = _funding_detail_decoder.decode(body).instrument
            except msgspec.MsgspecError:
                continue  # one unreadable detail leaves its pair out, not every pair's funding
            hours = None if detail is None else detail.funding_frequency
            if hours is not None and hours.is_finite() and hours == hours.to_integral_value() and hours > 0:
                interval_h[detail.pair] = int(hours)
        ts_ms = prices.ts or recv_ms
        records = []
        for pair, price in prices.prices.items():
            instrument = instruments.get(pair)
            # Never an assumed interval: a pair whose details did not say is left out.
            if instrument is None or price.fr is None or pair not in interval_h:
                continue
            interval_ms = interval_h[pair] * HOUR_MS
            next_ms = (ts_ms // interval_ms + 1) * interval_ms  # the next funding on the UTC grid
            records.append(build_funding(instrument, price.fr, interval_h[pair], next_ms, ts_ms))
        return records

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        decoded = _instruments_decoder.decode(body)
        if isinstance(decoded, list):
            return [i for pair in decoded if (i := self._from_pair_name(pair)) is not None]
        detail = decoded.instrument
        if detail.kind != "perpetual" or detail.status != "active" or detail.is_inverse or detail.is_quanto:
            return []
        return [
            self.make_instrument(
                detail.pair,
                detail.underlying_currency_short_name,
                detail.quote_currency_short_name,
                detail.settle_currency_short_name,
                linear=True,
                contract_size=detail.unit_contract_value,
                tick_size=detail.price_increment,
                qty_step_contracts=detail.quantity_increment,
                min_qty_contracts=detail.min_quantity,
            )
        ]

    def _from_pair_name(self, pair: str) -> Instrument | None:
        parts = pair_parts(pair)
        if parts is None:
            return None
        base, quote = parts
        return self.make_instrument(
            pair, base, quote, MARGIN_CURRENCY, linear=True, contract_size=Decimal(1), tick_size=ZERO
        )

    def parse_frame(
        self,
        raw: str | bytes,
        instruments: Mapping[str, Instrument],
        state: dict | None,
        recv_ns: int,
    ) -> list[Quote]:
        return self.parse_frame_and_depth(raw, instruments, state, recv_ns, NO_SYMBOLS)[0]

    def parse_frame_and_depth(
        self,
        raw: str | bytes,
        instruments: Mapping[str, Instrument],
        state: dict | None,
        recv_ns: int,
        depth_symbols: AbstractSet[str],
    ) -> tuple[list[Quote], list[Depth]]:
        event = _event_decoder.decode(raw)
        if event.event not in (SNAPSHOT, UPDATE):
            raise FrameError(f"coindcx: unexpected event {event.event!r}")
        depth = _depth_decoder.decode(event.data)  # the payload's data is JSON inside a string
        instrument = _instrument_for(depth.s, instruments, state)
        if instrument is None:
            return count_unknown_symbol(state), []

        books = kept_books(state, "coindcx_books")
        if event.event == SNAPSHOT:
            book = Book()
        else:
            book = books.get(depth.s)
            if book is None:
                return [], []  # no snapshot yet, or dropped after a gap: wait for the next one
            if book.seq is not None and depth.vs is not None and depth.vs != book.seq + 1:
                del books[depth.s]  # a frame went missing: this book can no longer be trusted
                return [], []
        top = book.apply(depth.bids.items(), depth.asks.items(), "coindcx")
        book.seq = depth.vs
        books[depth.s] = book
        if top is None:
            return [], []
        bid, bid_size, ask, ask_size = top
        ts_ms = depth.ts or recv_ns // 1_000_000
        quotes = [build_quote(instrument, bid, bid_size, ask, ask_size, ts_ms, recv_ns)]
        if instrument.symbol not in depth_symbols:
            return quotes, []  # the one set lookup an undemanded book costs
        # The best DEPTH_LEVELS of the kept sides (unsorted maps), best first; sizes in the coin.
        # Sorting the prices alone: comparing (price, size) tuples of Decimals costs three times more.
        bid_prices = sorted(book.bids, reverse=True)[:DEPTH_LEVELS]
        ask_prices = sorted(book.asks)[:DEPTH_LEVELS]
        bids = [(price, book.bids[price]) for price in bid_prices]
        asks = [(price, book.asks[price]) for price in ask_prices]
        return quotes, [build_depth(instrument, bids, asks, ts_ms, recv_ns)]


def _instrument_for(symbol: str, instruments: Mapping[str, Instrument], state: dict | None) -> Instrument | None:
    """The instrument of a frame's `BTCUSDT`, though instruments are keyed by `B-BTC_USDT`."""
    by_symbol: dict[str, Instrument | None] | None = None if state is None else state.get("coindcx_symbols")
    if by_symbol is None:
        by_symbol = {} if state is None else state.setdefault("coindcx_symbols", {})
    elif symbol in by_symbol:
        return by_symbol[symbol]
    found = None
    for pair, instrument in instruments.items():
        parts = pair_parts(pair)
        if parts is not None and parts[0] + parts[1] == symbol:
            found = instrument
            break
    by_symbol[symbol] = found
    return found
