"""The simulator lists each exchange's order size step in that exchange's own fields, so the
connectors read a step (and paper trades round to it) against the simulator as against the live list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.rest import fetch_instruments
from feeds.simulator.server import Simulator


async def listed_by(exchange_id: str) -> dict:
    async with Simulator([exchange_id], step_interval_s=0.02, seed=7) as simulator:
        return {i.symbol: i for i in await fetch_instruments(exchange_id, simulator.endpoints[exchange_id].rest_url)}


@pytest.mark.parametrize(
    ("exchange_id", "symbol", "step_base"),
    [
        ("binance", "BTCUSDT", "0.001"),
        ("bybit", "BTCUSDT", "0.001"),
        ("okx", "BTC-USDT-SWAP", "0.0001"),  # 0.01 contracts of 0.01 BTC
        ("bitget", "BTCUSDT", "0.0001"),
        ("gateio", "BTC_USDT", "0.0001"),  # one contract of 0.0001 BTC
        ("kucoin", "XBTUSDTM", "0.001"),  # one contract of 0.001 BTC
        ("mexc", "BTC_USDT", "0.0001"),
        ("bitmex", "XBTUSDT", "0.001"),  # 1000 contracts of a millionth of a BTC
        ("phemex", "BTCUSDT", "0.001"),
        ("deribit", "BTC_USDC-PERPETUAL", "0.0001"),
    ],
)
async def test_the_simulated_lists_give_each_linear_btc_perpetual_its_order_step(exchange_id, symbol, step_base):
    listed = await listed_by(exchange_id)

    assert listed[symbol].order_steps_base()[0] == Decimal(step_base)
