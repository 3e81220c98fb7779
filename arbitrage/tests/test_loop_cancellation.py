"""The engine's and the fan-out's forever-loops end when cancelled, also when the event they
wait on is set in the same turn of the loop. Python 3.11's asyncio.wait_for returns the
result instead of raising when its inner wait finished just as the cancellation came: the
loop went round again and a stopping worker or test waited for ever."""

from __future__ import annotations

import asyncio

from channels.layers import InMemoryChannelLayer

from arbitrage.engine import Engine
from arbitrage.fanout import FanoutHub


async def _cancelled_as_its_event_fires(task: asyncio.Task, event: asyncio.Event) -> None:
    await asyncio.sleep(0.05)  # the loop is waiting on the event
    event.set()
    await asyncio.sleep(0)  # the wait finishes; its waiter is woken on the next turn
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2)
    assert task in done and task.cancelled()


async def test_the_engines_fan_out_loop_ends_when_cancelled_as_a_change_arrives():
    engine = Engine(InMemoryChannelLayer(), fanout_interval_ms=100)
    task = asyncio.create_task(engine.fan_out_forever())
    await _cancelled_as_its_event_fires(task, engine._changed)


async def test_the_fan_outs_presence_loop_ends_when_cancelled_as_membership_changes(monkeypatch):
    class Registry:
        async def put(self, watchers) -> None:
            pass

        async def remove(self, channel) -> None:
            pass

    monkeypatch.setattr("arbitrage.fanout.presence.registry", lambda: Registry())
    hub = FanoutHub(InMemoryChannelLayer())
    hub.channel = "fanout.test"
    task = asyncio.create_task(hub._register_forever())
    await _cancelled_as_its_event_fires(task, hub._membership_changed)
