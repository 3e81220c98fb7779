"""A feed is judged by how recently data arrived and its worker reported, not by its state."""

from __future__ import annotations

import pytest

from feeds.freshness import (
    DEGRADED,
    DOWN,
    FRESH,
    NOT_RUNNING,
    OK,
    SILENT,
    UNAVAILABLE,
    Freshness,
    expected_cadence_ms,
    judge_feed,
    overall,
)

NOW_MS = 1_800_000_000_000
SILENT_AFTER_MS, DOWN_AFTER_MS = 5_000, 30_000


def status(state="connected", data_age_ms=100, report_age_ms=500) -> dict:
    return {
        "state": state,
        "last_message_ms": None if data_age_ms is None else NOW_MS - data_age_ms,
        "published_ms": None if report_age_ms is None else NOW_MS - report_age_ms,
    }


def judge(reported):
    return judge_feed(reported, NOW_MS, SILENT_AFTER_MS, DOWN_AFTER_MS)


def test_recent_data_from_a_reporting_worker_is_fresh():
    assert judge(status()) == Freshness(FRESH, "", 100)


@pytest.mark.parametrize(
    ("reported", "level", "reason"),
    [
        (status(data_age_ms=8_000), SILENT, "no data for 8 s"),  # a stalled connection
        (status(data_age_ms=45_000), DOWN, "no data for 45 s"),
        (status(report_age_ms=12_000), DOWN, "its worker has not reported for 12 s"),  # a killed worker
        (status(report_age_ms=None), DOWN, "its worker has not reported"),
        (status(state="backoff", data_age_ms=1_000), DOWN, "disconnected, reconnecting"),
        (status(state="connecting", data_age_ms=None), SILENT, "no data yet"),
        (status(state="connected", data_age_ms=None), DOWN, "no data since its worker started"),
        (None, NOT_RUNNING, "no worker has reported this exchange"),
    ],
)
def test_a_feed_not_delivering_says_why(reported, level, reason):
    verdict = judge(reported)
    assert (verdict.level, verdict.reason) == (level, reason)


def test_connected_is_not_enough():
    assert judge(status(state="connected", data_age_ms=8_000, report_age_ms=200)).level == SILENT


@pytest.mark.parametrize(
    ("levels", "dependencies_ok", "expected"),
    [
        ([FRESH, FRESH, NOT_RUNNING], True, OK),
        ([FRESH, SILENT, NOT_RUNNING], True, DEGRADED),
        ([FRESH, DOWN], True, DEGRADED),
        ([SILENT, DOWN, NOT_RUNNING], True, UNAVAILABLE),  # nothing is live
        ([NOT_RUNNING, NOT_RUNNING], True, UNAVAILABLE),
        ([FRESH, FRESH], False, UNAVAILABLE),
    ],
)
def test_overall_status(levels, dependencies_ok, expected):
    assert overall(levels, dependencies_ok) == expected


def test_the_expected_cadence_is_the_sites_or_the_exchanges_longer_max_quote_age():
    assert expected_cadence_ms(5_000, None) == 5_000
    assert expected_cadence_ms(5_000, 2_000) == 5_000  # never flagged sooner than the site says
    assert expected_cadence_ms(5_000, 20_000) == 20_000
