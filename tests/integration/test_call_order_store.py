"""The store's atomic call-next (lua/call.lua) calls tickets in exactly the order of the pure rule.

Random queues of walk-ins, priority tickets and checked-in reservations (slots before and after now,
across two services) are issued into a real Redis; a counter then calls until nobody waits, and the
sequence must equal ``rules.call_sequence`` on the same tickets.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import redis.asyncio as aredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.clock import Clock
from server.config import Config
from server.queue.errors import NoWaitingTicket
from server.queue.models import Action, Channel, QueueClass
from server.queue.rules import CallPolicy, Waiting, call_sequence
from server.queue.store import Store
from server.runtime import redis_client

NOW = datetime.fromisoformat("2026-11-24T10:00:00+09:00")
MIN = 60_000

kinds = st.lists(
    st.tuples(st.sampled_from(["walk", "prio", "resv"]), st.sampled_from(["pickup", "e-cert"]), st.integers(-40, 40)),
    min_size=1,
    max_size=25,
)


async def _run(url: str, config: Config, plan: list[tuple[str, str, int]]) -> tuple[list[str], list[str]]:
    flush = aredis.Redis.from_url(url)
    await flush.flushall()
    await flush.aclose()
    redis = redis_client(url)
    store = Store(redis, config, Clock(config.timezone, NOW))
    now_ms = int(NOW.timestamp() * 1000)
    waiting: list[Waiting] = []
    try:
        for kind, service, slot_min in plan:
            slot = now_ms + slot_min * MIN if kind == "resv" else 0
            issued = await store.issue(
                "city-hall",
                service,
                channel=Channel.RESERVATION if kind == "resv" else Channel.WALK_IN,
                priority=kind == "prio",
                slot_at_ms=slot,
            )
            t = issued.ticket
            waiting.append(Waiting(t["number"], QueueClass(t["klass"]), int(t["order"]), slot))
        await store.counter_op("ch-booth-1", "open", services=["pickup", "e-cert"])
        called: list[str] = []
        while True:
            try:
                t = await store.call("ch-booth-1")
            except NoWaitingTicket:
                break
            called.append(t["number"])
            await store.act(t["id"], Action.NO_SHOW)
    finally:
        await redis.aclose()
    q = config.queue
    policy = CallPolicy(ratio=q.reservation_ratio, early_ms=q.reservation_early_min * MIN)
    # the store's clock runs on during the test by a few milliseconds: rules see the same instant
    expected = [w.id for w in call_sequence(waiting, now_ms, policy)]
    return called, expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=kinds)
def test_store_calls_in_the_order_of_the_rule(redis_url: str, config: Config, plan: list[tuple[str, str, int]]) -> None:
    called, expected = asyncio.run(_run(redis_url, config, plan))
    assert called == expected
