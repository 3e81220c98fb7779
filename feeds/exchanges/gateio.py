"""Gate.io USDT-settled and BTC-settled perpetual futures: the `futures.book_ticker` channel.

Docs followed: https://www.gate.com/docs/developers/futures/ws/en/ (Futures WebSocket v4) and
https://www.gate.com/docs/developers/apiv4/en/#list-all-futures-contracts (contract list);
the size-field change: Gate's announcement "Changes to Futures Size-Related Field Types"
(2025-12-18).

Checked against Gate's own docs through the docs search:
- URL `wss://fx-ws.gateio.ws/v4/ws/usdt`. Requests are `{"time","id","channel","event",
  "payload"}`; replies echo `id` and carry `error` (null or `{code, message}`) and `result`
  (`{"status":"success"}` for a subscription). Error codes: 1 invalid argument struct,
  2 invalid argument, 3 service error, 4 authentication fail.
- Book ticker: `result` = `{t, u, s, b, B, a, A}`; `t` ms; `b`/`a` price strings, empty string
  when that side has no orders (size then 0); `u` is the order book update id (the table
  calls it String, the example shows a number: both are accepted). Frames whose `u` is lower
  than one already seen on this connection are older news and are dropped.
- Sizes: with the handshake header `X-Gate-Size-Decimal: 1` they are decimal strings;
  without it they are integers truncated toward zero, wrong for `enable_decimal` contracts.
  The header is sent; sizes are still parsed as "number or string".
- Heartbeat: the docs say the server sends protocol-level pings and disconnects a client
  that does not answer (the WebSocket library does); the application-level
  `{"time":…,"channel":"futures.ping"}` → `futures.pong` is optional and sent every 10 s
  so a silent market still shows the connection alive.
- Heartbeat deadline: the docs give none for `futures.pong`; 10 s, one ping interval, after
  which the connection is replaced.
- Contract list `GET /api/v4/futures/usdt/contracts`: `name` (`BTC_USDT`), `type` (`direct`),
  `quanto_multiplier` (base units per contract), `order_price_round` (tick), `status`
  (`prelaunch`, `trading`, `delisting`, `delisted`, `circuit_breaker`), `in_delisting`, and
  `contract_type` (`stocks`, `metals`, `indices`, `forex`, `commodities`… for TradFi
  contracts; empty for crypto). Only `trading`, not delisting, crypto contracts are kept.
  `order_size_min` (contracts) is the smallest order; sizes are whole contracts unless
  `enable_decimal`.
  The path lists perpetuals only (dated futures live under /delivery).

Not in the docs, from exchanges.md: one unknown contract fails the whole subscribe request,
so symbols are filtered against the contract list (the runner does) and batched 100 per
message. The docs give no per-connection limit; 500 per connection is this module's choice.
exchanges.md omits `contract_type`; the docs list it, so stock/metal contracts are filtered.

Empty side: a frame with `b` or `a` empty yields no quote for that symbol (never a half quote).

BTC-settled: the inverse `BTC_USD` (BTC/USD:BTC) lives on another socket (`/v4/ws/btc`) and
another list (`GET /api/v4/futures/btc/contracts`, the same fields): two families (base.Family),
each with its socket, list and funding answer; channels, frames and heartbeat are the same.
Its `type` is `inverse` and its `quanto_multiplier` "0": Gate's API maintainers say that then
one contract is always 1 USD (gateio/gateapi-python#137), so sizes are USD contracts and base
units = contracts ÷ price. A `direct` contract on the BTC path would be a quanto one (priced in
USD, settled in BTC): neither linear nor inverse, left out as BitMEX's are.
The futures API settles in `usdt` and `btc` only, so there is no USDC perpetual to serve.

Funding (polled): the contract list itself, `GET /api/v4/futures/{usdt,btc}/contracts`, carries each
contract's `funding_rate` (string), `funding_interval` (seconds) and `funding_next_apply` (Unix
seconds): one call per family, every 30 s. It states no time of its own: records carry the
receive time.

Depth: the same page's order book channels, on a connection per family (`/v4/ws/btc` serves
them for `BTC_USD` as `/v4/ws/usdt` does for its contracts). `futures.order_book` with payload
`[contract, "10", "0"]` (limit 10 of 100/50/20/10/5/1, interval "0" the only one) pushes the
top levels whole (`"event":"all"`, `result` = `{t, contract, id, asks, bids, l}`, levels
`{"p": price, "s": contracts}`, sizes decimal strings under the same header), one contract per
request, dropped by `unsubscribe` with the same payload. Older copies of the page also describe
`"event":"update"` frames of single changed levels on this channel; the current one does not,
and every `all` frame is whole, so they are ignored. `futures.obu` (50 or 400 levels, deltas
with ids to keep in order) and `futures.order_book_update` (a REST snapshot to start from) would
mean keeping books per symbol for the ten levels a walk needs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import ONE, Connector, Family, batched, build_quote, count_unknown_symbol
from feeds.funding import Funding, build_funding, interval_hours_from_ms
from feeds.types import FrameError, Instrument, Quote

CHANNEL = "futures.book_ticker"
DEPTH_CHANNEL = "futures.order_book"
DEPTH_PAYLOAD = (str(DEPTH_LEVELS), "0")  # limit, interval (price merging: none)
_STATE_KEY = "gateio_update_ids"
_CRYPTO_CONTRACT_TYPES = ("", "crypto")


class _BookTicker(msgspec.Struct):
    # Also the shape of an ack's result ({"status": "success"}), hence every field optional.
    s: str = ""
    t: int = 0
    u: int | str = 0
    # Prices stay strings: an empty side is `"b": ""`, which no Decimal field accepts (and
    # msgspec's Decimal decoding measured no faster than Decimal(str) here).
    b: str = ""
    B: Decimal = Decimal(0)  # a number, or a decimal string with X-Gate-Size-Decimal
    a: str = ""
    A: Decimal = Decimal(0)


class _Error(msgspec.Struct):
    code: int | None = None
    message: str = ""


class _Frame(msgspec.Struct):
    channel: str = ""
    event: str = ""
    time_ms: int = 0
    error: _Error | None = None
    result: _BookTicker | None = None


_frame_decoder = msgspec.json.Decoder(_Frame)


class _Level(msgspec.Struct, gc=False):
    p: Decimal
    s: Decimal  # contracts: a decimal string under X-Gate-Size-Decimal, else a number


class _OrderBook(msgspec.Struct, gc=False):
    # Also the shape of an ack's result ({"status": "success"}), hence every field optional.
    t: int = 0
    contract: str = ""
    asks: list[_Level] = []
    bids: list[_Level] = []


class _DepthFrame(msgspec.Struct):
    channel: str = ""
    event: str = ""
    time_ms: int = 0
    error: _Error | None = None
    result: _OrderBook | list | None = None  # a list: the single-level `update` frames of old


_depth_decoder = msgspec.json.Decoder(_DepthFrame)


class _Contract(msgspec.Struct):
    name: str
    type: str = ""
    quanto_multiplier: Decimal | None = None
    order_price_round: Decimal | None = None
    status: str = ""
    in_delisting: bool = False
    contract_type: str | None = ""
    order_size_min: Decimal | None = None  # contracts
    enable_decimal: bool = False


_contracts_decoder = msgspec.json.Decoder(list[_Contract])


class _ContractFunding(msgspec.Struct):
    name: str
    funding_rate: str = ""
    funding_interval: int = 0
    funding_next_apply: float = 0


_funding_decoder = msgspec.json.Decoder(list[_ContractFunding])


class Gateio(Connector):
    id = "gateio"
    name = "Gate.io"
    families = (
        Family(
            "usdt",
            "/v4/ws/usdt",
            ("/api/v4/futures/usdt/contracts",),
            linear=True,
            funding_paths=("/api/v4/futures/usdt/contracts",),
        ),
        Family(
            "btc",
            "/v4/ws/btc",
            ("/api/v4/futures/btc/contracts",),
            linear=False,
            funding_paths=("/api/v4/futures/btc/contracts",),
        ),
    )
    ws_url = "wss://fx-ws.gateio.ws" + families[0].ws_path
    rest_url = "https://api.gateio.ws"
    instruments_paths = tuple(path for family in families for path in family.instruments_paths)
    max_symbols_per_connection = 500
    # One unknown contract fails the whole request: small batches limit the damage.
    max_symbols_per_message = 100
    heartbeat_interval_s = 10.0
    heartbeat_timeout_s = 10.0
    heartbeat_marker = '"futures.pong"'
    ws_headers = {"X-Gate-Size-Decimal": "1"}
    has_depth = True

    def depth_requests(self, symbols: list[str], op: str) -> list[str]:
        # One contract per request: the payload is [contract, limit, interval].
        now_s = int(time.time())
        return [
            msgspec.json.encode(
                {"time": now_s, "id": n, "channel": DEPTH_CHANNEL, "event": op, "payload": [s, *DEPTH_PAYLOAD]}
            ).decode()
            for n, s in enumerate(symbols, start=1)
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        frame = _depth_decoder.decode(raw)
        if frame.error is not None:
            raise FrameError(f"gateio error {frame.error.code} on {frame.channel} {frame.event}: {frame.error.message}")
        book = frame.result
        if frame.event != "all" or frame.channel != DEPTH_CHANNEL or not isinstance(book, _OrderBook):
            return []  # acks, futures.pong, the old single-level updates
        instrument = instruments.get(book.contract)
        if instrument is None:
            count_unknown_symbol(state)
            return []
        bids = [(level.p, level.s) for level in book.bids]
        asks = [(level.p, level.s) for level in book.asks]
        return [build_depth(instrument, bids, asks, book.t or frame.time_ms, recv_ns)]

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        now_s = int(time.time())
        return [
            msgspec.json.encode(
                {"time": now_s, "id": n, "channel": CHANNEL, "event": "subscribe", "payload": batch}
            ).decode()
            for n, batch in enumerate(batched(symbols, self.max_symbols_per_message), start=1)
        ]

    def heartbeat_message(self) -> str | None:
        return msgspec.json.encode({"time": int(time.time()), "channel": "futures.ping"}).decode()

    def funding_paths(self, symbols: list[str]) -> list[str]:
        # The runner polls each family at its own paths; without a family, the USDT-settled one.
        return list(self.families[0].funding_paths)

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        records = []
        for row in _funding_decoder.decode(bodies[0]):
            instrument = instruments.get(row.name)
            if instrument is None or not row.funding_rate:
                continue
            interval_h = interval_hours_from_ms(row.funding_interval * 1000)
            next_ms = round(row.funding_next_apply * 1000)
            records.append(build_funding(instrument, Decimal(row.funding_rate), interval_h, next_ms, recv_ms))
        return records

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        instruments = []
        for contract in _contracts_decoder.decode(body):
            if (
                contract.status != "trading"
                or contract.in_delisting
                or (contract.contract_type or "") not in _CRYPTO_CONTRACT_TYPES
            ):
                continue
            base_code, _, quote_code = contract.name.partition("_")
            if not base_code or not quote_code:
                continue
            # The bodies do not name their settle currency (the path does): a `direct` contract
            # quoted in USDT is on the USDT path, an `inverse` one settles in its base coin.
            if contract.type == "direct" and quote_code == "USDT" and contract.quanto_multiplier:
                linear, settle, contract_size = True, "USDT", contract.quanto_multiplier
            elif contract.type == "inverse":
                linear, settle, contract_size = False, base_code, ONE  # 1 USD a contract
            else:
                continue  # quanto, or a contract that cannot be sized
            instruments.append(
                self.make_instrument(
                    contract.name,
                    base_code,
                    quote_code,
                    settle,
                    linear=linear,
                    contract_size=contract_size,
                    tick_size=contract.order_price_round or Decimal(0),
                    # Whole contracts, unless the contract takes decimal sizes: then its
                    # minimum is also the step (0.001 where the list shows it).
                    qty_step_contracts=(contract.order_size_min or ONE) if contract.enable_decimal else ONE,
                    min_qty_contracts=contract.order_size_min or Decimal(0),
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
        if frame.error is not None:
            raise FrameError(f"gateio error {frame.error.code} on {frame.channel} {frame.event}: {frame.error.message}")
        ticker = frame.result
        if frame.event != "update" or frame.channel != CHANNEL or ticker is None:
            return []  # subscribe/unsubscribe acks, futures.pong
        instrument = instruments.get(ticker.s)
        if instrument is None:
            return count_unknown_symbol(state)
        update_id = int(ticker.u)
        if state is not None:
            seen = state.setdefault(_STATE_KEY, {})
            if update_id < seen.get(ticker.s, 0):
                return []  # an older book than one already delivered
            seen[ticker.s] = update_id
        if not ticker.b or not ticker.a:
            return []  # an empty side: no quote rather than half a quote
        bid, ask = Decimal(ticker.b), Decimal(ticker.a)
        return [build_quote(instrument, bid, ticker.B, ask, ticker.A, ticker.t or frame.time_ms, recv_ns)]
