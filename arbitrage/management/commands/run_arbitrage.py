"""The arbitrage engine as its own process: quotes from the layer, updates to /ws and the cache."""

from __future__ import annotations

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand

from arbitrage.engine import Engine
from lib.runtime import run_until_stopped


class Command(BaseCommand):
    help = "Run the arbitrage engine."

    def handle(self, *args, **options):
        engine = Engine(get_channel_layer(), settings.FANOUT_INTERVAL_MS)
        run_until_stopped(engine.run())
