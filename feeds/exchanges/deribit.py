"""Deribit: JSON-RPC 2.0 over WebSocket, `quote.<instrument>` (best bid/ask with amounts).

Docs followed (Deribit's own, read through the `search` tool):
- https://docs.deribit.com/subscriptions/market-data/quoteinstrument_name (quote channel)
- https://docs.deribit.com/articles/notifications (notification envelope)
- https://docs.deribit.com/api-reference/session-management/public-set_heartbeat and
  https://docs.deribit.com/api-reference/supporting/public-test (heartbeat and test_request)
- https://docs.deribit.com/api-reference/market-data/public-get_instruments (instrument list)
- https://docs.deribit.com/articles/connection-management-best-practices (32 connections per IP)

What was checked against those docs, and where they differ from /work/shared/exchanges.md:
- Subscribe with `public/subscribe`; the reply's `result` lists the channels actually subscribed (an
  unknown instrument is left out, not refused). Matches exchanges.md.
- Quote notifications: `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"quote.X","data":
  {"timestamp":ms,"instrument_name":…,"best_bid_price":…,"best_bid_amount":…,…}}}` with JSON numbers,
  decoded exactly from their text (never through float). Matches.
- Amounts: the docs' schema says "for perpetual and inverse futures the amount is in USD units; for
  options and linear futures it is the underlying base currency coin" — written before the linear USDC
  perpetuals; exchanges.md's reading (inverse perps in USD, linear USDC perps in base coin) is the one
  that fits both, and is what this module does. So each amount unit is one "contract" here: an inverse
  instrument's contract_size is 1 USD and a linear one's 1 base unit, whatever Deribit's own
  `contract_size` (10 USD for BTC-PERPETUAL; the minimum order step) says.
- `public/set_heartbeat` takes an interval of at least 10 s; the server then sends `heartbeat`
  notifications with `params.type` `heartbeat` or `test_request`, and closes the connection at once if a
  test_request is not answered with a `public/test` request. exchanges.md agrees.
- Heartbeat deadline: the client does not ping; Deribit's `heartbeat` messages (either type) must
  come every 15 s as asked, and 30 s (two intervals) without one replaces the connection.
- get_instruments entries carry `state` (`open`) besides `is_active`; `instrument_type` (`reversed` or
  `linear`) replaces the deprecated `future_type`, which is still read as a fallback. The docs give the
  endpoint a sustained rate of 1 request/s; one `currency=any` call covers everything.
- Limits: subscribe requests are credit-limited (about 3.3/s sustained, bursts of 10) and at most 32
  connections per IP; no per-message or per-connection channel count is documented, so 100 channels per
  message and 500 per connection are our own bounds, keeping the connection count low.

A `null` price or a zero amount means that side of the book is empty: such a frame yields no quote
for that instrument (never a half quote).

Funding (polled): https://docs.deribit.com/api-reference/market-data/public-get_book_summary_by_currency
- `GET /api/v2/public/get_book_summary_by_currency?currency=any&kind=future`: every future in one
  call; perpetuals carry `funding_8h` (the funding of the last 8 h as a fraction) and
  `current_funding`; `creation_timestamp` ms. Deribit has no funding interval: funding accrues
  continuously and its own history (`get_funding_rate_history`) reports it hour by hour
  (`interest_1h`). So a Deribit perpetual is modelled as paying `funding_8h` / 8 every hour, at
  the next full hour: within an hour of continuous accrual over any holding period.

Depth: https://docs.deribit.com/subscriptions/orderbook/bookinstrument_namegroupdepthinterval
- `book.<instrument>.none.10.100ms`: the top 10 levels ungrouped (`none`; depth 1, 10 or 20),
  whole in every notification, `data` `{"timestamp","instrument_name","change_id","bids":
  [[price, amount]],"asks":[…]}` best first, amounts in the quote channel's units. `raw` is for
  authorised users only; 100 ms is the fastest public interval. Subscribed like the quotes, with
  `public/set_heartbeat` first (a depth connection needs Deribit's heartbeats too; sending it
  again on a connection that has it only restarts the interval); dropped with `public/unsubscribe`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import Connector, batched, build_quote, count_unknown_symbol
from feeds.funding import HOUR_MS, Funding, build_funding
from feeds.types import FrameError, Instrument, Quote

ZERO = Decimal(0)
ONE = Decimal(1)
# Half the default 30 s stall watchdog, so a quiet but healthy socket still shows frames in time.
HEARTBEAT_INTERVAL_S = 15
HEARTBEAT_REQUEST_ID = 1
TEST_REQUEST_ID = 9
# Sent in answer to a test_request; the id is ours to choose and only echoed back.
TEST_REPLY = f'{{"jsonrpc":"2.0","id":{TEST_REQUEST_ID},"method":"public/test","params":{{}}}}'
QUOTE_CHANNEL = "quote.{}"
DEPTH_CHANNEL = f"book.{{}}.none.{DEPTH_LEVELS}.100ms"


# gc=False: these never hold reference cycles, and skipping GC tracking is measurably faster.
class _QuoteData(msgspec.Struct, gc=False):
    instrument_name: str
    timestamp: int = 0  # ms
    best_bid_price: Decimal | None = None
    best_bid_amount: Decimal | None = None
    best_ask_price: Decimal | None = None
    best_ask_amount: Decimal | None = None


class _Params(msgspec.Struct, gc=False):
    # `subscription` notifications carry channel + data; `heartbeat` notifications carry type.
    channel: str = ""
    data: _QuoteData | None = None
    type: str = ""


class _RpcError(msgspec.Struct, gc=False):
    code: int | None = None
    message: str = ""
    data: msgspec.Raw = msgspec.Raw()


class _Frame(msgspec.Struct, gc=False):
    # Notifications have method + params, replies id + result or error. `result` ("ok", a channel
    # list, {"version": …}), `id` and the usIn/usOut timings are never needed: the decoder skips them.
    method: str | None = None
    params: _Params | None = None
    error: _RpcError | None = None


_frame_decoder = msgspec.json.Decoder(_Frame)


class _Heartbeat(msgspec.Struct):
    method: str | None = None
    params: _Params | None = None


_heartbeat_decoder = msgspec.json.Decoder(_Heartbeat)


class _BookData(msgspec.Struct, gc=False):
    instrument_name: str
    timestamp: int = 0  # ms
    bids: list[tuple[Decimal, Decimal]] = []  # [price, amount], best first
    asks: list[tuple[Decimal, Decimal]] = []


class _BookParams(msgspec.Struct, gc=False):
    channel: str = ""
    data: _BookData | None = None


class _BookFrame(msgspec.Struct, gc=False):
    method: str | None = None
    params: _BookParams | None = None
    error: _RpcError | None = None


_book_decoder = msgspec.json.Decoder(_BookFrame)


class _Instrument(msgspec.Struct):
    instrument_name: str
    kind: str | None = None
    settlement_period: str | None = None
    is_active: bool | None = None
    state: str | None = None
    instrument_type: str | None = None
    future_type: str | None = None
    base_currency: str | None = None
    quote_currency: str | None = None
    settlement_currency: str | None = None
    tick_size: Decimal | None = None
    # Deribit's own contract_size is the amount step (USD inverse, base coin linear).
    contract_size: Decimal | None = None
    min_trade_amount: Decimal | None = None


class _Instruments(msgspec.Struct):
    result: list[_Instrument] | None = None
    error: _RpcError | None = None


_instruments_decoder = msgspec.json.Decoder(_Instruments)


class _Summary(msgspec.Struct):
    instrument_name: str
    funding_8h: Decimal | None = None
    creation_timestamp: int = 0


class _Summaries(msgspec.Struct):
    result: list[_Summary] | None = None
    error: _RpcError | None = None


_summaries_decoder = msgspec.json.Decoder(_Summaries)
EIGHT = Decimal(8)


def _request(request_id: int, method: str, params: dict) -> str:
    return msgspec.json.encode({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}).decode()


def _error_text(error: _RpcError) -> str:
    detail = f" ({bytes(error.data).decode(errors='replace')})" if error.data else ""
    return f"deribit error {error.code}: {error.message}{detail}"


class Deribit(Connector):
    id = "deribit"
    name = "Deribit"
    ws_url = "wss://www.deribit.com/ws/api/v2"
    rest_url = "https://www.deribit.com"
    instruments_paths = ("/api/v2/public/get_instruments?currency=any&kind=future",)
    max_symbols_per_connection = 500
    max_symbols_per_message = 100
    # Deribit sends the heartbeats (after public/set_heartbeat); the client only answers test_requests.
    heartbeat_interval_s = None
    heartbeat_timeout_s = 2.0 * HEARTBEAT_INTERVAL_S
    heartbeat_marker = '"heartbeat"'

    has_depth = True

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return [self._set_heartbeat(), *self._channels("public/subscribe", QUOTE_CHANNEL, symbols)]

    def depth_subscribe_messages(self, symbols: list[str]) -> list[str]:
        return [self._set_heartbeat(), *self._channels("public/subscribe", DEPTH_CHANNEL, symbols)]

    def depth_unsubscribe_messages(self, symbols: list[str]) -> list[str]:
        return self._channels("public/unsubscribe", DEPTH_CHANNEL, symbols)

    @staticmethod
    def _set_heartbeat() -> str:
        params = {"interval": HEARTBEAT_INTERVAL_S}
        return _request(HEARTBEAT_REQUEST_ID, "public/set_heartbeat", params)

    def _channels(self, method: str, channel: str, symbols: list[str]) -> list[str]:
        return [
            _request(n, method, {"channels": [channel.format(symbol) for symbol in batch]})
            for n, batch in enumerate(batched(symbols, self.max_symbols_per_message), start=HEARTBEAT_REQUEST_ID + 1)
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        frame = _book_decoder.decode(raw)
        params = frame.params
        if frame.method == "subscription" and params is not None and params.channel.startswith("book."):
            data = params.data
            if data is None:
                raise FrameError(f"deribit notification without data on {params.channel!r}")
            instrument = instruments.get(data.instrument_name)
            if instrument is None:
                count_unknown_symbol(state)
                return []
            return [build_depth(instrument, data.bids, data.asks, data.timestamp, recv_ns)]
        if frame.error is not None:
            raise FrameError(_error_text(frame.error))
        return []  # replies, heartbeats

    def funding_paths(self, symbols: list[str]) -> list[str]:
        return ["/api/v2/public/get_book_summary_by_currency?currency=any&kind=future"]

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        response = _summaries_decoder.decode(bodies[0])
        if response.error is not None:
            raise FrameError(_error_text(response.error))
        records = []
        for row in response.result or []:
            instrument = instruments.get(row.instrument_name)
            if instrument is None or row.funding_8h is None:
                continue
            ts_ms = row.creation_timestamp or recv_ms
            next_hour_ms = (ts_ms // HOUR_MS + 1) * HOUR_MS
            records.append(build_funding(instrument, row.funding_8h / EIGHT, 1, next_hour_ms, ts_ms))
        return records

    def control_reply(self, raw: str | bytes) -> str | None:
        # Called for every frame without quotes: a substring test keeps acks and pongs cheap.
        if ("test_request" if isinstance(raw, str) else b"test_request") not in raw:
            return None
        try:
            frame = _heartbeat_decoder.decode(raw)
        except msgspec.MsgspecError:
            return None  # parse_frame has already counted it as a bad frame
        if frame.method == "heartbeat" and frame.params is not None and frame.params.type == "test_request":
            return TEST_REPLY
        return None

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        response = _instruments_decoder.decode(body)
        if response.error is not None:
            raise FrameError(_error_text(response.error))
        if response.result is None:
            raise FrameError("deribit: get_instruments response without result")
        instruments = []
        for item in response.result:
            if item.kind != "future" or item.settlement_period != "perpetual" or not item.is_active:
                continue
            if item.state not in (None, "open"):
                continue
            if not (item.base_currency and item.quote_currency and item.settlement_currency):
                continue
            instruments.append(
                self.make_instrument(
                    item.instrument_name,
                    item.base_currency,
                    item.quote_currency,
                    item.settlement_currency,
                    linear=(item.instrument_type or item.future_type) == "linear",
                    # Amounts arrive in USD (inverse) or base coin (linear): one unit per "contract".
                    contract_size=ONE,
                    tick_size=item.tick_size or ZERO,
                    qty_step_contracts=item.contract_size or ZERO,
                    min_qty_contracts=item.min_trade_amount or ZERO,
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
        params = frame.params
        if frame.method == "subscription" and params is not None:
            data = params.data
            if data is None:
                raise FrameError(f"deribit notification without data on {params.channel!r}")
            instrument = instruments.get(data.instrument_name)
            if instrument is None:
                return count_unknown_symbol(state)
            bid, bid_amount = data.best_bid_price, data.best_bid_amount
            ask, ask_amount = data.best_ask_price, data.best_ask_amount
            if bid is None or ask is None or not (bid_amount and ask_amount):
                return []  # an empty side: no half quotes (a zero price is no empty side: build_quote refuses it)
            return [build_quote(instrument, bid, bid_amount, ask, ask_amount, data.timestamp, recv_ns)]
        if frame.error is not None:
            raise FrameError(_error_text(frame.error))
        return []  # subscribe/set_heartbeat/test replies, heartbeat notifications
