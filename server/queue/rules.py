"""Pure queue rules: ticket numbers, business dates, the call order and wait estimates.

The Redis script ``lua/call.lua`` applies the same call order atomically; an integration test drives
both with the same random queues and requires the same sequence of calls.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
    key = (lambda w: (w.slot_at, w.order)) if klass is QueueClass.RESERVATION else (lambda w: (w.order, 0))
    members = [w for w in items if w.klass is klass]
    return min(members, key=key) if members else None


def choose_next(waiting: Sequence[Waiting], now_ms: int, streak: int, policy: CallPolicy) -> tuple[Waiting | None, int]:
    """The ticket to call next among ``waiting`` and the new streak.

    Order: reservations whose slot has started (or starts within the early window) by slot time, then
    priority tickets, then walk-ins first-come-first-served. ``streak`` counts reservation/priority calls
    made in a row while a walk-in was waiting; when it reaches ``policy.ratio`` the walk-in goes next.
    Reservations not yet due are called only when nothing else waits, so a counter never idles.
    """
    resv = _head(waiting, QueueClass.RESERVATION)
    prio = _head(waiting, QueueClass.PRIORITY)
    walk = _head(waiting, QueueClass.WALK_IN)
    due = resv if resv is not None and resv.slot_at <= now_ms + policy.early_ms else None
    ahead = due or prio
    if ahead is not None and (walk is None or streak < policy.ratio):
        return ahead, (streak + 1 if walk is not None else 0)
    if walk is not None:
        return walk, 0
    return resv, 0


def call_sequence(waiting: Sequence[Waiting], now_ms: int, policy: CallPolicy, streak: int = 0) -> list[Waiting]:
    """Every ticket in the order repeated ``choose_next`` calls them (nothing new arriving)."""
    left = list(waiting)
    out: list[Waiting] = []
    while left:
        nxt, streak = choose_next(left, now_ms, streak, policy)
        assert nxt is not None
        out.append(nxt)
        left.remove(nxt)
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
