"""What every exchange's parser does with the same kinds of input: control frames give no quotes,
error frames and anything malformed raise FrameError and nothing else, unknown symbols are
counted, bytes parse like text. Fuzzed from each exchange's documented frames
(feeds/tests/frames/<exchange>.py); what one exchange alone does is in test_<exchange>.py.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import math
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.exchanges import EXCHANGE_IDS, FrameError, get_connector, parse_frame, parse_instruments
from feeds.tests.frames import binance, bitget, bitmex, bybit, coindcx, deribit, gateio, kucoin, mexc, okx, phemex
from feeds.types import MAX_PRICE, MAX_SIZE, MIN_PRICE


@dataclass(frozen=True)
class Numbers:
    """A documented data frame and its best bid's price and size, written exactly as in the frame
    (with their quotes when the exchange sends them as strings), for swapping in absurd numbers."""

    frame: str
    bid_price: str
    bid_size: str


@dataclass(frozen=True)
class Parser:
    instrument_lists: tuple[str, ...]  # bodies of the exchange's instrument endpoint
    unknown_symbol: str  # a data frame for a symbol no one subscribed to
    numbers: Numbers
    quiet: tuple[str | bytes, ...] = ()  # acks, pongs and notices: no quotes, no error
    errors: tuple[tuple[str, str], ...] = ()  # error frames, and what their FrameError says
    # The exchange's side of the heartbeat, among the quiet frames (Binance's and CoinDCX's are
    # WebSocket and Engine.IO pings, below the frames a parser sees).
    heartbeats: tuple[str, ...] = ()


PARSERS = {
    "binance": Parser(
        (binance.EXCHANGE_INFO,),
        binance.UNKNOWN_SYMBOL,
        Numbers(binance.BOOK_TICKER, '"43250.10"', '"3.214"'),
        quiet=(binance.SUBSCRIBE_ACK, binance.LIST_SUBSCRIPTIONS),
        errors=((binance.ERROR, "unknown variant"),),
    ),
    "bybit": Parser(
        (bybit.INSTRUMENTS_PAGE,),
        bybit.UNKNOWN_SYMBOL,
        Numbers(bybit.SNAPSHOT, '"43250.1"', '"3.2"'),
        quiet=(bybit.SUBSCRIBE_ACK, bybit.UNSUBSCRIBE_ACK, bybit.PONG, bybit.PRIVATE_STYLE_PONG),
        errors=((bybit.SUBSCRIBE_REFUSED, r"handler not found,topic:orderbook\.1\.NOPEUSDT"),),
        heartbeats=(bybit.PONG, bybit.PRIVATE_STYLE_PONG),
    ),
    "okx": Parser(
        (okx.INSTRUMENTS,),
        okx.UNKNOWN_INSTRUMENT,
        Numbers(okx.BBO, '"43250.1"', '"256.5"'),
        quiet=(okx.PONG, okx.PONG.encode(), okx.SUBSCRIBE_ACK, okx.UNSUBSCRIBE_ACK, okx.CONN_COUNT),
        errors=(
            (okx.ERROR_UNKNOWN_INSTRUMENT, r"60018: Wrong URL or channel:bbo-tbt,instId:NOPE-USDT-SWAP"),
            (okx.ERROR_INVALID_REQUEST, r"60012: Invalid request"),
        ),
        heartbeats=(okx.PONG,),
    ),
    "kucoin": Parser(
        (kucoin.CONTRACTS_ACTIVE,),
        kucoin.UNKNOWN_SYMBOL,
        Numbers(kucoin.TICKER_V2, '"86454.5"', "5044"),
        quiet=(kucoin.WELCOME, kucoin.ACK, kucoin.PONG, kucoin.OTHER_SUBJECT),
        errors=((kucoin.ERROR_TOPIC, "404: topic does not exist"), (kucoin.ERROR_JSON, "400")),
        heartbeats=(kucoin.PONG,),
    ),
    "deribit": Parser(
        (deribit.GET_INSTRUMENTS,),
        deribit.UNKNOWN_INSTRUMENT,
        Numbers(deribit.QUOTE_LINEAR, "43249.9", "0.1234"),
        quiet=(
            deribit.SUBSCRIBE_REPLY,
            deribit.SET_HEARTBEAT_REPLY,
            deribit.TEST_REPLY,
            deribit.HEARTBEAT,
            deribit.TEST_REQUEST,
        ),
        errors=(
            (deribit.ERROR_INVALID_PARAMS, r"-32602: Invalid params .*must be an array of strings"),
            (deribit.ERROR_RATE_LIMIT, "10028: too_many_requests"),
        ),
        heartbeats=(deribit.HEARTBEAT, deribit.TEST_REQUEST),
    ),
    "bitmex": Parser(
        (bitmex.INSTRUMENT_ACTIVE,),
        bitmex.UNKNOWN_SYMBOL,
        Numbers(bitmex.INSERT, "43250.3", "3214000"),  # XBTUSDT's last row: the one quoted
        quiet=(bitmex.WELCOME, bitmex.SUBSCRIBE_ACK, bitmex.UNSUBSCRIBE_ACK, bitmex.PONG, bitmex.PONG.encode()),
        errors=((bitmex.ERROR, "Unknown table: quotes"),),
        heartbeats=(bitmex.PONG,),
    ),
    "gateio": Parser(
        (gateio.CONTRACTS,),
        gateio.UNKNOWN_SYMBOL,
        Numbers(gateio.BOOK_TICKER, '"43250.1"', '"37000"'),
        quiet=(gateio.SUBSCRIBE_ACK, gateio.UNSUBSCRIBE_ACK, gateio.PONG),
        errors=((gateio.ERROR, "unknown contract NOPE_USDT"),),
        heartbeats=(gateio.PONG,),
    ),
    "mexc": Parser(
        (mexc.CONTRACT_DETAIL,),
        mexc.UNKNOWN_SYMBOL,
        Numbers(mexc.DEPTH_FULL, "43250.1", "31288"),
        quiet=(mexc.SUBSCRIBE_ACK, mexc.UNSUBSCRIBE_ACK, mexc.PONG),
        errors=((mexc.ERROR, "Contract doesn't exist!"), (mexc.REFUSED_ACK, "limit error")),
        heartbeats=(mexc.PONG,),
    ),
    "bitget": Parser(
        (bitget.CONTRACTS_USDT, bitget.CONTRACTS_USDC, bitget.CONTRACTS_COIN),
        bitget.UNKNOWN_SYMBOL,
        Numbers(bitget.BOOKS1, '"43250.1"', '"2.710"'),
        quiet=(bitget.SUBSCRIBE_ACK, bitget.UNSUBSCRIBE_ACK, bitget.PONG, b"pong"),
        errors=(
            (bitget.ERROR, r"30001.*NOPEUSDT doesn't exist"),
            # The code also comes as a string, and without `arg` when the whole request is refused.
            (bitget.ERROR_STRING_CODE, r"30006.*request too many"),
        ),
        heartbeats=(bitget.PONG,),
    ),
    "phemex": Parser(
        (phemex.PRODUCTS,),
        phemex.UNKNOWN_SYMBOL,
        Numbers(phemex.USDT_SNAPSHOT, '"43250.1"', '"1.622"'),
        quiet=(phemex.SUBSCRIBE_ACK, phemex.PONG),
        errors=((phemex.ERROR, "6001: invalid argument"),),
        heartbeats=(phemex.PONG,),
    ),
    # CoinDCX's stream has no acks, pongs or error events.
    "coindcx": Parser(
        (coindcx.ACTIVE_INSTRUMENTS,),
        coindcx.UNKNOWN_SYMBOL,
        # Inside the JSON string `data`, so its quotes are escaped.
        Numbers(coindcx.SNAPSHOT, r"\"43250.1\"", r"\"2.89\""),
    ),
}

# Inputs no exchange sends as a frame.
MALFORMED = ["", "not json", "[1,2,3]", b"\xff\xfe\x00garbage"]


@functools.cache
def instruments_of(exchange_id: str) -> dict:
    return {i.symbol: i for body in PARSERS[exchange_id].instrument_lists for i in parse_instruments(exchange_id, body)}


@functools.cache
def documented_frames(exchange_id: str) -> list[str | bytes]:
    """Every frame in feeds/tests/frames/<exchange>.py: its text and bytes constants but the instrument lists."""
    module: ModuleType = importlib.import_module(f"feeds.tests.frames.{exchange_id}")
    bodies = PARSERS[exchange_id].instrument_lists
    return [
        value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str | bytes) and value not in bodies
    ]


# Every test here runs once per exchange.
pytestmark = pytest.mark.parametrize("exchange_id", EXCHANGE_IDS)


# --- what the documented frames show ------------------------------------------------------------


def test_control_frames_give_no_quotes(exchange_id):
    instruments = instruments_of(exchange_id)
    for frame in PARSERS[exchange_id].quiet:
        assert parse_frame(exchange_id, frame, instruments, {}) == []
        assert parse_frame(exchange_id, frame, instruments, None) == []


def test_heartbeat_frames_are_told_from_the_other_quiet_frames(exchange_id):
    connector, parser = get_connector(exchange_id), PARSERS[exchange_id]
    assert set(parser.heartbeats) <= set(parser.quiet)
    for frame in parser.quiet:
        text = frame if isinstance(frame, str) else frame.decode()
        assert connector.is_heartbeat(text) == connector.is_heartbeat(text.encode()) == (text in parser.heartbeats)
    assert not connector.is_heartbeat(parser.numbers.frame)


def test_error_frames_raise_frame_error_with_the_exchange_message(exchange_id):
    instruments = instruments_of(exchange_id)
    for frame, message in PARSERS[exchange_id].errors:
        with pytest.raises(FrameError, match=message):
            parse_frame(exchange_id, frame, instruments, {})


def test_unknown_symbol_is_counted_not_returned(exchange_id):
    instruments, state = instruments_of(exchange_id), {}
    assert parse_frame(exchange_id, PARSERS[exchange_id].unknown_symbol, instruments, state) == []
    assert parse_frame(exchange_id, PARSERS[exchange_id].unknown_symbol, instruments, state) == []
    assert state["unknown_symbols"] == 2


def test_bytes_frames_parse_like_text(exchange_id):
    """Frame after frame on one connection's state, so deltas meet their snapshots."""
    instruments = instruments_of(exchange_id)
    as_text: dict = {}
    as_bytes: dict = {}
    for frame in documented_frames(exchange_id):
        if isinstance(frame, str):
            assert _outcome(exchange_id, frame.encode(), instruments, as_bytes) == _outcome(
                exchange_id, frame, instruments, as_text
            )


# Prices no market has: past a float's range, not numbers, not positive, or beyond the bounds
# every Quote keeps (feeds.types: 1e-12 <= price < 1e12, 0 <= size < 1e15).
ABSURD_PRICES = ["1e999", "1e-999", "1e12", "1e-13", "NaN", "sNaN", "Infinity", "-Infinity", "-1", "-0", "0"]
ABSURD_SIZES = ["1e999", "1e15", "NaN", "sNaN", "Infinity", "-1", "-0.5"]
# KuCoin documents a zero price as an empty side: no quote, and no error either.
EMPTY_SIDE_PRICES = {"kucoin": {"0", "-0"}}
# Why the frame is refused: by the bounds, or already by a decoder that takes no such Decimal.
REFUSED = r"non-finite|out of range|bad book level|decimal"


def _written_like(value: str, literal: str) -> str:
    """`value` in the place of `literal`: inside the same quotes, or as a JSON number where a
    number stands (a non-number there can only arrive as a string)."""
    quote = literal[: len(literal) - len(literal.lstrip('\\"'))]
    if quote:
        return f"{quote}{value}{quote}"
    return value if value.lstrip("-")[:1].isdigit() else f'"{value}"'


def test_the_documented_quote_frame_gives_a_quote(exchange_id):
    numbers = PARSERS[exchange_id].numbers
    assert numbers.frame.count(numbers.bid_price) == numbers.frame.count(numbers.bid_size) == 1
    quotes = parse_frame(exchange_id, numbers.frame, instruments_of(exchange_id), {})
    assert str(quotes[0].bid) in numbers.bid_price and str(quotes[0].bid_contracts) in numbers.bid_size


@pytest.mark.parametrize("price", ABSURD_PRICES)
def test_an_absurd_price_is_a_bad_frame(exchange_id, price):
    numbers = PARSERS[exchange_id].numbers
    frame = numbers.frame.replace(numbers.bid_price, _written_like(price, numbers.bid_price))
    if price in EMPTY_SIDE_PRICES.get(exchange_id, ()):
        assert parse_frame(exchange_id, frame, instruments_of(exchange_id), {}) == []
        return
    with pytest.raises(FrameError, match=REFUSED):
        parse_frame(exchange_id, frame, instruments_of(exchange_id), {})


@pytest.mark.parametrize("size", ABSURD_SIZES)
def test_an_absurd_size_is_a_bad_frame(exchange_id, size):
    numbers = PARSERS[exchange_id].numbers
    frame = numbers.frame.replace(numbers.bid_size, _written_like(size, numbers.bid_size))
    with pytest.raises(FrameError, match=REFUSED):
        parse_frame(exchange_id, frame, instruments_of(exchange_id), {})


@pytest.mark.parametrize("frame", MALFORMED)
def test_malformed_frames_raise_frame_error(exchange_id, frame):
    with pytest.raises(FrameError):
        parse_frame(exchange_id, frame, instruments_of(exchange_id), {})


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", "{}{", b"[1]"])
def test_unparseable_instrument_list_raises_frame_error(exchange_id, body):
    with pytest.raises(FrameError):
        parse_instruments(exchange_id, body)


def _outcome(exchange_id: str, raw: str | bytes, instruments: dict, state: dict) -> list | str:
    try:
        return parse_frame(exchange_id, raw, instruments, state, recv_ns=1)
    except FrameError as exc:
        return f"FrameError: {exc}"


# --- fuzzing: nothing but FrameError, whatever arrives ------------------------------------------


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_raise_anything_but_frame_error(exchange_id, raw):
    with contextlib.suppress(FrameError):
        _assert_engine_safe(parse_frame(exchange_id, raw, instruments_of(exchange_id), {}))
    get_connector(exchange_id).control_reply(raw)  # never raises either


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_frame_shaped_json_never_raises_anything_but_frame_error(exchange_id, data):
    instruments = instruments_of(exchange_id)
    documented = documented_frames(exchange_id)
    # Some runs start from documented frames (snapshots, rows, replies), so deltas meet real state.
    prelude = data.draw(st.lists(st.sampled_from(documented), max_size=3), label="prelude")
    state: dict | None = {} if data.draw(st.booleans(), label="keeps state") else None
    frame = data.draw(_mutated(exchange_id), label="frame")
    if data.draw(st.booleans(), label="as text"):
        frame = frame.decode()
    for raw in prelude:
        with contextlib.suppress(FrameError):
            _assert_engine_safe(parse_frame(exchange_id, raw, instruments, state))
    with contextlib.suppress(FrameError):
        _assert_engine_safe(parse_frame(exchange_id, frame, instruments, state))
    get_connector(exchange_id).control_reply(frame)


def _assert_engine_safe(quotes: list) -> None:
    """What the engine may be given: numbers inside the Quote bounds, so every float it makes is finite."""
    for quote in quotes:
        numbers = (quote.bid, quote.ask, quote.bid_size, quote.ask_size, quote.bid_contracts, quote.ask_contracts)
        assert all(math.isfinite(float(number)) for number in numbers), quote
        assert MIN_PRICE <= quote.bid < MAX_PRICE and MIN_PRICE <= quote.ask < MAX_PRICE, quote
        assert 0 <= quote.bid_contracts < MAX_SIZE and 0 <= quote.ask_contracts < MAX_SIZE, quote
        assert 0 <= quote.bid_size < MAX_SIZE and 0 <= quote.ask_size < MAX_SIZE, quote


# Words that steer parsers down their branches, whichever exchange uses them.
_WORDS = ["snapshot", "delta", "incremental", "partial", "insert", "update", "delete", "error", "subscribe", "pong"]
_NUMBER_TEXTS = ["", "0", "-1", "1e999", "1E-7", "NaN", "-Infinity", "sNaN", "x", "43250.1"]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.decimals(allow_nan=False),  # JSON numbers as written: 7.548E+4, -0, 1E+999, even Infinity
    st.decimals(allow_nan=False).map(str),
    st.text(max_size=8),
    st.sampled_from(_WORDS + _NUMBER_TEXTS),
)


class _Inner:
    """A JSON document sent inside a string (CoinDCX's `data`): fuzzed as JSON, sent as a string."""

    def __init__(self, value: object) -> None:
        self.value = value


INNER = "<the document inside the string>"  # the path step from an _Inner to its document
# Numbers keep their exact text (a float would turn MEXC's 7.548E+4 into 75480.0).
_decoder = msgspec.json.Decoder(float_hook=Decimal)
_encoder = msgspec.json.Encoder(decimal_format="number", enc_hook=lambda inner: _encoder.encode(inner.value).decode())


def _load(value: object) -> object:
    if isinstance(value, dict):
        return {key: _load(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_load(item) for item in value]
    if isinstance(value, str) and value[:1] in ("{", "["):
        with contextlib.suppress(msgspec.DecodeError):
            return _Inner(_load(_decoder.decode(value)))
    return value


def _nodes(value: object, path: tuple = ()) -> list[tuple[tuple, object]]:
    """Every (path, node) of a loaded frame, the frame itself first."""
    if isinstance(value, _Inner):
        children = [(INNER, value.value)]
    elif isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    else:
        children = []
    return [(path, value)] + [node for step, child in children for node in _nodes(child, (*path, step))]


@functools.cache
def _vocabulary(exchange_id: str) -> tuple[list, list[str], list]:
    """The documented JSON frames, loaded; the keys they use; their scalar values."""
    seeds = []
    for frame in documented_frames(exchange_id):
        with contextlib.suppress(msgspec.DecodeError):
            if isinstance(loaded := _decoder.decode(frame), dict):
                seeds.append(_load(loaded))
    nodes = [node for seed in seeds for node in _nodes(seed)]
    keys = sorted({path[-1] for path, _ in nodes if path and isinstance(path[-1], str) and path[-1] != INNER})
    leaves = [node for _, node in nodes if isinstance(node, str | int | Decimal)]
    return seeds, keys, leaves


@st.composite
def _mutated(draw, exchange_id: str) -> bytes:
    """A documented frame with a few of its nodes replaced, dropped or added to.

    Replacements are scalars, the exchange's own strings and numbers, and the frame's own subtrees
    (a level list where a timestamp belongs), so each parser meets its own vocabulary in wrong places.
    """
    seeds, keys, leaves = _vocabulary(exchange_id)
    root = {"frame": copy.deepcopy(draw(st.sampled_from(seeds)))}
    nodes = _nodes(root["frame"], ("frame",))
    values = st.one_of(
        _SCALARS,
        st.sampled_from(leaves),
        st.sampled_from([node for _, node in nodes]).map(copy.deepcopy),
        st.builds(dict) | st.builds(list),
    )
    # The frame itself comes last: replacing it whole is the least interesting change.
    for path, _ in draw(st.lists(st.sampled_from(nodes[1:] + nodes[:1]), min_size=1, max_size=4)):
        with contextlib.suppress(LookupError, TypeError, AttributeError):  # an earlier change moved it
            parent, step = root, path[-1]
            for parent_step in path[:-1]:
                parent = parent.value if parent_step == INNER else parent[parent_step]
            if step == INNER:
                parent.value = draw(values)
                continue
            action = draw(st.sampled_from(["replace", "drop", "add"]))
            if action == "replace":
                parent[step] = draw(values)
            elif action == "drop":
                del parent[step]
            elif isinstance(node := parent[step], dict):
                node[draw(st.sampled_from(keys))] = draw(values)
            elif isinstance(node, list):
                node.append(draw(values))
    return _encoder.encode(root.get("frame"))
