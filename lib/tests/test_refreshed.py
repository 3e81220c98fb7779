"""A value computed at most so often, once for all who ask meanwhile (lib.refreshed)."""

from __future__ import annotations

import asyncio

import pytest

from lib.refreshed import Refreshed


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("lib.refreshed.time.monotonic", lambda: now[0])
    return now


async def test_callers_meanwhile_share_one_computation(clock):
    calls = []

    async def compute() -> int:
        calls.append(len(calls))
        await asyncio.sleep(0)
        return len(calls)

    value = Refreshed(compute, lambda: 0.1)
    assert await asyncio.gather(*(value.get() for _ in range(20))) == [1] * 20
    assert await value.get() == 1  # kept
    clock[0] += 0.1
    assert await value.get() == 2
    assert len(calls) == 2


async def test_a_failure_reaches_every_caller_and_is_not_kept(clock):
    outcomes = [RuntimeError("down"), 7]

    async def compute() -> int:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    value = Refreshed(compute, lambda: 10)
    results = await asyncio.gather(value.get(), value.get(), return_exceptions=True)
    assert [str(result) for result in results] == ["down", "down"]
    assert await value.get() == 7
