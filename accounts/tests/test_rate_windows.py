"""Rates counted in windows and judged over a sliding one (accounts.rate_windows)."""

from __future__ import annotations

import pytest

from accounts.rate_windows import Verdict, estimate, judge, windows_at


def test_windows_are_numbered_from_the_epoch():
    windows = windows_at(125.0, 60)
    assert windows.index == 2
    assert windows.elapsed == pytest.approx(5 / 60)


def test_the_previous_window_counts_for_the_share_still_inside_the_last_duration():
    assert estimate(previous=10, current=3, elapsed=0.25) == pytest.approx(10 * 0.75 + 3)


def test_below_the_limit_is_allowed_at_once():
    assert judge(previous=0, current=1, elapsed=0.5, limit=2, duration_s=60) == Verdict(True, 0.0)


def test_a_full_window_waits_for_the_next_one():
    verdict = judge(previous=0, current=2, elapsed=0.25, limit=2, duration_s=60)
    assert not verdict.allowed
    assert verdict.wait_s == pytest.approx(45)  # the rest of this window; the next starts empty enough


def test_a_full_previous_window_waits_until_enough_of_it_has_slid_out():
    # 10 last window, 5 this one, limit 10: allowed once 10 * (1 - e) + 5 < 10, i.e. e > 0.5.
    verdict = judge(previous=10, current=5, elapsed=0.2, limit=10, duration_s=60)
    assert not verdict.allowed
    assert verdict.wait_s == pytest.approx(0.3 * 60)
    assert judge(previous=10, current=5, elapsed=0.51, limit=10, duration_s=60).allowed


def test_a_window_over_the_limit_also_waits_for_part_of_the_next():
    # 20 this window with a limit of 10: next window the estimate is 20 * (1 - e), below 10 past e = 0.5.
    verdict = judge(previous=0, current=20, elapsed=0.75, limit=10, duration_s=60)
    assert verdict.wait_s == pytest.approx((0.25 + 0.5) * 60)
