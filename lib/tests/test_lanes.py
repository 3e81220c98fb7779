"""Lanes: thread pools by name that keep one kind of work from waiting behind another's."""

from __future__ import annotations

import threading

import pytest

from lib.lanes import Lanes


@pytest.fixture
def lanes():
    lanes = Lanes({"quick": 1, "slow": 1})
    yield lanes
    lanes.shutdown()


def test_a_lane_blocked_by_slow_work_holds_up_no_other_lane(lanes):
    release, quick_done = threading.Event(), threading.Event()
    lanes.submit("slow", lambda: release.wait(10))
    lanes.submit("slow", lambda: None)  # queued behind it, on its own lane
    lanes.submit("quick", quick_done.set)

    assert quick_done.wait(5)
    assert not lanes.wait_idle(0.05)  # the slow lane still works
    release.set()
    assert lanes.wait_idle(5)


def test_a_delayed_job_waits_on_a_timer_not_on_the_caller(lanes):
    ran_on = []
    done = threading.Event()
    lanes.submit("quick", lambda: (ran_on.append(threading.current_thread().name), done.set()), delay_s=0.05)
    assert not done.is_set()  # submit returned before the job ran
    assert done.wait(5) and lanes.wait_idle(5)
    assert ran_on[0].startswith("quick")


def test_a_failing_job_is_logged_and_the_lane_goes_on(lanes, caplog):
    done = threading.Event()
    lanes.submit("quick", lambda: 1 / 0)
    lanes.submit("quick", done.set)
    assert done.wait(5) and lanes.wait_idle(5)
    assert "background job" in caplog.text and "ZeroDivisionError" in caplog.text


def test_shutdown_drops_what_waits_and_leaves_the_running_job_to_end(lanes):
    started, release = threading.Event(), threading.Event()
    ran = []
    lanes.submit("quick", lambda: (started.set(), release.wait(10)))
    lanes.submit("quick", lambda: ran.append("queued"))
    lanes.submit("quick", lambda: ran.append("timed"), delay_s=0.05)
    assert started.wait(5)

    assert lanes.shutdown() == 1  # one running
    release.set()
    assert lanes.wait_idle(5)
    assert ran == []
    done = threading.Event()
    lanes.submit("quick", done.set)  # and it takes new work afterwards
    assert done.wait(5)


def test_inline_jobs_run_in_the_caller_and_a_job_queued_by_a_job_runs_after_it(lanes):
    lanes.inline = True
    order = []

    def outer() -> None:
        lanes.submit("slow", lambda: order.append("inner"), delay_s=60)  # not waited
        order.append("outer")

    lanes.submit("quick", outer)
    assert order == ["outer", "inner"]


def test_an_unknown_lane_is_refused(lanes):
    with pytest.raises(ValueError, match="no lane 'webhooks'; one of quick, slow"):
        lanes.submit("webhooks", lambda: None)
