from __future__ import annotations

from itertools import islice

import pytest

from loadtest.schedule import due_offsets_s


def test_requests_are_due_at_fixed_intervals():
    offsets = list(islice(due_offsets_s(500), 5))
    assert offsets == pytest.approx([0, 0.002, 0.004, 0.006, 0.008])


def test_processes_interleave_into_one_even_schedule():
    rate, processes = 300, 3
    joint = sorted(
        offset for index in range(processes) for offset in islice(due_offsets_s(rate, index, processes), 100)
    )
    assert joint == pytest.approx([n / rate for n in range(300)])


def test_a_second_of_schedule_holds_the_rate():
    due = [offset for offset in islice(due_offsets_s(250, 1, 2), 1000) if offset < 1.0]
    assert len(due) == 125


@pytest.mark.parametrize(("rate", "index", "processes"), [(0, 0, 1), (-1, 0, 1), (10, 2, 2), (10, -1, 2)])
def test_nonsense_is_refused(rate, index, processes):
    with pytest.raises(ValueError):
        next(due_offsets_s(rate, index, processes))
