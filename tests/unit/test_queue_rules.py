"""The pure queue domain: transition table, numbering, call order and wait estimates."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.queue.errors import InvalidTransition
from server.queue.models import EVENT_OF, TERMINAL, TRANSITIONS, Action, Status, allowed_from, target_of, transition
from server.queue.models import QueueClass as Q
from server.queue.rules import (
    CallPolicy,
    Waiting,
    average_minutes,
    call_sequence,
    choose_next,
    estimate_wait,
    format_number,
)
from server.views import RawLine

NOW = 1_800_000_000_000
MIN = 60_000


def test_table_matches_the_design() -> None:
    assert transition(Status.WAITING, Action.CALL) is Status.CALLED
    assert transition(Status.CALLED, Action.RECALL) is Status.CALLED
    assert transition(Status.SERVING, Action.TRANSFER) is Status.WAITING
    assert transition(Status.CALLED, Action.RETURN) is Status.WAITING
    assert set(allowed_from(Action.CANCEL)) == {Status.WAITING, Status.CALLED}
    assert set(allowed_from(Action.CLOSE_DAY)) == {Status.WAITING, Status.CALLED, Status.SERVING}
    assert target_of(Action.COMPLETE) is Status.DONE


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_every_move_outside_the_table_is_rejected(status: Status, action: Action) -> None:
    if (status, action) in TRANSITIONS:
        assert transition(status, action) is TRANSITIONS[(status, action)]
    else:
        with pytest.raises(InvalidTransition) as info:
            transition(status, action)
        assert info.value.code == "invalid_transition" and info.value.status_code == 409


def test_terminal_statuses_have_no_way_out() -> None:
    for status in (Status.DONE, Status.CANCELLED, Status.UNSERVED):
        assert status in TERMINAL
        assert not [a for (s, a) in TRANSITIONS if s is status]


def test_a_no_show_can_only_be_reinstated_to_wait_again() -> None:
    assert [(a, TRANSITIONS[(s, a)]) for (s, a) in TRANSITIONS if s is Status.NO_SHOW] == [
        (Action.REINSTATE, Status.WAITING)
    ]
    assert allowed_from(Action.REINSTATE) == (Status.NO_SHOW,)
    assert EVENT_OF[Action.REINSTATE] == "ticket.reinstated"


def test_numbers() -> None:
    assert format_number("A", 12) == "A012"
    assert format_number("P", 1) == "P001"
    assert format_number("P", 1234) == "P1234"
    assert format_number("E", 7, digits=4) == "E0007"
    with pytest.raises(ValueError):
        format_number("A", 0)


def test_wait_estimate() -> None:
    assert estimate_wait(0, 10, 3) == 0
    assert estimate_wait(6, 10, 3) == 20
    assert estimate_wait(1, 10, 0) == 10  # nobody serving yet: assume one counter
    assert average_minutes([], 12) == 12
    assert average_minutes([300, 900], 12) == 10
    assert average_minutes([5], 12) == 1  # never below a minute


walk = st.builds(lambda o: Waiting(f"w{o}", Q.WALK_IN, o), st.integers(1, 10_000))
prio = st.builds(lambda o: Waiting(f"p{o}", Q.PRIORITY, o), st.integers(1, 10_000))
resv = st.builds(
    lambda o, slot: Waiting(f"r{o}", Q.RESERVATION, o, NOW + slot * MIN),
    st.integers(1, 10_000),
    st.integers(-60, 60),
)
queues = st.lists(st.one_of(walk, prio, resv), max_size=40, unique_by=lambda w: w.order)
policies = st.builds(CallPolicy, ratio=st.integers(1, 4), early_ms=st.sampled_from([0, 5 * MIN, 10 * MIN]))


@given(queues, policies)
def test_no_ticket_is_called_twice_and_none_is_left(waiting: list[Waiting], policy: CallPolicy) -> None:
    seq = call_sequence(waiting, NOW, policy)
    assert sorted(w.id for w in seq) == sorted(w.id for w in waiting)


@given(queues, policies, st.integers(0, 4))
def test_the_sequence_is_what_repeated_calls_of_choose_next_make(
    waiting: list[Waiting], policy: CallPolicy, streak: int
) -> None:
    """call_sequence merges the three sorted lines instead of looking for the heads again at every call (the
    consoles get it with every event); it must call exactly as choose_next, call after call."""
    left, expected, run = list(waiting), [], streak
    while left:
        nxt, run = choose_next(left, NOW, run, policy)
        assert nxt is not None
        expected.append(nxt)
        left.remove(nxt)
    assert call_sequence(waiting, NOW, policy, streak) == expected


@given(queues, policies)
def test_fifo_within_each_class(waiting: list[Waiting], policy: CallPolicy) -> None:
    seq = call_sequence(waiting, NOW, policy)
    for klass in (Q.WALK_IN, Q.PRIORITY):
        orders = [w.order for w in seq if w.klass is klass]
        assert orders == sorted(orders)
    slots = [(w.slot_at, w.order) for w in seq if w.klass is Q.RESERVATION]
    assert slots == sorted(slots)


@given(queues, policies)
def test_ratio_stops_starvation(waiting: list[Waiting], policy: CallPolicy) -> None:
    """While a walk-in waits, at most ``ratio`` reservation/priority calls come in a row."""
    seq = call_sequence(waiting, NOW, policy)
    run = 0
    for i, w in enumerate(seq):
        walk_waiting = any(x.klass is Q.WALK_IN for x in seq[i:])
        if w.klass is Q.WALK_IN:
            run = 0
        elif walk_waiting:
            run += 1
            assert run <= policy.ratio
        else:
            run = 0


@given(queues, policies)
def test_due_reservations_and_priority_go_ahead_of_walk_ins(waiting: list[Waiting], policy: CallPolicy) -> None:
    first, _ = choose_next(waiting, NOW, 0, policy)
    ahead = [
        w for w in waiting if w.klass is Q.PRIORITY or (w.klass is Q.RESERVATION and w.slot_at <= NOW + policy.early_ms)
    ]
    if first is not None and ahead:
        assert first.klass is not Q.WALK_IN


def test_reservation_not_yet_due_waits_but_never_idles_a_counter() -> None:
    early = Waiting("r1", Q.RESERVATION, 1, NOW + 60 * MIN)
    w = Waiting("w2", Q.WALK_IN, 2)
    policy = CallPolicy(ratio=2, early_ms=10 * MIN)
    assert [x.id for x in call_sequence([early, w], NOW, policy)] == ["w2", "r1"]
    assert choose_next([early], NOW, 0, policy)[0] == early


@given(queues, policies, st.integers(0, 4), st.randoms(use_true_random=False))
def test_a_line_as_the_scripts_read_it_is_called_in_the_same_order(
    waiting: list[Waiting], policy: CallPolicy, streak: int, rnd: random.Random
) -> None:
    """RawLine.order (every event's call order, on the ids alone) is call_sequence, whatever order the script
    listed the reservations and priority tickets in; the walk-ins come as the script lists them (ids in issue
    order), or as events of earlier versions hold them ((id, order) pairs in any order)."""
    resv = [(w.id, w.slot_at, w.order) for w in waiting if w.klass is Q.RESERVATION]
    prio = [(w.id, w.order) for w in waiting if w.klass is Q.PRIORITY]
    pairs: list[str | tuple[str, int]] = [(w.id, w.order) for w in waiting if w.klass is Q.WALK_IN]
    ids: list[str | tuple[str, int]] = [w.id for w in sorted(waiting, key=lambda w: w.order) if w.klass is Q.WALK_IN]
    for members in (resv, prio, pairs):
        rnd.shuffle(members)
    expected = [w.id for w in call_sequence(waiting, NOW, policy, streak)]
    for walk in (ids, pairs):
        line = RawLine(service="s", resv=resv or None, prio=prio or None, walk=walk or None, serving=1)
        assert line.order(NOW, policy, streak) == expected


@given(queues, policies, st.integers(0, 4), st.sampled_from([Q.WALK_IN, Q.PRIORITY, Q.RESERVATION]))
def test_a_new_ticket_is_placed_alike_from_the_walk_ins_counted(
    waiting: list[Waiting], policy: CallPolicy, streak: int, klass: Q
) -> None:
    """An issue's answer counts the walk-ins instead of listing them (RawLine.walk_count): the new ticket (the last
    of its class by issue order) gets the place it has in the whole line."""
    new = Waiting("new", klass, 10_001, NOW + 5 * MIN if klass is Q.RESERVATION else 0)
    line = [*waiting, new]
    resv = [(w.id, w.slot_at, w.order) for w in line if w.klass is Q.RESERVATION] or None
    prio = [(w.id, w.order) for w in line if w.klass is Q.PRIORITY] or None
    walk: list[str | tuple[str, int]] = [w.id for w in sorted(line, key=lambda w: w.order) if w.klass is Q.WALK_IN]
    whole = RawLine(service="s", resv=resv, prio=prio, walk=walk or None, serving=1)
    counted = RawLine(service="s", resv=resv, prio=prio, walk_count=len(walk), serving=1)
    new_walk_in = "new" if klass is Q.WALK_IN else None
    assert whole.order(NOW, policy, streak).index("new") == counted.order(NOW, policy, streak, new_walk_in).index("new")
    assert whole.waiting == counted.waiting
