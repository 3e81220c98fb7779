"""Latency distributions that client processes record cheaply and the harness merges.

Values are integers (µs). Each is kept in a bucket at most 1/128 of its size wide, so a
percentile is exact below 256 µs and within 0.8 % above, whatever the number of samples;
a histogram is a small dict that travels as JSON from a client process to the harness.
"""

from __future__ import annotations

import math

SIGNIFICANT_BITS = 8
_EXACT_BELOW = 1 << SIGNIFICANT_BITS


def bucket_of(value: int) -> int:
    """The lower edge of the bucket `value` (≥ 0) falls in."""
    if value < _EXACT_BELOW:
        return value
    shift = value.bit_length() - SIGNIFICANT_BITS
    return (value >> shift) << shift


def bucket_top(bucket: int) -> int:
    """The largest value the bucket starting at `bucket` holds."""
    if bucket < _EXACT_BELOW:
        return bucket
    return bucket + (1 << (bucket.bit_length() - SIGNIFICANT_BITS)) - 1


class Histogram:
    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.count = 0
        self.total = 0
        self.max = 0
        self.negative = 0  # values below zero (clocks disagreeing), recorded as 0

    def record(self, value: int, times: int = 1) -> None:
        if value < 0:
            self.negative += times
            value = 0
        bucket = bucket_of(value)
        self.counts[bucket] = self.counts.get(bucket, 0) + times
        self.count += times
        self.total += value * times
        if value > self.max:
            self.max = value

    def record_counts(self, counts: dict[int, int], unit_us: int = 1) -> None:
        """Add values counted elsewhere ({value: times}, in units of `unit_us`): a hot loop
        counts with collections.Counter, in C, and hands the tally over once."""
        for value, times in counts.items():
            self.record(value * unit_us, times)

    def merge(self, other: Histogram) -> None:
        for bucket, count in other.counts.items():
            self.counts[bucket] = self.counts.get(bucket, 0) + count
        self.count += other.count
        self.total += other.total
        self.max = max(self.max, other.max)
        self.negative += other.negative

    def percentile(self, q: float) -> int | None:
        """The nearest-rank q-th percentile (0 < q ≤ 100): the smallest recorded value with at
        least q % of all values at or below it, given as its bucket's top as HdrHistogram does
        (never above the max): an estimate that errs high, by under 0.8 %."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q / 100 * self.count))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return min(bucket_top(bucket), self.max)
        return self.max

    def summary_ms(self) -> dict:
        """count, p50, p90, p99, p99.9, max and mean in milliseconds (values recorded in µs)."""

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value / 1000, 3)

        return {
            "count": self.count,
            "p50": ms(self.percentile(50)),
            "p90": ms(self.percentile(90)),
            "p99": ms(self.percentile(99)),
            "p99_9": ms(self.percentile(99.9)),
            "max": ms(self.max) if self.count else None,
            "mean": ms(self.total / self.count) if self.count else None,
            "negative": self.negative,
        }

    def to_json(self) -> dict:
        return {
            "counts": [[bucket, count] for bucket, count in sorted(self.counts.items())],
            "count": self.count,
            "total": self.total,
            "max": self.max,
            "negative": self.negative,
        }

    @classmethod
    def from_json(cls, data: dict) -> Histogram:
        histogram = cls()
        histogram.counts = {int(bucket): int(count) for bucket, count in data["counts"]}
        histogram.count = data["count"]
        histogram.total = data["total"]
        histogram.max = data["max"]
        histogram.negative = data["negative"]
        return histogram


def merged(histograms: list[Histogram]) -> Histogram:
    result = Histogram()
    for histogram in histograms:
        result.merge(histogram)
    return result
