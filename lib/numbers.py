"""How the pages write numbers: prices at their instrument's tick precision with thousands
separators, sizes in coin units rounded down to the lot (four significant digits where the lot
is not known), spreads in % and bps with fixed
decimals, money with its currency, durations in words. static/js/format.js writes them the
same way for what arrives over /ws. Pure: no Django. The API keeps exact decimal strings."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

MAX_DECIMALS = 8
PCT_DECIMALS = 3
BPS_DECIMALS = 1
MONEY_DECIMALS = 2
SIZE_SIGNIFICANT = 4


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def tick_decimals(tick_size: object) -> int | None:
    """0.1 -> 1, 0.0001 -> 4, 5 -> 0; None for no tick (some listings say 0)."""
    tick = _decimal(tick_size)
    if tick is None or tick <= 0:
        return None
    return min(max(-tick.normalize().as_tuple().exponent, 0), MAX_DECIMALS)


def plain(number: Decimal) -> Decimal:
    """Its trailing zeros dropped, never in exponent form: 2315.200000 -> 2315.2, 1E+4 -> 10000."""
    number = number.normalize()
    return number.quantize(Decimal(1)) if number.as_tuple().exponent > 0 else number


def _fixed(number: Decimal, decimals: int) -> str:
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00"
    return f"{rounded:,.{decimals}f}"


def format_price(value: object, decimals: int | None = None) -> str:
    """`decimals` from the instrument's tick; without one, the value's own digits (at most 8)."""
    number = _decimal(value)
    if number is None:
        return ""
    if decimals is None:
        exponent = number.normalize().as_tuple().exponent
        decimals = min(max(-exponent, 0), MAX_DECIMALS) if isinstance(exponent, int) else 0
    return _fixed(number, decimals)


def size_decimals(number: Decimal) -> int:
    """Enough decimals for four significant digits, none for sizes of 1,000 and more."""
    if number == 0:
        return 0
    integer_digits = number.copy_abs().adjusted() + 1
    return min(max(SIZE_SIGNIFICANT - integer_digits, 0), MAX_DECIMALS)


def format_size(value: object, coin: str = "", decimals: int | None = None) -> str:
    """Coin units, no trailing zeros. With `decimals` (the lot's, `tick_decimals` of it) rounded
    down to the lot, what could be traded: 8.06612, 3 -> "8.066 ETH". Without, four significant
    digits: 0.01234567 -> "0.01235 BTC", 12345.678 -> "12,346 BTC"."""
    number = _decimal(value)
    if number is None:
        return ""
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)
        text = _fixed(number, decimals)
    else:
        text = _fixed(number, size_decimals(number))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {coin}".strip()


def format_pct(value: object, decimals: int = PCT_DECIMALS) -> str:
    number = _decimal(value)
    return "" if number is None else f"{_fixed(number, decimals)} %"


def format_bps(pct: object) -> str:
    """A percentage in basis points: 0.1234 % -> "12.3 bps"."""
    number = _decimal(pct)
    return "" if number is None else f"{_fixed(number * 100, BPS_DECIMALS)} bps"


def format_money(value: object, currency: str = "") -> str:
    number = _decimal(value)
    return "" if number is None else f"{_fixed(number, MONEY_DECIMALS)} {currency}".strip()


def format_duration(ms: object) -> str:
    """850 ms, 4.2 s, 3 min 12 s, 2 h 5 min, 3 d 4 h."""
    number = _decimal(ms)
    if number is None:
        return ""
    ms_int = max(int(number), 0)
    if ms_int < 1000:
        return f"{ms_int} ms"
    if ms_int < 60_000:
        return f"{ms_int // 100 / 10:.1f} s"
    s = ms_int // 1000
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def quote_currency(instrument: str) -> str:
    """BTC/USDT:USDT -> USDT."""
    return instrument.partition("/")[2].partition(":")[0]


def coin_of_group(group: str) -> str:
    """BTC/USD -> BTC."""
    return group.partition("/")[0]
