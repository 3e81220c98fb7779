"""KuCoin Futures, classic socket: tickerV2 (best bid/ask with sizes) behind a connection token.

Docs followed (KuCoin's own, read through the `search` tool; the last two partly through a mirror of
KuCoin's previous docs site):
- https://www.kucoin.com/docs-new/websocket-api/base-info/introduction (token, welcome, ping)
- https://www.kucoin.com/docs-new/3470080w0 (Ticker V2, `/contractMarket/tickerV2:{symbol}`)
- https://www.kucoin.com/docs/websocket/basic-info/apply-connect-token (bullet-public response)
- https://www.kucoin.com/docs/rest/futures-trading/market-data/get-symbols-list (contracts/active)

What was checked against those docs, and where they differ from /work/shared/exchanges.md:
- `POST /api/v1/bullet-public` returns `{"code":"200000","data":{"token":…,"instanceServers":[{"endpoint":…,
  "pingInterval":18000,"pingTimeout":10000,…}]}}`; connect to `{endpoint}?token=…&connectId=…` and wait
  for `{"id":…,"type":"welcome"}`. Matches exchanges.md. The session sends its subscribe messages right
  after the handshake; KuCoin greets on accept, so the welcome is already on its way by then.
- Heartbeat: `{"id":…,"type":"ping"}` every `pingInterval`, answered by `{"id":…,"type":"pong"}`. The docs
  say the server disconnects a client it has not heard *any message* from for a long time; exchanges.md
  says pings are needed even while data streams. Both agree on the remedy: ping at `pingInterval`.
- Heartbeat deadline: the pong must come within the token's `pingTimeout` (10 s), or the connection
  is replaced; 10 s too if a token response ever names none.
- tickerV2 frames: prices are strings, sizes integer lots (JSON numbers), `ts` in nanoseconds. The current
  page says pushes follow book changes that are "not necessarily ask1/bid1 changes" and, a few lines on,
  that they come only when the top of book changes: repeats are possible and are returned (the engine's
  book ignores unchanged quotes). An older copy of the page shows prices as JSON numbers, so prices are
  decoded exactly from either form.
- contracts/active: `tickSize` and `multiplier` are JSON numbers (decoded exactly from their text, never
  through float); perpetuals are `type` `FFWCSX`, dated futures `FFICSX`; only `status` `Open` is kept.
  Inverse contracts (`XBTUSDM`) have `isInverse` true and `multiplier` -1: 1 USD per contract.
- Limits: 100 topics per subscribe message (exchanges.md, and clients quoting KuCoin's docs). The copies
  of KuCoin's docs I could reach name a "number of subscribed topics" limit without giving Futures a
  figure; exchanges.md says Futures has no per-connection cap, while client libraries quote KuCoin's FAQ
  as 300 active subscriptions per connection. Connections are capped at 300, which costs nothing when the
  cap is absent. Tokens, and connections, last 24 h.

An empty book side comes as a zero or missing price or a zero size: such a frame yields no quote for
that symbol (never a half quote).

Funding (polled): the contract list itself, `GET /api/v1/contracts/active`, carries each contract's
`fundingFeeRate` (a JSON number, decoded exactly from its text; null on dated futures), its interval as
`fundingRateGranularity` (ms, e.g. 28800000) and the next funding: one call for all, every 30 s. KuCoin's
own page could not be reached through the `search` tool; the field names and meanings come from copies
of it in client libraries and SDK types, which are unclear in two places:
- Interval: newer copies add `currentFundingRateGranularity` beside `fundingRateGranularity` (and an
  `effectiveFundingRateCycleStartTime`), without saying which is in force today when an interval change
  is scheduled. The current one is read when present (it is what the next funding uses), else
  `fundingRateGranularity`; neither present is a FrameError, never an assumed 8 h.
- Next time: `nextFundingRateDateTime` is the next funding's Unix time (ms); `nextFundingRateTime`,
  which older copies carry alone, is the time *left* until it (ms, e.g. 20022985), counted here from
  the receive time.
The list states no time of its own: records carry the receive time.

Depth: https://www.kucoin.com/docs-new/3470097w0 (Orderbook - Level50), `/contractMarket/level2Depth50:{symbol}`:
the 50 best levels a side whole in every push, none when the book did not change; `data` = `{bids, asks,
sequence, timestamp, ts}` with levels `[price string, size in integer lots]` and no symbol (it is the
topic's). The docs name one symbol per topic, so one subscribe message per symbol (KuCoin's 100 client
messages per 10 s bound how many are added at once); `"type":"unsubscribe"` with the same topic drops it.
Level5 would give five levels; Level50 is decoded as text and only its best DEPTH_LEVELS are converted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal

import msgspec

from feeds.depth import DEPTH_LEVELS, Depth, build_depth
from feeds.exchanges.base import Connector, TokenedEndpoint, batched, build_quote, count_unknown_symbol
from feeds.exchanges.levels import decimal_levels
from feeds.funding import Funding, build_funding, interval_hours_from_ms
from feeds.types import FrameError, Instrument, Quote
from lib import clock

ZERO = Decimal(0)
ONE = Decimal(1)
PERPETUAL_TYPE = "FFWCSX"
TICKER_TOPIC = "/contractMarket/tickerV2:"
DEPTH_TOPIC = "/contractMarket/level2Depth50:"


# gc=False: these never hold reference cycles, and skipping GC tracking is measurably faster.
class _TickerV2(msgspec.Struct, gc=False):
    symbol: str
    bestBidPrice: Decimal | None = None
    bestBidSize: Decimal = ZERO  # integer lots
    bestAskPrice: Decimal | None = None
    bestAskSize: Decimal = ZERO
    ts: int = 0  # nanoseconds


class _Frame(msgspec.Struct, gc=False):
    # welcome, ack, pong, error and message frames share this envelope; only `message` has an object.
    # Fields not named here (id, sn, sequence) are skipped by the decoder.
    type: str = ""
    topic: str = ""
    subject: str = ""
    code: int | str | None = None
    data: _TickerV2 | str | None = None


_frame_decoder = msgspec.json.Decoder(_Frame)


class _Level2(msgspec.Struct, gc=False):
    # Levels stay text (price strings, integer lots) until the best few are converted.
    bids: list[list[str | int]] = []
    asks: list[list[str | int]] = []
    ts: int = 0  # ms
    timestamp: int = 0


class _DepthFrame(_Frame):
    data: _Level2 | str | None = None


_depth_decoder = msgspec.json.Decoder(_DepthFrame)


class _Contract(msgspec.Struct):
    symbol: str
    type: str | None = None
    status: str | None = None
    baseCurrency: str | None = None
    quoteCurrency: str | None = None
    settleCurrency: str | None = None
    multiplier: Decimal | None = None
    isInverse: bool | None = None
    tickSize: Decimal | None = None
    lotSize: Decimal | None = None  # contracts: the order size step, and the smallest order


class _Contracts(msgspec.Struct):
    code: str = ""
    msg: str = ""
    data: list[_Contract] | None = None


_contracts_decoder = msgspec.json.Decoder(_Contracts)


class _ContractFunding(msgspec.Struct):
    symbol: str
    fundingFeeRate: Decimal | None = None
    fundingRateGranularity: int | None = None  # ms
    currentFundingRateGranularity: int | None = None  # ms, newer copies of the docs
    nextFundingRateDateTime: int | None = None  # Unix ms
    nextFundingRateTime: int | None = None  # ms left until the next funding


class _ContractsFunding(msgspec.Struct):
    code: str = ""
    msg: str = ""
    data: list[_ContractFunding] | None = None


_funding_decoder = msgspec.json.Decoder(_ContractsFunding)


class _InstanceServer(msgspec.Struct):
    endpoint: str
    pingInterval: int | None = None  # ms
    pingTimeout: int | None = None  # ms


class _Bullet(msgspec.Struct):
    token: str
    instanceServers: list[_InstanceServer] = []


class _BulletResponse(msgspec.Struct):
    code: str = ""
    msg: str = ""
    data: _Bullet | None = None


_bullet_decoder = msgspec.json.Decoder(_BulletResponse)


class KuCoin(Connector):
    id = "kucoin"
    name = "KuCoin Futures"
    ws_url = "wss://ws-api-futures.kucoin.com/"
    rest_url = "https://api-futures.kucoin.com"
    instruments_paths = ("/api/v1/contracts/active",)
    token_path = "/api/v1/bullet-public"
    max_symbols_per_connection = 300
    max_symbols_per_message = 100
    subscribe_gap_s = 0.12  # 100 client messages per 10 s, pings included
    # Used only if the token response names no pingInterval (it normally says 18000 ms).
    heartbeat_interval_s = 18.0
    heartbeat_timeout_s = 10.0  # likewise for pingTimeout
    heartbeat_marker = '"pong"'
    # Tokens and connections last 24 h: rotate (with a fresh token) before that.
    max_lifetime_s = 23 * 3600

    def ws_url_from_token(self, body: str | bytes, ws_url: str) -> TokenedEndpoint:
        try:
            response = _bullet_decoder.decode(body)
        except msgspec.MsgspecError as exc:
            raise FrameError(f"kucoin: unparseable bullet-public response: {exc}") from exc
        if response.code != "200000" or response.data is None:
            raise FrameError(f"kucoin bullet-public error {response.code}: {response.msg}")
        servers = response.data.instanceServers
        server = servers[0] if servers else _InstanceServer(endpoint=ws_url)
        # connectId is ours to choose; KuCoin echoes it as the welcome frame's id.
        url = f"{server.endpoint}?token={response.data.token}&connectId={uuid.uuid4().hex}"
        return TokenedEndpoint(
            url,
            heartbeat_interval_s=server.pingInterval / 1000 if server.pingInterval else None,
            heartbeat_timeout_s=server.pingTimeout / 1000 if server.pingTimeout else None,
        )

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        return [
            msgspec.json.encode(
                {
                    "id": str(n),
                    "type": "subscribe",
                    "topic": TICKER_TOPIC + ",".join(batch),
                    "privateChannel": False,
                    "response": True,
                }
            ).decode()
            for n, batch in enumerate(batched(symbols, self.max_symbols_per_message), start=1)
        ]

    has_depth = True

    def depth_requests(self, symbols: list[str], op: str) -> list[str]:
        return [
            msgspec.json.encode(
                {"id": f"d{n}", "type": op, "topic": DEPTH_TOPIC + s, "privateChannel": False, "response": True}
            ).decode()
            for n, s in enumerate(symbols, start=1)
        ]

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        frame = _depth_decoder.decode(raw)
        if frame.type == "error":
            raise FrameError(f"kucoin error {frame.code}: {frame.data}")
        if frame.type != "message":
            return []  # welcome, ack, pong, notice
        book = frame.data
        if not (frame.topic.startswith(DEPTH_TOPIC) and isinstance(book, _Level2)):
            raise FrameError(f"kucoin depth frame without a book: {frame.topic}")
        instrument = instruments.get(frame.topic[len(DEPTH_TOPIC) :])
        if instrument is None:
            count_unknown_symbol(state)
            return []
        bids, asks = decimal_levels(book.bids[:DEPTH_LEVELS]), decimal_levels(book.asks[:DEPTH_LEVELS])
        return [build_depth(instrument, bids, asks, book.ts or book.timestamp, recv_ns)]

    def heartbeat_message(self) -> str:
        # The id only has to be unique per connection; KuCoin's own examples use ms timestamps.
        return f'{{"id":"{clock.now_ms()}","type":"ping"}}'

    def funding_paths(self, symbols: list[str]) -> list[str]:
        return list(self.instruments_paths)

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        response = _funding_decoder.decode(bodies[0])
        if response.code != "200000" or response.data is None:
            raise FrameError(f"kucoin contracts error {response.code}: {response.msg}")
        records = []
        for row in response.data:
            instrument = instruments.get(row.symbol)
            if instrument is None or row.fundingFeeRate is None:
                continue
            granularity_ms = row.currentFundingRateGranularity or row.fundingRateGranularity
            if not granularity_ms:
                raise FrameError(f"kucoin {row.symbol}: no funding interval")
            if row.nextFundingRateDateTime:
                next_ms = row.nextFundingRateDateTime
            elif row.nextFundingRateTime is not None:
                next_ms = recv_ms + row.nextFundingRateTime
            else:
                next_ms = 0  # build_funding refuses it
            records.append(
                build_funding(instrument, row.fundingFeeRate, interval_hours_from_ms(granularity_ms), next_ms, recv_ms)
            )
        return records

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        response = _contracts_decoder.decode(body)
        if response.code != "200000" or response.data is None:
            raise FrameError(f"kucoin contracts error {response.code}: {response.msg}")
        instruments = []
        for contract in response.data:
            if contract.type != PERPETUAL_TYPE or contract.status != "Open":
                continue
            if not (contract.baseCurrency and contract.quoteCurrency and contract.settleCurrency):
                continue
            multiplier = contract.multiplier if contract.multiplier is not None else ONE
            instruments.append(
                self.make_instrument(
                    contract.symbol,
                    contract.baseCurrency,
                    contract.quoteCurrency,
                    contract.settleCurrency,
                    linear=not contract.isInverse,
                    # Linear: base units per lot. Inverse: multiplier is -1, i.e. 1 USD per contract.
                    contract_size=abs(multiplier),
                    tick_size=contract.tickSize or ZERO,
                    qty_step_contracts=contract.lotSize or ZERO,
                    min_qty_contracts=contract.lotSize or ZERO,
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
        if frame.type == "message":
            ticker = frame.data
            if frame.subject != "tickerV2":
                return []  # a topic this connector never subscribes to
            if not isinstance(ticker, _TickerV2):
                raise FrameError(f"kucoin tickerV2 frame without ticker data: {frame.topic}")
            instrument = instruments.get(ticker.symbol)
            if instrument is None:
                return count_unknown_symbol(state)
            bid, ask = ticker.bestBidPrice, ticker.bestAskPrice
            if not (bid and ask and ticker.bestBidSize and ticker.bestAskSize):
                return []  # an empty side: no half quotes
            return [
                build_quote(
                    instrument, bid, ticker.bestBidSize, ask, ticker.bestAskSize, ticker.ts // 1_000_000, recv_ns
                )
            ]
        if frame.type == "error":
            raise FrameError(f"kucoin error {frame.code}: {frame.data}")
        return []  # welcome, ack, pong, notice
