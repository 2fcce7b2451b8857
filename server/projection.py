"""Projections: what each audience sees of the queue, built from what the store scripts read (``server/views.py``).

The public projection (boards, kiosks, the visitor page) carries numbers, services and counters only: no ticket
ids, no operators, no visitor tokens, no personal data. The staff projection adds ticket ids, operators, the
waiting tickets in the order the server will call them and today's totals. Both are built here and nowhere else:
HTTP and websocket snapshots, the visitor's status and every event. An event is projected once per server process
(``Projector.project``), whatever the number of clients: its lines' call order and wait estimates are computed
there, from what the script that appended it read in the same atomic step, with no further store read.

A few functions at the end answer in plain dicts and lists for the API routes that merge them into their bodies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import msgspec

from server.calendar import Opening, can_issue_at
from server.config import Config, Counter, Site
from server.queue.archive import Transfer
from server.queue.models import Status
from server.queue.rules import CallPolicy, average_minutes, estimate_wait
from server.queue.store import call_policy
from server.views import (
    CalendarEvent,
    Call,
    CounterEvent,
    CounterView,
    DayClosedEvent,
    Notice,
    NoticeEvent,
    OpeningView,
    Pause,
    PrinterEvent,
    RawCalendarEvent,
    RawCounterEvent,
    RawLine,
    RawNoticeEvent,
    RawSnapshot,
    RawTicketEvent,
    ReservationEvent,
    ReservationView,
    ServiceEvent,
    ServiceLine,
    SiteState,
    StaffCounterEvent,
    StaffCounterView,
    StaffNotice,
    StaffNoticeEvent,
    StaffPause,
    StaffReservationEvent,
    StaffServiceEvent,
    StaffServiceLine,
    StaffSiteState,
    StaffTicketEvent,
    StaffTicketView,
    StoredCall,
    StoredCounter,
    StoredEvent,
    StoredPause,
    StoredTicket,
    TallyEvent,
    TicketEvent,
    TicketView,
    Totals,
    VisitorTicket,
    decode_event,
)

log = logging.getLogger("madoguchi.projection")

HELD = frozenset({Status.CALLED.value, Status.SERVING.value})
"""A counter holds a ticket in these statuses."""

_transfers = msgspec.json.Decoder(list[Transfer])
_encoder = msgspec.json.Encoder()


def ms_to_iso(value: str | int | None, tz: ZoneInfo) -> str | None:
    if value in (None, "", "0", 0):
        return None
    return datetime.fromtimestamp(int(float(value)) / 1000, tz).isoformat(timespec="seconds")


def is_open_now(opening: Opening, now: datetime) -> bool:
    """Issuing tickets now: inside the opening and before its last-ticket time."""
    return opening.kind != "closed" and opening.date == now.date() and can_issue_at(opening, now.time())


def _services_of(config: Config, site: Site, opening: Opening) -> list[str]:
    ids = list(site.services)
    ids += [s for s in opening.services if s not in ids]
    return [s for s in ids if (svc := config.service(s)) is not None and svc.queue]


def _json_list(text: str) -> list[Any]:
    """A JSON list a script stored as text ('{}' is cjson's empty list)."""
    found = msgspec.json.decode(text) if text else []
    return found if isinstance(found, list) else []


# ---- tickets -------------------------------------------------------------------------------------------------------


def ticket_entry(t: StoredTicket) -> TicketView:
    return TicketView(
        number=t.number, service=t.service, status=t.status, channel=t.channel, counter=t.counter or None,
        counter_label=t.counter_label or None,
    )  # fmt: skip


def staff_ticket(t: StoredTicket, tz: ZoneInfo) -> StaffTicketView:
    """A ticket for staff (ids, operator, times, outcome)."""
    return StaffTicketView(
        number=t.number,
        service=t.service,
        status=t.status,
        channel=t.channel,
        counter=t.counter or None,
        counter_label=t.counter_label or None,
        id=t.id,
        site=t.id.partition(".")[0],
        operator=t.operator or None,
        priority=t.priority in ("1", "true"),
        business_date=t.business_date,
        lang=t.lang,
        issued_at=ms_to_iso(t.issued_at, tz),
        called_at=ms_to_iso(t.called_at, tz),
        serving_at=ms_to_iso(t.serving_at, tz),
        finished_at=ms_to_iso(t.finished_at, tz),
        recall_count=int(t.recall_count or 0),
        transfers=_transfers.decode(t.transfers) if t.transfers not in ("", "{}", "[]") else [],
        outcome=t.outcome or None,
        note=t.note or None,
    )


_TICKET_FIELDS = StoredTicket.__struct_fields__


def stored_ticket(t: Mapping[str, Any]) -> StoredTicket:
    """A ticket hash as the API reads it (live, or a row of an archived date) as the struct the scripts write."""
    return StoredTicket(**{name: str(t.get(name) or "") for name in _TICKET_FIELDS})


# ---- lines, pauses, counters, calls, notices ---------------------------------------------------------------------


def public_pause(pause: StoredPause | None) -> Pause | None:
    """A service's pause as a service line and a visitor's status carry it (None: running)."""
    if pause is None:
        return None
    return Pause(reason_ja=pause.reason_ja, reason_en=pause.reason_en, since=pause.since)


def staff_pause(pause: StoredPause | None) -> StaffPause | None:
    """A service's pause for staff: also who paused it."""
    if pause is None:
        return None
    return StaffPause(reason_ja=pause.reason_ja, reason_en=pause.reason_en, since=pause.since, by=pause.by or None)


@dataclass(frozen=True, slots=True)
class LineFacts:
    """A line read by a script, with its call order and the minutes per visitor computed once."""

    line: RawLine
    order: list[str]
    """Waiting ticket ids in the order the server will call them."""
    minutes: float
    """Minutes per visitor: the mean of the recent service times, the service's default before any."""
    _place: dict[str, int] | None = None

    @property
    def place(self) -> dict[str, int]:
        """Ticket id -> how many the call order calls before it: built when first asked (by the visitors' sockets
        of a process), not for every event (a dict of the whole line)."""
        if self._place is None:
            object.__setattr__(self, "_place", {tid: i for i, tid in enumerate(self.order)})
        assert self._place is not None
        return self._place

    @classmethod
    def of(cls, line: RawLine, config: Config, now_ms: int, policy: CallPolicy, streak: int) -> LineFacts:
        svc = config.service(line.service)
        order = line.order(now_ms, policy, streak)
        minutes = average_minutes(line.durations or (), svc.minutes if svc else 10)
        return cls(line, order, minutes)

    def wait(self, ahead: int) -> int:
        """Estimated minutes for someone with ``ahead`` people before them."""
        return estimate_wait(ahead, self.minutes, self.line.serving)


def _line_fields(facts: LineFacts, available: Collection[str]) -> dict[str, Any]:
    waiting = len(facts.order)
    return {
        "id": facts.line.service,
        "waiting": waiting,
        "estimated_wait_min": facts.wait(waiting),
        "available_now": facts.line.service in available,
        "paused": facts.line.pause is not None,
    }


def public_line(facts: LineFacts, available: Collection[str]) -> ServiceLine:
    """A service's line: people waiting, the estimated wait of someone joining now, offered today (``available``)
    or not, paused or not (with the reasons)."""
    return ServiceLine(**_line_fields(facts, available), pause=public_pause(facts.line.pause))


def staff_line(facts: LineFacts, available: Collection[str], tz: ZoneInfo) -> StaffServiceLine:
    """A service's line for staff: also who paused it, the longest current wait and the call order."""
    return StaffServiceLine(
        **_line_fields(facts, available), pause=staff_pause(facts.line.pause),
        waiting_since=ms_to_iso(facts.line.oldest, tz), order=facts.order,
    )  # fmt: skip


def _counter_fields(counter: Counter | None, c: StoredCounter, business_date: str) -> dict[str, Any]:
    held = _held(c)
    today = held if held is not None and held.business_date == business_date else None
    return {
        "id": c.id,
        "label": counter.label if counter else c.id,
        "number": counter.number if counter else None,
        "area": counter.area if counter else None,
        "status": c.status,
        "current_number": today.number if today else None,
        "services": _json_list(c.services),
    }


def _held(c: StoredCounter) -> StoredTicket | None:
    return c.ticket if c.ticket is not None and c.ticket.status in HELD else None


def public_counter(counter: Counter | None, c: StoredCounter, business_date: str) -> CounterView:
    """A counter with its label, number and area from the configuration. ``current_number`` is the number it holds
    of ``business_date`` only: numbers restart every day, so a ticket of an earlier date that it still holds (until
    the day close makes it unserved) is nobody's call today."""
    return CounterView(**_counter_fields(counter, c, business_date))


def staff_counter(counter: Counter | None, c: StoredCounter, business_date: str, tz: ZoneInfo) -> StaffCounterView:
    """A counter for staff: who works there, why it is paused, and the ticket it holds (even one of an earlier
    date: its operator can finish it)."""
    held = _held(c)
    return StaffCounterView(
        **_counter_fields(counter, c, business_date), operator=c.operator or None, reason=c.reason or None,
        ticket=staff_ticket(held, tz) if held else None,
    )  # fmt: skip


def call_entry(call: StoredCall, area: str | None) -> Call:
    return Call(
        number=call.number, service=call.service, counter=call.counter, counter_label=call.counter_label, area=area,
        called_at=call.called_at, recall=call.recall,
    )  # fmt: skip


def staff_notices(notices: Iterable[StaffNotice]) -> list[StaffNotice]:
    """Notices for staff (with who posted them), oldest first."""
    return sorted(notices, key=lambda n: (n.created_at, n.id))


def public_notices(notices: Iterable[StaffNotice]) -> list[Notice]:
    """Notices for the public: the texts only, oldest first."""
    return [Notice(id=n.id, text=n.text, texts=n.texts, created_at=n.created_at) for n in staff_notices(notices)]


def opening_entry(opening: Opening) -> OpeningView:
    def hm(t: Any) -> str | None:
        return t.strftime("%H:%M") if t is not None else None

    return OpeningView(
        date=opening.date.isoformat(),
        kind=opening.kind,
        opens_at=hm(opening.opens_at),
        closes_at=hm(opening.closes_at),
        last_ticket_at=hm(opening.last_ticket_at),
        services=list(opening.services),
        counters=list(opening.counters),
        venue=opening.venue,  # an outreach event's venue: kiosks, boards and tickets show it that day
        address=opening.address,
    )


def totals_entry(counts: Mapping[str, int]) -> Totals:
    """The business date's tickets by where they stand: ``issued`` all of them, ``served`` those done (any
    outcome, as the reports count them), and each other status."""
    rest = {s.value: counts.get(s.value, 0) for s in Status if s is not Status.DONE}
    return Totals(issued=sum(counts.values()), served=counts.get(Status.DONE.value, 0), **rest)


# ---- snapshots -----------------------------------------------------------------------------------------------------


def state(
    config: Config, site: Site, opening: Opening, raw: RawSnapshot, now: datetime, *, staff: bool = False,
    training: bool = False,
) -> SiteState:  # fmt: skip
    """The site snapshot of DESIGN §4 (``staff``: ``StaffSiteState``, with ticket ids and operators, the call order,
    the longest waits, today's totals and the tickets a console lists).

    ``calling``, ``recent`` and each counter's ``current_number`` are of the snapshot's business date only (see
    ``public_counter``)."""
    tz = ZoneInfo(config.timezone)
    bdate = opening.date.isoformat()
    by_id = {c.id: c for c in raw.counters or ()}
    active = set(opening.counters)
    shown: list[tuple[Counter, StoredCounter]] = []
    calling = []
    for counter in site.counters:
        stored = by_id.get(counter.id)
        if counter.id not in active and (stored is None or stored.status == "closed"):
            continue
        stored = stored or StoredCounter(id=counter.id, status="closed", services="[]", reason="", operator="")
        shown.append((counter, stored))
        held = _held(stored)
        if held is not None and held.business_date == bdate and held.status == Status.CALLED.value:
            calling.append(
                Call(
                    number=held.number,
                    service=held.service,
                    counter=counter.id,
                    counter_label=counter.label,
                    area=counter.area,
                    called_at=ms_to_iso(held.called_at, tz),
                )
            )
    calling.sort(key=lambda x: x.called_at or "", reverse=True)
    areas = {c.id: c.area for c in site.counters}
    now_ms = int(now.timestamp() * 1000)
    policy = call_policy(config)
    lines = [LineFacts.of(line, config, now_ms, policy, raw.streak) for line in raw.lines or ()]
    common: dict[str, Any] = {
        "site": site.id,
        "name": site.name,
        "name_en": site.name_en,
        "seq": raw.seq,
        "business_date": bdate,
        "open": is_open_now(opening, now) and not raw.closed,
        "closed": raw.closed,
        "training": training,
        "today": opening_entry(opening),
        "calling": calling,
        "recent": [call_entry(c, areas.get(c.counter)) for c in raw.calls or ()],
    }
    if not staff:
        return SiteState(
            **common,
            services=[public_line(f, opening.services) for f in lines],
            counters=[public_counter(counter, stored, bdate) for counter, stored in shown],
            notices=public_notices(raw.notices or ()),
        )
    return StaffSiteState(
        **common,
        services=[staff_line(f, opening.services, tz) for f in lines],
        counters=[staff_counter(counter, stored, bdate, tz) for counter, stored in shown],
        notices=staff_notices(raw.notices or ()),
        totals=totals_entry(raw.totals or {}),
        tickets=[staff_ticket(t, tz) for t in raw.tickets or ()],
        served_by=raw.served_by or {},
    )


# ---- the visitor's ticket ------------------------------------------------------------------------------------------


def visitor_ticket(
    config: Config, opening: Callable[[str, date], Opening], t: StoredTicket, facts: LineFacts | None
) -> VisitorTicket:
    """The visitor's view of a ticket (no id, no operator, no token): its place in its service's line by the call
    order, the estimate from the same line, and why the service is paused."""
    waiting = t.status == Status.WAITING.value
    ahead = facts.place.get(t.id, 0) if facts is not None and waiting else 0
    svc = config.service(t.service)
    site = config.site(t.id.partition(".")[0])
    pause = facts.line.pause if facts is not None else None
    return VisitorTicket(
        number=t.number,
        service=t.service,
        service_name=svc.name if svc else t.service,
        service_name_en=svc.name_en if svc else t.service,
        site=site.id if site else None,
        site_name=site.name if site else None,
        venue=opening(site.id, date.fromisoformat(t.business_date)).venue if site else None,
        status=t.status,
        position=ahead + 1 if waiting else 0,
        waiting_ahead=ahead,
        estimated_wait_min=facts.wait(ahead) if facts is not None and waiting else 0,
        counter=t.counter or None,
        counter_label=t.counter_label or None,
        lang=t.lang or "ja",
        pause=public_pause(pause) if waiting else None,
        counters_open=facts.line.serving if facts is not None and waiting else 0,
        outcome=(t.outcome or None) if t.status == Status.DONE.value else None,
    )


# ---- events --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Projected:
    """One stream event, projected once: its text for staff and for the public, and the typed event with its
    lines (the visitor sessions update their ticket from these, with no store read)."""

    staff: str
    public: str
    event: StoredEvent
    lines: dict[str, LineFacts]


@dataclass(frozen=True, slots=True)
class Unknown:
    """An event no struct describes, as it is sent (``Projector.project``)."""

    staff: str
    public: str


class Projector:
    """Projects the events of the site streams for one configuration (one per server process, shared by the
    fan-out and the websocket sessions). ``opening`` resolves a site's day with the calendar overrides in force."""

    def __init__(self, config: Config, opening: Callable[[str, date], Opening]) -> None:
        self.config = config
        self.opening = opening
        self.tz = ZoneInfo(config.timezone)
        self.policy = call_policy(config)

    def project(self, site: str, data: str | bytes) -> Projected | Unknown:
        """An event for each audience. One the structs do not describe (a script changed without this module:
        the contract test fails on it) reaches staff as it is and the public as its type and place only, so the
        clients' ``seq`` stays whole."""
        try:
            event = decode_event(data)
        except msgspec.DecodeError as exc:  # ValidationError too
            log.error("site %s: an event the views do not describe: %s", site, exc)
            head = msgspec.json.decode(data)
            text = data.decode() if isinstance(data, bytes) else data
            brief = _encoder.encode({k: head.get(k) for k in ("type", "seq", "at")}).decode()
            return Unknown(text, brief)
        lines: dict[str, LineFacts] = {}
        if isinstance(event, RawTicketEvent | RawCounterEvent):
            now_ms = int(datetime.fromisoformat(event.at).timestamp() * 1000)
            for line in event.lines or ():
                lines[line.service] = LineFacts.of(line, self.config, now_ms, self.policy, event.streak)
        staff, public = self._views(site, event, list(lines.values()))
        if public is None:  # the same for every audience: as the store appended it
            text = data.decode() if isinstance(data, bytes) else data
            return Projected(text, text, event, lines)
        return Projected(_encoder.encode(staff).decode(), _encoder.encode(public).decode(), event, lines)

    def _views(self, site: str, event: StoredEvent, lines: list[LineFacts]) -> tuple[Any, Any]:
        """(staff, public) structs of an event; public None for one every audience gets as it is."""
        if isinstance(event, RawTicketEvent):
            return self._ticket_event(site, event, lines)
        if isinstance(event, RawCounterEvent):
            return self._counter_event(site, event, lines)
        if isinstance(event, RawNoticeEvent):
            head: dict[str, Any] = {"type": event.type, "seq": event.seq, "at": event.at}
            notices = event.notices or []
            return StaffNoticeEvent(**head, notices=staff_notices(notices)), NoticeEvent(
                **head, notices=public_notices(notices)
            )
        if isinstance(event, StaffServiceEvent):
            public = ServiceEvent(**{f: getattr(event, f) for f in ServiceEvent.__struct_fields__})
            return event, public
        if isinstance(event, StaffReservationEvent):
            r = event.reservation
            view = ReservationView(date=r.date, service=r.service, start=r.start, status=r.status)
            return event, ReservationEvent(type=event.type, seq=event.seq, at=event.at, reservation=view)
        if isinstance(event, RawCalendarEvent):
            day = self.opening(site, date.fromisoformat(event.at[:10]))
            now = datetime.fromisoformat(event.at)
            calendar = CalendarEvent(
                type=event.type, seq=event.seq, at=event.at, op=event.op, override=event.override,
                today=opening_entry(day), open=is_open_now(day, now),
            )  # fmt: skip
            return calendar, calendar
        assert isinstance(event, PrinterEvent | DayClosedEvent | TallyEvent)
        return event, None

    def _available(self, site: str, at: str) -> tuple[str, ...]:
        return self.opening(site, date.fromisoformat(at[:10])).services

    def _ticket_event(self, site: str, event: RawTicketEvent, lines: list[LineFacts]) -> tuple[Any, Any]:
        available = self._available(site, event.at)
        head: dict[str, Any] = {
            "type": event.type, "seq": event.seq, "at": event.at, "from_service": event.from_service,
        }  # fmt: skip
        staff = StaffTicketEvent(
            **head, ticket=staff_ticket(event.ticket, self.tz), from_status=event.from_status,
            services=[staff_line(f, available, self.tz) for f in lines],
        )  # fmt: skip
        public = TicketEvent(
            **head, ticket=ticket_entry(event.ticket), services=[public_line(f, available) for f in lines]
        )
        return staff, public

    def _counter_event(self, site: str, event: RawCounterEvent, lines: list[LineFacts]) -> tuple[Any, Any]:
        available = self._available(site, event.at)
        found = self.config.counter(event.counter.id)
        counter = found[1] if found else None
        bdate = event.at[:10]
        head: dict[str, Any] = {"type": event.type, "seq": event.seq, "at": event.at}
        staff = StaffCounterEvent(
            **head, counter=staff_counter(counter, event.counter, bdate, self.tz),
            services=[staff_line(f, available, self.tz) for f in lines],
        )  # fmt: skip
        public = CounterEvent(
            **head, counter=public_counter(counter, event.counter, bdate),
            services=[public_line(f, available) for f in lines],
        )  # fmt: skip
        return staff, public

    def visitor_after(self, ticket: StoredTicket, current: VisitorTicket, projected: Projected) -> tuple[
        StoredTicket, VisitorTicket
    ]:  # fmt: skip
        """A visitor's ticket and status after an event (the same status when the event does not touch it)."""
        event = projected.event
        if isinstance(event, RawTicketEvent) and event.ticket.id == ticket.id:
            ticket = event.ticket
        elif isinstance(event, DayClosedEvent) and event.business_date == ticket.business_date:
            if ticket.status in (Status.WAITING.value, *HELD):
                ticket = msgspec.structs.replace(ticket, status=Status.UNSERVED.value)
        elif isinstance(event, StaffServiceEvent) and event.service == ticket.service:
            pause = StoredPause(
                service=event.service, reason_ja=event.reason_ja or "", reason_en=event.reason_en,
                since=event.since or "", by=event.by,
            ) if event.paused else None  # fmt: skip
            shown = public_pause(pause) if ticket.status == Status.WAITING.value else None
            return ticket, msgspec.structs.replace(current, pause=shown)
        facts = projected.lines.get(ticket.service)
        if facts is None:
            if ticket.status == current.status:
                return ticket, current
            return ticket, msgspec.structs.replace(
                visitor_ticket(self.config, self.opening, ticket, None), pause=current.pause,
                counters_open=current.counters_open,
            )  # fmt: skip
        return ticket, visitor_ticket(self.config, self.opening, ticket, facts)


# ---- plain values for the API routes ---------------------------------------------------------------------------


def plain(obj: Any) -> dict[str, Any]:
    """A view as the dict an API route merges into its answer."""
    return cast(dict[str, Any], msgspec.to_builtins(obj))


def project_ticket(t: Mapping[str, Any], tz: ZoneInfo, *, staff: bool) -> dict[str, Any]:
    """A stored ticket (a hash the API read) for staff or the public, as a dict."""
    stored = stored_ticket(t)
    return plain(staff_ticket(stored, tz) if staff else ticket_entry(stored))


def opening_view(opening: Opening) -> dict[str, Any]:
    return plain(opening_entry(opening))


def pause_view(pause: Mapping[str, Any] | None, *, staff: bool) -> dict[str, Any] | None:
    """A pause as ``Store.pause_service`` answers it, as a service line carries it (None: running)."""
    if not pause:
        return None
    stored = msgspec.convert(dict(pause), StoredPause)
    return plain(staff_pause(stored) if staff else public_pause(stored))


def counter_view(counter: Mapping[str, Any], config: Config) -> dict[str, Any]:
    """A counter as ``Store.counter_op`` answers it, for staff, as a dict (``current_number``: the ticket it holds)."""
    stored = msgspec.convert(dict(counter), StoredCounter)
    found = config.counter(stored.id)
    held = stored.ticket.business_date if stored.ticket is not None else ""
    return plain(staff_counter(found[1] if found else None, stored, held, ZoneInfo(config.timezone)))


def notices_view(notices: Iterable[StaffNotice | Mapping[str, Any]] | None, *, staff: bool) -> list[dict[str, Any]]:
    """Notices (as the snapshot read them, or the list ``Store.set_notice`` answers) for staff or the public."""
    typed = [n if isinstance(n, StaffNotice) else msgspec.convert(dict(n), StaffNotice) for n in notices or ()]
    return [plain(n) for n in (staff_notices(typed) if staff else public_notices(typed))]


def service_lines(config: Config, site: Site, opening: Opening, raw: RawSnapshot) -> list[dict[str, Any]]:
    """The public lines of a snapshot's read, as dicts (``GET /api/v1/sites``; the call order does not show)."""
    policy = call_policy(config)
    facts = [LineFacts.of(line, config, 0, policy, raw.streak) for line in raw.lines or ()]
    return [plain(public_line(f, opening.services)) for f in facts]


def wait_inputs(raw: RawSnapshot, service_id: str) -> tuple[list[float], int]:
    """The recent service times and open counters of a service, from a snapshot's read."""
    for line in raw.lines or ():
        if line.service == service_id:
            return list(line.durations or ()), line.serving
    return [], 0
