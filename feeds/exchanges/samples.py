"""One typical data frame and instrument-list body per exchange, in the documented shapes:
what the benchmark parses, and a quick way to see what each exchange sends."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    name: str
    frame: str | bytes
    instruments_body: str | bytes


SAMPLES: dict[str, Sample] = {
    "binance": Sample(
        "bookTicker",
        '{"e":"bookTicker","u":400900217,"s":"BTCUSDT","b":"43250.10","B":"3.214","a":"43250.20","A":"1.002",'
        '"T":1700000000123,"E":1700000000125}',
        '{"symbols":[{"symbol":"BTCUSDT","contractType":"PERPETUAL","status":"TRADING","baseAsset":"BTC",'
        '"quoteAsset":"USDT","marginAsset":"USDT","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.10"}]}]}',
    ),
}
