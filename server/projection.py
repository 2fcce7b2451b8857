"""Projections: what each audience sees of the queue.

The public projection (boards, kiosks, the visitor page) carries numbers, services and counters only:
no ticket ids, no operators, no visitor tokens, no personal data. The staff projection adds ticket ids
and operators. Both are built here and nowhere else, for HTTP snapshots, websocket snapshots and events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from server.calendar import Opening, can_issue_at
from server.config import Config, Site
from server.queue.models import Status
from server.queue.rules import average_minutes, estimate_wait
from server.queue.store import Raw

PUBLIC_TICKET_FIELDS = ("number", "service", "status", "channel", "counter", "counter_label")
STAFF_TICKET_FIELDS = (*PUBLIC_TICKET_FIELDS, "id", "operator", "priority")
PUBLIC_NOTICE_FIELDS = ("id", "text", "texts", "created_at")
PUBLIC_RESERVATION_FIELDS = ("date", "service", "start", "status")
"""reservation.changed for boards and kiosks: no code (it checks the visitor in), never a name."""
PUBLIC_PAUSE_FIELDS = ("reason_ja", "reason_en", "since")
"""A paused service for everyone (kiosks, boards, visitor pages); staff also see ``by``, who paused it."""


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


def _counters_serving(raw: Raw) -> dict[str, int]:
    serving: dict[str, int] = {}
    for c in raw.counters:
        if c.get("status") != "open":
            continue
        services = c.get("services") or "[]"
        for sid in msgspec.json.decode(services) if isinstance(services, str) else services:
            serving[sid] = serving.get(sid, 0) + 1
    return serving


def pause_view(pause: dict[str, Any] | None, *, staff: bool) -> dict[str, Any] | None:
    """A service's pause as a service line, a visitor's status and ``service.changed`` carry it (None: running)."""
    if not pause:
        return None
    view = {k: pause.get(k) or None for k in PUBLIC_PAUSE_FIELDS}
    if staff:
        view["by"] = pause.get("by") or None
    return view


def service_lines(
    config: Config, site: Site, opening: Opening, raw: Raw, *, staff: bool = False
) -> list[dict[str, Any]]:
    """Per service: people waiting, the estimated wait of someone joining now, and whether it is paused (with
    the reasons). ``available_now`` says the calendar offers it today; a paused service is offered but issues no
    ticket until it is resumed. Staff also get ``waiting_since``: when the longest-waiting ticket was issued (the
    floor overview counts the longest current wait from it; None when nobody waits)."""
    serving = _counters_serving(raw)
    tz = ZoneInfo(config.timezone)
    out = []
    for sid in _services_of(config, site, opening):
        svc = config.service(sid)
        assert svc is not None
        lines = raw.waiting.get(sid, {})
        waiting = sum(lines.values())
        avg = average_minutes(raw.durations.get(sid, []), svc.minutes)
        out.append(
            {
                "id": sid,
                "waiting": waiting,
                "estimated_wait_min": estimate_wait(waiting, avg, serving.get(sid, 0)),
                "available_now": sid in opening.services,
                "paused": sid in raw.paused,
                "pause": pause_view(raw.paused.get(sid), staff=staff),
            }
        )
        if staff:
            out[-1]["waiting_since"] = ms_to_iso(raw.oldest.get(sid), tz)
    return out


def totals_view(raw: Raw) -> dict[str, int]:
    """The business date's tickets by where they stand (staff): ``issued`` all of them, ``served`` those done (any
    outcome, as the reports count them), and each other status."""
    counts = raw.totals
    view = {"issued": sum(counts.values()), "served": counts.get(Status.DONE.value, 0)}
    view.update({s.value: counts.get(s.value, 0) for s in Status if s is not Status.DONE})
    return view


def wait_for(config: Config, service_id: str, ahead: int, recent_seconds: list[float], counters_serving: int) -> int:
    """Estimated minutes for someone with ``ahead`` people before them in ``service_id``."""
    svc = config.service(service_id)
    avg = average_minutes(recent_seconds, svc.minutes if svc else 10)
    return estimate_wait(ahead, avg, counters_serving)


def wait_inputs(raw: Raw, service_id: str) -> tuple[list[float], int]:
    """The recent service times and open counters of a service, from a snapshot."""
    return raw.durations.get(service_id, []), _counters_serving(raw).get(service_id, 0)


def state(
    config: Config, site: Site, opening: Opening, raw: Raw, now: datetime, *, staff: bool = False,
    training: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The site snapshot of DESIGN §4 (``staff`` adds ticket ids and operators, the longest waits and ``totals``).

    ``calling``, ``recent`` and each counter's ``current_number`` are of the snapshot's business date only:
    numbers restart every day, so a ticket of an earlier date that a counter still holds (until the day-close job
    makes it unserved) is nobody's call today. The staff projection still shows it as the counter's ``ticket``,
    so the operator can finish it.
    """
    tz = ZoneInfo(config.timezone)
    by_id = {c["id"]: c for c in raw.counters}
    active = set(opening.counters)
    counters = []
    calling = []
    for counter in site.counters:
        if counter.id not in active and by_id.get(counter.id, {}).get("status", "closed") == "closed":
            continue
        c = by_id.get(counter.id, {})
        held = c.get("ticket") or None
        ticket = held if held and held.get("business_date") == raw.business_date else None
        entry: dict[str, Any] = {
            "id": counter.id,
            "label": counter.label,
            "number": counter.number,
            "area": counter.area,
            "status": c.get("status", "closed"),
            "current_number": ticket["number"] if ticket else None,
        }
        if staff:
            services = c.get("services") or "[]"
            entry["services"] = msgspec.json.decode(services) if isinstance(services, str) else []
            entry["operator"] = c.get("operator") or None
            entry["reason"] = c.get("reason") or None
            entry["ticket"] = project_ticket(held, tz, staff=True) if held else None
        counters.append(entry)
        if ticket and ticket.get("status") == "called":
            calling.append(
                {
                    "number": ticket["number"],
                    "service": ticket["service"],
                    "counter": counter.id,
                    "counter_label": counter.label,
                    "area": counter.area,
                    "called_at": ms_to_iso(ticket.get("called_at"), tz),
                }
            )
    calling.sort(key=lambda x: x["called_at"] or "", reverse=True)
    view = {
        "site": site.id,
        "name": site.name,
        "name_en": site.name_en,
        "seq": raw.seq,
        "business_date": raw.business_date,
        "open": is_open_now(opening, now) and not raw.closed,
        "training": training,
        "today": opening_view(opening),
        "services": service_lines(config, site, opening, raw, staff=staff),
        "counters": counters,
        "calling": calling,
        "recent": raw.calls,
        "notices": notices_view(raw.notices, staff=staff),
    }
    if staff:
        view["totals"] = totals_view(raw)
    return view


def notices_view(notices: Any, *, staff: bool) -> list[dict[str, Any]]:
    """Notices for staff (with who posted them) or the public (text only). A non-list means none."""
    if not isinstance(notices, list):
        return []
    if staff:
        return [dict(n) for n in notices if isinstance(n, dict)]
    return [{k: n.get(k) for k in PUBLIC_NOTICE_FIELDS} for n in notices if isinstance(n, dict)]


def opening_view(opening: Opening) -> dict[str, Any]:
    def hm(t: Any) -> str | None:
        return t.strftime("%H:%M") if t is not None else None

    return {
        "date": opening.date.isoformat(),
        "kind": opening.kind,
        "opens_at": hm(opening.opens_at),
        "closes_at": hm(opening.closes_at),
        "last_ticket_at": hm(opening.last_ticket_at),
        "services": list(opening.services),
        "counters": list(opening.counters),
        "venue": opening.venue,  # an outreach event's venue: kiosks, boards and tickets show it that day
        "address": opening.address,
    }


def project_ticket(t: dict[str, Any], tz: ZoneInfo, *, staff: bool) -> dict[str, Any]:
    """A ticket for staff (ids, operator, times, outcome) or the public (number, service, status)."""
    if not staff:
        return {k: t.get(k, "") for k in PUBLIC_TICKET_FIELDS}
    transfers = t.get("transfers") or "[]"
    return {
        "id": t.get("id"),
        "number": t.get("number"),
        "site": str(t.get("id", "")).partition(".")[0],
        "service": t.get("service"),
        "channel": t.get("channel"),
        "priority": t.get("priority") in ("1", True),
        "status": t.get("status"),
        "business_date": t.get("business_date"),
        "lang": t.get("lang"),
        "issued_at": ms_to_iso(t.get("issued_at"), tz),
        "called_at": ms_to_iso(t.get("called_at"), tz),
        "serving_at": ms_to_iso(t.get("serving_at"), tz),
        "finished_at": ms_to_iso(t.get("finished_at"), tz),
        "counter": t.get("counter") or None,
        "counter_label": t.get("counter_label") or None,
        "operator": t.get("operator") or None,
        "recall_count": int(t.get("recall_count") or 0),
        "transfers": msgspec.json.decode(transfers) if isinstance(transfers, str) and transfers != "{}" else [],
        "outcome": t.get("outcome") or None,
        "note": t.get("note") or None,
    }


def project_event(event: dict[str, Any], config: Config) -> tuple[dict[str, Any], dict[str, Any]]:
    """(staff, public) versions of one stream event."""
    staff = dict(event)
    public = dict(event)
    ticket = event.get("ticket")
    if isinstance(ticket, dict):
        public["ticket"] = {k: ticket.get(k, "") for k in PUBLIC_TICKET_FIELDS}
        staff["ticket"] = {k: ticket.get(k, "") for k in STAFF_TICKET_FIELDS}
    reservation = event.get("reservation")
    if isinstance(reservation, dict):
        public["reservation"] = {k: reservation.get(k) for k in PUBLIC_RESERVATION_FIELDS}
    if event.get("type") == "service.changed":
        public.pop("by", None)
    if "notices" in event:
        staff["notices"] = notices_view(event["notices"], staff=True)
        public["notices"] = notices_view(event["notices"], staff=False)
    counter = event.get("counter")
    if isinstance(counter, dict):
        view = counter_view(counter, config)
        reason = view.pop("reason")
        public["counter"] = view
        staff["counter"] = {**view, "reason": reason, "operator": counter.get("operator") or None}
    return staff, public


def counter_view(counter: dict[str, Any], config: Config) -> dict[str, Any]:
    """A counter as a store script reports it, with its label and area from the configuration."""
    found = config.counter(str(counter.get("id", "")))
    services = counter.get("services") or "[]"
    return {
        "id": counter.get("id"),
        "label": found[1].label if found else counter.get("id"),
        "area": found[1].area if found else None,
        "status": counter.get("status"),
        "current_number": counter.get("current_number") or None,
        "services": msgspec.json.decode(services) if isinstance(services, str) else [],
        "reason": counter.get("reason") or None,
    }
