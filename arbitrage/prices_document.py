"""The body of `GET /api/prices`, spliced from the quote JSON the engine caches. Pure.

The engine stores each quote already encoded (arbitrage.messages.quote_fragment). Decoding
every quote and encoding it again per request was most of the endpoint's work; here the
quotes are joined once per document and a request only adds its timestamp.
The bytes are those DRF renders for the same data (compact JSON, UTF-8).
"""

from __future__ import annotations

import json


def _string(text: str) -> bytes:
    return json.dumps(text, ensure_ascii=False).encode()


def _entry(instrument: str, row: dict[str, str]) -> bytes:
    quotes = ",".join(f"{_string(exchange).decode()}:{quote}" for exchange, quote in row.items())
    return _string(instrument) + b":{" + quotes.encode() + b"}"


class PricesDocument:
    """Built from instrument -> exchange -> quote JSON, in the order served (exchanges sorted)."""

    def __init__(self, rows: dict[str, dict[str, str]]) -> None:
        entries = [_entry(instrument, dict(sorted(row.items()))) for instrument, row in rows.items() if row]
        self.count = len(entries)
        self._prices = b"{" + b",".join(entries) + b"}"

    def render(self, timestamp: str) -> bytes:
        """`{"prices": ..., "count": ..., "timestamp": ...}`."""
        count = str(self.count).encode()
        return b'{"prices":' + self._prices + b',"count":' + count + b',"timestamp":' + _string(timestamp) + b"}"
