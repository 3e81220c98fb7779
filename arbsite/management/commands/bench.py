"""`make bench`: prints the figures README's "Measuring" quotes. Measures; asserts nothing.

Without `--live`: parser, engine and alert-matching micro-benchmarks in this process.
With `--live ws|rest`: the load harness (loadtest/) against a system it starts on loopback
(or `--url`), one bounded measurement per client count or rate, each printed and written as
JSON under `--json-dir`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from arbitrage.bench import (
    bench_funding_ranking,
    bench_replay,
    bench_tracker,
    bench_universe_engine,
    bench_with_rules,
)
from arbitrage.queries import dashboard_instruments
from feeds.bench import bench_parsers, bench_recording, bench_socket_ingest, bench_universe_feed
from feeds.exchanges import EXCHANGE_IDS
from feeds.simulator.server import DEMO_UNIVERSE
from lib.runtime import run_until_stopped
from loadtest.processes import ChildFailed
from loadtest.report import rest_table, ws_table
from loadtest.runner import RestRun, SystemSpec, WsRun, measure
from loadtest.system import StartupFailed


def _numbers(kind: type) -> Callable[[str], list]:
    def parse(text: str) -> list:
        return [kind(item) for item in text.split(",") if item.strip()]

    return parse


def subscription_query(subscribe: str) -> str:
    """The /ws URL query a client connects with: "majors", the Prices page's rows for a user who
    watches nothing (arbitrage.queries.dashboard_instruments) with every opportunity, as a
    browser with the Prices and Opportunities pages open takes; "none": no subscription."""
    if subscribe == "none":
        return ""
    return urlencode({"instruments": ",".join(sorted(dashboard_instruments(set()))), "opportunities": "all"})


class Command(BaseCommand):
    help = "Measure parser and engine (with alert matching) throughput on this machine; with --live, the served system."

    def add_arguments(self, parser):
        parser.add_argument("--ticks", type=int, default=200_000)
        parser.add_argument("--instruments", type=int, default=500)
        parser.add_argument(
            "--universe",
            type=int,
            default=DEMO_UNIVERSE,
            help="generated coins listed besides the majors: the whole-universe figures and the live simulator",
        )
        parser.add_argument(
            "--replay-seconds", type=float, default=3600, help="recorded time replayed (default an hour)"
        )
        parser.add_argument(
            "--recording-only",
            action="store_true",
            help="only what recording costs against ingest (parsers, loopback ingest, recorder)",
        )
        live = parser.add_argument_group("live load (loadtest/)")
        live.add_argument("--live", choices=["ws", "rest"], help="/ws clients or an open-loop REST generator")
        live.add_argument("--mode", choices=["single", "scaleout"], default="single", help="the system to start")
        live.add_argument("--clients", type=_numbers(int), default=[100], help="ws: comma-separated, e.g. 100,1000")
        live.add_argument("--rps", type=_numbers(float), default=[100.0], help="rest: requests/s, comma-separated")
        live.add_argument("--path", default="/api/prices", help="rest: the path to GET")
        live.add_argument("--duration", type=float, default=20.0, help="seconds measured (after ramp-up, warm-up)")
        live.add_argument("--web-workers", type=int, default=1, help="scaleout: daphne processes")
        live.add_argument("--client-processes", type=int, help="ws: load processes (default one per 500 clients)")
        live.add_argument("--rest-processes", type=int, help="rest: load processes (default one per 500 req/s)")
        live.add_argument("--sample-every", type=int, help="ws: decode 1 price update in N per connection")
        live.add_argument(
            "--ws-compression",
            choices=["deflate", "none"],
            default="deflate",
            help="ws: what the clients offer (browsers offer deflate)",
        )
        live.add_argument("--auth", choices=["mixed", "bearer", "cookie"], default="mixed", help="ws clients' login")
        live.add_argument(
            "--subscribe",
            choices=["majors", "none"],
            default="majors",
            help="ws: what each client subscribes to: as the Prices page does by default (the majors' quotes, "
            "named in the URL) with every opportunity, or none (every quote and opportunity)",
        )
        live.add_argument("--url", help="measure this running server instead of starting one")
        live.add_argument("--username", help="with --url: the user to log in as")
        live.add_argument("--password", help="with --url")
        live.add_argument("--server-pid", type=int, action="append", default=[], help="with --url: for CPU figures")
        live.add_argument("--json-dir", type=Path, default=settings.VAR_DIR / "bench")

    def handle(self, *args, live, **options):
        if live is None and options["recording_only"]:
            self.parsers = bench_parsers()
            self.recording()
            return
        if live is None:
            self.micro_benchmarks(options["ticks"], options["instruments"])
            self.whole_universe(options["universe"])
            self.recording()
            self.replay(options["replay_seconds"])
            return
        spec = self.system_spec(options)
        if live == "ws":
            runs = [
                WsRun(
                    clients=n,
                    duration_s=options["duration"],
                    client_processes=options["client_processes"],
                    sample_every=options["sample_every"],
                    auth=options["auth"],
                    compression=options["ws_compression"] == "deflate",
                    subscribe=options["subscribe"],
                    query=subscription_query(options["subscribe"]),
                )
                for n in options["clients"]
            ]
        else:
            runs = [
                RestRun(rate, options["duration"], path=options["path"], processes=options["rest_processes"])
                for rate in options["rps"]
            ]
        failures = []
        run_until_stopped(self.measure_all(spec, runs, options["json_dir"], failures))
        if failures:
            raise CommandError(f"{len(failures)} of {len(runs)} measurements failed")

    def system_spec(self, options: dict) -> SystemSpec:
        if options["url"]:
            if not (options["username"] and options["password"]):
                raise CommandError("--url needs --username and --password")
            return SystemSpec(
                "external",
                EXCHANGE_IDS,
                url=options["url"],
                username=options["username"],
                password=options["password"],
                server_pids=tuple(options["server_pid"]),
            )
        return SystemSpec(
            options["mode"],
            EXCHANGE_IDS,
            web_workers=options["web_workers"],
            database_url=settings.DATABASE_URL,
            universe=options["universe"],
        )

    async def measure_all(self, spec: SystemSpec, runs: list, json_dir: Path, failures: list) -> None:
        for run in runs:
            try:
                summary = await measure(spec, run, json_dir)
            except (StartupFailed, ChildFailed, TimeoutError, OSError) as exc:
                failures.append(exc)
                self.stderr.write(f"{run}: failed: {exc or type(exc).__name__}")
                continue
            self.stdout.write((ws_table if isinstance(run, WsRun) else rest_table)(summary))
            self.stdout.flush()

    def micro_benchmarks(self, ticks: int, instruments: int) -> None:
        self.stdout.write("Frame parsing (parse_frame, one core):")
        self.parsers = bench_parsers()
        for row in self.parsers:
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

    def whole_universe(self, universe: int) -> None:
        """Every listed perpetual watched (ARBSITE_INSTRUMENTS=*) on the simulator's universe."""
        out = self.stdout.write
        parse_us = sum(row["us_per_frame"] / row["quotes"] for row in self.parsers) / len(self.parsers)
        feed = bench_universe_feed(parse_us, universe)
        engine = bench_universe_engine(universe)
        out(
            f"Whole universe, 8 majors + {universe} generated coins, {feed['books']:,} books on 11 exchanges, "
            f"{feed['quotes_per_s']:,.0f} quotes/s:"
        )
        out(
            f"  feed parse + publish {feed['parse_publish_us_per_quote']:.2f} µs/quote = {feed['feed_cpu_pct']:.1f} % "
            f"of a core; simulator market {feed['market_us_per_step']:,.0f} µs/step = {feed['market_cpu_pct']:.1f} %"
        )
        out(
            f"  engine on_quotes {engine['us_per_tick']:.2f} µs/tick = {engine['engine_cpu_pct']:.1f} % of a core; "
            f"{engine['open_at_end']} open at the end"
        )
        ranking = bench_funding_ranking()
        out(
            f"  funding ranking, {ranking['pairs']:,} earning pairs: every pair priced "
            f"{ranking['all_priced_ms']:.0f} ms; ranked by the rates with the best 100 priced (the Funding page) "
            f"{ranking['shown_priced_ms']:.0f} ms"
        )

    def recording(self) -> None:
        out = self.stdout.write
        parse_us = sum(row["us_per_frame"] / row["quotes"] for row in self.parsers) / len(self.parsers)
        out("Recording (ARBSITE_RECORDING) against a feed worker's ingest CPU, socket to publisher:")
        for frames_per_s in (2000, 5000, None):
            ingest = bench_socket_ingest(frames=10_000 if frames_per_s else 40_000, frames_per_s=frames_per_s)
            # Each once-a-second write holds a second of this pace (back to back: what the socket gave).
            quotes_per_s = frames_per_s or round(1e6 / ingest["us_per_quote"])
            cost = bench_recording(ingest["us_per_quote"], parse_us, quotes_per_s=quotes_per_s)
            pace = f"{frames_per_s:,} frames/s" if frames_per_s else "back to back"
            out(
                f"  ingest {pace:<14} {ingest['us_per_quote']:6.2f} µs/quote; recording "
                f"{cost['record_us_per_quote']:.2f} µs/quote = {cost['record_pct_of_ingest']:.1f} % of it "
                f"({cost['quotes_per_write']:,} quotes a write)"
            )
        out(
            f"  (parser + publisher alone {cost['parse_publish_us_per_quote']:.2f} µs/quote: recording "
            f"{cost['record_pct_of_parse_publish']:.0f} % of that); {cost['bytes_per_quote']:.1f} bytes/quote on disk"
        )

    def replay(self, replay_seconds: float) -> None:
        out = self.stdout.write
        result = bench_replay(replay_seconds)
        out(
            f"Replay, {result['recorded_s'] / 60:.0f} min of {result['exchanges']} exchanges recorded "
            f"({result['quotes']:,} quotes, {result['bytes'] / 1e6:.1f} MB), max speed: {result['wall_s']:.1f} s "
            f"({result['cpu_s']:.1f} s CPU, {result['quotes_per_s']:,.0f} quotes/s); "
            f"{result['opportunities']} opportunities"
        )
