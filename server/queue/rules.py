"""Pure queue rules: ticket numbers, business dates, the call order and wait estimates.

The Redis script ``lua/call.lua`` applies the same call order atomically; an integration test drives
both with the same random queues and requires the same sequence of calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from server.queue.models import QueueClass

T = TypeVar("T")


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

    Each class waits in a fixed order, so the three lines are sorted once and merged (``merge_call_order``):
    O(n log n), cheap enough to run for every event that changes a line (the consoles show this order)."""
    resv, prio, walk = (
        sorted((w for w in waiting if w.klass is k), key=_sort_key(k))
        for k in (QueueClass.RESERVATION, QueueClass.PRIORITY, QueueClass.WALK_IN)
    )
    due = due_count([w.slot_at for w in resv], now_ms, policy)
    return merge_call_order(resv[:due] + prio, walk, policy.ratio, streak) + resv[due:]


def due_count(slots: Sequence[int], now_ms: int, policy: CallPolicy) -> int:
    """How many reservations of a line sorted by slot are due now (``choose_next``'s rule): a prefix of the line,
    since a reservation is due when its slot starts within the early window."""
    limit = now_ms + policy.early_ms
    return next((i for i, slot in enumerate(slots) if slot > limit), len(slots))


def merge_call_order(ahead: Sequence[T], walk: Sequence[T], ratio: int, streak: int) -> list[T]:
    """The call order of the sorted lines that go before walk-ins (``ahead``: due reservations, then priority
    tickets) and the walk-ins, as repeated ``choose_next`` calls them: at most ``ratio`` of ``ahead`` in a row
    while a walk-in waits (``streak`` of them were called in a row already). Reservations not due yet come after
    all of these. Slices, not a call at a time: the ids of a whole line are merged for every event."""
    out: list[T] = []
    i = j = 0
    run = streak
    while i < len(ahead) and j < len(walk):
        take = max(ratio - run, 0)
        if take:
            chunk = ahead[i : i + take]
            out += chunk
            i += len(chunk)
            if i >= len(ahead):
                break
        out.append(walk[j])
        j += 1
        run = 0
    out += ahead[i:]
    out += walk[j:]
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
