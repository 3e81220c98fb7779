"""One reading of the cached quotes (arbitrage/read_model.py): staleness by each exchange's max
quote age, best bid and ask among fresh quotes, gross and net spreads; and the same numbers on
the Prices page, in the API and in the browser's script (static/js/read_model.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import msgspec
import pytest
from django.conf import settings
from django.core.cache import cache

from arbitrage.messages import QuoteMessage, quote_fragment
from arbitrage.quote_cache import INDEX_KEY, quotes_key
from arbitrage.read_model import MaxQuoteAges, price_row
from arbitrage.tests.factories import make_quote

NOW_MS = 1_700_000_010_000
AGES = MaxQuoteAges({"okx": 2_000}, default_ms=5_000)


def _quote(exchange: str, bid: str, ask: str, age_ms: int) -> QuoteMessage:
    return QuoteMessage.from_quote(make_quote(exchange, bid=bid, ask=ask, ts_ms=NOW_MS - age_ms))


def _row(*quotes: QuoteMessage, fees_pct: dict | None = None):
    return price_row("BTC/USDT:USDT", {q.exchange: q for q in quotes}, AGES, fees_pct or {}, NOW_MS)


def test_a_quote_is_stale_past_its_own_exchanges_max_age_from_the_exchange_time():
    row = _row(_quote("binance", "100", "101", 3_000), _quote("okx", "102", "103", 3_000))
    binance, okx = row.readings["binance"], row.readings["okx"]
    assert (binance.age_ms, binance.max_age_ms, binance.stale) == (3_000, 5_000, False)
    assert (okx.age_ms, okx.max_age_ms, okx.stale) == (3_000, 2_000, True)
    assert not _row(_quote("okx", "1", "2", 2_000)).readings["okx"].stale  # at the limit: still fresh


def test_best_bid_and_ask_are_among_fresh_quotes_and_the_gross_spread_needs_two():
    row = _row(
        _quote("binance", "100", "101", 3_000),
        _quote("bybit", "99", "100.5", 1_000),
        _quote("okx", "102", "99", 3_000),  # the best of both sides, but stale
    )
    assert (row.best_bid.exchange, row.best_ask.exchange, row.fresh_exchanges) == ("binance", "bybit", 2)
    assert row.spread == Decimal("-0.5")
    assert row.gross_spread_pct == row.cross_spread_pct == Decimal("-0.497512")  # (100 − 100.5) / 100.5
    alone = _row(_quote("binance", "100", "101", 0))
    assert alone.gross_spread_pct == Decimal("-0.990099") and alone.cross_spread_pct is None


def test_with_every_quote_stale_the_best_are_the_stale_ones_and_no_net():
    row = _row(_quote("binance", "100", "101", 9_000), _quote("bybit", "102", "103", 9_000))
    assert (row.best_bid.exchange, row.best_bid.stale, row.best_ask.exchange) == ("bybit", True, "binance")
    assert row.fresh_exchanges == 0 and row.cross_spread_pct is None and row.net is None


def test_the_best_net_spread_is_the_engines_formula_rounded_once():
    row = _row(
        _quote("binance", "99.9", "100", 0),
        _quote("bybit", "100.5", "100.6", 0),
        fees_pct={"binance": Decimal("0.05"), "bybit": Decimal("0.1")},
    )
    # Buy binance at 100 × 1.0005, sell bybit at 100.5 × 0.999: (100.3995 − 100.05) / 100
    assert (row.net.buy_exchange, row.net.sell_exchange, row.net.net_spread_pct) == (
        "binance",
        "bybit",
        Decimal("0.3495"),
    )
    assert str(row.net.net_spread_pct) == "0.349500"
    # An exchange with no fee on record pays the engine's default (0.06 %).
    assert _row(_quote("a", "1", "1", 0), _quote("b", "1", "1", 0)).net.net_spread_pct == Decimal("-0.12")


def test_the_read_model_and_the_pages_maths_import_no_django():
    code = (
        "import sys, arbitrage.read_model, arbitrage.pages; "
        "print(sorted(m for m in sys.modules if m.startswith('django')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


# --- page, API and browser ----------------------------------------------------------------------
MARKET = {  # exchange: (bid, ask, age ms); okx's max age is set to 2 s below
    "BTC/USDT:USDT": {
        "binance": ("99.9", "100", 1_000),
        "bybit": ("100.5", "100.6", 2_000),
        "okx": ("101", "101.1", 3_000),  # stale: the best bid if it counted
        "gateio": ("99", "99.5", 9_000),  # stale: the best ask if it counted
    },
    "ETH/USDT:USDT": {"binance": ("2300", "2300.5", 0)},  # one exchange: no spread across them
    "SOL/USDT:USDT": {"binance": ("150", "150.2", 9_000), "bybit": ("150.3", "150.4", 9_500)},  # all stale
}


@pytest.fixture
def market(monkeypatch):
    from feeds.models import Exchange

    Exchange.objects.filter(id="okx").update(max_quote_age_ms=2_000)
    monkeypatch.setattr("lib.clock.now_ms", lambda: NOW_MS)
    cache.set(INDEX_KEY, list(MARKET))
    for instrument, row in MARKET.items():
        fragments = {
            exchange: quote_fragment(make_quote(exchange, instrument, bid, ask, ts_ms=NOW_MS - age_ms))
            for exchange, (bid, ask, age_ms) in row.items()
        }
        cache.set(quotes_key(instrument), fragments)
    # bybit's clock 9 s ahead of ours: stamped NOW + 3 s, received NOW − 6 s. It ages from its
    # arrival, so it is stale; by its exchange time alone it would look brand new.
    ahead = make_quote("bybit", "XRP/USDT:USDT", "0.5001", "0.5002", ts_ms=NOW_MS + 3_000)
    ahead = msgspec.structs.replace(ahead, recv_ns=(NOW_MS - 6_000) * 1_000_000)
    fresh = make_quote("binance", "XRP/USDT:USDT", "0.5", "0.5001", ts_ms=NOW_MS - 100)
    cache.set(INDEX_KEY, [*MARKET, "XRP/USDT:USDT"])
    cache.set(quotes_key("XRP/USDT:USDT"), {"binance": quote_fragment(fresh), "bybit": quote_fragment(ahead)})


class _Matrix(HTMLParser):
    """What the Prices page gives its script: column headers and each row's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: dict[str, dict] = {}
        self.rows: dict[str, dict[str, dict]] = {}
        self._row: str | None = None

    def handle_starttag(self, tag, attrs):
        data = dict(attrs)
        if tag == "th" and "data-exchange" in data:
            self.columns[data["data-exchange"]] = data
        elif tag == "tr" and "data-instrument" in data:
            self._row = data["data-instrument"]
            self.rows[self._row] = {}
        elif tag == "td" and self._row and "data-exchange" in data:
            self.rows[self._row][data["data-exchange"]] = data


def _page(client, alice) -> tuple[object, _Matrix]:
    client.force_login(alice)
    response = client.get("/")
    matrix = _Matrix()
    matrix.feed(response.content.decode())
    return {row.instrument: row for row in response.context["rows"]}, matrix


@pytest.mark.django_db
def test_the_page_and_the_api_show_the_same_best_prices_and_spreads(client, alice, api_client, market):
    rows, matrix = _page(client, alice)
    api_client.force_authenticate(user=alice)

    btc = rows["BTC/USDT:USDT"]
    cells = {cell.exchange: cell for cell in btc.cells}
    assert [e for e, c in cells.items() if c.stale] == ["gateio", "okx"]
    assert [e for e, c in cells.items() if c.best_bid] == ["bybit"]
    assert [e for e, c in cells.items() if c.best_ask] == ["binance"]
    best = api_client.get("/api/best-prices/BTC/USDT:USDT").json()
    assert (best["best_bid"]["exchange"], best["best_ask"]["exchange"]) == ("bybit", "binance")
    assert best["best_bid"]["stale"] is best["best_ask"]["stale"] is False
    assert best["spread_percentage"] == str(btc.spread_pct) == "0.500000"
    assert "best-bid" in matrix.rows["BTC/USDT:USDT"]["bybit"]["class"]

    # The page's best net pair is the API's best direction of that pair, to the digit.
    assert (btc.net.buy_exchange, btc.net.sell_exchange) == ("binance", "bybit")
    spread = api_client.get("/api/spread/BTC/USDT:USDT/binance/bybit").json()
    assert spread["best"]["net_spread_pct"] == str(btc.net.net_spread_pct)
    assert spread["best"]["stale"] is False
    assert api_client.get("/api/spread/BTC/USDT:USDT/binance/okx").json()["best"]["stale"] is True

    # One exchange: the page shows no spread across exchanges; the API still gives its book's width.
    eth = api_client.get("/api/best-prices/ETH/USDT:USDT").json()
    assert rows["ETH/USDT:USDT"].spread_pct is None and eth["spread_percentage"] == "-0.021734"

    # Every quote stale: nothing marked on the page; the API gives the last best, marked stale.
    sol = rows["SOL/USDT:USDT"]
    assert not any(cell.best_bid or cell.best_ask for cell in sol.cells) and sol.spread_pct is None
    sol_best = api_client.get("/api/best-prices/SOL/USDT:USDT").json()
    assert (sol_best["best_bid"]["exchange"], sol_best["best_bid"]["stale"]) == ("bybit", True)

    # A quote stamped ahead of its arrival ages from its arrival (arbitrage.read_model.age_from_ms).
    xrp = {cell.exchange: cell for cell in rows["XRP/USDT:USDT"].cells}
    assert (xrp["bybit"].age_ms, xrp["bybit"].stale, xrp["binance"].stale) == (6_000, True, False)
    xrp_best = api_client.get("/api/best-prices/XRP/USDT:USDT").json()
    assert (xrp_best["best_bid"]["exchange"], xrp_best["best_bid"]["stale"]) == ("binance", False)


_JS = Path(settings.BASE_DIR) / "static" / "js" / "read_model.js"
# Reads the page's data as matrix.js does (headers: max age, fee %; cells: ts, bid, ask) and
# prints each row as read_model.js reads it.
_NODE_PROGRAM = """
const fs = require("fs");
import("data:text/javascript," + encodeURIComponent(fs.readFileSync(process.argv[1], "utf8"))).then((m) => {
  const { columns, rows, now } = JSON.parse(fs.readFileSync(0, "utf8"));
  const out = {};
  for (const [instrument, cells] of Object.entries(rows)) {
    const quotes = Object.entries(cells).map(([exchange, td]) => ({
      exchange,
      bid: Number(td.bid),
      ask: Number(td.ask),
      fee: Number(columns[exchange].fee) / 100,
      stale: m.isStale(m.ageFromMs(Number(td.ts), Number(td.recv)), Number(columns[exchange].maxAge), now),
    }));
    const fresh = quotes.filter((q) => !q.stale);
    const [bestBid, bestAsk, spreadPct] = m.bestOf(fresh);
    const net = m.bestNet(fresh);
    out[instrument] = {
      stale: quotes.filter((q) => q.stale).map((q) => q.exchange),
      bestBid: bestBid && bestBid.exchange,
      bestAsk: bestAsk && bestAsk.exchange,
      spreadPct,
      net: net && [net.buy.exchange, net.sell.exchange, net.netPct],
    };
  }
  console.log(JSON.stringify(out));
});
"""


@pytest.mark.django_db
def test_the_browser_reads_what_the_page_sends_to_the_same_numbers(client, alice, market):
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on PATH: the browser's read_model.js cannot be run outside a browser here")
    rows, matrix = _page(client, alice)
    page_input = {
        "now": NOW_MS,
        "columns": {
            e: {"maxAge": c["data-max-quote-age-ms"], "fee": c["data-taker-fee-pct"]} for e, c in matrix.columns.items()
        },
        "rows": {
            instrument: {
                e: {"ts": td["data-ts"], "recv": td["data-recv"], "bid": td["data-bid"], "ask": td["data-ask"]}
                for e, td in cells.items()
                if "data-ts" in td
            }
            for instrument, cells in matrix.rows.items()
        },
    }
    done = subprocess.run(
        [node, "-e", _NODE_PROGRAM, str(_JS)], input=json.dumps(page_input), capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    browser = json.loads(done.stdout)

    for instrument, row in rows.items():
        seen = browser[instrument]
        assert seen["stale"] == [cell.exchange for cell in row.cells if cell.stale]
        assert seen["bestBid"] == next((c.exchange for c in row.cells if c.best_bid), None)
        assert seen["bestAsk"] == next((c.exchange for c in row.cells if c.best_ask), None)
        if row.spread_pct is None:
            assert seen["spreadPct"] is None
        else:  # floats in the browser, Decimal to 6 places on the server
            assert abs(seen["spreadPct"] - float(row.spread_pct)) < 1e-6
        if row.net is None:
            assert seen["net"] is None
        else:
            assert seen["net"][:2] == [row.net.buy_exchange, row.net.sell_exchange]
            assert abs(seen["net"][2] - float(row.net.net_spread_pct)) < 1e-6
    assert browser["BTC/USDT:USDT"]["bestBid"] == "bybit"  # not a vacuous pass
    assert browser["XRP/USDT:USDT"]["stale"] == ["bybit"]  # by its arrival, as on the server


def test_what_is_executable_is_the_depth_walk_where_known_and_rank_filters_on_it():
    from arbitrage.read_model import Executable, executable, rank
    from arbitrage.tests.factories import opportunity_record

    depth = {"size_base": "1.5", "avg_buy_price": "100", "avg_sell_price": "101", "buy_slippage_pct": "0"}
    depth |= {"sell_slippage_pct": "0", "net_spread_pct": "0.5", "profit_quote": "159.362", "books_exhausted": False}
    walked = opportunity_record(id="walked", size_base="34", profit_quote="570", depth=depth)
    top = opportunity_record(id="top", size_base="2", profit_quote="20")

    assert executable(walked) == Executable(Decimal("1.5"), Decimal("159.362"), True)
    assert executable(top) == Executable(Decimal("2"), Decimal("20"), False)
    assert [o.id for o in rank([walked, top], min_profit_quote=Decimal("100"))] == ["walked"]
    assert [o.id for o in rank([walked, top], min_size_base=Decimal("1.8"))] == ["top"]
