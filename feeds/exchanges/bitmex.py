"""BitMEX: the `quote` table of the realtime socket, and `orderBook10` for depth.

Docs followed: https://www.bitmex.com/app/wsAPI (realtime socket, heartbeats, table actions)
and https://www.bitmex.com/api/explorer/#/Instrument (instrument fields).

Checked against BitMEX's own material through the docs search (its wsAPI heartbeat text, the
official connector BitMEX/api-connectors official-ws/python/bitmex_websocket.py, captured
welcome/ack/error frames):
- Topics are `quote:<symbol>` in `{"op":"subscribe","args":[...]}`; one ack per topic
  `{"success":true,"subscribe":"quote:XBTUSD","request":{...}}`; errors are
  `{"status":400,"error":"Unknown table: ...","meta":{},"request":{...}}`. The docs give no
  per-message or per-connection topic limit and say nothing limits subscriptions once
  connected; opening sockets is what is rate-limited, so every symbol goes on one connection.
- A table starts with `"action":"partial"` and goes on with `insert` (the quote table only
  inserts); `data` may carry several rows. Each quote row is the whole top of book, so a
  missing bid/ask key means that side is empty, not "unchanged" (the feed sends no JSON
  nulls). `update` and `delete` are handled as the generic table protocol defines them
  (merge present keys into the last row / forget the symbol), so `state` stays right even
  if BitMEX ever sends them here.
- Heartbeat, in BitMEX's words: when no message arrived for 5 s, send a ping frame or the
  literal string `ping`; expect a pong frame or `pong` within 5 s. The session sends the
  text `ping` every 5 s (it has no idle timer; sending while data flows is harmless) and
  replaces a connection whose `pong` has not come 5 s after a ping (the heartbeat deadline).
- Timestamps are ISO 8601 strings (`2026-11-23T10:00:00.123Z`): converted to epoch ms exactly.

Units: inverse (`isInverse`, e.g. XBTUSD) sizes are USD contracts; the face value per
contract is |multiplier| / |underlyingToSettleMultiplier| (1 USD on XBTUSD). Linear (neither
inverse nor quanto, e.g. XBTUSDT) contracts are 1 / underlyingToPositionMultiplier base units
(XBTUSDT: 1,000,000 contracts = 1 XBT). Quanto contracts (`isQuanto`, e.g. ETHUSD settled in
XBT) are worth a fixed amount of XBT per point of the quoted price, not an amount of the base
coin, so they are left out.

Pools (decision): per exchanges.md (BitMEX's pool announcements were not in the searchable
material), rows and acks carry `pool` (`Primary`/`Secondary`) since 2026, and which pool an
anonymous connection sees is not documented. Quote has no pool field and the engine
compares one price per instrument, so quotes are keyed by symbol only and `pool` is ignored
when parsing; the simulator sends `Primary`. If a connection ever receives both pools for one
symbol, this is the place to pick one.

Instruments: `GET /api/v1/instrument/active`; kept: `typ` FFWCSX (perpetual), `state` Open,
not quanto. FFWCSF (perpetuals on an FX underlier such as EURUSDT) are TradFi and left out, as
are dated futures (FFCCSX) and spot pairs (IFXXXP).

Funding (polled): the instrument list itself, `GET /api/v1/instrument/active`, carries each
perpetual's `fundingRate` (a JSON number, decoded exactly from its text), `fundingTimestamp` (the
next funding, ISO 8601) and `fundingInterval`: one call for all, every 30 s. The explorer types
`fundingInterval` as a timestamp and does not say how it encodes a duration; every answer seen
(BitMEX's own examples, its funding table) writes 8 h as `2000-01-01T08:00:00.000Z`, so the
interval is read as the time since 2000-01-01T00:00:00Z, and anything not a whole number of
hours is a FrameError. Records carry the row's own `timestamp`, or the receive time without one.

Where exchanges.md and this module differ: exchanges.md says to key quotes by symbol and pool;
see the decision above. Nothing else found in BitMEX's material contradicts it.

Depth: the `orderBook10:<symbol>` table of the same socket (wsAPI's table list: "top 10 levels
using traditional full book push"): a `partial`, then `update` rows that each carry the whole
top 10, `{"symbol","bids":[[price, size],…],"asks":[…],"timestamp"}` best first, sizes in the
quote table's contracts; so nothing is kept between frames. Dropped with `{"op":"unsubscribe"}`
(ack `{"success":true,"unsubscribe":"orderBook10:XBTUSD",…}`). `pool` is ignored as for quotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec

from feeds.depth import Depth, build_depth
from feeds.exchanges.base import Connector, batched, build_quote, count_unknown_symbol
from feeds.funding import Funding, build_funding, interval_hours_from_ms
from feeds.types import FrameError, Instrument, Quote

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_INTERVAL_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)  # fundingInterval is a duration written as a time since
_PERPETUAL = "FFWCSX"  # FFWCSF is a perpetual on an FX underlier; FFCCSX a dated future
_PONG = ("pong", b"pong")
_STATE_KEY = "bitmex_rows"


class _QuoteRow(msgspec.Struct):
    symbol: str
    timestamp: datetime | None = None
    bidPrice: Decimal | None = None
    bidSize: Decimal | None = None
    askPrice: Decimal | None = None
    askSize: Decimal | None = None


class _Frame(msgspec.Struct):
    # Data frames carry table/action/data; acks carry success/subscribe; errors status/error.
    table: str | None = None
    action: str | None = None
    data: list[_QuoteRow] = []
    status: int | None = None
    error: str | None = None


_frame_decoder = msgspec.json.Decoder(_Frame)


class _BookRow(msgspec.Struct):
    symbol: str
    timestamp: datetime | None = None
    bids: list[tuple[Decimal, Decimal]] = []  # [price, contracts], best first
    asks: list[tuple[Decimal, Decimal]] = []


class _BookFrame(msgspec.Struct):
    table: str | None = None
    action: str | None = None
    data: list[_BookRow] = []
    status: int | None = None
    error: str | None = None


_book_decoder = msgspec.json.Decoder(_BookFrame)
_DEPTH_TABLE = "orderBook10"


class _Instrument(msgspec.Struct):
    symbol: str
    typ: str = ""
    state: str = ""
    rootSymbol: str = ""
    quoteCurrency: str = ""
    settlCurrency: str = ""
    isInverse: bool = False
    isQuanto: bool = False
    multiplier: Decimal | None = None
    underlyingToPositionMultiplier: Decimal | None = None
    underlyingToSettleMultiplier: Decimal | None = None
    tickSize: Decimal | None = None
    lotSize: Decimal | None = None  # contracts: an order is a whole number of lots


_instruments_decoder = msgspec.json.Decoder(list[_Instrument])


class _InstrumentFunding(msgspec.Struct):
    symbol: str
    fundingRate: Decimal | None = None  # null on dated futures and spot pairs
    fundingTimestamp: datetime | None = None
    fundingInterval: datetime | None = None
    timestamp: datetime | None = None


_funding_decoder = msgspec.json.Decoder(list[_InstrumentFunding])


class Bitmex(Connector):
    id = "bitmex"
    name = "BitMEX"
    ws_url = "wss://ws.bitmex.com/realtime"
    rest_url = "https://www.bitmex.com"
    instruments_paths = ("/api/v1/instrument/active",)
    # No documented topic limit; new sockets are rate-limited per IP (60/hour), so one
    # connection holds everything and messages stay a readable size.
    max_symbols_per_connection = 1000
    max_symbols_per_message = 100
    heartbeat_interval_s = 5.0
    heartbeat_timeout_s = 5.0
    heartbeat_marker = "pong"

    has_depth = True

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return self._topics("subscribe", "quote", symbols)

    def depth_requests(self, symbols: list[str], op: str) -> list[str]:
        return self._topics(op, _DEPTH_TABLE, symbols)

    def _topics(self, op: str, table: str, symbols: list[str]) -> list[str]:
        return [
            msgspec.json.encode({"op": op, "args": [f"{table}:{symbol}" for symbol in batch]}).decode()
            for batch in batched(symbols, self.max_symbols_per_message)
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        if len(raw) == 4 and raw in _PONG:
            return []
        frame = _book_decoder.decode(raw)
        if frame.error is not None:
            raise FrameError(f"bitmex error {frame.status}: {frame.error}")
        if frame.table != _DEPTH_TABLE or frame.action == "delete":
            return []  # welcome, acks, other tables
        if frame.action not in ("partial", "update", "insert"):
            raise FrameError(f"bitmex: unknown table action {frame.action!r}")
        records = []
        for row in frame.data:  # every row is a symbol's whole top 10
            instrument = instruments.get(row.symbol)
            if instrument is None:
                count_unknown_symbol(state)
                continue
            if row.timestamp is None:
                raise FrameError(f"bitmex: {_DEPTH_TABLE} row for {row.symbol} without a timestamp")
            ts_ms = (row.timestamp - _EPOCH) // _ONE_MS
            records.append(build_depth(instrument, row.bids, row.asks, ts_ms, recv_ns))
        return records

    def heartbeat_message(self) -> str | None:
        return "ping"

    def funding_paths(self, symbols: list[str]) -> list[str]:
        return list(self.instruments_paths)

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        records = []
        for row in _funding_decoder.decode(bodies[0]):
            instrument = instruments.get(row.symbol)
            if instrument is None or row.fundingRate is None:
                continue
            if row.fundingInterval is None or row.fundingTimestamp is None:
                raise FrameError(f"bitmex {row.symbol}: a funding rate without its interval or time")
            interval_h = interval_hours_from_ms((row.fundingInterval - _INTERVAL_ORIGIN) // _ONE_MS)
            next_ms = (row.fundingTimestamp - _EPOCH) // _ONE_MS
            ts_ms = (row.timestamp - _EPOCH) // _ONE_MS if row.timestamp else recv_ms
            records.append(build_funding(instrument, row.fundingRate, interval_h, next_ms, ts_ms))
        return records

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        instruments = []
        for item in _instruments_decoder.decode(body):
            if item.typ != _PERPETUAL or item.state != "Open" or item.isQuanto:
                continue
            contract_size = _contract_size(item)
            if contract_size is None:
                continue
            instruments.append(
                self.make_instrument(
                    item.symbol,
                    item.rootSymbol,
                    item.quoteCurrency,
                    item.settlCurrency,  # XBt -> BTC, USDt -> USDT
                    linear=not item.isInverse,
                    contract_size=contract_size,
                    tick_size=item.tickSize or Decimal(0),
                    qty_step_contracts=item.lotSize or Decimal(0),
                    min_qty_contracts=item.lotSize or Decimal(0),
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
        if len(raw) == 4 and raw in _PONG:
            return []
        frame = _frame_decoder.decode(raw)
        if frame.error is not None:
            raise FrameError(f"bitmex error {frame.status}: {frame.error}")
        if frame.table != "quote" or not frame.data:
            return []  # welcome, subscribe acks, other tables
        rows: dict[str, _QuoteRow] = {} if state is None else state.setdefault(_STATE_KEY, {})
        quotes = []
        for row in _latest_rows(frame.action, frame.data, rows):
            instrument = instruments.get(row.symbol)
            if instrument is None:
                count_unknown_symbol(state)
                continue
            if row.bidPrice is None or row.askPrice is None or row.bidSize is None or row.askSize is None:
                continue  # an empty side: no quote rather than half a quote
            if row.timestamp is None:
                raise FrameError(f"bitmex: quote row for {row.symbol} without a timestamp")
            ts_ms = (row.timestamp - _EPOCH) // _ONE_MS
            quotes.append(build_quote(instrument, row.bidPrice, row.bidSize, row.askPrice, row.askSize, ts_ms, recv_ns))
        return quotes


def _latest_rows(action: str | None, data: list[_QuoteRow], rows: dict[str, _QuoteRow]) -> Iterable[_QuoteRow]:
    """Apply one frame's rows to the connection's rows; the symbols' rows as they now stand.

    Rows come in time order, so a symbol's last row is its quote now: an empty side there
    yields nothing for that symbol rather than an older quote that is no longer true.
    """
    if action == "insert" or action == "partial":
        for row in data:
            rows[row.symbol] = row
        return data if len(data) == 1 else {row.symbol: row for row in data}.values()
    if action == "update":
        changed = {}
        for update in data:
            rows[update.symbol] = changed[update.symbol] = _merged(rows.get(update.symbol), update)
        return changed.values()
    if action == "delete":
        for row in data:
            rows.pop(row.symbol, None)
        return ()
    raise FrameError(f"bitmex: unknown table action {action!r}")


def _contract_size(item: _Instrument) -> Decimal | None:
    """Linear: base units per contract; inverse: USD per contract; None when it cannot be sized."""
    if item.isInverse:
        if not item.multiplier or not item.underlyingToSettleMultiplier:
            return None
        return abs(item.multiplier) / abs(item.underlyingToSettleMultiplier)
    if not item.underlyingToPositionMultiplier or item.underlyingToPositionMultiplier < 0:
        return None
    return Decimal(1) / item.underlyingToPositionMultiplier


def _merged(previous: _QuoteRow | None, update: _QuoteRow) -> _QuoteRow:
    """An `update` row carries only what changed: fill the rest from the row it updates."""
    if previous is None:
        return update
    return _QuoteRow(
        symbol=update.symbol,
        timestamp=update.timestamp if update.timestamp is not None else previous.timestamp,
        bidPrice=update.bidPrice if update.bidPrice is not None else previous.bidPrice,
        bidSize=update.bidSize if update.bidSize is not None else previous.bidSize,
        askPrice=update.askPrice if update.askPrice is not None else previous.askPrice,
        askSize=update.askSize if update.askSize is not None else previous.askSize,
    )
