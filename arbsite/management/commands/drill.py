"""`manage.py drill redis-restart`: a fault drill on the scaled-out system, printed and written
as JSON like `bench` (loadtest/drill.py says what it measures). Measures; asserts nothing."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from feeds.exchanges import EXCHANGE_IDS
from lib.runtime import run_until_stopped
from loadtest.drill import RedisRestartDrill, drill_table
from loadtest.processes import ChildFailed
from loadtest.runner import SystemSpec, WsRun, measure
from loadtest.system import StartupFailed


class Command(BaseCommand):
    help = "Restart the scaled-out system's Redis under /ws load: recovery seconds, closed connections, RSS."

    def add_arguments(self, parser):
        parser.add_argument("drill", choices=["redis-restart"])
        parser.add_argument("--clients", type=int, default=1000, help="/ws clients (load processes)")
        parser.add_argument("--web-workers", type=int, default=1, help="daphne processes")
        parser.add_argument("--warm", type=float, default=10.0, help="seconds of load before Redis goes")
        parser.add_argument("--outage", type=float, default=10.0, help="seconds Redis is away")
        parser.add_argument("--after", type=float, default=60.0, help="seconds watched after it is back")
        parser.add_argument("--probes", type=int, default=4, help="connections of the drill's own that time recovery")
        parser.add_argument("--json-dir", type=Path, default=settings.VAR_DIR / "bench")

    def handle(self, *args, drill, **options):
        if not settings.DATABASE_URL.startswith("postgres"):
            raise CommandError("the drill runs the scaled-out system: set DATABASE_URL to a PostgreSQL server")
        fault = RedisRestartDrill(
            warm_s=options["warm"], outage_s=options["outage"], after_s=options["after"], probes=options["probes"]
        )
        spec = SystemSpec(
            "scaleout", EXCHANGE_IDS, web_workers=options["web_workers"], database_url=settings.DATABASE_URL
        )
        run = WsRun(clients=options["clients"], duration_s=fault.duration_s)
        summaries = []

        async def drill_once() -> None:
            summaries.append(await measure(spec, run, options["json_dir"], during=fault))

        try:
            run_until_stopped(drill_once())
        except (StartupFailed, ChildFailed, TimeoutError, OSError) as exc:
            raise CommandError(f"the drill did not run: {exc or type(exc).__name__}") from exc
        if not summaries:
            raise CommandError("stopped before the drill ended")
        self.stdout.write(drill_table(summaries[0]))
