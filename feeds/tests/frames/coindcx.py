"""CoinDCX futures frames: Socket.IO event payloads whose `data` is a JSON string, values made up."""

from __future__ import annotations

import json


def event(name: str, **data: object) -> str:
    """An event payload as the exchange sends it: the depth object JSON-encoded inside `data`."""
    return json.dumps({"event": name, "data": json.dumps(data)})


SNAPSHOT = event(
    "depth-snapshot",
    ts=1700000000511,
    vs=220547642,
    asks={"43250.3": "1.2", "43250.2": "0.548", "43251": "3"},  # unsorted, as on the wire
    bids={"43249.9": "0.5", "43250.1": "2.89"},
    s="BTCUSDT",
    pr="futures",
)
# The best ask is taken out, a better bid arrives; vs follows on.
UPDATE = event(
    "depth-update",
    ts=1700000000611,
    vs=220547643,
    asks={"43250.2": "0"},
    bids={"43250.15": "0.25"},
    s="BTCUSDT",
    pr="futures",
)
UPDATE_AFTER_GAP = event(
    "depth-update", ts=1700000000711, vs=220547650, asks={"43250.3": "7"}, bids={}, s="BTCUSDT", pr="futures"
)
NEXT_SNAPSHOT = event(
    "depth-snapshot",
    ts=1700000000811,
    vs=220547651,
    asks={"43252.0": "1"},
    bids={"43251.5": "2"},
    s="BTCUSDT",
    pr="futures",
)
# Every bid removed: the book has an empty side.
BIDS_GONE = event(
    "depth-update",
    ts=1700000000711,
    vs=220547644,
    asks={},
    bids={"43249.9": "0", "43250.1": "0", "43250.15": "0"},
    s="BTCUSDT",
    pr="futures",
)
EMPTY_SIDE_SNAPSHOT = event("depth-snapshot", ts=1700000000511, vs=1, asks={}, bids={"1.5": "2"}, s="BTCUSDT")
UNKNOWN_SYMBOL = SNAPSHOT.replace("BTCUSDT", "NOPEUSDT")
MULTIPLIED_BASE_SNAPSHOT = event(
    "depth-snapshot", ts=1700000000511, vs=5, asks={"0.01236": "1000"}, bids={"0.01235": "2000"}, s="1000SHIBUSDT"
)

ACTIVE_INSTRUMENTS = '["B-BTC_USDT","B-ETH_USDT","B-1000SHIB_USDT","B-BTC_USDT_260925","KC-BTC_USDT"]'

INSTRUMENT_DETAIL = """{"instrument":{"settle_currency_short_name":"USDT","quote_currency_short_name":"USDT",
 "position_currency_short_name":"ETH","underlying_currency_short_name":"ETH","status":"active","pair":"B-ETH_USDT",
 "kind":"perpetual","settlement":"never","max_leverage_long":20.0,"unit_contract_value":1.0,"price_increment":0.01,
 "quantity_increment":0.001,"min_quantity":0.001,"is_inverse":false,"is_quanto":false,"expiry_time":2548162800000}}"""
INACTIVE_DETAIL = INSTRUMENT_DETAIL.replace('"status":"active"', '"status":"inactive"')
DATED_DETAIL = INSTRUMENT_DETAIL.replace('"kind":"perpetual"', '"kind":"future"')

# The whole depth-20 book of ETH, levels shuffled as the maps arrive: bids 2300.00 down to 2299.81,
# asks 2300.01 up to 2300.20, each level's size its number of cents from the mid, in ETH.
ETH_BOOK_20 = event(
    "depth-snapshot",
    ts=1700000001000,
    vs=77,
    bids={
        f"{2300 - n / 100:.2f}": f"{n + 1}"
        for n in (7, 0, 19, 3, 12, 1, 5, 18, 9, 2, 14, 4, 6, 8, 10, 11, 13, 15, 16, 17)
    },
    asks={
        f"{2300.01 + n / 100:.2f}": f"{n + 1}"
        for n in (19, 2, 0, 11, 4, 7, 1, 3, 5, 6, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18)
    },
    s="ETHUSDT",
    pr="futures",
)

# "Get Current Prices RT" (public.coindcx.com/market_data/v3/current_prices/futures/rt) as the docs
# print it, numbers and all; BTC added beside the docs' two pairs.
CURRENT_PRICES = b"""{"ts": 1720429586580, "vs": 54009972, "prices": {
 "B-NTRN_USDT": {"fr": 5e-05, "h": 0.4027, "l": 0.3525, "v": 18568384.9349, "ls": 0.4012, "pc": 4.834,
  "mkt": "NTRNUSDT", "btST": 1720429583629, "ctRT": 1720429584517, "skw": -207, "mp": 0.40114525,
  "efr": 5e-05, "bmST": 1720429586000, "cmRT": 1720429586117},
 "B-1000SHIB_USDT": {"fr": -0.00011894, "h": 0.017099, "l": 0.014712, "v": 358042914.374195, "ls": 0.016909,
  "pc": 2.578, "mkt": "1000SHIBUSDT", "btST": 1720429586359, "ctRT": 1720429586517, "skw": -207,
  "mp": 0.01691261, "efr": -9.115e-05, "bmST": 1720429586000, "cmRT": 1720429586117},
 "B-BTC_USDT": {"fr": 0.0001, "ls": 57010.5, "mkt": "BTCUSDT", "mp": 57012.1, "efr": 0.00009}}}"""


def funding_detail(pair: str, base: str, funding_frequency: object) -> bytes:
    """An instrument-details answer as the docs print it (fields the funding does not read left out)."""
    return (
        '{"instrument":{"settle_currency_short_name":"USDT","quote_currency_short_name":"USDT",'
        f'"position_currency_short_name":"{base}","underlying_currency_short_name":"{base}","status":"active",'
        f'"pair":"{pair}","kind":"perpetual","settlement":"never","unit_contract_value":1.0,"price_increment":0.01,'
        f'"funding_frequency":{funding_frequency},"max_notional":320000.0,"expiry_time":2548162800000,'
        '"exit_only":false,"margin_currency_short_name":"USDT"}}'
    ).encode()


INVALID_PAIR = b'{"code":422,"message":"Invalid pair","status":"error"}'
