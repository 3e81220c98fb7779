"""The two value types every station of the tick's road shares: Instrument and Quote.

Pure: no Django, no I/O. msgspec Structs because they are the fastest thing to build on
the hot path and encode themselves compactly for the channel layer.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class FrameError(ValueError):
    """A frame that is an exchange error or cannot be parsed; the only exception a parser raises."""


# The numbers a Quote may carry; a frame with anything else is broken or hostile, never a market.
# The dearest perpetual (BTC, in USD) trades near 1e5 and the cheapest raw listings near 1e-8, so
# prices from 1e-12 up to 1e12 leave four orders of magnitude on either side. Sizes (contracts or
# base units) stay below 1e15: a top of book of 1e15 units of a 1e-9 coin is a million USD. All
# three sit far inside a float's range, so the engine's Decimal -> float never gives inf or 0.0.
MIN_PRICE = Decimal("1e-12")
MAX_PRICE = Decimal("1e12")
MAX_SIZE = Decimal("1e15")


class Instrument(msgspec.Struct, frozen=True):
    exchange: str
    symbol: str  # the exchange's own name, e.g. BTCUSDT, BTC-USDT-SWAP, XBTUSDTM
    instrument: str  # canonical BASE/QUOTE:SETTLE, e.g. BTC/USDT:USDT, BTC/USD:BTC
    base: str
    quote: str
    settle: str
    linear: bool
    # Linear: base units per contract. Inverse: quote-currency (USD) face value per contract.
    contract_size: Decimal
    tick_size: Decimal
    # `1000PEPE` lists 1000 PEPE per unit of base: coin "PEPE", multiplier 1000.
    coin: str = ""
    multiplier: Decimal = Decimal(1)
    # An order's quantity step and minimum as the exchange counts orders (contract_size's unit:
    # coins where contract_size is 1, contracts otherwise). 0: the exchange's list gives none.
    qty_step_contracts: Decimal = Decimal(0)
    min_qty_contracts: Decimal = Decimal(0)

    def size_base(self, contracts: Decimal, price: Decimal) -> Decimal:
        """Contracts as the exchange sent them, in base-currency units."""
        if self.linear:
            return contracts * self.contract_size
        if not price:
            return Decimal(0)
        return contracts * self.contract_size / price

    def order_steps_base(self) -> tuple[Decimal, Decimal]:
        """A linear contract's order size step and smallest order, in base units: what the
        exchange gives, or one contract and no minimum where it gives none."""
        step = self.qty_step_contracts or Decimal(1)
        return step * self.contract_size, self.min_qty_contracts * self.contract_size


class Quote(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """Best bid and ask of one instrument on one exchange, at one moment.

    gc=False: a Quote holds only strings, Decimals and ints, so it can never be part of a
    reference cycle, and leaving it out of the garbage collector makes it cheaper to create."""

    exchange: str
    symbol: str
    instrument: str
    bid: Decimal
    bid_size: Decimal  # base-currency units
    ask: Decimal
    ask_size: Decimal
    bid_contracts: Decimal  # as the exchange sent them
    ask_contracts: Decimal
    ts_ms: int  # exchange time
    recv_ns: int  # local receive time


def canonical_name(base: str, quote: str, settle: str) -> str:
    return f"{base}/{quote}:{settle}"


def normalise_asset(code: str) -> str:
    """Exchange asset codes to one spelling: XBT is BTC, settlement codes are upper case."""
    code = code.upper()
    return "BTC" if code == "XBT" else code


def split_multiplier(base: str) -> tuple[str, Decimal]:
    """`1000PEPE` -> ("PEPE", 1000), `1MBABYDOGE` -> ("BABYDOGE", 1000000), `BTC` -> ("BTC", 1)."""
    for prefix, factor in (("1000000", 10**6), ("1M", 10**6), ("10000", 10**4), ("1000", 10**3), ("100", 100)):
        rest = base[len(prefix) :]
        if base.startswith(prefix) and rest.isalpha():
            return rest, Decimal(factor)
    return base, Decimal(1)


quotes_encoder = msgspec.msgpack.Encoder()
quotes_decoder = msgspec.msgpack.Decoder(list[Quote])


def encode_quotes(quotes: list[Quote]) -> bytes:
    """Quotes as compact bytes for one channel-layer message (Decimals travel as strings)."""
    return quotes_encoder.encode(quotes)


def decode_quotes(payload: bytes) -> list[Quote]:
    return quotes_decoder.decode(payload)
