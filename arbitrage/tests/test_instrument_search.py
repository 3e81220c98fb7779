from arbitrage.instrument_search import search_instruments

UNIVERSE = [
    "BTC/USDT:USDT",
    "BTC/USD:BTC",
    "BTC/USDC:USDC",
    "WBTC/USDT:USDT",
    "BTCDOM/USDT:USDT",
    "ETH/USDT:USDT",
    "PEPE/USDT:USDT",
    "1000PEPE/USDT:USDT",
    "PEPECOIN/USDT:USDT",
    "WIF/USDT:USDT",
    "WIFI/USDT:USDT",
    "SWIFT/USDT:USDT",
    "DOGE/USDT:USDT",
]


def names(query: str, limit: int = 50) -> list[str]:
    return [match.instrument for match in search_instruments(UNIVERSE, query, limit).matches]


def test_an_exact_base_comes_first_then_prefixes_then_substrings():
    result = search_instruments(UNIVERSE, "wif")
    assert [(m.instrument, m.kind) for m in result.matches] == [
        ("WIF/USDT:USDT", "exact"),
        ("WIFI/USDT:USDT", "prefix"),
        ("SWIFT/USDT:USDT", "substring"),
    ]
    assert (result.query, result.count, result.more) == ("WIF", 3, 0)


def test_a_coin_matches_its_multiplied_contracts_as_exactly_as_its_own():
    result = search_instruments(UNIVERSE, "PEPE")
    assert [(m.instrument, m.base, m.kind) for m in result.matches] == [
        ("PEPE/USDT:USDT", "PEPE", "exact"),
        ("1000PEPE/USDT:USDT", "1000PEPE", "exact"),  # the query stands later in its name
        ("PEPECOIN/USDT:USDT", "PEPECOIN", "prefix"),
    ]


def test_the_case_and_the_surrounding_blanks_do_not_matter():
    assert names("  pEpE ") == names("PEPE")


def test_every_quote_currency_of_a_base_is_an_exact_match_shorter_bases_first_among_prefixes():
    assert names("btc") == [
        "BTC/USD:BTC",
        "BTC/USDC:USDC",
        "BTC/USDT:USDT",
        "BTCDOM/USDT:USDT",  # a prefix
        "WBTC/USDT:USDT",  # a substring
    ]


def test_a_canonical_name_or_its_start_matches():
    result = search_instruments(UNIVERSE, "BTC/USDT:USDT")
    assert [(m.instrument, m.kind) for m in result.matches] == [
        ("BTC/USDT:USDT", "exact"),
        ("WBTC/USDT:USDT", "substring"),
    ]
    result = search_instruments(UNIVERSE, "btc/usd")
    assert [(m.instrument, m.kind) for m in result.matches] == [
        ("BTC/USD:BTC", "prefix"),
        ("BTC/USDC:USDC", "prefix"),
        ("BTC/USDT:USDT", "prefix"),
        ("WBTC/USDT:USDT", "substring"),
    ]
    assert names(":BTC") == ["BTC/USD:BTC"]  # the settle currency, a substring


def test_the_results_are_capped_and_say_how_many_more_matched():
    result = search_instruments(UNIVERSE, "/USDT", limit=4)
    assert len(result.matches) == 4
    assert (result.count, result.more) == (11, 7)
    assert search_instruments(UNIVERSE, "/USDT", limit=0).matches == []


def test_an_empty_or_unmatched_query_finds_nothing():
    for query in ("", "   ", "NOPE", "x" * 200):
        result = search_instruments(UNIVERSE, query)
        assert (result.matches, result.count, result.more) == ([], 0, 0)


def test_an_instrument_listed_twice_is_found_once():
    assert [m.instrument for m in search_instruments(["WIF/USDT:USDT"] * 2, "WIF").matches] == ["WIF/USDT:USDT"]
