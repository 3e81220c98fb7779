"""Arbsite in one process: web server (HTTP and /ws), feed workers, engine and the periodic
jobs in one event loop; alert deliveries and periodic jobs on this process's own threads.
With --simulate, the simulated exchanges run beside it in a child process, as real exchanges
would be elsewhere (feeds/simulator/process.py)."""

from __future__ import annotations

import asyncio
import logging

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.bootstrap import create_first_admin
from arbitrage.engine import Engine
from arbsite import periodic
from feeds.exchanges import EXCHANGE_IDS
from feeds.runner import FeedWorker
from feeds.simulator.process import simulator_process
from feeds.simulator.server import DEMO_UNIVERSE
from lib import runtime
from lib.background import lanes

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Serve the pages, API and /ws, and run every feed and the engine, in one process."

    def add_arguments(self, parser):
        parser.add_argument("--simulate", action="store_true", help="use the built-in exchange simulator")
        parser.add_argument(
            "--seed",
            type=int,
            help="with --simulate: the same market moves every run (benchmarks compare like with like)",
        )
        parser.add_argument(
            "--universe",
            type=int,
            default=DEMO_UNIVERSE,
            help=f"with --simulate: coins listed beyond the 8 majors (default {DEMO_UNIVERSE}; 0: none)",
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--exchange", action="append", choices=EXCHANGE_IDS, help="default all (not those switched off in admin)"
        )

    def handle(self, *args, simulate, seed, universe, host, port, exchange, **options):
        # Imported here: daphne.server installs Twisted's asyncio reactor on import.
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server, twisted_loop

        from arbsite.asgi import application

        call_command("migrate", interactive=False, verbosity=0)
        settings.SIMULATED = simulate
        credentials = create_first_admin()
        exchange_ids = list(exchange or EXCHANGE_IDS)
        jobs = periodic.check_schedule(settings.CELERY_BEAT_SCHEDULE)
        # Held here: the loop keeps only a weak reference to its tasks.
        self.background = twisted_loop.create_task(self._background(exchange_ids, simulate, seed, universe))
        server = Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            signal_handlers=True,
            ready_callable=lambda: self._announce(host, port, simulate, credentials, jobs),
        )
        try:
            server.run()
        finally:
            # Bounded, whatever was in flight: the feeds, the engine and the requests the
            # server left on its loop end (cancelled); queued alert work is dropped.
            runtime.wind_down(twisted_loop)
            lanes.shutdown()
            runtime.exit_within()

    async def _background(self, exchange_ids: list[str], simulate: bool, seed: int | None, universe: int) -> None:
        engine = Engine(get_channel_layer(), settings.FANOUT_INTERVAL_MS)

        def periodic_jobs():
            return periodic.run_schedule(settings.CELERY_BEAT_SCHEDULE, periodic.queue_celery_task)

        if simulate:
            manage_py = settings.BASE_DIR / "manage.py"
            async with simulator_process(manage_py, exchange_ids, seed, universe) as simulated:
                for exchange_id, endpoints in simulated.items():
                    # Fault drills and divergences are driven through these (README).
                    self.stdout.write(f"Simulated {exchange_id}: {endpoints.rest_url} {endpoints.ws_url}")
                self.stdout.flush()
                worker = FeedWorker(exchange_ids, simulated, simulated=True)
                await asyncio.gather(engine.run(), worker.run(), periodic_jobs())
        else:
            await asyncio.gather(engine.run(), FeedWorker(exchange_ids).run(), periodic_jobs())

    def _announce(
        self, host: str, port: int, simulate: bool, credentials: tuple[str, str] | None, jobs: list[str]
    ) -> None:
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
        self.stdout.write(f"Arbsite is running: open http://{shown_host}:{port}/")
        self.stdout.write(f"Periodic jobs (in-process): {', '.join(jobs)}")
        if simulate:
            self.stdout.write("Data source: the built-in exchange SIMULATOR (every page says so).")
        if credentials:
            username, password = credentials
            self.stdout.write(f"First admin created. Log in as: {username}  password: {password}")
            self.stdout.write("(Shown once. Change it with: python manage.py changepassword admin)")
        else:
            self.stdout.write("Log in with your account (reset one with: python manage.py changepassword NAME).")
        self.stdout.flush()
