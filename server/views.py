"""The view layer: every shape of the queue that a page, a socket or the API sees, defined once (DESIGN §4, §5).

Two groups of typed structs:

- **Stored**: what the store scripts (``server/queue/lua``) write, return and append to the event stream. They are
  decoded strictly (``forbid_unknown_fields``): a field a script adds and this module does not know fails the
  contract test (``tests/integration/test_view_contract.py``), and so does a field named here that no script
  writes. Lua's cjson writes an empty table as ``{}``, so the scripts write an empty list as ``null``
  (``seq`` in ``lua/_lib.lua``): those fields are ``list[...] | None``.
- **Views**: what the clients get, by audience. The public views (boards, kiosks, the visitor page) carry numbers,
  services and counters only; the staff views (consoles, the floor overview) add ticket ids, operators, the
  waiting tickets in the order the server will call them, and today's totals. Each staff view is a subclass of
  its public one, so the two cannot drift apart; no view carries a visitor's token.

``server/projection.py`` builds the views from the stored structs; the fan-out, the websocket sessions, the HTTP
snapshot and the pages' boot data all go through it. Nothing else spells these shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Literal, cast, get_args

import msgspec

from server.queue.archive import Transfer
from server.queue.rules import CallPolicy, due_count, merge_call_order

# ==== stored: what the scripts write and append ====================================================================


class StoredTicket(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A ticket hash as the scripts write it (``lua/_lib.lua`` issue_ticket, ``call.lua``, ``action.lua``,
    ``day_close.lua``; ``print_job`` from ``server/printing.py``). Every value is a string; times are epoch
    milliseconds; ``klass``, ``order`` and ``slot_at`` are what the call order sorts by. Events and the staff
    snapshot carry it without ``token``."""

    id: str
    number: str
    service: str
    channel: str
    priority: str
    """'1' for a priority ticket, else '0'."""
    status: str
    business_date: str
    lang: str
    klass: str
    order: str
    slot_at: str
    issued_at: str
    recall_count: str
    transfers: str
    """JSON list of transfers (``[]`` or ``{}`` when none)."""
    counter: str
    counter_label: str
    operator: str
    reservation: str
    token: str = ""
    called_at: str = ""
    first_called_at: str = ""
    serving_at: str = ""
    finished_at: str = ""
    outcome: str = ""
    note: str = ""
    print_job: str = ""


class StoredPause(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A paused service as ``service_pause.lua`` keeps it."""

    service: str
    reason_ja: str
    reason_en: str | None
    since: str
    by: str


_by_slot = itemgetter(1, 2)
"""A checked-in reservation (id, slot, order) waits by its slot, ties by issue order."""
_by_order = itemgetter(1)
"""A priority or walk-in ticket (id, order) waits in issue order."""


class RawLine(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A service's waiting line read in the same step as a change (``lua/_lib.lua`` line_of): what the call order,
    the wait estimate and the longest current wait are computed from, in Python, once per event."""

    service: str
    resv: list[tuple[str, int, int]] | None = None
    """Checked-in reservations: (ticket id, slot start ms, issue order)."""
    prio: list[tuple[str, int]] | None = None
    """Priority tickets: (ticket id, issue order)."""
    walk: list[str | tuple[str, int]] | None = None
    """Everyone else, by ticket id in the order they wait (by issue order). Events appended before this form was
    written hold (ticket id, issue order) pairs instead; both are read."""
    oldest: int | None = None
    """issued_at (ms) of the longest-waiting ticket; None when nobody waits."""
    durations: list[float] | None = None
    """Recent service times of the service today, seconds, newest first."""
    serving: int
    """Open counters serving the service."""
    pause: StoredPause | None = None
    walk_count: int | None = None
    """Only in the answer of the script that issued a ticket (``issue_ticket``), instead of ``walk``: how many
    walk-ins wait. The new ticket's place needs no more (a new walk-in is the last of them), and the answer stays
    small however long the line is; the event carries ``walk``."""

    @property
    def waiting(self) -> int:
        walk = len(self.walk) if self.walk is not None else self.walk_count or 0
        return len(self.resv or ()) + len(self.prio or ()) + walk

    def order(self, now_ms: int, policy: CallPolicy, streak: int, new_walk_in: str | None = None) -> list[str]:
        """The ids of the waiting tickets in the order the server will call them (``rules.call_sequence``). From an
        issue's answer (``walk_count``) the walk-ins are blanks, but for ``new_walk_in``, the last of them."""
        # ``call_sequence`` on the ids alone: no object per waiting ticket (a line can hold hundreds)
        resv = sorted(self.resv or (), key=_by_slot)
        due = due_count([r[1] for r in resv], now_ms, policy)
        ahead = [r[0] for r in resv[:due]] + [tid for tid, _ in sorted(self.prio or (), key=_by_order)]
        walk: list[str]
        if self.walk is None and self.walk_count:
            walk = [""] * self.walk_count
            walk[-1] = new_walk_in or ""
        elif self.walk and not isinstance(self.walk[0], str):
            walk = [tid for tid, _ in sorted(cast(list[tuple[str, int]], self.walk), key=_by_order)]
        else:
            walk = cast(list[str], self.walk or [])
        return merge_call_order(ahead, walk, policy.ratio, streak) + [r[0] for r in resv[due:]]


class StoredCounter(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A counter as ``counter.lua`` returns it and ``snapshot.lua`` reads it: ``ticket`` is the ticket it holds
    (called or serving), without its token."""

    id: str
    status: str
    services: str
    """JSON list of service ids."""
    reason: str
    operator: str
    ticket: StoredTicket | None = None


class StoredCall(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An entry of a date's recent calls (``call.lua``; a recall: ``action.lua``)."""

    number: str
    service: str
    counter: str
    counter_label: str
    called_at: str
    recall: int = 0


class Notice(msgspec.Struct, kw_only=True):
    """A notice for everyone: the Japanese text and its translations by language."""

    id: str
    text: str
    texts: dict[str, str]
    created_at: str


class StaffNotice(Notice, kw_only=True, forbid_unknown_fields=True):
    """A notice as ``server/api/notices.py`` stores it (``notice.lua`` keeps it): with who posted it."""

    by: str | None = None


class RawSnapshot(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What ``snapshot.lua`` reads at one ``seq``: every site snapshot is built from it."""

    seq: int
    streak: int
    lines: list[RawLine] | None = None
    counters: list[StoredCounter] | None = None
    calls: list[StoredCall] | None = None
    notices: list[StaffNotice] | None = None
    closed: bool
    """The business date was closed (and archived) already: nothing more is issued today."""
    totals: dict[str, int] | None = None
    """Staff: status -> tickets of the business date."""
    tickets: list[StoredTicket] | None = None
    """Staff: the date's tickets still waiting, called or serving, and its no-shows (a console reinstates them)."""
    served_by: dict[str, int] | None = None
    """Staff: login -> tickets of the date that person completed."""


class RawTicketStatus(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What ``ticket_status.lua`` returns: the ticket and its service's line (its place is computed from that)."""

    ticket: StoredTicket
    line: RawLine
    streak: int


class RawIssued(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What issuing returns (``issue.lua``, ``resv_checkin.lua``)."""

    created: bool
    ticket: StoredTicket
    line: RawLine
    streak: int


# ---- the events as the scripts append them ------------------------------------------------------------------------

TicketEventType = Literal[
    "ticket.issued",
    "ticket.called",
    "ticket.recalled",
    "ticket.returned",
    "ticket.serving",
    "ticket.done",
    "ticket.no_show",
    "ticket.cancelled",
    "ticket.transferred",
    "ticket.reinstated",
    "ticket.moved",
]


class RawEvent(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    seq: int
    at: str
    """ISO time with the site's offset; its first ten characters are the business date."""


class RawTicketEvent(RawEvent, kw_only=True):
    """Every ticket event (``lua/_lib.lua`` issue_ticket, ``call.lua``, ``action.lua``): the ticket after the
    change (a ticket that left a counter names that counter), and the lines of the services it touched."""

    type: TicketEventType
    ticket: StoredTicket
    lines: list[RawLine]
    streak: int
    from_status: str | None = None
    from_service: str | None = None
    """A transfer or move: the service the ticket left."""


class RawCounterEvent(RawEvent, kw_only=True):
    """``counter.changed`` (``counter.lua``): the counter, and the lines of the services it served before or
    serves now (their estimates follow the open counters)."""

    type: Literal["counter.changed"]
    counter: StoredCounter
    lines: list[RawLine] | None = None
    streak: int


class RawNoticeEvent(RawEvent, kw_only=True):
    """``notice.changed`` (``notice.lua``): the whole list, oldest first."""

    type: Literal["notice.changed"]
    notices: list[StaffNotice] | None = None


class ServiceEvent(msgspec.Struct, kw_only=True):
    """``service.changed`` for everyone: a service paused (with the reasons) or running again."""

    type: Literal["service.changed"]
    seq: int
    at: str
    service: str
    paused: bool
    reason_ja: str | None
    reason_en: str | None
    since: str | None


class StaffServiceEvent(ServiceEvent, kw_only=True, forbid_unknown_fields=True):
    """``service.changed`` as ``service_pause.lua`` appends it and staff get it: with who did it."""

    by: str


class PrinterView(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: str
    name: str
    state: str
    detail: str | None
    name_en: str = ""  # the name on English screens (the Japanese one when the config gives none)


class PrintJobView(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: str
    state: str
    printer: str
    detail: str | None
    number: str | None = None


class PrinterEvent(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``printer.changed`` (``server/printing.py`` through ``emit.lua``), the same for every audience."""

    type: Literal["printer.changed"]
    seq: int
    at: str
    printer: PrinterView
    job: PrintJobView | None = None


class DayClosedEvent(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``day.closed`` (``day_close.lua``): every ticket of the date still open became unserved."""

    type: Literal["day.closed"]
    seq: int
    at: str
    business_date: str
    unserved: int
    tickets: int
    reservations: int


class TallyEvent(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``tally.changed`` (``tally.lua``): every count of the date, so a console replaces its counts."""

    type: Literal["tally.changed"]
    seq: int
    at: str
    date: str
    kind: str
    topic: str
    delta: int
    counts: dict[str, dict[str, int]]


class OverrideRef(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: str
    kind: str
    dates: list[str]


class RawCalendarEvent(RawEvent, kw_only=True):
    """``calendar.changed`` (``calendar_override.lua``)."""

    type: Literal["calendar.changed"]
    op: str
    override: OverrideRef


class ReservationView(msgspec.Struct, kw_only=True):
    """A reservation as boards and kiosks see it change: no code (it checks the visitor in), never a name."""

    date: str
    service: str
    start: str
    status: str


class StaffReservationView(ReservationView, kw_only=True, forbid_unknown_fields=True):
    """``reservation.changed`` as the reservation scripts append it (``lua/_lib.lua`` resv_changed)."""

    code: str


class ReservationEvent(msgspec.Struct, kw_only=True):
    type: Literal["reservation.changed"]
    seq: int
    at: str
    reservation: ReservationView


class StaffReservationEvent(ReservationEvent, kw_only=True, forbid_unknown_fields=True):
    reservation: StaffReservationView


StoredEvent = (
    RawTicketEvent
    | RawCounterEvent
    | RawNoticeEvent
    | StaffServiceEvent
    | PrinterEvent
    | DayClosedEvent
    | TallyEvent
    | RawCalendarEvent
    | StaffReservationEvent
)

EVENT_TYPES: dict[str, type[StoredEvent]] = {
    **dict.fromkeys(get_args(TicketEventType), RawTicketEvent),
    "counter.changed": RawCounterEvent,
    "notice.changed": RawNoticeEvent,
    "service.changed": StaffServiceEvent,
    "printer.changed": PrinterEvent,
    "day.closed": DayClosedEvent,
    "tally.changed": TallyEvent,
    "calendar.changed": RawCalendarEvent,
    "reservation.changed": StaffReservationEvent,
}
"""Every event type of the site stream and the struct it is appended as."""


class _EventHead(msgspec.Struct):
    type: str


_head = msgspec.json.Decoder(_EventHead)
_event_decoders = {name: msgspec.json.Decoder(cls) for name, cls in EVENT_TYPES.items()}


def decode_event(data: str | bytes) -> StoredEvent:
    """A stream entry as its typed struct; ``msgspec.ValidationError`` for an unknown type or a field the struct
    does not know (or lacks)."""
    kind = _head.decode(data).type
    decoder = _event_decoders.get(kind)
    if decoder is None:
        raise msgspec.ValidationError(f"unknown event type {kind!r}")
    return decoder.decode(data)


# ==== views: what the clients get =================================================================================


class TicketView(msgspec.Struct, kw_only=True):
    """A ticket for everyone (DESIGN §5): numbers, services and counters only."""

    number: str
    service: str
    status: str
    channel: str
    counter: str | None
    counter_label: str | None


class StaffTicketView(TicketView, kw_only=True):
    """A ticket for staff: its id, who holds it, its times (ISO) and what became of it."""

    id: str
    site: str
    operator: str | None
    priority: bool
    business_date: str
    lang: str
    issued_at: str | None
    called_at: str | None
    serving_at: str | None
    finished_at: str | None
    recall_count: int
    transfers: list[Transfer]
    outcome: str | None
    note: str | None


class Pause(msgspec.Struct, kw_only=True):
    """Why a service is paused, for everyone (kiosks, boards, visitor pages)."""

    reason_ja: str | None
    reason_en: str | None
    since: str | None


class StaffPause(Pause, kw_only=True):
    by: str | None


class VisitorTicket(msgspec.Struct, kw_only=True):
    """The visitor's page (``/t/{token}``, its socket and ``GET /tickets/by-token``): no id, operator or token."""

    number: str
    service: str
    service_name: str
    service_name_en: str
    site: str | None
    site_name: str | None
    venue: str | None
    """The outreach event's venue on the ticket's date (the page names the place by it)."""
    status: str
    position: int
    waiting_ahead: int
    estimated_wait_min: int
    counter: str | None
    counter_label: str | None
    lang: str
    pause: Pause | None = None
    """Why the ticket's service is paused; None while it runs."""
    counters_open: int = 0
    """Open counters serving the ticket's service (0 for a ticket that no longer waits): with none, the page says
    the visitor is called when one opens, instead of 「まもなくお呼びします」 or a made-up estimate."""
    outcome: str | None = None
    """How a ``done`` ticket ended (``completed``, ``missing_documents``, ...): the page says what to do next."""


class ServiceLine(msgspec.Struct, kw_only=True):
    """A service's line for everyone: people waiting, the estimated wait of someone joining now, and whether it is
    offered today (``available_now``) and paused (with the reasons). Snapshots list every service of the site;
    ticket and counter events carry the lines of the services they touched, the same struct."""

    id: str
    waiting: int
    estimated_wait_min: int
    available_now: bool
    paused: bool
    pause: Pause | None


class StaffServiceLine(ServiceLine, kw_only=True):
    """Staff also get ``waiting_since`` (when its longest-waiting ticket was issued; None when nobody waits) and
    ``order``: the ids of its waiting tickets in the order the server will call them (``rules.call_sequence``)."""

    pause: StaffPause | None
    waiting_since: str | None
    order: list[str]


class CounterView(msgspec.Struct, kw_only=True):
    """A counter for everyone; ``current_number``: the number it called or serves today."""

    id: str
    label: str
    number: int | None
    area: str | None
    status: str
    current_number: str | None
    services: list[str]


class StaffCounterView(CounterView, kw_only=True):
    """Staff also see who works there, why it is paused and the ticket it holds (even one of an earlier date, so
    its operator can finish it)."""

    operator: str | None
    reason: str | None
    ticket: StaffTicketView | None


class Call(msgspec.Struct, kw_only=True):
    """A call of the business date: ``calling`` (the numbers called now) and ``recent`` (the last calls, newest
    first; ``recall`` counts a recall)."""

    number: str
    service: str
    counter: str
    counter_label: str
    area: str | None
    called_at: str | None
    recall: int = 0


class OpeningView(msgspec.Struct, kw_only=True):
    """What the site offers on a date (the calendar resolved): hours as HH:MM, service and counter ids."""

    date: str
    kind: str
    opens_at: str | None
    closes_at: str | None
    last_ticket_at: str | None
    services: list[str]
    counters: list[str]
    venue: str | None
    address: str | None


class Totals(msgspec.Struct, kw_only=True):
    """The business date's tickets by where they stand (staff): ``issued`` all, ``served`` those done."""

    issued: int
    served: int
    waiting: int
    called: int
    serving: int
    no_show: int
    cancelled: int
    unserved: int


class SiteState(msgspec.Struct, kw_only=True):
    """The public snapshot (DESIGN §4 ``GET /sites/{site}/state``, the first message of a site socket)."""

    site: str
    name: str
    name_en: str
    seq: int
    business_date: str
    open: bool
    """Issuing now: inside today's opening, before its last-ticket time, and the date not closed."""
    closed: bool
    """The business date was closed (and archived) already: nothing more is issued on it."""
    training: bool
    today: OpeningView
    services: Sequence[ServiceLine]
    counters: Sequence[CounterView]
    calling: list[Call]
    recent: list[Call]
    notices: Sequence[Notice]


class StaffSiteState(SiteState, kw_only=True):
    """The staff snapshot: staff lines, counters and notices; today's totals; the tickets a console lists (still
    waiting, called or serving, and the no-shows) and how many each operator completed today."""

    services: Sequence[StaffServiceLine]
    counters: Sequence[StaffCounterView]
    notices: Sequence[StaffNotice]
    totals: Totals
    tickets: list[StaffTicketView]
    served_by: dict[str, int]


# ---- events as the clients get them -------------------------------------------------------------------------------


class TicketEvent(msgspec.Struct, kw_only=True):
    """A ticket event for everyone, with the new lines of the services it touched (push only: no page reads the
    snapshot again after it)."""

    type: str
    seq: int
    at: str
    ticket: TicketView
    services: Sequence[ServiceLine]
    from_service: str | None = None


class StaffTicketEvent(TicketEvent, kw_only=True):
    """Staff get the whole ticket, staff lines (with the call order) and the status it came from (the floor's
    totals follow it)."""

    ticket: StaffTicketView
    services: Sequence[StaffServiceLine]
    from_status: str | None = None


class CounterEvent(msgspec.Struct, kw_only=True):
    """``counter.changed`` for everyone, with the lines whose estimates follow the counter's opening."""

    type: Literal["counter.changed"]
    seq: int
    at: str
    counter: CounterView
    services: Sequence[ServiceLine]


class StaffCounterEvent(CounterEvent, kw_only=True):
    counter: StaffCounterView
    services: Sequence[StaffServiceLine]


class NoticeEvent(msgspec.Struct, kw_only=True):
    type: Literal["notice.changed"]
    seq: int
    at: str
    notices: Sequence[Notice]


class StaffNoticeEvent(NoticeEvent, kw_only=True):
    notices: Sequence[StaffNotice]


class CalendarEvent(msgspec.Struct, kw_only=True):
    """``calendar.changed`` with the site's day as it now stands (the fan-out resolves it once, after this
    process reloaded the overrides): a kiosk or board updates its hours, services and venue from it."""

    type: Literal["calendar.changed"]
    seq: int
    at: str
    op: str
    override: OverrideRef
    today: OpeningView
    open: bool


class SnapshotMessage(msgspec.Struct, kw_only=True):
    """The first message of a site socket (and the answer to ``{"type": "snapshot"}``)."""

    type: Literal["snapshot"]
    seq: int
    state: SiteState


class StaffSnapshotMessage(SnapshotMessage, kw_only=True):
    state: StaffSiteState


class VisitorSnapshotMessage(msgspec.Struct, kw_only=True):
    """The first message of a visitor's ticket socket."""

    type: Literal["snapshot"]
    seq: int
    state: VisitorTicket


class VisitorStatusMessage(msgspec.Struct, kw_only=True):
    """Sent on the visitor's ticket socket whenever its status changed."""

    type: Literal["ticket.status"]
    seq: int
    state: VisitorTicket


PublicEvent = TicketEvent | CounterEvent | NoticeEvent | ServiceEvent | CalendarEvent | ReservationEvent
StaffEvent = StaffTicketEvent | StaffCounterEvent | StaffNoticeEvent | StaffServiceEvent | StaffReservationEvent
SameForAll = PrinterEvent | DayClosedEvent | TallyEvent
"""Events every audience gets as the store appended them."""
