"""The engine's one store of quotes (arbitrage/book.py): the tracker, the fan-out and the cache
read it rather than keeping copies of their own."""

from __future__ import annotations

from channels.layers import get_channel_layer

from arbitrage.book import REPEAT_REFRESH_MS, QuoteBook
from arbitrage.engine import Engine, ExchangeConfig
from arbitrage.messages import quote_fragment
from arbitrage.quote_cache import quotes_key
from arbitrage.tests.factories import make_quote
from lib.async_cache import aget


def test_latest_quote_per_instrument_and_exchange_is_kept():
    book = QuoteBook()
    first = make_quote(bid="100", ask="101", ts_ms=1)
    second = make_quote(bid="100.5", ask="101", ts_ms=2)
    other = make_quote(exchange="bybit", bid="99", ask="100", ts_ms=2)
    assert book.apply([first, other, second]) == ([first, other, second], [first, other, second])
    assert book.latest["BTC/USDT:USDT"] == {"binance": second, "bybit": other}


def test_an_older_quote_is_dropped_and_not_seen():
    book = QuoteBook()
    book.apply([make_quote(bid="100", ask="101", ts_ms=5)])
    assert book.apply([make_quote(bid="99", ask="101", ts_ms=4)]) == ([], [])
    assert book.latest["BTC/USDT:USDT"]["binance"].bid == 100


def test_a_repeat_is_a_sighting_of_the_books_quote_until_it_confirms_the_price_a_second_later():
    book = QuoteBook()
    [held], _ = book.apply([make_quote(bid="100", ask="101", ts_ms=5_000)])
    soon = make_quote(bid="100", ask="101", ts_ms=5_000 + REPEAT_REFRESH_MS - 1)
    seen, changed = book.apply([soon])
    assert seen[0] is held and changed == []  # the tracker ticks on the quote the cache holds
    later = make_quote(bid="100", ask="101", ts_ms=5_000 + REPEAT_REFRESH_MS)
    assert book.apply([later]) == ([later], [later])  # now the pages age it from 6,000
    assert book.quote("BTC/USDT:USDT", "binance") is later


def test_an_exchange_with_a_short_max_age_is_refreshed_at_half_of_it():
    """A price kept confirmed never turns stale: at OKX's 600 ms, a repeat 300 ms on refreshes it."""
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=ExchangeConfig({}, {"okx": 600}))
    at_ms = 1_700_000_000_000
    engine.on_quotes([make_quote("okx", ts_ms=at_ms)], at_ms)
    assert engine.book.apply([make_quote("okx", ts_ms=at_ms + 299)])[1] == []
    [refreshed] = engine.book.apply([make_quote("okx", ts_ms=at_ms + 300)])[1]
    assert refreshed.ts_ms == at_ms + 300
    assert engine.book.apply([make_quote("binance", ts_ms=at_ms)])[1]  # no row: the site's max age (5 s)
    assert engine.book.apply([make_quote("binance", ts_ms=at_ms + 999)])[1] == []


def test_each_quote_is_encoded_once_and_again_only_when_it_changes():
    book = QuoteBook()
    first = make_quote(bid="100", ask="101", ts_ms=1)
    book.apply([first, make_quote("bybit", bid="99", ask="100", ts_ms=1)])
    text = book.fragment("BTC/USDT:USDT", "binance")
    assert text == quote_fragment(first) and book.fragment("BTC/USDT:USDT", "binance") is text
    second = make_quote(bid="100.5", ask="101", ts_ms=2)
    book.apply([second])
    assert book.row_fragments("BTC/USDT:USDT") == {
        "binance": quote_fragment(second),
        "bybit": quote_fragment(make_quote("bybit", bid="99", ask="100", ts_ms=1)),
    }


async def test_the_tracker_and_the_cache_hold_the_books_quotes_and_nothing_else():
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.tracker.default_max_age_ms = 10**12
    at_ms = 1_700_000_000_000
    binance = make_quote("binance", bid="99.9", ask="100", ts_ms=at_ms)
    bybit = make_quote("bybit", bid="101", ask="101.1", ts_ms=at_ms)
    engine.on_quotes([binance, bybit], at_ms)
    # Out of order: an older bybit quote with a wider gap. The book drops it; so does the tracker.
    engine.on_quotes([make_quote("bybit", bid="105", ask="105.1", ts_ms=at_ms - 1)], at_ms)
    # A repeat within the second: a tick of the opportunity, priced and aged from the book's quote.
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=at_ms + 500)], at_ms + 500)

    [opportunity] = engine.tracker.open.values()
    assert (opportunity.buy, opportunity.sell, opportunity.ticks) == (binance, bybit, 2)
    for market in engine.tracker.markets.values():
        for (exchange, instrument), entry in market.items():
            assert entry.quote is engine.book.quote(instrument, exchange)
    assert engine.pending_quotes == {("BTC/USDT:USDT", "binance"), ("BTC/USDT:USDT", "bybit")}

    await engine.fan_out()
    assert await aget(quotes_key("BTC/USDT:USDT")) == engine.book.row_fragments("BTC/USDT:USDT")
    assert engine.pending_quotes == set()
