"""Engine benchmark: the per-tick cost of book + opportunity tracking at a realistic size.

Run through `make bench` (manage.py bench); prints figures, asserts nothing.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from arbitrage.tracker import OpportunityTracker
from feeds.types import Quote

EXCHANGES = ("binance", "bybit", "okx", "kucoin", "deribit", "bitmex", "gateio", "mexc", "bitget", "phemex", "coindcx")


def synthetic_ticks(instruments: int, exchanges: int, ticks: int, seed: int = 1) -> list[Quote]:
    """Quotes of `instruments` coins on `exchanges` exchanges, each exchange a few bps off,
    now and then one far enough off to open an opportunity."""
    rng = random.Random(seed)
    names = [f"C{n}/USDT:USDT" for n in range(instruments)]
    mids = [rng.uniform(0.01, 50_000) for _ in names]
    venues = EXCHANGES[:exchanges]
    quotes = []
    now_ns = time.time_ns()
    for n in range(ticks):
        i = rng.randrange(instruments)
        mids[i] *= 1 + rng.gauss(0, 0.0001)
        off = rng.gauss(0, 0.0002) + (0.004 if rng.random() < 0.01 else 0.0)
        mid = mids[i] * (1 + off)
        bid = Decimal(f"{mid * 0.99995:.6g}")
        ask = Decimal(f"{mid * 1.00005:.6g}")
        size = Decimal(f"{rng.uniform(0.1, 10):.3f}")
        name = names[i]
        exchange = venues[rng.randrange(len(venues))]
        quotes.append(
            Quote(
                exchange,
                name.replace("/", "").split(":")[0],
                name,
                bid,
                size,
                ask,
                size,
                size,
                size,
                (now_ns + n) // 1_000_000,  # stamped as received: a quote ages from its exchange time
                now_ns + n,
            )
        )
    return quotes


def bench_tracker(instruments: int = 500, exchanges: int = 11, ticks: int = 200_000) -> dict:
    from arbitrage.book import QuoteBook

    quotes = synthetic_ticks(instruments, exchanges, ticks)
    tracker = OpportunityTracker({}, {}, default_max_age_ms=10**12)
    book = QuoteBook()
    opened = closed = 0
    start = time.perf_counter()
    for quote in quotes:
        for seen in book.apply([quote])[0]:  # as the engine feeds it: the book's quotes
            changes = tracker.on_quote(seen, quote.recv_ns // 1_000_000)
            opened += len(changes.opened)
            closed += len(changes.closed)
    elapsed = time.perf_counter() - start
    return {
        "instruments": instruments,
        "exchanges": exchanges,
        "ticks": ticks,
        "us_per_tick": elapsed / ticks * 1e6,
        "ticks_per_s": ticks / elapsed,
        "opened": opened,
        "closed": closed,
        "open_at_end": len(tracker.open),
    }


def bench_with_rules(rules: int = 10_000, instruments: int = 500, ticks: int = 100_000) -> dict:
    """The tick path with alert matching on every opening, against `rules` active rules."""
    from arbitrage.rule_matching import RuleIndex, RuleSpec

    rng = random.Random(2)
    specs = []
    for n in range(rules):
        chosen = frozenset({f"C{rng.randrange(instruments)}/USDT:USDT"}) if n % 10 < 7 else frozenset()
        threshold = Decimal(f"{rng.uniform(0.05, 1.0):.3f}")
        specs.append(RuleSpec(n, n % 500, chosen, frozenset(), frozenset(), threshold))
    index = RuleIndex(specs)
    quotes = synthetic_ticks(instruments, len(EXCHANGES), ticks)
    tracker = OpportunityTracker({}, {}, default_max_age_ms=10**12)
    matched = matches = 0
    match_seconds = 0.0
    start = time.perf_counter()
    for quote in quotes:
        changes = tracker.on_quote(quote, quote.recv_ns // 1_000_000)
        for opportunity in changes.opened:
            began = time.perf_counter()
            matched += len(index.match(opportunity, quote.recv_ns // 1_000_000))
            match_seconds += time.perf_counter() - began
            matches += 1
    elapsed = time.perf_counter() - start
    return {
        "rules": rules,
        "ticks": ticks,
        "us_per_tick": elapsed / ticks * 1e6,
        "us_per_match": match_seconds / max(matches, 1) * 1e6,
        "matches": matches,
        "rules_matched": matched,
    }


def bench_replay(seconds: float = 3600, step_ms: int = 100) -> dict:
    """A synthetic recording of all 11 exchanges (the simulator's market: 8 coins, each
    exchange's book of each coin every `step_ms`) replayed at max speed through the engine."""
    import tempfile
    from pathlib import Path

    from arbitrage.replay import replay, summarise
    from feeds.recording import read_period
    from feeds.simulator.recorded import write_synthetic_recording
    from feeds.simulator.server import SIMULATED_EXCHANGE_IDS

    start_ms = 1_767_225_600_000
    with tempfile.TemporaryDirectory() as directory:
        written = write_synthetic_recording(
            Path(directory), list(SIMULATED_EXCHANGE_IDS), start_ms, seconds, step_ms=step_ms
        )
        report = replay(read_period(Path(directory), 0, 2**62))
    summary = summarise(report)
    return {
        "recorded_s": seconds,
        "exchanges": len(SIMULATED_EXCHANGE_IDS),
        "quotes": report.quotes,
        "bytes": written["bytes"],
        "wall_s": report.wall_s,
        "cpu_s": report.cpu_s,
        "quotes_per_s": report.quotes / report.wall_s if report.wall_s else 0.0,
        "opportunities": summary.opportunities,
    }


def bench_universe_engine(universe: int, seconds: float = 30, step_ms: int = 100) -> dict:
    """The engine's tick path (`Engine.on_quotes`: book, tracker, changes) over the simulator's
    market with a generated universe of `universe` coins on all 11 exchanges, as the feeds would
    deliver it: the books that moved at each step, in the publisher's 10 ms batches. The books the
    fan-out would take are taken each step, so that they do not pile up."""
    from arbitrage.engine import Engine, ExchangeConfig
    from feeds.simulator.market import Market
    from feeds.simulator.recorded import market_quotes
    from feeds.simulator.server import SIMULATED_EXCHANGE_IDS

    market = Market(list(SIMULATED_EXCHANGE_IDS), seed=1, universe=universe)
    steps: dict[int, list[Quote]] = {}
    for quote in market_quotes(market, 1_767_225_600_000, seconds, step_ms):
        steps.setdefault(quote.ts_ms, []).append(quote)
    # Taker fees of 0.05 % a leg, about the exchanges' base tier.
    fees = ExchangeConfig({exchange: Decimal("0.05") for exchange in SIMULATED_EXCHANGE_IDS}, {})
    engine = Engine(layer=None, fanout_interval_ms=25, config=fees)
    engine.tracker.default_max_age_ms = 10**12  # the recorded clock, not the wall's
    batches_per_step = max(1, step_ms // 10)
    quotes = opened = 0
    began = time.process_time()
    for at_ms, step in steps.items():
        size = len(step) // batches_per_step + 1
        for n in range(0, len(step), size):
            engine.on_quotes(step[n : n + size], at_ms)
        quotes += len(step)
        opened += len(engine.pending_opportunities)
        engine.pending_quotes.clear()
        engine.pending_opportunities.clear()
        engine.pending_closed.clear()
    elapsed = time.process_time() - began
    listed = sum(len(market.listed(exchange)) for exchange in market.exchanges)
    return {
        "universe": universe,
        "books": listed,
        "instruments": len(market.coins),
        "quotes": quotes,
        "quotes_per_s": quotes / seconds,
        "us_per_tick": elapsed / max(quotes, 1) * 1e6,
        "engine_cpu_pct": elapsed / seconds * 100,
        "open_at_end": len(engine.tracker.open),
    }


def bench_funding_ranking(coins: int = 300, listed_on: int = 7, shown: int = 100, seed: int = 1) -> dict:
    """The Funding page's ranking over a universe-sized set of funding records: every earning
    pair priced (entry from the quotes, funding events), against ranking by the rates alone and
    pricing only the `shown` best, as the page does unless it ranks by edge."""
    from arbitrage.funding import earning_legs, funding_pairs, priced
    from feeds.funding import Funding

    rng = random.Random(seed)
    now_ms = 1_767_225_600_000
    funding: dict[str, dict[str, Funding]] = {}
    quotes: dict[tuple[str, str], Quote] = {}
    for n in range(coins):
        instrument = f"C{n}/USDT:USDT"
        row = funding[instrument] = {}
        for exchange in rng.sample(EXCHANGES, listed_on):
            rate = Decimal(rng.randint(-300, 300)) / 1_000_000
            row[exchange] = Funding(exchange, instrument, instrument, rate, 8, now_ms + 3_600_000, now_ms)
            bid = Decimal(rng.randint(100_000, 200_000)) / 100
            quotes[instrument, exchange] = Quote(
                exchange, instrument, instrument, bid, Decimal(1), bid + Decimal("0.01"), Decimal(1),
                Decimal(1), Decimal(1), now_ms, now_ms * 1_000_000,
            )  # fmt: skip
    fees = {exchange: Decimal("0.05") for exchange in EXCHANGES}
    began = time.perf_counter()
    pairs = funding_pairs(funding, quotes, fees, now_ms)
    all_priced_s = time.perf_counter() - began
    began = time.perf_counter()
    candidates = earning_legs(funding)
    [priced(legs, quotes, fees, now_ms) for legs in candidates[:shown]]
    shown_priced_s = time.perf_counter() - began
    return {"pairs": len(pairs), "all_priced_ms": all_priced_s * 1000, "shown_priced_ms": shown_priced_s * 1000}
