"""What the feed workers subscribe to: admin's tracked instruments, imported lists, the default."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from feeds.models import TrackedInstrument
from feeds.types import Instrument
from feeds.watchlist import Entry, Watchlist, current_watchlist, import_watchlist, parse_watchlist

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def listed(exchange, symbol, instrument):
    base, quote = instrument.split(":")[0].split("/")
    return Instrument(exchange, symbol, instrument, base, quote, quote, True, Decimal(1), Decimal("0.1"))


def test_a_watchlist_selects_canonical_instruments_and_exchange_symbols():
    items = [
        listed("kucoin", "XBTUSDTM", "BTC/USDT:USDT"),
        listed("kucoin", "ETHUSDTM", "ETH/USDT:USDT"),
        listed("kucoin", "SOLUSDTM", "SOL/USDT:USDT"),
    ]
    watchlist = Watchlist(frozenset({"BTC/USDT:USDT"}), frozenset({("kucoin", "SOLUSDTM")}))
    assert sorted(watchlist.select(items, disabled=set())) == ["SOLUSDTM", "XBTUSDTM"]
    assert sorted(watchlist.select(items, disabled={"XBTUSDTM"})) == ["SOLUSDTM"]


@pytest.mark.django_db
def test_the_default_applies_until_an_admin_tracks_something(settings):
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["BTC/USDT:USDT"]
    assert current_watchlist() == Watchlist(frozenset({"BTC/USDT:USDT"}))
    TrackedInstrument.objects.create(exchange="okx", symbol="ETH-USDT-SWAP")
    TrackedInstrument.objects.create(instrument="SOL/USDT:USDT", enabled=False)
    assert current_watchlist() == Watchlist(frozenset(), frozenset({("okx", "ETH-USDT-SWAP")}))


def test_the_seed_csv_format_and_canonical_rows_parse():
    entries, errors = parse_watchlist((EXAMPLES / "symbols.csv").read_text(), "symbols.csv")
    assert errors == []
    assert Entry(exchange="kucoin", symbol="XBTUSDTM") in entries
    assert len(entries) == 22
    entries, errors = parse_watchlist((EXAMPLES / "symbols.json").read_text(), "symbols.json")
    assert errors == [] and Entry(instrument="BTC/USD:BTC") in entries


@pytest.mark.parametrize(
    "text, name, error",
    [
        ("exchange,symbol\nnowhere,BTCUSDT\n", "x.csv", "row 2: unknown exchange 'nowhere'"),
        ("exchange,symbol\nbinance,\n", "x.csv", "row 2: needs"),
        ("instrument\nBTCUSDT\n", "x.csv", "row 2: needs"),
        ("{not json", "x.json", "not JSON"),
        ('{"symbols": 3}', "x.json", "expected a list"),
        ("[1]", "x.json", "row 1: expected an object"),
    ],
)
def test_bad_rows_are_reported_by_line(text, name, error):
    entries, errors = parse_watchlist(text, name)
    assert entries == []
    assert errors[0].startswith(error)


@pytest.mark.django_db
def test_importing_twice_adds_nothing_new_and_replace_starts_over(capsys):
    call_command("import_watchlist", str(EXAMPLES / "symbols.csv"))
    assert "Tracking 22 new, 0 already tracked" in capsys.readouterr().out
    result = import_watchlist([Entry(exchange="binance", symbol="BTCUSDT"), Entry(instrument="BTC/USDT:USDT")])
    assert (result.added, result.existing) == (1, 1)
    call_command("import_watchlist", str(EXAMPLES / "minimal.csv"), "--replace")
    assert set(TrackedInstrument.objects.values_list("instrument", flat=True)) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
