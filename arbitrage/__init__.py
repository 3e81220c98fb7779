"""The arbitrage engine: latest quotes, opportunities, fan-out to browsers and bots."""
