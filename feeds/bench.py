"""Parser benchmark: µs per frame for each exchange's typical data frame."""

from __future__ import annotations

import timeit

from feeds.exchanges import CONNECTORS, parse_frame, parse_instruments
from feeds.exchanges.samples import SAMPLES


def bench_parsers(number: int = 20_000) -> list[dict]:
    rows = []
    for exchange_id in CONNECTORS:
        sample = SAMPLES.get(exchange_id)
        if sample is None:
            continue
        instruments = {i.symbol: i for i in parse_instruments(exchange_id, sample.instruments_body)}
        frame = sample.frame
        assert parse_frame(exchange_id, frame, instruments), f"{exchange_id} sample frame gives no quote"
        seconds = min(
            timeit.repeat(
                lambda: parse_frame(exchange_id, frame, instruments, {}, 0),  # noqa: B023
                number=number,
                repeat=3,
            )
        )
        rows.append({"exchange": exchange_id, "us_per_frame": seconds / number * 1e6, "frame": sample.name})
    return rows
