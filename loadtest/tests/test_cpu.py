from __future__ import annotations

import os

import pytest

from loadtest.cpu import (
    CLOCK_TICKS_PER_S,
    CpuWindow,
    Watched,
    cpu_pct,
    parse_machine_stat,
    parse_process_stat,
    parse_rss_mb,
)


def test_process_cpu_seconds_are_user_plus_system_even_with_parentheses_in_the_name():
    fields = ["S", "1", "2", "3", "0", "-1", "4194560", "100", "0", "0", "0", "250", "50"]
    text = "1234 (daphne (worker) 1) " + " ".join(fields) + " 0 0 20 0 4 0 100"
    assert parse_process_stat(text) == (250 + 50) / CLOCK_TICKS_PER_S


def test_machine_busy_excludes_idle_and_iowait():
    text = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n"
    busy, total = parse_machine_stat(text)
    assert busy == 150 / CLOCK_TICKS_PER_S
    assert total == 1000 / CLOCK_TICKS_PER_S


def test_rss_in_megabytes():
    assert parse_rss_mb("Name:\tpython\nVmRSS:\t  204800 kB\n") == 200.0
    assert parse_rss_mb("Name:\tkthreadd\n") is None


def test_cpu_percent_is_of_one_core():
    assert cpu_pct(10.0, 13.0, 2.0) == 150.0
    assert cpu_pct(1.0, 1.0, 0.0) == 0.0


def test_a_window_reports_this_process_and_a_vanished_one():
    window = CpuWindow([Watched("me", "harness", os.getpid()), Watched("gone", "server", 2**22 + 1)])
    window.open(0.0)
    sum(range(2_000_000))  # some CPU to see
    figures = window.close(1.0)
    me, gone = figures["processes"]
    assert me["cpu_pct"] >= 0 and me["rss_mb"] > 0
    assert gone["cpu_pct"] is None
    assert figures["machine"]["cores"] == os.cpu_count()
    assert 0 <= figures["machine"]["others_busy_pct"] <= 100
    assert len(figures["machine"]["load_average_before"]) == 3


@pytest.mark.parametrize("pid", [os.getpid()])
def test_this_process_has_used_some_cpu(pid):
    from loadtest.cpu import process_cpu_s

    assert process_cpu_s(pid) > 0
