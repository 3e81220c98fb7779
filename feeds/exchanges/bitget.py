"""Bitget v2 futures: the `books1` channel on the v2 public socket.

Docs: https://www.bitget.com/api-doc/common/websocket-intro,
https://www.bitget.com/api-doc/contract/websocket/public/Order-Book-Channel,
https://www.bitget.com/api-doc/contract/market/Get-All-Symbols-Contracts.
Checked against Bitget's own docs (via search):
- Socket `wss://ws.bitget.com/v2/ws/public`: send the text `ping` every 30 s and expect the text `pong`; no ping
  for 2 minutes closes the connection; the server also closes every connection after 24 h (rotated before that).
  At most 10 messages per second per connection, the `ping` included (over it: disconnected, repeated: IP ban);
  240 subscribe requests per hour per connection; up to 1000 channels per connection, but "strongly recommended"
  under 50 for stability, hence 50 symbols per connection here.
- Heartbeat deadline: the pages reached give no time for the `pong`; 10 s after a ping without one replaces the
  connection (well before the 2-minute limit on our side would matter).
- Subscribe `{"op":"subscribe","args":[{"instType":"USDT-FUTURES","channel":"books1","instId":"BTCUSDT"}]}`,
  one ack per arg `{"event":"subscribe","arg":{...}}`. Errors `{"event":"error","arg":{...},"code":30001,
  "msg":"... doesn't exist","op":"subscribe"}`; `code` comes as a number or a string (`"30006"`, request too
  many), and `arg` is missing on errors about the request as a whole.
- `books1` pushes a one-level snapshot every time (`"action":"snapshot"`), sizes in the base coin as strings,
  `data[0].ts` ms as a string. The docs give no per-message arg limit; 25 args keep one request near 1.7 KB
  (Bitget's older v1 docs capped a request at 4096 bytes) and 50 symbols at two messages.
- Contracts: `GET /api/v2/mix/market/contracts?productType=...` per product type (USDT-FUTURES, USDC-FUTURES,
  COIN-FUTURES); tick = `priceEndStep` x 10^-`pricePlace`; `symbolType` perpetual/delivery; `symbolStatus` normal
  (also listed, maintain, limit_open, restrictedAPI, off). exchanges.md does not mention `isRwa`: the contract
  list marks stock and gold tokens (`AAPLUSDT`, `PAXGUSDT`) with `"isRwa":"YES"`; they are left out.

Units: Bitget sizes every futures product in the base coin, including the coin-margined (inverse) BTCUSD, so
no contract-size arithmetic is needed. An inverse instrument is recorded as `linear=False` (it settles in the
coin) with `contract_size=1` meaning "1 coin per unit of size", and its quotes are built through a linear view of
the instrument so build_quote does not divide the size by the price as it does for USD-sized contracts.

The socket takes one `instType` per subscription, which the subscribe messages derive from the symbol: USDT-M
symbols end in USDT, USDC-M ones in PERP (BTCPERP) or USDC, coin-margined ones in USD.

A snapshot with an empty side gives no quote for that symbol (no half quotes); the next snapshot brings it back.

Funding (polled): `GET /api/v2/mix/market/current-fund-rate?productType=…`, one call per product type (three, as
for the contract list), every 30 s. Each row: `symbol`, `fundingRate`, `fundingRateInterval` (hours) and
`nextUpdate` (the next funding, Unix ms), all strings, with `minFundingRate`/`maxFundingRate`; the envelope's
`requestTime` is the answer's time. Bitget's own page was not reachable through the `search` tool, and the client
libraries that quote it disagree on one point: whether `symbol` may be left out to get every contract of the
product type (newer ones call it that way, older ones name `symbol` required). This module relies on the
all-contracts form; if Bitget refuses it, the answer's error code surfaces as a FrameError on the feed status,
and the fallback is one call per symbol. `fundingRateInterval` is read per row; a row without one is a
FrameError, never an assumed 8 h.

Depth: the same Depth Channel page (https://www.bitget.com/api-doc/contract/websocket/public/Order-Book-Channel),
`books15`: the top 15 levels whole in every push (`"action":"snapshot"`, 150 ms by default), [price, size] strings
in the base coin as books1's, on connections of their own; the best DEPTH_LEVELS are kept. `books` would be 400
levels of deltas to keep per symbol, `books5` too few for a ten-level walk. Dropped with `"op":"unsubscribe"` and
the same args (ack `{"event":"unsubscribe","arg":{…}}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import Connector, batched, build_quote, count_unknown_symbol
from feeds.exchanges.levels import decimal_levels
from feeds.funding import Funding, build_funding
from feeds.types import FrameError, Instrument, Quote, normalise_asset

ZERO = Decimal(0)
ONE = Decimal(1)
CHANNEL = "books1"
DEPTH_CHANNEL = "books15"
_PONG = "pong"
_LINEAR_VIEWS_KEY = "bitget_linear_views"


def inst_type(symbol: str) -> str:
    """The product type a symbol is subscribed under (the socket needs it next to the symbol)."""
    if symbol.endswith("USDT"):
        return "USDT-FUTURES"
    if symbol.endswith(("PERP", "USDC")):
        return "USDC-FUTURES"
    return "COIN-FUTURES"


# gc=False: frame structs hold only numbers, strings and each other, never a cycle; untracked they build faster.
class _Level(msgspec.Struct, array_like=True, frozen=True, gc=False):
    price: Decimal
    size: Decimal


class _BookSide(msgspec.Struct, array_like=True, frozen=True, gc=False):
    # books1 carries one level; should a level more come, only the best is built.
    best: _Level | None = None


_EMPTY_SIDE = _BookSide()


class _Book(msgspec.Struct, gc=False):
    asks: _BookSide = _EMPTY_SIDE
    bids: _BookSide = _EMPTY_SIDE
    ts: int = 0  # a string of ms on the wire: the decoder is not strict


class _Arg(msgspec.Struct, gc=False):
    instType: str = ""
    channel: str = ""
    instId: str = ""


class _Frame(msgspec.Struct, gc=False):
    action: str = ""
    event: str = ""
    arg: _Arg | None = None
    data: list[_Book] = []
    ts: int = 0
    code: int | str | None = None
    msg: str = ""


# strict=False lets the ms timestamps that arrive as strings decode as ints.
_frame_decoder = msgspec.json.Decoder(_Frame, strict=False)


class _DepthBook(msgspec.Struct, gc=False):
    asks: list[list[str]] = []  # [price, size], and whatever Bitget may add after them
    bids: list[list[str]] = []
    ts: int = 0


class _DepthFrame(_Frame):
    data: list[_DepthBook] = []


_depth_decoder = msgspec.json.Decoder(_DepthFrame, strict=False)


class _Contract(msgspec.Struct):
    symbol: str
    baseCoin: str = ""
    quoteCoin: str = ""
    pricePlace: int = 0
    priceEndStep: Decimal = ZERO
    symbolType: str = ""
    symbolStatus: str = ""
    isRwa: str = "NO"
    sizeMultiplier: Decimal = ZERO  # an order's size is a multiple of this, in the base coin
    minTradeNum: Decimal = ZERO


class _ContractList(msgspec.Struct):
    code: str = ""
    msg: str = ""
    data: list[_Contract] | None = None  # null when refused


_contracts_decoder = msgspec.json.Decoder(_ContractList, strict=False)


class _FundRate(msgspec.Struct):
    symbol: str
    fundingRate: Decimal
    fundingRateInterval: int  # hours, a string on the wire: the decoder is not strict
    nextUpdate: int  # Unix ms, likewise


class _FundRates(msgspec.Struct):
    code: str = ""
    msg: str = ""
    requestTime: int = 0
    data: list[_FundRate] | None = None  # null when refused


_funding_decoder = msgspec.json.Decoder(_FundRates, strict=False)
SUCCESS = "00000"


class Bitget(Connector):
    id = "bitget"
    name = "Bitget"
    ws_url = "wss://ws.bitget.com/v2/ws/public"
    rest_url = "https://api.bitget.com"
    instruments_paths = (
        "/api/v2/mix/market/contracts?productType=USDT-FUTURES",
        "/api/v2/mix/market/contracts?productType=USDC-FUTURES",
        "/api/v2/mix/market/contracts?productType=COIN-FUTURES",
    )
    max_symbols_per_connection = 50
    max_symbols_per_message = 25
    subscribe_gap_s = 0.15  # 10 messages a second, `ping` included

    def funding_paths(self, symbols: list[str]) -> list[str]:
        return [path.replace("/contracts?", "/current-fund-rate?") for path in self.instruments_paths]

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        records = []
        for body in bodies:
            answer = _funding_decoder.decode(body)
            if answer.code != SUCCESS or answer.data is None:
                raise FrameError(f"bitget current-fund-rate error {answer.code}: {answer.msg}")
            for row in answer.data:
                instrument = instruments.get(row.symbol)
                if instrument is None:
                    continue
                ts_ms = answer.requestTime or recv_ms
                records.append(
                    build_funding(instrument, row.fundingRate, row.fundingRateInterval, row.nextUpdate, ts_ms)
                )
        return records

    heartbeat_interval_s = 30.0
    heartbeat_timeout_s = 10.0
    heartbeat_marker = "pong"
    max_lifetime_s = 23 * 3600

    has_depth = True

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return self._requests(symbols, CHANNEL)

    def depth_requests(self, symbols: list[str], op: str) -> list[str]:
        return self._requests(symbols, DEPTH_CHANNEL, op=op)

    def _requests(self, symbols: list[str], channel: str, op: str = "subscribe") -> list[str]:
        return [
            msgspec.json.encode(
                {"op": op, "args": [{"instType": inst_type(s), "channel": channel, "instId": s} for s in batch]}
            ).decode()
            for batch in batched(symbols, self.max_symbols_per_message)
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        if raw == _PONG or raw == b"pong":
            return []
        frame = _depth_decoder.decode(raw)
        if not (frame.data and frame.arg is not None):
            return _control(frame)
        if frame.arg.channel != DEPTH_CHANNEL:
            raise FrameError(f"bitget depth frame from {frame.arg.channel}")
        instrument = instruments.get(frame.arg.instId)
        if instrument is None:
            count_unknown_symbol(state)
            return []
        if not instrument.linear:
            instrument = _linear_view(instrument, state)  # sizes in coins, as for quotes
        # Snapshots carry no empty levels: only the best DEPTH_LEVELS of the fifteen need converting.
        return [
            build_depth(
                instrument,
                decimal_levels(book.bids[:DEPTH_LEVELS]),
                decimal_levels(book.asks[:DEPTH_LEVELS]),
                book.ts or frame.ts,
                recv_ns,
            )
            for book in frame.data
        ]

    def heartbeat_message(self) -> str:
        return "ping"

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        listing = _contracts_decoder.decode(body)
        if listing.code != SUCCESS:
            raise FrameError(f"bitget contract list refused: {listing.code} {listing.msg}")
        instruments = []
        for contract in listing.data or ():
            if contract.symbolType != "perpetual" or contract.symbolStatus != "normal" or contract.isRwa == "YES":
                continue
            base = normalise_asset(contract.baseCoin)
            quote = normalise_asset(contract.quoteCoin)
            # Coin-margined contracts are quoted in USD and settle in their base coin.
            linear = quote != "USD"
            settle = quote if linear else base
            instruments.append(
                self.make_instrument(
                    contract.symbol,
                    base,
                    quote,
                    settle,
                    linear=linear,
                    contract_size=ONE,  # sizes are base-coin amounts on every product type
                    tick_size=contract.priceEndStep.scaleb(-contract.pricePlace),
                    qty_step_contracts=contract.sizeMultiplier,
                    min_qty_contracts=contract.minTradeNum,
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
        if raw == _PONG or raw == b"pong":
            return []
        frame = _frame_decoder.decode(raw)
        if frame.data and frame.arg is not None:
            if frame.arg.channel != CHANNEL:
                return []  # a channel this connector never subscribes to
            instrument = instruments.get(frame.arg.instId)
            if instrument is None:
                return count_unknown_symbol(state)
            book = frame.data[0]
            bid, ask = book.bids.best, book.asks.best
            if bid is None or ask is None:
                return []
            if not instrument.linear:
                instrument = _linear_view(instrument, state)
            return [build_quote(instrument, bid.price, bid.size, ask.price, ask.size, book.ts or frame.ts, recv_ns)]
        return _control(frame)


def _control(frame: _Frame) -> list:
    """A frame without data: acks and the rest give [], errors raise."""
    if frame.event == "error":
        about = f" ({frame.arg.instType} {frame.arg.channel} {frame.arg.instId})" if frame.arg else ""
        raise FrameError(f"bitget error {frame.code}{about}: {frame.msg}")
    return []


def _linear_view(instrument: Instrument, state: dict | None) -> Instrument:
    """The instrument as build_quote must see it: sizes already in coins, one coin per unit (cached per connection)."""
    views = state.setdefault(_LINEAR_VIEWS_KEY, {}) if state is not None else {}
    view = views.get(instrument.symbol)
    if view is None:
        view = views[instrument.symbol] = msgspec.structs.replace(instrument, linear=True, contract_size=ONE)
    return view
