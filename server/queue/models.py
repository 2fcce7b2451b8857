"""Queue domain values: statuses, channels, outcomes, actions and the transition table (DESIGN §3).

Pure: no redis, no litestar. The Redis scripts receive the allowed source statuses from
``allowed_from`` so the table below is the single statement of the state machine.
"""

from __future__ import annotations

from enum import StrEnum

from server.queue.errors import InvalidTransition


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    UNSERVED = "unserved"


TERMINAL: frozenset[Status] = frozenset({Status.DONE, Status.CANCELLED, Status.UNSERVED})
"""Statuses nothing leads out of. ``NO_SHOW`` ends a ticket too, except that staff may reinstate it on its own
business date when the visitor comes back (the visitor page sends them to reception)."""


class Channel(StrEnum):
    WALK_IN = "walk_in"
    GUIDE = "guide"
    RESERVATION = "reservation"


class Outcome(StrEnum):
    COMPLETED = "completed"
    MISSING_DOCUMENTS = "missing_documents"
    REFERRED_TO_CITY = "referred_to_city"
    GUIDANCE_ONLY = "guidance_only"
    OTHER = "other"


class QueueClass(StrEnum):
    """Which waiting line a ticket stands in; the call order looks at the heads of these."""

    RESERVATION = "resv"
    PRIORITY = "prio"
    WALK_IN = "walk"


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    RETURN = "return"
    NO_SHOW = "no_show"
    REINSTATE = "reinstate"
    COMPLETE = "complete"
    TRANSFER = "transfer"
    MOVE = "move"
    CANCEL = "cancel"
    CLOSE_DAY = "close_day"


# (from status, action) -> to status. Anything not listed is rejected with 409 invalid_transition.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.WAITING, Action.CALL): Status.CALLED,
    (Status.CALLED, Action.RECALL): Status.CALLED,
    (Status.CALLED, Action.START): Status.SERVING,
    (Status.CALLED, Action.RETURN): Status.WAITING,
    (Status.CALLED, Action.NO_SHOW): Status.NO_SHOW,
    # the visitor came back: waits again at its original place (issue order), keeping its number
    (Status.NO_SHOW, Action.REINSTATE): Status.WAITING,
    (Status.SERVING, Action.COMPLETE): Status.DONE,
    (Status.SERVING, Action.TRANSFER): Status.WAITING,
    # a waiting ticket to another service (its own was paused): same number, its place by issue order
    (Status.WAITING, Action.MOVE): Status.WAITING,
    (Status.WAITING, Action.CANCEL): Status.CANCELLED,
    (Status.CALLED, Action.CANCEL): Status.CANCELLED,
    (Status.WAITING, Action.CLOSE_DAY): Status.UNSERVED,
    (Status.CALLED, Action.CLOSE_DAY): Status.UNSERVED,
    (Status.SERVING, Action.CLOSE_DAY): Status.UNSERVED,
}

# The event each action appends to the site stream (DESIGN §5).
EVENT_OF: dict[Action, str] = {
    Action.CALL: "ticket.called",
    Action.RECALL: "ticket.recalled",
    Action.START: "ticket.serving",
    Action.RETURN: "ticket.returned",
    Action.NO_SHOW: "ticket.no_show",
    Action.REINSTATE: "ticket.reinstated",
    Action.COMPLETE: "ticket.done",
    Action.TRANSFER: "ticket.transferred",
    Action.MOVE: "ticket.moved",
    Action.CANCEL: "ticket.cancelled",
    Action.CLOSE_DAY: "day.closed",
}


def transition(status: Status, action: Action) -> Status:
    """The status after ``action``, or ``InvalidTransition`` when the table has no such move."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(f"a {status.value} ticket cannot be {action.value}") from None


def allowed_from(action: Action) -> tuple[Status, ...]:
    """Statuses from which ``action`` is allowed, in table order."""
    return tuple(src for (src, act) in TRANSITIONS if act is action)


def target_of(action: Action) -> Status:
    """The status ``action`` leads to (every action has exactly one target)."""
    targets = {dst for (_, act), dst in TRANSITIONS.items() if act is action}
    (only,) = targets
    return only
