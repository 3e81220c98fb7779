"""Serve the simulated exchanges on local ports until stopped."""

from __future__ import annotations

import asyncio
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from feeds.simulator.server import DEMO_UNIVERSE, SIMULATED_EXCHANGE_IDS, Playback, Simulator
from lib.moments import moment_ms
from lib.runtime import run_until_stopped


class Command(BaseCommand):
    help = "Serve protocol-faithful simulated exchanges (WebSocket and instrument REST) on local ports."

    def add_arguments(self, parser):
        parser.add_argument("--exchange", action="append", choices=SIMULATED_EXCHANGE_IDS, help="repeat; default all")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9400, help="first port; one port per exchange (0: any free)")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--play", nargs=2, metavar=("FROM", "TO"), help="play this recorded period (UTC) instead of random prices"
        )
        parser.add_argument("--speed", type=float, default=1.0, help="with --play: N times real time")
        parser.add_argument(
            "--universe",
            type=int,
            default=DEMO_UNIVERSE,
            help=f"coins listed beyond the 8 majors (default {DEMO_UNIVERSE}; 0: none)",
        )
        parser.add_argument(
            "--until-stdin-closes",
            action="store_true",
            help="stop when standard input closes (a parent process that started us has gone)",
        )

    def handle(self, *args, exchange, host, port, seed, play, speed, universe, until_stdin_closes, **options):
        playback = None
        if play:
            try:
                period = moment_ms(play[0]), moment_ms(play[1], end=True)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            playback = Playback(settings.RECORDING_DIR, *period, speed)
        simulator = Simulator(
            list(exchange or SIMULATED_EXCHANGE_IDS),
            host=host,
            base_port=port,
            seed=seed,
            playback=playback,
            universe=universe,
        )
        run_until_stopped(self._serve(simulator, until_stdin_closes))

    async def _serve(self, simulator: Simulator, until_stdin_closes: bool) -> None:
        async with simulator:
            if simulator.playback is not None:
                coins = ", ".join(simulator.market.coins) or "none: nothing recorded in that period"
                self.stdout.write(f"Playing the recording at {simulator.playback.speed}x; coins: {coins}")
            self.stdout.write("Simulated exchanges are up. Point workers at them with:")
            for exchange_id, endpoints in simulator.endpoints.items():
                upper = exchange_id.upper()
                self.stdout.write(f"  ARBSITE_{upper}_WS_URL={endpoints.ws_url}")
                self.stdout.write(f"  ARBSITE_{upper}_REST_URL={endpoints.rest_url}")
            self.stdout.flush()
            if until_stdin_closes:
                await stdin_closed()
            else:
                await asyncio.Event().wait()


async def stdin_closed() -> None:
    """Returns once standard input reaches its end (what it carries is ignored)."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        pass
