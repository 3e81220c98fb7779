"""A feed worker: holds one connection per chosen exchange and publishes their quotes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from feeds.exchanges import EXCHANGE_IDS
from feeds.runner import FeedWorker
from feeds.simulator.server import DEMO_UNIVERSE, Simulator
from lib.runtime import run_until_stopped


class Command(BaseCommand):
    help = "Stream best bid/ask from exchanges into the channel layer."

    def add_arguments(self, parser):
        parser.add_argument(
            "--exchange",
            action="append",
            choices=EXCHANGE_IDS,
            help="repeat for several; default all (those switched off in admin do not run)",
        )
        parser.add_argument("--simulate", action="store_true", help="use the built-in exchange simulator")
        parser.add_argument(
            "--universe",
            type=int,
            default=DEMO_UNIVERSE,
            help=f"with --simulate: coins listed beyond the 8 majors (default {DEMO_UNIVERSE}; 0: none)",
        )

    def handle(self, *args, exchange, simulate, universe, **options):
        run_until_stopped(self._run(list(exchange or EXCHANGE_IDS), simulate, universe))

    async def _run(self, exchange_ids: list[str], simulate: bool, universe: int) -> None:
        if not simulate:
            await FeedWorker(exchange_ids).run()
            return
        async with Simulator(exchange_ids, universe=universe) as simulator:
            await FeedWorker(exchange_ids, simulator.endpoints, simulated=True).run()
