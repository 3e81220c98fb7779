"""MEXC futures (contract API): the top of the `sub.depth.full` book on the `/edge` socket.

Docs: https://www.mexc.com/api-docs/futures/websocket-api (also mexcdevelop.github.io/apidocs/contract_v1_en,
sections "Native WS connection address", "Depth" and "Get the contract information").
Checked against MEXC's own docs (via search):
- Socket `wss://contract.mexc.com/edge`; `{"method":"ping"}` answered by `{"channel":"pong","data":<ms>}`; "if no
  ping is received within 1 minute the connection will be closed, send a ping every 10-20 seconds".
- Heartbeat deadline: the docs give none for the pong; 10 s after a ping without one replaces the connection.
- MEXC has no best bid/ask channel with sizes, so this follows the full depth snapshot:
  `{"method":"sub.depth.full","param":{"symbol":"BTC_USDT","limit":5}}`, limit 5, 10 or 20, one symbol per
  message. `"gzip": false` asks for plain text frames (the docs' ticker example); binary frames, if any come, are
  gzip and are decompressed here. A level is `[price, contracts, order count]`, JSON numbers; `data.cts` is the
  matching engine's time in ms (newer docs, and live frames), `ts` the push time.
- The docs spell the unsubscribe method `usub.depth.full` (`{"method":"usub.depth.full","param":{"symbol":…}}`,
  "limit is not mandatory"); exchanges.md says `unsub.depth.full` (the pattern of every other channel). The
  docs win: depth connections drop a symbol with `usub.depth.full`; the simulator accepts both.
- `GET /api/v1/contract/detail`: `futureType` is "1 PERPETUAL, 2 DAILY", `state` "0 enabled, 1 delivery,
  2 completed, 3 offline, 4 pause", `contractSize` in base units (USDT/USDC contracts) or in USD (inverse,
  where settleCoin is the base coin), `priceUnit` is the tick. Rate limit 1 request per 5 s. The newest docs show
  the same paths on `api.mexc.com`; exchanges.md's `contract.mexc.com` still serves them and is kept here.
- The docs give no subscription limit per connection and no stock marker. Stock and other TradFi perpetuals
  (`AAPLSTOCK_USDT`, ...) are recognised by a base coin ending in STOCK or a `conceptPlate` naming a TradFi or
  stock zone (`mc-trade-zone-tradfi`): a heuristic, kept out because they do not trade like coins.

Prices arrive as JSON numbers, sometimes in exponent form (`7.548E+4`): msgspec decodes a JSON number into a
Decimal from its text, never through a float (feeds/tests/test_mexc.py proves it), and adding a Decimal zero turns the
exponent form into a plain number of the same value.

Acks (`{"channel":"rs.sub.depth.full","data":"success"}`) and refusals (`{"channel":"rs.error","data":"Contract
doesn't exist!"}`) name no symbol. The session sends one subscribe per symbol in sorted order, so the n-th reply
answers the n-th symbol of `sorted(instruments)`; the `state` dict counts replies to name the refused symbol.

A book with an empty side gives no quote for that symbol (no half quotes): the next full snapshot brings it back.

Depth: the same channel at `limit` 10, on depth connections of their own, whose every `push.depth.full` frame is a
Depth record (sizes contracts × contractSize). The quote connections' limit-5 subscription already carries five
levels, but it is kept as it is: the docs allow "only one gear" of the full depth per symbol and connection, depth
is subscribed only for the few instruments near an opportunity (and dropped after), and ten levels for every
watched symbol would double the quote connections' bytes for books nobody walks. Replies on a depth connection
are not matched to symbols (subscriptions come and go on demand): a refusal is a FrameError with MEXC's text.

Funding (polled): `GET /api/v1/contract/funding_rate/{symbol}`, one contract per call (the docs list no
all-contracts form; the ticker has a rate but no interval or time), answering
`{"success":true,"code":0,"data":{"symbol","fundingRate","maxFundingRate","minFundingRate","collectCycle",
"nextSettleTime","timestamp"}}`: `fundingRate` a JSON number (decoded exactly), `collectCycle` the interval in
hours, `nextSettleTime` and `timestamp` Unix ms. MEXC's own page was not reachable through the `search` tool;
the shape comes from client libraries quoting it, which agree that `collectCycle` counts hours (8 on most
contracts) but none quotes MEXC saying so. A refusal is `{"success":false,"code":1001,"message":…}`. The
market endpoints' limit is quoted as 20 requests per 2 s per IP: calls go 100 ms apart, half of that.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from decimal import Decimal

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import Connector, build_quote, count_unknown_symbol
from feeds.funding import Funding, build_funding
from feeds.types import FrameError, Instrument, Quote, normalise_asset

ZERO = Decimal(0)
DEPTH_LIMIT = 5
_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib reads gzip framing with this window setting
_REPLIES_KEY = "mexc_subscribe_replies"


# gc=False: frame structs hold only numbers, strings and each other, never a cycle; untracked they build faster.
class _Level(msgspec.Struct, array_like=True, frozen=True, gc=False):
    price: Decimal
    contracts: Decimal  # the order count that follows is not needed


class _BookSide(msgspec.Struct, array_like=True, frozen=True, gc=False):
    # Only the best level is kept: msgspec skips the other levels of the array without building them.
    best: _Level | None = None


_EMPTY_SIDE = _BookSide()


class _Depth(msgspec.Struct, gc=False):
    asks: _BookSide = _EMPTY_SIDE
    bids: _BookSide = _EMPTY_SIDE
    cts: int = 0


class _Frame(msgspec.Struct, gc=False):
    channel: str = ""
    symbol: str = ""
    ts: int = 0
    # push.depth.full: the book; acks and errors: a message; pong: the server time.
    data: _Depth | str | int | None = None


_frame_decoder = msgspec.json.Decoder(_Frame)


class _FullDepth(msgspec.Struct, gc=False):
    asks: list[_Level] = []
    bids: list[_Level] = []
    cts: int = 0


class _DepthFrame(_Frame):
    data: _FullDepth | str | int | None = None


_depth_decoder = msgspec.json.Decoder(_DepthFrame)


class _Contract(msgspec.Struct):
    symbol: str
    baseCoin: str = ""
    quoteCoin: str = ""
    settleCoin: str = ""
    contractSize: Decimal = ZERO
    priceUnit: Decimal = ZERO
    volUnit: Decimal = ZERO  # contracts: the order size step
    minVol: Decimal = ZERO  # contracts: the smallest order
    futureType: int = 1  # older responses had no futureType: every contract listed was perpetual
    state: int = -1
    conceptPlate: list[str] = []


class _ContractList(msgspec.Struct):
    success: bool = True
    code: int = 0
    message: str = ""
    data: list[_Contract] | None = None  # absent or null when refused


_contracts_decoder = msgspec.json.Decoder(_ContractList)


class _FundingRate(msgspec.Struct):
    symbol: str
    fundingRate: Decimal
    collectCycle: int  # hours between two fundings
    nextSettleTime: int  # Unix ms
    timestamp: int = 0  # Unix ms


class _FundingAnswer(msgspec.Struct):
    success: bool = True
    code: int = 0
    message: str = ""
    data: _FundingRate | None = None  # absent or null when refused


_funding_decoder = msgspec.json.Decoder(_FundingAnswer)

PERPETUAL = 1
ENABLED = 0


def _is_tradfi(contract: _Contract) -> bool:
    if contract.baseCoin.upper().endswith("STOCK"):
        return True
    return any("tradfi" in zone.lower() or "stock" in zone.lower() for zone in contract.conceptPlate)


class Mexc(Connector):
    id = "mexc"
    name = "MEXC"
    ws_url = "wss://contract.mexc.com/edge"
    rest_url = "https://contract.mexc.com"
    instruments_paths = ("/api/v1/contract/detail",)
    # Not documented for the contract socket: 50 one-symbol subscribes keep the opening burst short.
    max_symbols_per_connection = 50
    max_symbols_per_message = 1
    # "Send a ping every 10-20 seconds"; silent for a minute means dropped.
    heartbeat_interval_s = 15.0
    heartbeat_timeout_s = 10.0
    heartbeat_marker = '"pong"'
    funding_request_gap_s = 0.1

    def funding_paths(self, symbols: list[str]) -> list[str]:
        return [f"/api/v1/contract/funding_rate/{symbol}" for symbol in symbols]

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        records = []
        for body in bodies:
            answer = _funding_decoder.decode(body)
            if not answer.success or answer.code != 0 or answer.data is None:
                raise FrameError(f"mexc funding_rate error {answer.code}: {answer.message}")
            row = answer.data
            instrument = instruments.get(row.symbol)
            if instrument is None:
                continue
            records.append(
                build_funding(
                    instrument, row.fundingRate, row.collectCycle, row.nextSettleTime, row.timestamp or recv_ms
                )
            )
        return records

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return [
            msgspec.json.encode(
                {"method": "sub.depth.full", "param": {"symbol": symbol, "limit": DEPTH_LIMIT}, "gzip": False}
            ).decode()
            for symbol in symbols
        ]

    has_depth = True

    def depth_subscribe_messages(self, symbols: list[str]) -> list[str]:
        return [
            msgspec.json.encode(
                {"method": "sub.depth.full", "param": {"symbol": symbol, "limit": DEPTH_LEVELS}, "gzip": False}
            ).decode()
            for symbol in symbols
        ]

    def depth_unsubscribe_messages(self, symbols: list[str]) -> list[str]:
        return [
            msgspec.json.encode({"method": "usub.depth.full", "param": {"symbol": symbol}}).decode()
            for symbol in symbols
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        frame = _depth_decoder.decode(_unzipped(raw))
        book = frame.data
        if frame.channel == "push.depth.full":
            if not isinstance(book, _FullDepth):
                raise FrameError(f"mexc push.depth.full without a book: {book!r}")
            instrument = instruments.get(frame.symbol)
            if instrument is None:
                count_unknown_symbol(state)
                return []
            # `+ ZERO` writes an exponent-form price (7.548E+4) as the plain number it is (75480).
            bids = [(level.price + ZERO, level.contracts) for level in book.bids]
            asks = [(level.price + ZERO, level.contracts) for level in book.asks]
            return [build_depth(instrument, bids, asks, book.cts or frame.ts, recv_ns)]
        if frame.channel == "rs.error" or (frame.channel.startswith("rs.") and frame.data != "success"):
            raise FrameError(f"mexc {frame.channel}: {frame.data}")
        return []  # acks, pong

    def heartbeat_message(self) -> str:
        return '{"method":"ping"}'

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        listing = _contracts_decoder.decode(body)
        if not listing.success:
            raise FrameError(f"mexc contract list refused: {listing.code} {listing.message}")
        instruments = []
        for contract in listing.data or ():
            if contract.futureType != PERPETUAL or contract.state != ENABLED or _is_tradfi(contract):
                continue
            if contract.contractSize <= 0 or contract.priceUnit <= 0:
                continue
            base = normalise_asset(contract.baseCoin)
            settle = normalise_asset(contract.settleCoin or contract.quoteCoin)
            instruments.append(
                self.make_instrument(
                    contract.symbol,
                    base,
                    contract.quoteCoin,
                    settle,
                    # Inverse contracts (BTC_USD) settle in the base coin and size in USD.
                    linear=settle != base,
                    # `+ ZERO` spells MEXC's 1E+2 as 100, the same number.
                    contract_size=contract.contractSize + ZERO,
                    tick_size=contract.priceUnit + ZERO,
                    qty_step_contracts=contract.volUnit + ZERO,
                    min_qty_contracts=contract.minVol + ZERO,
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
        frame = _frame_decoder.decode(_unzipped(raw))
        depth = frame.data
        if frame.channel == "push.depth.full":
            if not isinstance(depth, _Depth):
                raise FrameError(f"mexc push.depth.full without a book: {depth!r}")
            instrument = instruments.get(frame.symbol)
            if instrument is None:
                return count_unknown_symbol(state)
            bid, ask = depth.bids.best, depth.asks.best
            if bid is None or ask is None:
                return []
            # `+ ZERO` writes an exponent-form price (7.548E+4) as the plain number it is (75480).
            return [
                build_quote(
                    instrument,
                    bid.price + ZERO,
                    bid.contracts,
                    ask.price + ZERO,
                    ask.contracts,
                    depth.cts or frame.ts,
                    recv_ns,
                )
            ]
        if frame.channel == "rs.error":
            raise FrameError(f"mexc rs.error{_pending_subscription(instruments, state)}: {frame.data}")
        if frame.channel == "rs.sub.depth.full":
            answered = _pending_subscription(instruments, state)
            if frame.data != "success":
                raise FrameError(f"mexc subscription refused{answered}: {frame.data}")
        return []


def _unzipped(raw: str | bytes) -> str | bytes:
    """A frame as text: binary frames, if MEXC sends any, are gzip."""
    if isinstance(raw, bytes) and raw[:2] == _GZIP_MAGIC:
        return zlib.decompress(raw, _GZIP_WBITS)
    return raw


def _pending_subscription(instruments: Mapping[str, Instrument], state: dict | None) -> str:
    """Which of this connection's subscribes a reply answers, counted in `state` (replies name no symbol)."""
    if state is None:
        return ""
    replied = state.get(_REPLIES_KEY, 0)
    if replied >= len(instruments):
        return ""  # every subscribe was answered: this reply is about something else
    state[_REPLIES_KEY] = replied + 1
    return f" (reply to the subscription of {sorted(instruments)[replied]})"
