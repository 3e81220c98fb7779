"""Binance USDⓈ-M and COIN-M perpetual futures: bookTicker on the Public route (COIN-M on dstream).

Docs: https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams
- Book tickers live on `/public` since the 2025–26 URL split; a stream sent to the wrong
  route is acknowledged and then stays silent, so the URL matters.
- Subscribe with `{"method":"SUBSCRIBE","params":[...],"id":N}` (lowercase stream names),
  at most 200 streams per connection and 10 incoming messages per second.
- The server pings every ~3 min and the WebSocket library answers; connections are closed
  after 24 h, so the session rotates earlier.
- Heartbeat deadline: the client does not ping; the server's ping frames must keep coming. One
  is due every 3 min, so 4 min (a minute of slack) without one replaces the connection.
- Errors arrive wrapped: `{"error":{"code":2,"msg":"..."},"id":1}`.

Funding (polled): https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price
and .../Get-Funding-Rate-Info.
- `GET /fapi/v1/premiumIndex` without a symbol: every symbol's `lastFundingRate` (string) and
  `nextFundingTime` (ms), weight 10 of the 2,400 a minute; `time` is when it was stated.
- `GET /fapi/v1/fundingInfo`: `fundingIntervalHours` per symbol, but only for symbols whose
  funding was specially adjusted (the docs say those not adjusted are not returned): a symbol
  it does not list is on Binance's standard 8 h. Shares 500 requests / 5 min / IP with
  `/fapi/v1/fundingRate`: one call every 30 s is 10 of them.
- Dated futures answer `lastFundingRate` "" and `nextFundingTime` 0: left out.

Depth: https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Partial-Book-Depth-Streams
- `<symbol>@depth10@100ms`: the top 10 bids and asks whole in every frame (event `depthUpdate`,
  `T` the transaction time), on the same `/public` route as the book tickers and under the same
  200-stream limit, on connections of their own.

COIN-M perpetuals (https://developers.binance.com/docs/derivatives/coin-margined-futures): a
socket family of their own (base.Family) on hosts of their own, `wss://dstream.binance.com/ws`
(COIN-M did not take part in the URL split) and `https://dapi.binance.com`.
- `GET /dapi/v1/exchangeInfo`: `symbol` `BTCUSD_PERP`, `contractType` `PERPETUAL`,
  `contractStatus` (not `status`) `TRADING`, `contractSize` in USD (100 for BTC, 10 for most
  others), quote `USD`, margined and settled in the base coin: inverse instruments, sizes in
  contracts (`LOT_SIZE` in contracts too). Dated contracts (`BTCUSD_261225`) are left out.
- The same `bookTicker` and `depth10@100ms` streams, frames and subscribe messages, with
  quantities in contracts (base units = contracts × contractSize ÷ price).
- Funding: `GET /dapi/v1/premiumIndex` (every symbol, dated ones with an empty rate) and
  `/dapi/v1/fundingInfo`, read as their `/fapi` twins: a perpetual fundingInfo does not list is
  on Binance's standard 8 h.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import Connector, Family, batched, build_quote, count_unknown_symbol
from feeds.funding import Funding, build_funding
from feeds.types import FrameError, Instrument, Quote

ZERO = Decimal(0)


class _BookTicker(msgspec.Struct):
    e: str | None = None
    s: str = ""
    b: Decimal = ZERO
    B: Decimal = ZERO
    a: Decimal = ZERO
    A: Decimal = ZERO
    T: int = 0
    E: int = 0


class _Error(msgspec.Struct):
    code: int | None = None
    msg: str = ""


class _Frame(_BookTicker):
    # Acks, errors, and the combined-stream wrapper share the top level with the ticker fields.
    id: int | None = None
    error: _Error | None = None
    stream: str | None = None
    data: _BookTicker | None = None


_frame_decoder = msgspec.json.Decoder(_Frame)

DEPTH_STREAM = f"@depth{DEPTH_LEVELS}@100ms"


class _Depth(msgspec.Struct):
    e: str | None = None
    s: str = ""
    b: list[tuple[Decimal, Decimal]] = []
    a: list[tuple[Decimal, Decimal]] = []
    T: int = 0
    E: int = 0


class _DepthFrame(_Depth):
    id: int | None = None
    error: _Error | None = None
    data: _Depth | None = None


_depth_decoder = msgspec.json.Decoder(_DepthFrame)


class _Filter(msgspec.Struct):
    filterType: str
    tickSize: Decimal | None = None
    stepSize: Decimal | None = None  # LOT_SIZE: limit orders' quantity step and minimum, in coins
    minQty: Decimal | None = None


class _Symbol(msgspec.Struct):
    symbol: str
    contractType: str = ""
    status: str = ""  # USDⓈ-M
    contractStatus: str = ""  # COIN-M
    contractSize: Decimal | None = None  # COIN-M: USD per contract
    baseAsset: str = ""
    quoteAsset: str = ""
    marginAsset: str = ""
    filters: list[_Filter] = []


class _ExchangeInfo(msgspec.Struct):
    symbols: list[_Symbol]


_info_decoder = msgspec.json.Decoder(_ExchangeInfo)


class _PremiumIndex(msgspec.Struct):
    symbol: str
    lastFundingRate: str = ""
    nextFundingTime: int = 0
    time: int = 0


class _FundingInfo(msgspec.Struct):
    symbol: str
    fundingIntervalHours: int


_premium_decoder = msgspec.json.Decoder(list[_PremiumIndex])
_funding_info_decoder = msgspec.json.Decoder(list[_FundingInfo])
STANDARD_FUNDING_INTERVAL_H = 8  # what /fapi/v1/fundingInfo leaves out


class Binance(Connector):
    id = "binance"
    name = "Binance"
    families = (
        Family(
            "usds-m",
            "/public/ws",
            ("/fapi/v1/exchangeInfo",),
            linear=True,
            funding_paths=("/fapi/v1/premiumIndex", "/fapi/v1/fundingInfo"),
        ),
        Family(
            "coin-m",
            "/ws",
            ("/dapi/v1/exchangeInfo",),
            linear=False,
            funding_paths=("/dapi/v1/premiumIndex", "/dapi/v1/fundingInfo"),
            live_ws_url="wss://dstream.binance.com/ws",
            live_rest_url="https://dapi.binance.com",
        ),
    )
    ws_url = "wss://fstream.binance.com" + families[0].ws_path
    rest_url = "https://fapi.binance.com"
    instruments_paths = tuple(path for family in families for path in family.instruments_paths)
    max_symbols_per_connection = 200
    # 10 incoming messages/s per connection: few large subscribe messages.
    max_symbols_per_message = 200
    subscribe_gap_s = 0.15  # 10 incoming messages a second, pings and pongs included
    heartbeat_interval_s = None
    heartbeat_timeout_s = 240.0  # the server's ping frames, due every 3 min
    max_lifetime_s = 23 * 3600
    has_depth = True

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return self._subscribe(symbols, "@bookTicker")

    def depth_requests(self, symbols: list[str], op: str) -> list[str]:
        return self._subscribe(symbols, DEPTH_STREAM, method=op.upper())

    def _subscribe(self, symbols: list[str], stream: str, method: str = "SUBSCRIBE") -> list[str]:
        return [
            msgspec.json.encode({"method": method, "params": [f"{s.lower()}{stream}" for s in batch], "id": n}).decode()
            for n, batch in enumerate(batched(symbols, self.max_symbols_per_message), start=1)
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        frame = _depth_decoder.decode(raw)
        book: _Depth = frame.data if frame.data is not None else frame
        if book.e == "depthUpdate":
            instrument = instruments.get(book.s)
            if instrument is None:
                count_unknown_symbol(state)
                return []
            return [build_depth(instrument, book.b, book.a, book.T or book.E, recv_ns)]
        if frame.error is not None:
            raise FrameError(f"binance error {frame.error.code}: {frame.error.msg}")
        return []

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        info = _info_decoder.decode(body)
        instruments = []
        for sym in info.symbols:
            if sym.contractType != "PERPETUAL" or (sym.status or sym.contractStatus) != "TRADING":
                continue
            tick = next((f.tickSize for f in sym.filters if f.filterType == "PRICE_FILTER"), None)
            lot = next((f for f in sym.filters if f.filterType == "LOT_SIZE"), _Filter("LOT_SIZE"))
            settle = sym.marginAsset or sym.quoteAsset
            # COIN-M: contracts of `contractSize` USD, margined and settled in the coin.
            inverse = sym.contractSize is not None and settle == sym.baseAsset
            if inverse and not (sym.contractSize.is_finite() and sym.contractSize > 0):
                continue  # a contract we could not size
            instruments.append(
                self.make_instrument(
                    sym.symbol,
                    sym.baseAsset,
                    sym.quoteAsset,
                    settle,
                    linear=not inverse,
                    contract_size=sym.contractSize if inverse else Decimal(1),
                    tick_size=tick or ZERO,
                    qty_step_contracts=lot.stepSize or ZERO,
                    min_qty_contracts=lot.minQty or ZERO,
                )
            )
        return instruments

    def funding_paths(self, symbols: list[str]) -> list[str]:
        return list(self.families[0].funding_paths)  # each family polls its own (fetch_funding)

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        premium_body, info_body = bodies
        intervals = {row.symbol: row.fundingIntervalHours for row in _funding_info_decoder.decode(info_body)}
        records = []
        for row in _premium_decoder.decode(premium_body):
            instrument = instruments.get(row.symbol)
            if instrument is None or not row.lastFundingRate or not row.nextFundingTime:
                continue
            interval_h = intervals.get(row.symbol, STANDARD_FUNDING_INTERVAL_H)
            rate = Decimal(row.lastFundingRate)
            records.append(build_funding(instrument, rate, interval_h, row.nextFundingTime, row.time or recv_ms))
        return records

    def parse_frame(
        self,
        raw: str | bytes,
        instruments: Mapping[str, Instrument],
        state: dict | None,
        recv_ns: int,
    ) -> list[Quote]:
        frame = _frame_decoder.decode(raw)
        ticker: _BookTicker = frame.data if frame.data is not None else frame
        if ticker.e == "bookTicker":
            instrument = instruments.get(ticker.s)
            if instrument is None:
                return count_unknown_symbol(state)
            return [build_quote(instrument, ticker.b, ticker.B, ticker.a, ticker.A, ticker.T or ticker.E, recv_ns)]
        if frame.error is not None:
            raise FrameError(f"binance error {frame.error.code}: {frame.error.msg}")
        return []
