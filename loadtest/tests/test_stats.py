from __future__ import annotations

import math
import random

import pytest

from loadtest.stats import Histogram, bucket_of, bucket_top, merged


def test_small_values_are_exact():
    histogram = Histogram()
    for value in range(1, 201):
        histogram.record(value)
    assert histogram.percentile(50) == 100
    assert histogram.percentile(99) == 198
    assert histogram.percentile(100) == 200
    assert histogram.max == 200


@pytest.mark.parametrize("value", [256, 257, 1000, 65_535, 123_456, 10**9])
def test_a_bucket_holds_its_value_within_one_percent(value):
    bucket = bucket_of(value)
    assert bucket <= value <= bucket_top(bucket)
    assert (bucket_top(bucket) - bucket) / value < 0.008


def test_percentiles_match_sorted_samples_within_a_percent():
    rng = random.Random(7)
    values = [int(rng.lognormvariate(10, 1)) for _ in range(20_000)]
    histogram = Histogram()
    for value in values:
        histogram.record(value)
    ordered = sorted(values)
    for q in (50, 90, 99, 99.9):
        exact = ordered[math.ceil(q / 100 * len(ordered)) - 1]  # nearest rank
        assert histogram.percentile(q) == pytest.approx(exact, rel=0.008)
    assert histogram.percentile(100) == max(values)
    assert histogram.total == sum(values)


def test_negative_values_are_counted_and_recorded_as_zero():
    histogram = Histogram()
    histogram.record(-5)
    histogram.record(10)
    assert histogram.negative == 1
    assert histogram.percentile(50) == 0
    assert histogram.count == 2


def test_an_empty_histogram_has_no_percentiles():
    summary = Histogram().summary_ms()
    assert summary["count"] == 0
    assert summary["p99"] is None
    assert summary["max"] is None


def test_histograms_merge_and_survive_json():
    a, b = Histogram(), Histogram()
    for value in range(1000):
        a.record(value * 10)
    for value in range(1000):
        b.record(50_000 + value)
    both = merged([Histogram.from_json(a.to_json()), Histogram.from_json(b.to_json())])
    assert both.count == 2000
    assert both.max == 50_999
    assert both.percentile(50) == pytest.approx(9_990, rel=0.008)
    assert both.percentile(75) == pytest.approx(50_500, rel=0.008)


def test_summary_is_in_milliseconds():
    histogram = Histogram()
    for value_us in (1_000, 2_000, 3_000):
        histogram.record(value_us)
    summary = histogram.summary_ms()
    assert summary["p50"] == pytest.approx(2.0, rel=0.008)
    assert summary["max"] == 3.0
    assert summary["mean"] == 2.0


def test_counts_from_a_hot_loop_are_added_in_their_unit():
    histogram = Histogram()
    histogram.record_counts({12: 3, -1: 1, 40: 1}, unit_us=1000)
    assert histogram.count == 5
    assert histogram.negative == 1
    assert histogram.max == 40_000
    assert histogram.total == 76_000
    assert histogram.percentile(50) == pytest.approx(12_000, rel=0.008)
