"""`make bench`: prints the figures the notes quote. Measures; asserts nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from arbitrage.bench import bench_tracker, bench_with_rules
from feeds.bench import bench_parsers


class Command(BaseCommand):
    help = "Measure parser, engine and channel-layer throughput on this machine."

    def add_arguments(self, parser):
        parser.add_argument("--ticks", type=int, default=200_000)
        parser.add_argument("--instruments", type=int, default=500)

    def handle(self, *args, ticks, instruments, **options):
        self.stdout.write("Frame parsing (parse_frame, one core):")
        for row in bench_parsers():
            self.stdout.write(f"  {row['exchange']:<9} {row['us_per_frame']:6.2f} µs/frame  ({row['frame']})")
        result = bench_tracker(instruments=instruments, ticks=ticks)
        self.stdout.write(
            f"Engine, book + opportunity tracking, {result['instruments']} instruments × {result['exchanges']} "
            f"exchanges, {result['ticks']} ticks: {result['us_per_tick']:.2f} µs/tick, "
            f"{result['ticks_per_s']:,.0f} ticks/s; opened {result['opened']}, closed {result['closed']}"
        )
        rules = bench_with_rules(instruments=instruments, ticks=ticks // 2)
        self.stdout.write(
            f"Engine with alert matching, {rules['rules']:,} rules: {rules['us_per_tick']:.2f} µs/tick; "
            f"{rules['us_per_match']:.1f} µs per opening matched ({rules['matches']} openings, "
            f"{rules['rules_matched']} rule hits)"
        )
