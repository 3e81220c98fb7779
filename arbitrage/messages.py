"""The /ws message schemas: one typed definition per message type, used by the sender,
the tests and the docs. Prices travel as decimal strings, exact as the exchange sent them."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from feeds.types import Quote


class QuoteMessage(msgspec.Struct, frozen=True):
    """One exchange's best bid and ask of one instrument, as browsers and bots receive it."""

    exchange: str
    symbol: str
    instrument: str
    bid: Decimal
    bid_size: Decimal  # base-currency units
    ask: Decimal
    ask_size: Decimal
    price: Decimal  # mid, the seed's `price`
    timestamp: int  # exchange time, ms (the seed's name)
    ts_ms: int  # exchange time, ms
    recv_ms: int  # when Arbsite received it, ms

    @classmethod
    def from_quote(cls, quote: Quote) -> QuoteMessage:
        return cls(
            exchange=quote.exchange,
            symbol=quote.symbol,
            instrument=quote.instrument,
            bid=quote.bid,
            bid_size=quote.bid_size,
            ask=quote.ask,
            ask_size=quote.ask_size,
            price=(quote.bid + quote.ask) / 2,
            timestamp=quote.ts_ms,
            ts_ms=quote.ts_ms,
            recv_ms=quote.recv_ns // 1_000_000,
        )


class PriceUpdate(msgspec.Struct, frozen=True, tag="price_update", tag_field="type"):
    """Quotes that changed since the previous update (at most one per instrument and exchange)."""

    seq: int
    data: list[QuoteMessage]


class Snapshot(msgspec.Struct, frozen=True, tag="snapshot", tag_field="type"):
    """Every current quote the connection watches; sent on connect and after (un)subscribe."""

    data: list[QuoteMessage]


class Subscribed(msgspec.Struct, frozen=True, tag="subscribed", tag_field="type"):
    instruments: list[str]  # empty: everything


class Error(msgspec.Struct, frozen=True, tag="error", tag_field="type"):
    error: str


class Subscribe(msgspec.Struct, frozen=True, tag="subscribe", tag_field="type"):
    instruments: list[str]


class Unsubscribe(msgspec.Struct, frozen=True, tag="unsubscribe", tag_field="type"):
    instruments: list[str]


ServerMessage = PriceUpdate | Snapshot | Subscribed | Error
ClientMessage = Subscribe | Unsubscribe

client_message_decoder = msgspec.json.Decoder(ClientMessage)
server_message_decoder = msgspec.json.Decoder(ServerMessage)
encoder = msgspec.json.Encoder()


def quote_fragment(quote: Quote) -> str:
    """A quote's JSON, encoded once by the engine and spliced into every recipient's message."""
    return encoder.encode(QuoteMessage.from_quote(quote)).decode()


def price_update_text(seq: int, fragments: list[str]) -> str:
    # Equal to encoding a PriceUpdate, without decoding and re-encoding each quote per recipient.
    return f'{{"type":"price_update","seq":{seq},"data":[{",".join(fragments)}]}}'
