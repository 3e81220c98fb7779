"""OKX v5 perpetual swaps (USDT, USDC and inverse USD): the `bbo-tbt` channel.

Docs followed:
- https://www.okx.com/docs-v5/en/#overview-websocket (connect, limits, ping/pong, notice)
- https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
- https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments

Checked against stored copies of those pages (through the search tool), in agreement with
/work/shared/exchanges.md unless said otherwise:
- `bbo-tbt` is a one-level snapshot every 10 ms when the top changed, no `action` field;
  a level is [price, size in contracts, deprecated "0", order count], all strings; `ts` is
  ms as a string. Every frame is complete, so no state is kept; a frame with an empty side
  gives nothing for that instrument rather than a half quote.
- Heartbeat: the connection breaks when nothing was pushed for 30 s (close 4004 "No data
  received in 30s"); clients send the text `ping` more often than that and get `pong`.
- Limits: 3 connections per second per IP, 480 subscribe/unsubscribe/login requests per
  connection per hour, 64 KB per request. The docs give no channel count per connection
  for bbo-tbt (close 4008/4009 exist without a number): 200 per connection, all in one
  request (about 10 KB) keeps far inside both limits.
- `64008` notice ~60 s before a service upgrade. The parser returns [] but records it in the
  connection's `state` as `reconnect_requested` and logs a warning; the session then
  reconnects at once, without backoff (a close-then-open rotation: a gap of one handshake).
- Instruments: SWAP rows carry no baseCcy/quoteCcy; the coins come from `instFamily`
  (`BTC-USDT`, inverse `BTC-USD`), settlement from `settleCcy`. Base units per contract
  are ctVal × ctMult for linear (ctValCcy = the base), USD face value for inverse
  (ctValCcy = USD). Kept: state `live`, `ruleType` `normal`, `instCategory` "1" (crypto),
  as exchanges.md lists them (the stored OKX page predates the last two fields; rows
  without them are kept). Not in exchanges.md nor in the stored OKX pages, but in a
  client library's notes: USD-margined swaps (`BTC-USD_UM-SWAP`, family `BTC-USD_UM`,
  settled in a basket of USD stablecoins). A family whose parts are not plain coin codes
  has no canonical name and is left out, which covers them.
- REST host: exchanges.md says current docs name `openapi.okx.com`; the stored pages do not
  show a host, so the `www.okx.com` exchanges.md gives as answering is kept.
- The docs call `ts` the order book's generation time (exchanges.md: push time); either way
  it is ms and becomes `ts_ms`.
- Heartbeat deadline: the docs ask for a reconnect when no `pong` follows a `ping` within
  N s, N < 30 of the client's choosing: pings every 20 s, and 10 s for the pong.

Funding (polled): https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate
- `GET /api/v5/public/funding-rate?instId=…`, one instrument per call, rate-limited per IP and
  instrument (so many instruments may be asked one after another; 50 ms apart here). `fundingRate`
  is the rate of the coming settlement at `fundingTime`; `nextFundingTime` is the one after, so
  the instrument's interval is their difference (OKX moves some swaps to 4 h, 2 h or 1 h and
  says so only through these times). All strings; `ts` ms. The same record comes on the
  `funding-rate` socket channel (every 30–90 s); polling keeps the quote sockets as they are.

Depth: the same order book page, `books5`: the top 5 levels whole (a snapshot, no `action`),
pushed every 100 ms when they changed and again about once a minute when they did not; levels
as bbo-tbt's, sizes in contracts. On connections of their own, subscribed and unsubscribed with
`{"op":"subscribe"|"unsubscribe","args":[{"channel":"books5","instId":…}]}` (one ack per arg,
`"event":"unsubscribe"` for a drop). Five levels, not ten: `books` and `books50-l2-tbt` are
incremental (400 levels kept per symbol) or reserved for VIP5+, for five more levels a walk
rarely reaches at the sizes one top level offers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal

import msgspec

from feeds.depth import Depth, build_depth
from feeds.exchanges.base import Connector, batched, build_quote, count_unknown_symbol
from feeds.exchanges.levels import decimal_levels
from feeds.funding import Funding, build_funding, interval_hours_from_ms
from feeds.types import FrameError, Instrument, Quote, normalise_asset

logger = logging.getLogger(__name__)

CHANNEL = "bbo-tbt"
DEPTH_CHANNEL = "books5"
SERVICE_UPGRADE_NOTICE = "64008"


class _Arg(msgspec.Struct):
    channel: str = ""
    instId: str = ""


class _Book(msgspec.Struct):
    # Levels as strings: two Decimal() calls per level beat msgspec's Decimal decoding here,
    # and the deprecated field and order count are never converted.
    asks: list[list[str]] = []
    bids: list[list[str]] = []
    ts: str | int = "0"  # ms; a string in the docs, a number accepted too


class _Frame(msgspec.Struct):
    arg: _Arg | None = None
    data: list[_Book] = []
    # Acks, errors and notices: {"id":..,"event":..,"code":..,"msg":..,"connId":..}
    event: str | None = None
    code: str = ""
    msg: str = ""


_frame_decoder = msgspec.json.Decoder(_Frame)


class _Row(msgspec.Struct):
    instId: str
    instType: str = ""
    instFamily: str = ""
    uly: str = ""
    settleCcy: str = ""
    # Numbers stay strings until a row is kept: other instrument types send "" here.
    ctVal: str = ""
    ctMult: str = ""
    ctValCcy: str = ""
    ctType: str = ""
    tickSz: str = ""
    lotSz: str = ""  # order size step and minimum, in contracts
    minSz: str = ""
    state: str = ""
    ruleType: str = ""
    instCategory: str = ""


class _InstrumentsBody(msgspec.Struct):
    code: str = "0"
    msg: str = ""
    data: list[_Row] = []


_instruments_decoder = msgspec.json.Decoder(_InstrumentsBody)


class _FundingRow(msgspec.Struct):
    instId: str
    fundingRate: str = ""
    fundingTime: str = ""
    nextFundingTime: str = ""
    ts: str = ""


class _FundingBody(msgspec.Struct):
    code: str = "0"
    msg: str = ""
    data: list[_FundingRow] = []


_funding_decoder = msgspec.json.Decoder(_FundingBody)


class OKX(Connector):
    id = "okx"
    name = "OKX"
    ws_url = "wss://ws.okx.com:8443/ws/v5/public"
    rest_url = "https://www.okx.com"
    instruments_paths = ("/api/v5/public/instruments?instType=SWAP",)
    max_symbols_per_connection = 200
    # 480 subscribe requests per connection per hour: one request carries them all.
    max_symbols_per_message = 200
    # The server drops a connection after 30 s without traffic; ping well inside that.
    heartbeat_interval_s = 20.0
    heartbeat_timeout_s = 10.0
    heartbeat_marker = "pong"
    max_lifetime_s = None
    has_depth = True
    # 480 subscribe/unsubscribe requests per connection an hour: one change every 7.5 s at most.
    depth_resubscribe_gap_s = 7.5

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return self._requests(symbols, CHANNEL)

    def depth_requests(self, symbols: list[str], op: str) -> list[str]:
        return self._requests(symbols, DEPTH_CHANNEL, op=op)

    def _requests(self, symbols: list[str], channel: str, op: str = "subscribe") -> list[str]:
        return [
            msgspec.json.encode(
                {"id": str(n), "op": op, "args": [{"channel": channel, "instId": s} for s in batch]}
            ).decode()
            for n, batch in enumerate(batched(symbols, self.max_symbols_per_message), start=1)
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        if raw == "pong" or raw == b"pong":
            return []
        frame = _frame_decoder.decode(raw)
        if not frame.data:
            return _control(frame, state)
        if frame.arg is None or frame.arg.channel != DEPTH_CHANNEL:
            raise FrameError(f"okx depth frame from {frame.arg.channel if frame.arg else 'no channel'}")
        instrument = instruments.get(frame.arg.instId)
        if instrument is None:
            count_unknown_symbol(state)
            return []
        return [
            build_depth(instrument, decimal_levels(book.bids), decimal_levels(book.asks), int(book.ts), recv_ns)
            for book in frame.data
        ]

    def heartbeat_message(self) -> str:
        return "ping"

    funding_request_gap_s = 0.05

    def funding_paths(self, symbols: list[str]) -> list[str]:
        return [f"/api/v5/public/funding-rate?instId={symbol}" for symbol in symbols]

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        records = []
        for body in bodies:
            decoded = _funding_decoder.decode(body)
            if decoded.code != "0":
                raise FrameError(f"okx error {decoded.code}: {decoded.msg}")
            for row in decoded.data:
                instrument = instruments.get(row.instId)
                if instrument is None:
                    continue
                funding_ms, next_ms = int(row.fundingTime), int(row.nextFundingTime)
                interval_h = interval_hours_from_ms(next_ms - funding_ms)
                rate = Decimal(row.fundingRate)
                records.append(build_funding(instrument, rate, interval_h, funding_ms, int(row.ts or recv_ms)))
        return records

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        decoded = _instruments_decoder.decode(body)
        if decoded.code != "0":
            raise FrameError(f"okx instrument list error {decoded.code}: {decoded.msg}")
        instruments = []
        for row in decoded.data:
            if (
                row.instType != "SWAP"
                or row.state != "live"
                or row.ruleType not in ("", "normal")
                or row.instCategory not in ("", "1")
            ):
                continue
            base, _, quote = (row.instFamily or row.uly).partition("-")
            if not (base.isalnum() and quote.isalnum()):
                continue  # BTC-USD_UM: settled in a stablecoin basket, no canonical name
            base, quote = normalise_asset(base), normalise_asset(quote)
            value_ccy = normalise_asset(row.ctValCcy)
            if row.ctType == "linear" and value_ccy == base:
                linear = True
            elif row.ctType == "inverse" and value_ccy == quote:
                linear = False
            else:
                continue  # a contract valued in neither coin cannot be sized
            instruments.append(
                self.make_instrument(
                    row.instId,
                    base,
                    quote,
                    row.settleCcy,
                    linear=linear,
                    # Linear: base units per contract; inverse: USD face value per contract.
                    contract_size=Decimal(row.ctVal) * Decimal(row.ctMult or 1),
                    tick_size=Decimal(row.tickSz),
                    qty_step_contracts=Decimal(row.lotSz or 0),
                    min_qty_contracts=Decimal(row.minSz or 0),
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
        if raw == "pong" or raw == b"pong":  # the answer to our text heartbeat
            return []
        frame = _frame_decoder.decode(raw)
        if frame.data:
            if frame.arg is None:
                raise FrameError("okx data frame without arg")
            instrument = instruments.get(frame.arg.instId)
            if instrument is None:
                return count_unknown_symbol(state)
            quotes = []
            for book in frame.data:
                if not (book.bids and book.asks):
                    continue  # one side empty: no half quote
                bid, ask = book.bids[0], book.asks[0]
                quotes.append(
                    build_quote(
                        instrument,
                        Decimal(bid[0]),
                        Decimal(bid[1]),
                        Decimal(ask[0]),
                        Decimal(ask[1]),
                        int(book.ts),
                        recv_ns,
                    )
                )
            return quotes
        return _control(frame, state)


def _control(frame: _Frame, state: dict | None) -> list:
    """A frame without data: acks give [], errors raise, a 64008 notice asks for a reconnect."""
    if frame.event == "error":
        raise FrameError(f"okx error {frame.code}: {frame.msg}")
    if frame.event == "notice":
        if frame.code == SERVICE_UPGRADE_NOTICE and state is not None:
            state["reconnect_requested"] = frame.msg
        logger.warning("okx notice %s: %s", frame.code, frame.msg)
    return []
