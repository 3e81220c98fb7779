"""What every exchange connector declares; the I/O that uses it lives once, in feeds/session.py.

A connector is data plus pure functions: where to connect, what to send to subscribe and to
keep the socket alive, and how to turn a frame into quotes. No sockets, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from feeds.depth import Depth
from feeds.funding import Funding
from feeds.types import (
    MAX_PRICE,
    MAX_SIZE,
    MIN_PRICE,
    FrameError,
    Instrument,
    Quote,
    canonical_name,
    normalise_asset,
    split_multiplier,
)

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class Endpoints:
    """Where one exchange is reached: live by default, the simulator in tests and demos."""

    ws_url: str
    rest_url: str


@dataclass(frozen=True)
class Family:
    """Instruments an exchange serves on a socket of their own, on the same host as its others:
    Bybit's inverse perpetuals (`/v5/public/inverse`) beside its linear ones, Gate's BTC-settled
    contracts (`/v4/ws/btc`) beside the USDT-settled; or, live, on hosts of their own (Binance's
    COIN-M perpetuals on dstream and dapi). The exchanges split their sockets by how a contract
    settles, so a family is its linear instruments or its inverse ones."""

    name: str
    ws_path: str  # the socket's path; the scheme and host are the exchange's, live or overridden
    instruments_paths: tuple[str, ...]  # its public instrument list, one or more calls
    linear: bool
    funding_paths: tuple[str, ...] = ()  # one bulk answer for the whole family, parsed by parse_funding
    # Live hosts of the family's own, where it is not on the exchange's (Binance COIN-M). Against a
    # configured URL (ARBSITE_<ID>_*_URL: the simulator) its paths are on that host as any family's.
    live_ws_url: str | None = None
    live_rest_url: str | None = None


@dataclass(frozen=True)
class TokenedEndpoint:
    """Where a connection that needed a token goes, and the heartbeat the exchange asked for with it."""

    ws_url: str
    heartbeat_interval_s: float | None = None
    heartbeat_timeout_s: float | None = None


class Connector:
    id: ClassVar[str]
    name: ClassVar[str]
    ws_url: ClassVar[str]  # live WebSocket URL (with families: the first family's)
    rest_url: ClassVar[str]  # live REST base URL (scheme and host)
    instruments_paths: ClassVar[tuple[str, ...]]  # public instrument list, one or more calls (every family's)
    # Exchanges whose instrument families live on sockets of their own (Family): the runner opens
    # each family's connections at `family_ws_url`. Empty: one socket carries every instrument.
    families: ClassVar[tuple[Family, ...]] = ()
    # Per-connection and per-message subscription limits, from the exchange's docs.
    max_symbols_per_connection: ClassVar[int] = 200
    max_symbols_per_message: ClassVar[int] = 50
    # Where the exchange caps connections per client (Phemex: 5), the most instruments watched
    # are that many connections' worth (feeds/watchlist.py, within_connection_limits).
    max_connections: ClassVar[int | None] = None
    # The least time between two subscribe messages on one connection, where the exchange
    # counts client messages (KuCoin 100 per 10 s, Binance and Bitget 10 a second, pings
    # included; Phemex 20 requests a second).
    subscribe_gap_s: ClassVar[float] = 0.0
    # Client heartbeat: send `heartbeat_message()` (None: a WebSocket ping frame) this often.
    # None when the server pings and the WebSocket library answers.
    heartbeat_interval_s: ClassVar[float | None] = None
    # The heartbeat deadline (feeds/deadlines.py): when the client pings, how long the exchange may
    # take to answer; when it does not, the longest gap between the exchange's own heartbeats.
    # A connection that misses it is replaced. None: only the data watchdog guards it.
    heartbeat_timeout_s: ClassVar[float | None] = None
    # Text in a frame that is the exchange's side of the heartbeat (a pong, a heartbeat message).
    # WebSocket ping and pong frames, and Engine.IO's pings, count without it.
    heartbeat_marker: ClassVar[str | None] = None
    # Reconnect before the server's own connection lifetime runs out.
    max_lifetime_s: ClassVar[float | None] = None
    # Headers sent with the WebSocket handshake (Gate.io asks for decimal sizes this way).
    ws_headers: ClassVar[dict[str, str]] = {}
    # "websocket", or "socketio" for exchanges that speak Socket.IO (CoinDCX).
    transport: ClassVar[str] = "websocket"
    # Exchanges that hand out a connection token first (KuCoin): the session POSTs to
    # rest_url + token_path before every connection and calls `ws_url_from_token`.
    token_path: ClassVar[str | None] = None
    # Funding, polled over REST (feeds/funding_poll.py): every `funding_poll_interval_s`, the GETs
    # `funding_paths()` names, `funding_request_gap_s` apart (per-instrument endpoints stay
    # within their rate limits), parsed together by `parse_funding`. No paths: not covered yet.
    # With families, each family's instruments are polled at its own `Family.funding_paths`.
    funding_poll_interval_s: ClassVar[float] = 30.0
    funding_request_gap_s: ClassVar[float] = 0.0
    # Where `funding_paths()` are served, if not at rest_url (CoinDCX's public.coindcx.com); a
    # configured REST URL (ARBSITE_<ID>_REST_URL: the simulator) serves them too.
    funding_rest_url: ClassVar[str | None] = None
    # Answers that change rarely but the funding needs (CoinDCX states each pair's interval in its
    # instrument details only): the GETs `funding_detail_paths()` names, at rest_url, fetched at
    # the first poll and again every `funding_details_refresh_s`, a failed one at the next poll,
    # and passed to `parse_funding` after the answers to `funding_paths()`, in their order.
    funding_details_refresh_s: ClassVar[float] = 3600.0
    # Depth (feeds/depth.py), on connections of its own so that the top of book never waits
    # behind it: the streams `depth_subscribe_messages` names, parsed by `parse_depth`. They are
    # subscribed on demand, while an instrument has an open or near opportunity, and dropped
    # with `depth_unsubscribe_messages` on the same connection. False: not covered yet.
    has_depth: ClassVar[bool] = False
    # Changes to a depth connection's subscriptions are sent at most this often: exchanges cap
    # subscription requests per connection (Binance 10 messages/s, OKX 480 an hour).
    depth_resubscribe_gap_s: ClassVar[float] = 1.0
    # True where an unsubscribe cannot name a symbol and ends every book on the connection
    # (Phemex): the books still wanted are subscribed again after it.
    depth_unsubscribe_ends_all: ClassVar[bool] = False
    # True where the quote stream already is the exchange's book (CoinDCX's depth-20 channel):
    # no depth connection; the quote connections hand on depth records of the symbols wanted,
    # parsed by `parse_frame_and_depth`.
    depth_in_quote_frames: ClassVar[bool] = False

    def by_family(self, instruments: Mapping[str, Instrument]) -> list[tuple[Family | None, dict[str, Instrument]]]:
        """`instruments` grouped by the socket that carries them, in the families' order; empty
        groups left out. A connector without families has one group, under None."""
        if not self.families:
            return [(None, dict(instruments))] if instruments else []
        groups = []
        for family in self.families:
            members = {symbol: i for symbol, i in instruments.items() if i.linear == family.linear}
            if members:
                groups.append((family, members))
        return groups

    def family_ws_url(self, ws_url: str, family: Family | None) -> str:
        """The socket of `family`, on the host of `ws_url`: the first family's URL as configured
        (live, or ARBSITE_<ID>_WS_URL), its path swapped for the family's. Only the base URL
        differs between the exchange and the simulator, which serves the same paths."""
        if family is None or not self.families or family == self.families[0]:
            return ws_url
        if family.live_ws_url and ws_url == self.ws_url:
            return family.live_ws_url
        return ws_url.removesuffix(self.families[0].ws_path) + family.ws_path

    def family_rest_url(self, rest_url: str, family: Family | None) -> str:
        """Where `family`'s REST paths are asked: its live host where it has one and `rest_url` is
        the exchange's live one; else `rest_url` (the simulator serves every family's paths)."""
        if family is not None and family.live_rest_url and rest_url.rstrip("/") == self.rest_url:
            return family.live_rest_url
        return rest_url

    def instrument_sources(self, rest_url: str) -> list[tuple[str, str]]:
        """(base URL, path) of every call of the instrument list, each family's at its own host."""
        if not self.families:
            return [(rest_url, path) for path in self.instruments_paths]
        return [(self.family_rest_url(rest_url, f), path) for f in self.families for path in f.instruments_paths]

    def ws_url_from_token(self, body: str | bytes, ws_url: str) -> TokenedEndpoint:
        raise NotImplementedError

    def subscribe_messages(self, symbols: list[str]) -> list[str]:
        raise NotImplementedError

    def heartbeat_message(self) -> str | None:
        return None

    def control_reply(self, raw: str | bytes) -> str | None:
        """A message the protocol requires in answer to a control frame (a test request)."""
        return None

    def is_heartbeat(self, raw: str | bytes) -> bool:
        """Whether a frame that gave no quotes is the exchange's side of the heartbeat."""
        marker = self.heartbeat_marker
        if marker is None:
            return False
        return (marker if isinstance(raw, str) else marker.encode()) in raw

    def parse_instruments(self, body: str | bytes) -> list[Instrument]:
        raise NotImplementedError

    def make_instrument(
        self,
        symbol: str,
        base: str,
        quote: str,
        settle: str,
        *,
        linear: bool,
        contract_size: Decimal,
        tick_size: Decimal,
        qty_step_contracts: Decimal = ZERO,
        min_qty_contracts: Decimal = ZERO,
    ) -> Instrument:
        """One of this exchange's instruments, from its own asset codes (XBT, USDt) to the canonical name."""
        base, quote, settle = normalise_asset(base), normalise_asset(quote), normalise_asset(settle)
        coin, multiplier = self.coin_and_multiplier(base)
        return Instrument(
            exchange=self.id,
            symbol=symbol,
            instrument=canonical_name(base, quote, settle),
            base=base,
            quote=quote,
            settle=settle,
            linear=linear,
            contract_size=contract_size,
            tick_size=tick_size,
            coin=coin,
            multiplier=multiplier,
            qty_step_contracts=qty_step_contracts,
            min_qty_contracts=min_qty_contracts,
        )

    def coin_and_multiplier(self, base: str) -> tuple[str, Decimal]:
        """The coin a base asset counts and how many per unit: `1000PEPE` -> ("PEPE", 1000)."""
        return split_multiplier(base)

    def funding_paths(self, symbols: list[str]) -> list[str]:
        """The REST paths whose answers hold the funding of `symbols` (sorted exchange symbols)."""
        return []

    def funding_detail_paths(self, symbols: list[str]) -> list[str]:
        """The REST paths of the rarely changing answers the funding of `symbols` also needs."""
        return []

    def parse_funding(self, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int) -> list[Funding]:
        """The funding records in the answers to `funding_paths()`, in that order; unknown symbols left out."""
        raise NotImplementedError

    def depth_requests(self, symbols: list[str], op: str) -> list[str]:
        """The messages that `op` ("subscribe" or "unsubscribe") the depth streams of `symbols`.
        A connector whose two differ by that word only implements this, and the two below
        follow; one whose unsubscribe is another shape implements those instead."""
        raise NotImplementedError

    def depth_subscribe_messages(self, symbols: list[str]) -> list[str]:
        return self.depth_requests(symbols, "subscribe")

    def depth_unsubscribe_messages(self, symbols: list[str]) -> list[str]:
        """What ends the depth streams of `symbols` on a connection that subscribed them."""
        return self.depth_requests(symbols, "unsubscribe")

    def parse_depth(
        self, raw: str | bytes, instruments: Mapping[str, Instrument], state: dict | None, recv_ns: int
    ) -> list[Depth]:
        """The depth records in one frame of a depth connection; control frames give []."""
        raise NotImplementedError

    def parse_frame_and_depth(
        self,
        raw: str | bytes,
        instruments: Mapping[str, Instrument],
        state: dict | None,
        recv_ns: int,
        depth_symbols: AbstractSet[str],
    ) -> tuple[list[Quote], list[Depth]]:
        """A quote frame's quotes, and the depth records of those of its books in `depth_symbols`
        (exchange symbols), where `depth_in_quote_frames`."""
        raise NotImplementedError

    def next_page_path(self, path: str, body: str | bytes) -> str | None:
        """For instrument lists split over pages (Bybit's cursor): the next page's path, or None."""
        return None

    def parse_frame(
        self,
        raw: str | bytes,
        instruments: Mapping[str, Instrument],
        state: dict | None,
        recv_ns: int,
    ) -> list[Quote]:
        raise NotImplementedError


def batched(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def build_quote(
    instrument: Instrument,
    bid: Decimal,
    bid_contracts: Decimal,
    ask: Decimal,
    ask_contracts: Decimal,
    ts_ms: int,
    recv_ns: int,
) -> Quote:
    """A Quote with sizes in base units; a number no Quote may carry (see feeds.types) is a FrameError."""
    # The cheapest checks on this per-frame path: is_finite/is_signed read flags, and comparisons
    # with Decimal bounds avoid converting ints. Finiteness first: comparing a NaN raises.
    if not (bid.is_finite() and ask.is_finite() and bid_contracts.is_finite() and ask_contracts.is_finite()):
        raise FrameError(f"non-finite number in {instrument.exchange} {instrument.symbol} quote")
    if not (MIN_PRICE <= bid < MAX_PRICE and MIN_PRICE <= ask < MAX_PRICE):
        raise FrameError(f"price out of range in {instrument.exchange} {instrument.symbol} quote: {bid:.6g}/{ask:.6g}")
    if bid_contracts.is_signed() or ask_contracts.is_signed() or bid_contracts >= MAX_SIZE or ask_contracts >= MAX_SIZE:
        raise FrameError(
            f"size out of range in {instrument.exchange} {instrument.symbol} quote: "
            f"{bid_contracts:.6g}/{ask_contracts:.6g}"
        )
    if instrument.linear and instrument.contract_size == ONE:
        bid_size, ask_size = bid_contracts, ask_contracts
    else:
        bid_size = instrument.size_base(bid_contracts, bid)
        ask_size = instrument.size_base(ask_contracts, ask)
        if bid_size >= MAX_SIZE or ask_size >= MAX_SIZE:
            raise FrameError(
                f"size out of range in {instrument.exchange} {instrument.symbol} quote: "
                f"{bid_size:.6g}/{ask_size:.6g} base units"
            )
    return Quote(
        instrument.exchange,
        instrument.symbol,
        instrument.instrument,
        bid,
        bid_size,
        ask,
        ask_size,
        bid_contracts,
        ask_contracts,
        ts_ms,
        recv_ns,
    )


def count_unknown_symbol(state: dict | None) -> list[Quote]:
    """A quote for a symbol the caller did not ask for: counted in `state`, never returned."""
    if state is not None:
        state["unknown_symbols"] = state.get("unknown_symbols", 0) + 1
    return []
