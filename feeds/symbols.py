"""What a caller means by a symbol or an exchange name, resolved to Arbsite's own names.

A symbol may be given
- canonically, `BTC/USDT:USDT` (percent-encoded in a URL: `BTC%2FUSDT%3AUSDT`);
- in the URL-safe canonical form, `BTC-USDT-USDT` (BASE-QUOTE-SETTLE);
- in any exchange's own form, `BTCUSDT`, `BTC-USDT-SWAP`, `BTC_USDT`, `XBTUSDTM`, which the
  instrument lists map to their canonical name (several exchanges may share one).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from feeds.models import Exchange, Instrument

_CANONICAL = re.compile(r"^[A-Za-z0-9]{1,32}/[A-Za-z0-9]{1,16}:[A-Za-z0-9]{1,16}$")
_URL_SAFE = re.compile(r"^([A-Za-z0-9]{1,32})-([A-Za-z0-9]{1,16})-([A-Za-z0-9]{1,16})$")
FORMS_HELP = (
    "give a canonical name (BTC/USDT:USDT, or BTC-USDT-USDT in URLs) "
    "or an exchange's own symbol (BTCUSDT, BTC-USDT-SWAP, BTC_USDT, XBTUSDTM)"
)


class UnknownSymbol(LookupError):
    pass


class UnknownExchange(LookupError):
    pass


def is_canonical(name: str) -> bool:
    """Well-formed BASE/QUOTE:SETTLE, known or not."""
    return bool(_CANONICAL.match(name))


def canonical_form(text: str) -> str | None:
    """`BTC/USDT:USDT` or `BTC-USDT-USDT` -> `BTC/USDT:USDT`, known or not; None for anything else."""
    text = text.strip()
    if is_canonical(text):
        return text
    if match := _URL_SAFE.match(text):
        return "{}/{}:{}".format(*match.groups())
    return None


def url_safe(instrument: str) -> str:
    """`BTC/USDT:USDT` -> `BTC-USDT-USDT`."""
    return instrument.replace("/", "-").replace(":", "-")


def _known(candidate: str, known: Collection[str]) -> bool:
    return candidate in known or Instrument.objects.filter(instrument=candidate).exists()


def resolve_symbol(text: str, known: Collection[str] = ()) -> str:
    """The canonical instrument `text` names; UnknownSymbol saying why when none.

    `known`: canonical names known beyond the instrument lists (e.g. the ones quoted now).
    """
    text = text.strip()
    if not text or len(text) > 64 or not text.isprintable():
        raise UnknownSymbol(f"unknown symbol {text[:64]!r}: {FORMS_HELP}")
    for candidate in (text, text.upper()):
        if is_canonical(candidate) and _known(candidate, known):
            return candidate
    if match := _URL_SAFE.match(text):
        for candidate in ("{}/{}:{}".format(*match.groups()), "{}/{}:{}".format(*match.groups()).upper()):
            if _known(candidate, known):
                return candidate
    listed = sorted(set(Instrument.objects.filter(symbol__iexact=text).values_list("instrument", flat=True)))
    if len(listed) == 1:
        return listed[0]
    if len(listed) > 1:
        raise UnknownSymbol(f"symbol {text!r} names several instruments ({', '.join(listed)}): give the canonical name")
    raise UnknownSymbol(f"unknown symbol {text!r}: {FORMS_HELP}")


def known_exchange_ids() -> list[str]:
    return list(Exchange.objects.order_by("id").values_list("id", flat=True))


def resolve_exchange(text: str) -> str:
    """The exchange id `text` names (case-insensitive); UnknownExchange listing the known ones."""
    exchange_id = text.strip().lower()
    known = known_exchange_ids()
    if exchange_id not in known:
        raise UnknownExchange(f"unknown exchange {text!r}; known: {', '.join(known)}")
    return exchange_id
