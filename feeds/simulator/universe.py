"""The simulated market's long tail: generated coins beyond the majors, and which exchange lists
which of them, as on the real venues where the broad ones (Binance, Bybit, Gate.io, MEXC,
Bitget) list hundreds of perpetuals and the narrow ones (BitMEX, CoinDCX) a few dozen, and
Deribit a handful.

Everything here follows from the seed: the same seed lists the same coins on the same exchanges
at the same prices. The names are made of letters only (no leading digits a connector would
read as a multiplier, like 1000PEPE), four or five long, and never a real coin's ticker: the
majors and the best-known coins are kept out (RESERVED), and so is every name that a symbol
format could misread (ending in USD, USDT, USDC or PERP, or XBT, BitMEX's and KuCoin's BTC).
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

from feeds.simulator.market import Coin

# The share of the generated coins each exchange lists, of the top-ranked ones nearly all and
# fewer further down (see `_listing_chance`). Deribit lists only DERIBIT_LISTED of them: in
# reality it has a handful of linear perpetuals.
LISTING_REACH = {
    "binance": 0.85,
    "bybit": 0.9,
    "okx": 0.6,
    "kucoin": 0.7,
    "deribit": 0.0,
    "bitmex": 0.1,
    "gateio": 0.95,
    "mexc": 0.9,
    "bitget": 0.85,
    "phemex": 0.5,
    "coindcx": 0.2,
}
DERIBIT_LISTED = 3
MIN_EXCHANGES = 2  # a coin on one exchange alone could never be arbitraged: none is listed so
# The longest a generated coin's books stay unchanged, in market steps (2 s at the simulator's
# 100 ms): within the engine's quote age limit (ARBSITE_QUOTE_MAX_AGE_MS, 5 s), so that a quiet
# book is not taken for a dead feed, and a new subscription hears of its book soon.
MAX_QUIET_STEPS = 20

RESERVED = frozenset(
    [
        "BTC",
        "ETH",
        "SOL",
        "XRP",
        "DOGE",
        "BNB",
        "ADA",
        "LINK",
        "XBT",
        "USDT",
        "USDC",
        "USD",
        "PERP",
        "AVAX",
        "DOT",
        "TRX",
        "TON",
        "SHIB",
        "LTC",
        "BCH",
        "NEAR",
        "MATIC",
        "POL",
        "UNI",
        "APT",
        "ARB",
        "OP",
        "SUI",
        "SEI",
        "TIA",
        "INJ",
        "ATOM",
        "FIL",
        "ETC",
        "XLM",
        "HBAR",
        "ICP",
        "VET",
        "ALGO",
        "AAVE",
        "MKR",
        "SAND",
        "MANA",
        "AXS",
        "GALA",
        "APE",
        "PEPE",
        "WIF",
        "BONK",
        "FLOKI",
        "JUP",
        "PYTH",
        "RNDR",
        "RENDER",
        "FET",
        "AGIX",
        "OCEAN",
        "GRT",
        "IMX",
        "STX",
        "RUNE",
        "KAVA",
        "EGLD",
        "FTM",
        "ORDI",
        "SATS",
        "WLD",
        "BLUR",
        "LDO",
        "CRV",
        "SNX",
        "COMP",
        "YFI",
        "SUSHI",
        "ZEC",
        "DASH",
        "XMR",
        "EOS",
        "NEO",
        "IOTA",
        "THETA",
        "CHZ",
        "ENJ",
        "FLOW",
        "KAS",
        "TAO",
        "ENA",
        "ONDO",
        "JASMY",
        "NOT",
        "HYPE",
        "TRUMP",
        "BERA",
        "MOVE",
        "VIRTUAL",
        "PENGU",
    ]
)
_CONSONANTS = "BCDFGHJKLMNPRSTVWXZ"
_VOWELS = "AEIOUY"
_MISREAD_ENDINGS = ("USD", "USDT", "USDC", "PERP", "XBT")


def _name(rng: random.Random) -> str:
    letters = [rng.choice(_CONSONANTS), rng.choice(_VOWELS), rng.choice(_CONSONANTS), rng.choice(_CONSONANTS)]
    if rng.random() < 0.4:
        letters.insert(2, rng.choice(_VOWELS))
    return "".join(letters)


def _listing_chance(reach: float, rank_fraction: float) -> float:
    """The top-ranked coin is listed nearly everywhere; lower down, only the broad exchanges list."""
    return reach ** (0.3 + 2 * rank_fraction) if reach > 0 else 0.0


class Universe:
    def __init__(self, count: int, seed: int | None) -> None:
        self.coins: tuple[Coin, ...] = _generate(count, seed)
        # (exchange, coin) listings, the same whichever exchanges are simulated.
        self.listings: dict[str, tuple[str, ...]] = _listings(self.coins, seed)
        self._listed_on: dict[str, tuple[str, ...]] = {}
        for exchange, names in self.listings.items():
            for name in names:
                self._listed_on[name] = (*self._listed_on.get(name, ()), exchange)
        # Each coin's chance of moving in a step: the first ranks as active as a major on one step
        # in two, the last about one step in twenty-five (real books of small coins change seldom).
        self.activity = [(coin.name, 0.5 / (1 + 12 * rank / max(count, 1))) for rank, coin in enumerate(self.coins)]
        self.last_moved: dict[str, int] = {}
        self.max_quiet_steps = MAX_QUIET_STEPS
        self.rng = random.Random(f"universe-steps:{seed}")

    def listed(self, exchange: str) -> tuple[str, ...]:
        return self.listings.get(exchange, ())

    def listed_on(self, name: str, exchanges: list[str]) -> list[str]:
        """Which of `exchanges` list the coin."""
        return [exchange for exchange in self._listed_on.get(name, ()) if exchange in exchanges]


def _generate(count: int, seed: int | None) -> tuple[Coin, ...]:
    """`count` coins, by rank: prices log-uniform from 0.0001 to 5,000, a tick of about a
    hundredth of a basis point of the price (five significant digits), and a top of book worth
    from about $30,000 for the first ranks to $1,000 for the last."""
    rng = random.Random(f"universe:{seed}")
    names: set[str] = set()
    coins = []
    while len(coins) < count:
        name = _name(rng)
        if name in names or name in RESERVED or name.endswith(_MISREAD_ENDINGS):
            continue
        names.add(name)
        price = 10 ** rng.uniform(-4, math.log10(5000))
        tick = Decimal(10) ** (math.floor(math.log10(price)) - 4)
        start = Decimal(repr(price)).quantize(tick)
        notional_usd = 30_000 * (1 / 30) ** (len(coins) / max(count, 1)) * rng.uniform(0.5, 1.5)
        size = float(f"{notional_usd / price:.3g}")
        coins.append(Coin(name, start, tick, size))
    return tuple(coins)


def _listings(coins: tuple[Coin, ...], seed: int | None) -> dict[str, tuple[str, ...]]:
    rng = random.Random(f"listings:{seed}")
    listed: dict[str, list[str]] = {exchange: [] for exchange in LISTING_REACH}
    broadest = sorted(LISTING_REACH, key=LISTING_REACH.get, reverse=True)
    for rank, coin in enumerate(coins):
        fraction = rank / max(len(coins), 1)
        venues = [e for e, reach in LISTING_REACH.items() if rng.random() < _listing_chance(reach, fraction)]
        if rank < DERIBIT_LISTED:
            venues.append("deribit")
        for exchange in broadest:
            if len(venues) >= MIN_EXCHANGES:
                break
            if exchange not in venues:
                venues.append(exchange)
        for exchange in venues:
            listed[exchange].append(coin.name)
    return {exchange: tuple(names) for exchange, names in listed.items()}
