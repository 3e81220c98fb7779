"""Replay: recorded quotes through the engine's own code give the same opportunities every time,
their durations and profits, and the alerts a user's rules would have sent; nothing live moves."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from arbitrage.engine import ExchangeConfig
from arbitrage.models import Opportunity
from arbitrage.replay import OPEN_AT_END, ReplayRule, paced, replay, summarise
from arbitrage.rule_matching import RuleSpec
from arbitrage.tests.factories import make_quote
from feeds.depth import Depth
from feeds.funding import Funding
from feeds.recording import DepthBatch, Down, FundingBatch, RecordingWriter, event_ns, read_period
from feeds.simulator.recorded import write_synthetic_recording
from feeds.simulator.server import SIMULATED_EXCHANGE_IDS

T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
HOUR_MS = 3_600_000
FEES = ExchangeConfig({"binance": Decimal("0.05"), "bybit": Decimal("0.05")}, {})


def tick(exchange: str, ms: int, bid: str, ask: str):
    return make_quote(exchange=exchange, bid=bid, ask=ask, ts_ms=ms)  # received 5 ms later


def gap(start_ms: int, end_ms: int, *more_windows: int, step_ms: int = 100):
    """10 s of quotes every 100 ms: binance 43000/43001 throughout; bybit bids 43200 (~0.36 %
    net) from start to end (and in any further start, end windows)."""
    windows = list(zip((start_ms, *more_windows[::2]), (end_ms, *more_windows[1::2]), strict=True))
    quotes = []
    for ms in range(T0_MS, T0_MS + 10_000, step_ms):
        quotes.append(tick("binance", ms, "43000", "43001"))
        wide = any(start <= ms < end for start, end in windows)
        quotes.append(tick("bybit", ms + 1, "43200" if wide else "43000", "43201" if wide else "43001"))
    return quotes


def everything(directory):
    return read_period(directory, 0, 2**62)


@pytest.fixture
def no_live_writes(monkeypatch):
    """Any write to the live cache, history, /ws or alert queue fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("replay touched the live system")

    for name in ("write_live_state", "enqueue_alerts"):
        monkeypatch.setattr(f"arbitrage.engine.{name}", refuse)
    for name in ("record_opportunities", "close_at_last_seen"):
        monkeypatch.setattr(f"arbitrage.life_writer.{name}", refuse)


def test_an_opportunity_replays_with_its_duration_and_profit(no_live_writes):
    report = replay(gap(T0_MS + 2000, T0_MS + 5000), config=FEES)

    [found] = report.opportunities
    assert (found.buy_exchange, found.sell_exchange, found.close_reason) == ("binance", "bybit", "spread")
    # Opened by bybit's first wide quote (received at +2006 ms, in the batch ending +2010 ms),
    # closed by its first narrow one (received at +5006 ms, batch ending +5010 ms).
    assert (found.opened_ms - T0_MS, found.closed_ms - T0_MS, found.duration_ms) == (2010, 5010, 3000)
    assert found.ticks == 60  # both exchanges' quotes, every 100 ms, for 3 s
    # (43200 × 0.9995 − 43001 × 1.0005) / 43001 × 100, at 1.5 BTC
    assert found.peak_net_spread_pct.quantize(Decimal("0.000001")) == Decimal("0.362549")
    assert found.peak_profit_quote.quantize(Decimal("0.01")) == Decimal("233.85")
    assert report.quotes == 200 and report.alerts == []


def funding(exchange: str, rate: str, interval_h: int, next_ms: int) -> Funding:
    return Funding(exchange, "BTCUSDT", "BTC/USDT:USDT", Decimal(rate), interval_h, next_ms, T0_MS)


def polled(at_ms: int, *records: Funding) -> FundingBatch:
    return FundingBatch(at_ms * 1_000_000, list(records))


def test_recorded_funding_gives_each_opportunity_its_funding_leg_at_its_peak(tmp_path, no_live_writes):
    # Long binance at 0.01 % every 8 h (next at +1 h), short bybit at 0.03 % every 4 h (next at +2 h).
    before = polled(T0_MS + 1000, funding("binance", "0.0001", 8, T0_MS + HOUR_MS))
    before_short = polled(T0_MS + 1500, funding("bybit", "0.0003", 4, T0_MS + 2 * HOUR_MS))
    # A later poll changes bybit's rate; the peak (at the opening: the gap never widens) keeps
    # the leg as it stood then.
    later = polled(T0_MS + 3000, funding("bybit", "0.001", 4, T0_MS + 2 * HOUR_MS))
    RecordingWriter(tmp_path, retention_days=10_000).write(
        gap(T0_MS + 2000, T0_MS + 5000), funding=[before, before_short, later]
    )

    report = replay(everything(tmp_path), config=FEES)

    assert report.funding == 3
    [found] = report.opportunities
    leg = found.funding
    assert found.peak_net_spread_pct.quantize(Decimal("0.000001")) == Decimal("0.362549")
    # Held 8 h from the peak's batch (+2010 ms): binance pays once (at +1 h), bybit earns twice
    # (at +2 h and +6 h): −0.01 + 2 × 0.03 = 0.05 %; a day: 6 × 0.03 − 3 × 0.01 = 0.15 %.
    assert (leg.long.exchange, leg.long.rate_pct, leg.long.interval_h) == ("binance", Decimal("0.01"), 8)
    assert (leg.short.exchange, leg.short.rate_pct, leg.short.next_funding_ms) == (
        "bybit",
        Decimal("0.03"),
        T0_MS + 2 * HOUR_MS,
    )
    assert (leg.hours, leg.funding_pct, leg.per_day_pct) == (8, Decimal("0.05"), Decimal("0.15"))
    assert leg.edge_pct == (found.peak_net_spread_pct + Decimal("0.05")).quantize(Decimal("1e-8"))
    assert leg.edge_pct.quantize(Decimal("0.000001")) == Decimal("0.412549")


def test_funding_of_one_leg_only_gives_no_funding_leg():
    events = [polled(T0_MS, funding("binance", "0.0001", 8, T0_MS + HOUR_MS)), *gap(T0_MS + 2000, T0_MS + 5000)]

    [found] = replay(events, config=FEES).opportunities

    assert found.funding is None
    assert [found] == replay(gap(T0_MS + 2000, T0_MS + 5000), config=FEES).opportunities


def test_funding_reaches_the_engine_before_the_quotes_of_its_batch():
    # Both polls and bybit's first wide quote (+2006 ms) fall in the batch ending at +2010 ms; a
    # rule on edge (0.362549 + 0.05 %) matches at the opening only if the funding came first.
    events = sorted(
        [
            *gap(T0_MS + 2000, T0_MS + 5000),
            polled(T0_MS + 2007, funding("binance", "0.0001", 8, T0_MS + HOUR_MS)),
            polled(T0_MS + 2008, funding("bybit", "0.0003", 4, T0_MS + 2 * HOUR_MS)),
        ],
        key=event_ns,
    )
    on_edge = RuleSpec(1, 7, frozenset(), frozenset(), frozenset(), Decimal("0.1"), min_edge_pct=Decimal("0.41"))

    report = replay(events, config=FEES, rules=[ReplayRule(on_edge)])

    [found] = report.opportunities
    assert found.opened_ms - T0_MS == 2010 and found.funding.funding_pct == Decimal("0.05")
    assert [(alert.rule_id, alert.at_ms - T0_MS) for alert in report.alerts] == [(1, 2010)]


def book(exchange: str, at_ms: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> Depth:
    def side(levels):
        return [(Decimal(price), Decimal(size)) for price, size in levels]

    return Depth(exchange, "BTCUSDT", "BTC/USDT:USDT", side(bids), side(asks), at_ms, at_ms * 1_000_000)


def test_recorded_depth_gives_each_opportunity_its_most_profitable_walk(tmp_path, no_live_writes):
    # While bybit bids 43200 (+2 s to +5 s): buy up binance's asks, sell down bybit's bids.
    thin = DepthBatch(
        (T0_MS + 2500) * 1_000_000,
        [
            book("binance", T0_MS + 2495, [("43000", "3")], [("43001", "1"), ("43050", "2")]),
            book("bybit", T0_MS + 2497, [("43200", "0.5"), ("43150", "1")], [("43201", "3")]),
        ],
    )
    # Later bybit's book thins to 0.1 at the top: that walk pays less, the best stays.
    thinner = DepthBatch(
        (T0_MS + 3500) * 1_000_000, [book("bybit", T0_MS + 3497, [("43200", "0.1")], [("43201", "3")])]
    )
    RecordingWriter(tmp_path, retention_days=10_000).write(gap(T0_MS + 2000, T0_MS + 5000), depth=[thin, thinner])

    report = replay(everything(tmp_path), config=FEES)

    assert report.depth == 3
    [found] = report.opportunities
    walk = found.best_depth
    # 1.5 BTC: 1 at 43001 and 0.5 at 43050 bought, 0.5 at 43200 and 1 at 43150 sold, where
    # bybit's bids ran out (the next coin still paid). Proceeds 64750 × 0.9995 = 64717.625;
    # cost 64526 × 1.0005 = 64558.263: 159.362 USDT.
    assert (walk.size_base, walk.books_exhausted) == (Decimal("1.5"), True)
    assert walk.profit_quote == Decimal("159.362")
    assert walk.avg_buy_price.quantize(Decimal("0.001")) == Decimal("43017.333")
    assert walk.avg_sell_price.quantize(Decimal("0.001")) == Decimal("43166.667")
    # Without depth in the recording, the same opportunity has none.
    [plain] = replay(gap(T0_MS + 2000, T0_MS + 5000), config=FEES).opportunities
    assert plain.best_depth is None and plain.peak_profit_quote == found.peak_profit_quote


def test_a_rule_on_depth_fires_in_replay_when_the_recorded_books_arrive(tmp_path, no_live_writes):
    # The gap opens at +2 s with no books; the batch at +2.5 s walks 1.5 BTC for 159.362 USDT.
    books = DepthBatch(
        (T0_MS + 2500) * 1_000_000,
        [
            book("binance", T0_MS + 2495, [("43000", "3")], [("43001", "1"), ("43050", "2")]),
            book("bybit", T0_MS + 2497, [("43200", "0.5"), ("43150", "1")], [("43201", "3")]),
        ],
    )
    RecordingWriter(tmp_path, retention_days=10_000).write(gap(T0_MS + 2000, T0_MS + 5000), depth=[books])

    def fired(minimum: str) -> list[tuple[int, int]]:
        spec = RuleSpec(
            1, 7, frozenset(), frozenset(), frozenset(), Decimal("0.1"), min_depth_profit_quote=Decimal(minimum)
        )
        report = replay(everything(tmp_path), config=FEES, rules=[ReplayRule(spec)])
        return [(alert.rule_id, alert.at_ms - T0_MS) for alert in report.alerts]

    assert fired("150") == [(1, 2510)]  # with the feed batch the books were received in
    assert fired("160") == []


def test_a_down_notice_closes_what_the_connection_fed_at_its_last_sighting():
    quotes = [q for q in gap(T0_MS + 2000, T0_MS + 10_000) if q.ts_ms < T0_MS + 4000]
    down = Down("bybit", ["BTC/USDT:USDT"], (T0_MS + 4000) * 1_000_000)

    report = replay([*quotes, down], config=FEES)

    [found] = report.opportunities
    assert found.close_reason == "disconnected"
    assert found.closed_ms - T0_MS == 3910  # the batch of its last sighting (bybit at +3901 ms)


def test_an_opportunity_still_open_at_the_end_is_reported_so():
    [found] = replay(gap(T0_MS + 8000, T0_MS + 20_000), config=FEES).opportunities
    assert found.close_reason == OPEN_AT_END and found.duration_ms == 1900


def test_rules_fire_once_per_opportunity_and_cooldowns_hold_the_pair():
    quotes = gap(T0_MS + 1000, T0_MS + 2000, T0_MS + 6000, T0_MS + 7000)
    loose = RuleSpec(1, 7, frozenset(), frozenset(), frozenset(), Decimal("0.1"))
    strict = RuleSpec(2, 7, frozenset({"BTC/USDT:USDT"}), frozenset(), frozenset(), Decimal("0.5"))
    short = RuleSpec(3, 7, frozenset(), frozenset({"binance"}), frozenset(), Decimal("0.1"))
    rules = [ReplayRule(loose, "loose", cooldown_s=300), ReplayRule(strict, "strict"), ReplayRule(short, "short", 2)]

    report = replay(quotes, config=FEES, rules=rules)

    assert len(report.opportunities) == 2
    fired = [(alert.rule_id, alert.at_ms - T0_MS) for alert in report.alerts]
    # loose: the second opportunity comes within its 300 s cooldown of the same pair; short's is 2 s.
    assert fired == [(1, 1010), (3, 1010), (3, 6010)]
    assert report.held_by_cooldown == 1
    assert summarise(report).fired_by_rule == {1: 1, 3: 2}


def test_a_users_rules_replay_at_their_own_fees():
    quotes = gap(T0_MS + 1000, T0_MS + 2000)
    # 0.362549 % at the admin's 0.05 %; user 7 pays none on binance:
    # (43200 × 0.9995 − 43001) / 43001 × 100 = 0.412549 %.
    rule = RuleSpec(1, 7, frozenset(), frozenset(), frozenset(), Decimal("0.4"))
    report = replay(quotes, config=FEES, rules=[ReplayRule(rule)], own_fees={7: {"binance": Decimal(0)}})
    assert [alert.rule_id for alert in report.alerts] == [1]
    assert replay(quotes, config=FEES, rules=[ReplayRule(rule)]).alerts == []


def test_a_recorded_stream_replayed_twice_gives_the_same_opportunities(tmp_path, no_live_writes):
    written = write_synthetic_recording(tmp_path, list(SIMULATED_EXCHANGE_IDS), T0_MS, 120, divergence_chance=0.05)
    rule = ReplayRule(RuleSpec(1, 1, frozenset(), frozenset(), frozenset(), Decimal("0.2")), "any", 60)

    first = replay(everything(tmp_path), rules=[rule])
    second = replay(everything(tmp_path), rules=[rule])

    assert written["quotes"] == first.quotes == 11 * 8 * 1200
    assert len(first.opportunities) >= 10 and first.alerts
    assert first.opportunities == second.opportunities
    assert first.alerts == second.alerts
    assert {o.id for o in first.opportunities}.isdisjoint(o.id for o in second.opportunities)


@pytest.mark.django_db
def test_the_command_reports_opportunities_and_the_users_alerts(tmp_path, settings, alice, no_live_writes):
    from accounts.models import AlertRule

    settings.RECORDING_DIR = tmp_path
    RecordingWriter(tmp_path, retention_days=10_000).write(gap(T0_MS + 2000, T0_MS + 5000))
    AlertRule.objects.create(user=alice, name="btc gaps", min_net_spread_pct="0.3")
    AlertRule.objects.create(user=alice, name="too high", min_net_spread_pct="2")
    out = io.StringIO()

    call_command("replay", "2026-01-01", "2026-01-01", "--user", "alice", stdout=out)

    text = out.getvalue()
    assert "200 quotes" in text
    assert "Opportunities: 1 (spread 1)" in text
    assert "binance:BTC/USDT:USDT>bybit:BTC/USDT:USDT (spread)" in text
    assert "btc gaps (#" in text and "): 1\n" in text and "too high (#" in text and "): 0\n" in text
    assert Opportunity.objects.count() == 0


@pytest.mark.django_db
def test_the_page_shows_the_period_s_opportunities_and_the_chosen_rule_s_alerts(
    tmp_path, settings, client, alice, bob, no_live_writes
):
    from accounts.models import AlertRule

    settings.RECORDING_DIR = tmp_path
    RecordingWriter(tmp_path, retention_days=10_000).write(gap(T0_MS + 2000, T0_MS + 5000))
    mine = AlertRule.objects.create(user=alice, name="btc gaps", min_net_spread_pct="0.3")
    AlertRule.objects.create(user=alice, name="other rule", min_net_spread_pct="0.1")
    theirs = AlertRule.objects.create(user=bob, name="bob's", min_net_spread_pct="0.1")
    client.force_login(alice)
    period = {"start": "2026-01-01T00:00", "end": "2026-01-01T00:10"}

    page = client.get("/replay/", {**period, "rule": mine.id}).content.decode()

    assert "1 opportunity" in page and "200 recorded quotes" in page
    assert "binance BTC/USDT:USDT" in page and "bybit BTC/USDT:USDT" in page and "3.0 s" in page
    assert "btc gaps: 1 alert" in page and "other rule" not in page.split("<h2>Alerts</h2>")[1]
    chart = json.loads(page.split('<script id="replay-points" type="application/json">')[1].split("</script>")[0])
    assert len(chart["t"]) == 1 and T0_MS / 1000 <= chart["t"][0] <= (T0_MS + 5000) / 1000  # the one opportunity
    assert len(chart["peak_net_pct"]) == len(chart["profit_summed"]) == 1 and chart["profit_summed"][0] > 0
    assert "js/replay.js" in page
    # Another user's rule is not a choice; a period past an hour is refused, nothing replayed.
    refused = client.get("/replay/", {**period, "rule": theirs.id}).content.decode()
    assert "Select a valid choice" in refused and "replay-result" not in refused
    too_long = client.get("/replay/", {"start": "2026-01-01T00:00", "end": "2026-01-01T02:00"}).content.decode()
    assert "At most an hour" in too_long and "replay-result" not in too_long
    assert Opportunity.objects.count() == 0


@pytest.mark.django_db
def test_the_command_and_the_page_show_each_opportunitys_funding_leg_where_recorded(
    tmp_path, settings, client, alice, no_live_writes
):
    from feeds.models import Exchange

    Exchange.objects.filter(id="bybit").update(taker_fee_pct=Decimal("0.05"))  # as FEES: 0.362549 % net
    settings.RECORDING_DIR = tmp_path
    polls = [
        polled(T0_MS + 1000, funding("binance", "0.0001", 8, T0_MS + HOUR_MS)),
        polled(T0_MS + 1500, funding("bybit", "0.0003", 4, T0_MS + 2 * HOUR_MS)),
    ]
    RecordingWriter(tmp_path, retention_days=10_000).write(gap(T0_MS + 2000, T0_MS + 5000), funding=polls)
    out = io.StringIO()

    call_command("replay", "2026-01-01", "2026-01-01", stdout=out)

    text = out.getvalue()
    assert "200 quotes, 0 down notices, 2 funding records" in text
    assert "(spread); funding +0.050 % over 8 h, edge 0.413 %" in text
    client.force_login(alice)
    page = client.get("/replay/", {"start": "2026-01-01T00:00", "end": "2026-01-01T00:10"}).content.decode()
    assert "200 recorded quotes and 2 funding records" in page
    assert "<td>0.050 % (8 h) · 0.413 %</td>" in page

    # Without bybit's funding, the opportunity has no funding leg, and says so.
    (tmp_path / "bybit" / "2026-01-01.arbrec").unlink()
    RecordingWriter(tmp_path, retention_days=10_000).write(
        [q for q in gap(T0_MS + 2000, T0_MS + 5000) if q.exchange == "bybit"]
    )
    out = io.StringIO()
    call_command("replay", "2026-01-01", "2026-01-01", stdout=out)
    assert "1 funding records" in out.getvalue() and "(spread); funding not recorded" in out.getvalue()


@pytest.mark.django_db
def test_the_command_and_the_page_show_each_opportunitys_depth_where_recorded(
    tmp_path, settings, client, alice, no_live_writes
):
    from feeds.models import Exchange

    Exchange.objects.filter(id__in=["binance", "bybit"]).update(taker_fee_pct=Decimal("0.05"))
    settings.RECORDING_DIR = tmp_path
    books = DepthBatch(
        (T0_MS + 2500) * 1_000_000,
        [
            book("binance", T0_MS + 2495, [("43000", "3")], [("43001", "1"), ("43050", "2")]),
            book("bybit", T0_MS + 2497, [("43200", "0.5"), ("43150", "1")], [("43201", "3")]),
        ],
    )
    RecordingWriter(tmp_path, retention_days=10_000).write(gap(T0_MS + 2000, T0_MS + 5000), depth=[books])
    out = io.StringIO()

    call_command("replay", "2026-01-01", "2026-01-01", stdout=out)

    text = out.getvalue()
    assert "200 quotes, 0 down notices, 0 funding records, 2 books" in text
    assert "(spread); depth 1.5000+ for 159.36 at " in text
    client.force_login(alice)
    page = client.get("/replay/", {"start": "2026-01-01T00:00", "end": "2026-01-01T00:10"}).content.decode()
    depth_cell = page.split('<td class="depth">')[1].split("</td>")[0]
    assert "and 2 order books" in page, depth_cell
    assert depth_cell == "1.5 BTC · 159.36 USDT <small>a book ran out</small>", depth_cell


def test_the_page_needs_a_login(client):
    assert client.get("/replay/").status_code == 302


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["2026-01-02", "2026-01-01"], "TO must come after FROM"),
        (["yesterday", "2026-01-01"], "expected 2026-12-04"),
        (["2026-01-01", "2026-01-01", "--speed", "0"], "--speed takes a number above 0"),
        (["2026-01-01", "2026-01-01", "--rule", "3"], "--rule needs --user"),
    ],
)
def test_the_command_refuses_what_it_cannot_replay(arguments, error):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=error):
        call_command("replay", *arguments)


def test_a_paced_replay_keeps_recorded_time_n_times_faster_than_the_wall_clock():
    now = [100.0]
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pace = paced(10, clock=lambda: now[0], sleep=sleep)
    for at_ms in (T0_MS, T0_MS + 1000, T0_MS + 1500):
        pace(at_ms)
    now[0] += 1.0  # the engine fell behind: no sleep until recorded time is ahead again
    pace(T0_MS + 2000)
    pace(T0_MS + 12_000)

    assert slept == [0.1, 0.05, 0.05]  # the last: 12 s recorded is 1.2 s wall, of which 1.15 s went
