"""`manage.py replay FROM TO`: recorded quotes through the engine, away from the live system;
prints the opportunities found and the alerts a user's rules would have sent."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from arbitrage.replay import (
    ReplayedOpportunity,
    ReplayReport,
    paced,
    replay_period,
    summarise,
    user_own_fees,
    user_rules,
)
from lib.moments import moment_ms


def when(at_ms: int) -> str:
    return dt.datetime.fromtimestamp(at_ms / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def funding_note(o: ReplayedOpportunity) -> str:
    """The funding leg at the peak, where both legs' funding was recorded by then."""
    f = o.funding
    if f is None:
        return "; funding not recorded"
    return f"; funding {f.funding_pct:+.3f} % over {f.hours} h, edge {f.edge_pct:.3f} %"


def depth_note(o: ReplayedOpportunity) -> str:
    """The most profitable walk of both books in its life, where they were recorded."""
    d = o.best_depth
    if d is None:
        return "; depth not recorded"
    more = "+" if d.books_exhausted else ""
    return f"; depth {d.size_base:.4f}{more} for {d.profit_quote:.2f} at {d.net_spread_pct:.3f} %"


class Command(BaseCommand):
    help = "Replay recorded quotes through the engine (no live cache, /ws or history touched)."

    def add_arguments(self, parser):
        parser.add_argument("start", metavar="FROM", help="UTC date or date-time, e.g. 2026-12-04T06:00")
        parser.add_argument("end", metavar="TO", help="excluded; a bare date includes that day")
        parser.add_argument("--speed", default="max", help="N times real time, or max (default)")
        parser.add_argument("--user", help="report which of this user's active alert rules would have fired")
        parser.add_argument("--rule", type=int, action="append", help="with --user: only this rule (repeat)")
        parser.add_argument("--exchange", action="append", help="only this exchange's recording (repeat)")
        parser.add_argument("--limit", type=int, default=20, help="opportunities listed, most profitable first")

    def handle(self, *args, start, end, speed, user, rule, exchange, limit, **options):
        try:
            from_ms, to_ms = moment_ms(start), moment_ms(end, end=True)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if to_ms <= from_ms:
            raise CommandError("TO must come after FROM")
        pace = None
        if speed != "max":
            try:
                factor = float(speed)
            except ValueError:
                factor = 0.0
            if not factor > 0:
                raise CommandError("--speed takes a number above 0, or max")
            pace = paced(factor)
        if rule and not user:
            raise CommandError("--rule needs --user")
        rules, own_fees = [], None
        if user:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"no user {user!r}")
            rules, own_fees = user_rules(owner, rule), user_own_fees(owner)
        report = replay_period(from_ms, to_ms, rules=rules, own_fees=own_fees, exchanges=exchange, pace=pace)
        self.print_report(report, from_ms, to_ms, limit, {r.spec.id: r.name for r in rules} if user else None)

    def print_report(self, report: ReplayReport, from_ms: int, to_ms: int, limit: int, rules: dict | None) -> None:
        out = self.stdout.write
        rate = report.quotes / report.wall_s if report.wall_s else 0.0
        out(
            f"Replayed {when(from_ms)} → {when(to_ms)} UTC: {report.quotes:,} quotes, {report.downs} down notices, "
            f"{report.funding:,} funding records" + (f", {report.depth:,} books" if report.depth else "")
        )
        out(f"  in {report.wall_s:.1f} s ({report.cpu_s:.1f} s CPU, {rate:,.0f} quotes/s)")
        if not report.quotes:
            out("  nothing recorded in that period (ARBSITE_RECORDING, ARBSITE_RECORDING_DIR)")
        summary = summarise(report)
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(summary.by_reason.items()))
        out(f"Opportunities: {summary.opportunities} ({reasons or 'none'})")
        if summary.opportunities:
            out(
                f"  duration p50 {summary.duration_p50_ms / 1000:.2f} s, p90 {summary.duration_p90_ms / 1000:.2f} s, "
                f"max {summary.duration_max_ms / 1000:.2f} s; peak profit summed: "
                + ", ".join(f"{value:,.2f} {quote}" for quote, value in sorted(summary.profit_by_quote.items()))
            )
            out(f"  {'opened (UTC)':<23} {'duration':>9} {'net % first→peak':>18} {'size':>12} {'profit':>12}  pair")
            for o in sorted(report.opportunities, key=lambda o: o.peak_profit_quote, reverse=True)[:limit]:
                out(
                    f"  {when(o.opened_ms):<23} {o.duration_ms / 1000:>8.2f}s "
                    f"{o.first_net_spread_pct:>8.3f} → {o.peak_net_spread_pct:<7.3f} {o.peak_size_base:>12.4f} "
                    f"{o.peak_profit_quote:>12.2f}  {o.pair} ({o.close_reason})"
                    + (funding_note(o) if report.funding else "")
                    + (depth_note(o) if report.depth else "")
                )
        if rules is None:
            return
        out(f"Alerts: {len(report.alerts)} would have been sent ({report.held_by_cooldown} held by cooldowns)")
        for rule_id, name in rules.items():
            fired = [a for a in report.alerts if a.rule_id == rule_id]
            out(f"  {name} (#{rule_id}): {len(fired)}")
            for alert in fired[:5]:
                out(f"    {when(alert.at_ms)}  {alert.net_spread_pct:.3f} %  {alert.profit_quote:.2f}  {alert.pair}")
