"""Pure queue rules: ticket numbers, business dates, the call order and wait estimates.

The Redis script ``lua/call.lua`` applies the same call order atomically; an integration test drives
both with the same random queues and requires the same sequence of calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from server.queue.models import QueueClass


def format_number(prefix: str, n: int, digits: int = 3) -> str:
    """Display number: prefix and the running number zero-padded, e.g. ``A012``; grows past 999."""
    if n < 1:
        raise ValueError("ticket numbers start at 1")
    return f"{prefix}{n:0{digits}d}"


@dataclass(frozen=True, slots=True)
class Waiting:
    """A waiting ticket as the call order sees it.

    ``order`` is the site-wide issue order (kept across transfer and return to queue); ``slot_at`` is the
    reservation slot start in epoch milliseconds, only for the reservation class.
    """

    id: str
    klass: QueueClass
    order: int
    slot_at: int = 0


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """How reservations and priority tickets go ahead of walk-ins.

    ``ratio``: at most this many reservation/priority calls in a row while a walk-in waits.
    ``early_ms``: a reservation counts as due this long before its slot starts.
    """

    ratio: int = 2
    early_ms: int = 10 * 60 * 1000


def _head(items: Sequence[Waiting], klass: QueueClass) -> Waiting | None:
    members = [w for w in items if w.klass is klass]
    return min(members, key=_sort_key(klass)) if members else None


def _sort_key(klass: QueueClass) -> Callable[[Waiting], tuple[int, int]]:
    """How a line of one class waits: reservations by slot (ties by issue order), the others by issue order."""
    if klass is QueueClass.RESERVATION:
        return lambda w: (w.slot_at, w.order)
    return lambda w: (w.order, 0)


def _pick(
    resv: Waiting | None, prio: Waiting | None, walk: Waiting | None, now_ms: int, streak: int, policy: CallPolicy
) -> tuple[Waiting | None, int]:
    """The next call among the heads of the three lines, and the new streak (``choose_next``'s rule)."""
    due = resv if resv is not None and resv.slot_at <= now_ms + policy.early_ms else None
    ahead = due or prio
    if ahead is not None and (walk is None or streak < policy.ratio):
        return ahead, (streak + 1 if walk is not None else 0)
    if walk is not None:
        return walk, 0
    return resv, 0


def choose_next(waiting: Sequence[Waiting], now_ms: int, streak: int, policy: CallPolicy) -> tuple[Waiting | None, int]:
    """The ticket to call next among ``waiting`` and the new streak.

    Order: reservations whose slot has started (or starts within the early window) by slot time, then
    priority tickets, then walk-ins first-come-first-served. ``streak`` counts reservation/priority calls
    made in a row while a walk-in was waiting; when it reaches ``policy.ratio`` the walk-in goes next.
    Reservations not yet due are called only when nothing else waits, so a counter never idles.
    """
    resv, prio, walk = (_head(waiting, k) for k in (QueueClass.RESERVATION, QueueClass.PRIORITY, QueueClass.WALK_IN))
    return _pick(resv, prio, walk, now_ms, streak, policy)


def call_sequence(waiting: Sequence[Waiting], now_ms: int, policy: CallPolicy, streak: int = 0) -> list[Waiting]:
    """Every ticket in the order repeated ``choose_next`` calls them (nothing new arriving).

    Each class waits in a fixed order, so the heads ``choose_next`` looks at are taken from the three lines sorted
    once: O(n log n), cheap enough to run for every event that changes a line (the consoles show this order)."""
    lines = [
        sorted((w for w in waiting if w.klass is k), key=_sort_key(k))
        for k in (QueueClass.RESERVATION, QueueClass.PRIORITY, QueueClass.WALK_IN)
    ]
    at = [0, 0, 0]
    out: list[Waiting] = []
    while len(out) < len(waiting):
        heads = [line[i] if i < len(line) else None for line, i in zip(lines, at, strict=True)]
        nxt, streak = _pick(heads[0], heads[1], heads[2], now_ms, streak, policy)
        assert nxt is not None
        at[heads.index(nxt)] += 1
        out.append(nxt)
    return out


DEFAULT_SAMPLE = 10


def average_minutes(recent_seconds: Sequence[float], default_minutes: float) -> float:
    """Mean service time in minutes over the recent services; the configured default before any data."""
    if not recent_seconds:
        return float(default_minutes)
    return max(1.0, sum(recent_seconds) / len(recent_seconds) / 60.0)


def estimate_wait(ahead: int, minutes_per_visitor: float, counters_serving: int) -> int:
    """Whole minutes until a visitor with ``ahead`` people before them is called.

    The counters serving the service share the line; with none open the estimate assumes one, so a
    visitor still sees a number rather than nothing.
    """
    if ahead <= 0:
        return 0
    return math.ceil(ahead * minutes_per_visitor / max(1, counters_serving))
