"""The /api/prices body spliced from cached quote JSON is byte for byte what DRF renders."""

from __future__ import annotations

import json

import msgspec
from rest_framework.renderers import JSONRenderer

from arbitrage.messages import QuoteMessage
from arbitrage.prices_document import PricesDocument
from arbitrage.tests.factories import make_quote

TIMESTAMP = "2026-12-03T23:00:00.123456Z"


def fragment(exchange: str, instrument: str, bid: str = "100.1") -> str:
    quote = make_quote(exchange, instrument=instrument, bid=bid, ask="100.2")
    return msgspec.json.encode(QuoteMessage.from_quote(quote)).decode()


ROWS = {
    "BTC/USDT:USDT": {"okx": fragment("okx", "BTC/USDT:USDT"), "binance": fragment("binance", "BTC/USDT:USDT")},
    "ETH/USDT:USDT": {"bybit": fragment("bybit", "ETH/USDT:USDT", "2300.5")},
    "SOL/USDT:USDT": {"binance": fragment("binance", "SOL/USDT:USDT", "150")},
}


def drf_body(prices: dict, count: int) -> bytes:
    """What PricesView renders: the decoded quotes, exchanges sorted, through DRF's JSON renderer."""
    return JSONRenderer().render({"prices": prices, "count": count, "timestamp": TIMESTAMP})


def decoded(rows: dict) -> dict:
    return {instrument: {ex: json.loads(text) for ex, text in sorted(row.items())} for instrument, row in rows.items()}


def test_the_whole_document_is_what_drf_renders():
    assert PricesDocument(ROWS).render(TIMESTAMP) == drf_body(decoded(ROWS), 3)


def test_an_empty_cache_is_an_empty_document():
    assert json.loads(PricesDocument({}).render(TIMESTAMP)) == {"prices": {}, "count": 0, "timestamp": TIMESTAMP}
