from arbitrage.book import QuoteBook
from arbitrage.tests.factories import make_quote


def test_latest_quote_per_instrument_and_exchange_is_kept():
    book = QuoteBook()
    first = make_quote(bid="100", ask="101", ts_ms=1)
    second = make_quote(bid="100.5", ask="101", ts_ms=2)
    other = make_quote(exchange="bybit", bid="99", ask="100", ts_ms=2)
    assert book.apply([first, other, second]) == [first, other, second]
    assert book.latest["BTC/USDT:USDT"] == {"binance": second, "bybit": other}


def test_older_and_unchanged_quotes_do_not_count_as_changes():
    book = QuoteBook()
    book.apply([make_quote(bid="100", ask="101", ts_ms=5)])
    assert book.apply([make_quote(bid="99", ask="101", ts_ms=4)]) == []
    assert book.apply([make_quote(bid="100", ask="101", ts_ms=6)]) == []
    assert book.latest["BTC/USDT:USDT"]["binance"].bid == 100
