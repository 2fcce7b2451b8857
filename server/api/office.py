"""Office routes (DESIGN §10): tallies of phone inquiries and directed visitors, and incident reports.

Tallies: the guide, phone, manager and admin staff of a site count a call or a visitor they only directed with
one click (``POST /sites/{site}/tallies``), and take a mistaken click back (``"delta": -1``, never below 0);
every staff of the site reads a date's counts. Incident reports: every staff of a site may record one;
managers and admins read the reports of their sites and move them open → reported → closed. Every change is
audited in the same atomic step as the change itself (``server/office/store.py``).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from server.api.common import audit_entry, caller, operator, runtime
from server.api.schemas import Body, SiteId
from server.api.staff import action_key
from server.auth.guards import ALL_ROLES, MANAGERS, allow, check
from server.auth.principals import Role, Staff
from server.office.models import (
    TALLY_KINDS,
    IncidentCategory,
    IncidentRecord,
    IncidentStatus,
    TallyKind,
    Text,
    Title,
)
from server.office.store import OfficeStore
from server.queue.errors import ValidationFailed

TALLY_ROLES = (Role.ADMIN, Role.MANAGER, Role.GUIDE, Role.PHONE)
"""Who counts: the general guide, the phone operators, and the managers and admins who stand in for them."""

INCIDENT_RANGE_DAYS = 731
"""Longest period one list request covers (two years): the page asks for months, the reports read the store."""

FUTURE_SLACK = timedelta(minutes=10)
"""An incident may be dated this far ahead of the server's clock (a desk PC's clock running a little fast)."""

site_readers = allow(*ALL_ROLES, site="site")
tallyers = allow(*TALLY_ROLES, site="site")
recorders = allow(*ALL_ROLES)
managers = allow(*MANAGERS)
managers_of_query = allow(*MANAGERS, site="query")

TopicId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class Tally(Body):
    kind: TallyKind
    topic: TopicId
    delta: Literal[1, -1] = 1
    """1 counts one more; -1 takes a mistaken click back (409 ``nothing_to_undo`` at 0)."""


class NewIncident(Body):
    site: SiteId
    category: IncidentCategory
    title: Title
    occurred_at: datetime
    """ISO time; without an offset it is local time of the config's zone (Asia/Tokyo)."""
    description: Text
    actions: Text = ""
    follow_up: Text = ""


class IncidentChange(Body):
    status: IncidentStatus | None = None
    category: IncidentCategory | None = None
    title: Title | None = None
    occurred_at: datetime | None = None
    description: Text | None = None
    actions: Text | None = None
    follow_up: Text | None = None


def office_of(request: Request[Any, Any, Any]) -> OfficeStore:
    office: OfficeStore = request.app.state.office
    return office


# ---- tallies ---------------------------------------------------------------------------------------


def tally_view(office: OfficeStore, site: str, day: str, counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    """A date's counts with the topics in button order and the total of each kind."""
    return {
        "site": site,
        "date": day,
        "topics": [{"id": t.id, "name": t.name, "name_en": t.name_en} for t in office.topics],
        "counts": counts,
        "totals": {kind: sum(counts.get(kind, {}).values()) for kind in TALLY_KINDS},
    }


@get("/sites/{site:str}/tallies", guards=[site_readers], summary="Tallies of a date (today by default)")
async def read_tallies(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
) -> dict[str, Any]:
    office = office_of(request)
    runtime(request).store.site(site)
    when = (day or office.clock.now().date()).isoformat()
    return tally_view(office, site, when, await office.tallies(site, when))


@post("/sites/{site:str}/tallies", guards=[tallyers], status_code=200, summary="Count a call or a directed visitor")
async def add_tally(request: Request[Any, Any, Any], site: FromPath[str], data: JSONBody[Tally]) -> dict[str, Any]:
    """Today's count of (``kind``, ``topic``) one up, or one down with ``"delta": -1``; the answer has every
    count of today. An ``Idempotency-Key`` header makes a retried click count once."""
    office = office_of(request)
    runtime(request).store.site(site)
    key = action_key(request)
    sign = "+1" if data.delta > 0 else "-1"
    action = "tally.add" if data.delta > 0 else "tally.undo"
    entry = audit_entry(request, action, site=site, detail=f"{data.kind}:{data.topic} {sign}")
    day, counts = await office.tally(site, data.kind, data.topic, data.delta, action_key=key, audit=entry)
    return {**tally_view(office, site, day, counts), "kind": data.kind, "topic": data.topic,
            "count": counts[data.kind].get(data.topic, 0)}  # fmt: skip


# ---- incidents -------------------------------------------------------------------------------------


def _clean(text: str, field: str, *, one_line: bool = False, required: bool = False) -> str:
    """Free text as it will be printed: line breaks as ``\\n``, no other control characters, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    allowed = "" if one_line else "\n\t"
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in allowed for ch in text):
        what = "line breaks and control characters" if one_line else "control characters"
        raise ValidationFailed(f"{field}: {what} cannot be printed")
    text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    if required and not text:
        raise ValidationFailed(f"{field}: must not be empty")
    return text


def _when(request: Request[Any, Any, Any], at: datetime) -> datetime:
    """``at`` in the config's zone; an incident cannot have happened in the future."""
    clock = runtime(request).clock
    at = at.replace(tzinfo=clock.tz) if at.tzinfo is None else at.astimezone(clock.tz)
    if at > clock.now() + FUTURE_SLACK:
        raise ValidationFailed("occurred_at: is in the future")
    return at


def incident_view(record: IncidentRecord) -> dict[str, Any]:
    view: dict[str, Any] = msgspec.to_builtins(record)
    view["number"] = record.number
    return view


def _may_manage(request: Request[Any, Any, Any], site: str) -> None:
    check(caller(request), site, MANAGERS, ())


@post("/incidents", guards=[recorders], status_code=201, summary="Record an incident report (open)")
async def record_incident(request: Request[Any, Any, Any], data: JSONBody[NewIncident]) -> dict[str, Any]:
    runtime(request).store.site(data.site)
    check(caller(request), data.site, ALL_ROLES, ())
    fields = {
        "category": data.category,
        "title": _clean(data.title, "title", one_line=True, required=True),
        "occurred_at": _when(request, data.occurred_at),
        "description": _clean(data.description, "description", required=True),
        "actions": _clean(data.actions, "actions"),
        "follow_up": _clean(data.follow_up, "follow_up"),
    }
    entry = audit_entry(request, "incident.record", site=data.site, detail=data.category)
    record = await office_of(request).record_incident(data.site, fields, by=operator(request), audit=entry)
    return incident_view(record)


@get("/incidents", guards=[managers_of_query], summary="Incident reports of a period (managers)")
async def list_incidents(
    request: Request[Any, Any, Any],
    site: Annotated[str | None, QueryParameter(max_length=64)] = None,
    first: Annotated[date | None, QueryParameter(name="from")] = None,
    last: Annotated[date | None, QueryParameter(name="to")] = None,
    status: Annotated[IncidentStatus | None, QueryParameter()] = None,
) -> list[dict[str, Any]]:
    """Reports of incidents that occurred from ``from`` to ``to`` (default: the last 90 days), oldest first;
    without ``site``, of every site the caller may see."""
    rt = runtime(request)
    today = rt.clock.now().date()
    last = last or today
    first = first or last - timedelta(days=90)
    if first > last:
        raise ValidationFailed("from: is after to")
    if (last - first).days > INCIDENT_RANGE_DAYS:
        raise ValidationFailed(f"from, to: at most {INCIDENT_RANGE_DAYS} days at once")
    if site is not None:
        rt.store.site(site)
    who = caller(request)
    sites = [site] if site else [s.id for s in rt.config.sites if isinstance(who, Staff) and who.may_use_site(s.id)]
    office = office_of(request)
    out = [r for s in sites for r in await office.incidents(s, first, last) if status is None or r.status == status]
    return [incident_view(r) for r in sorted(out, key=lambda r: (r.occurred_at, r.id))]


@get("/incidents/{incident_id:str}", guards=[managers], summary="One incident report (managers of its site)")
async def read_incident(request: Request[Any, Any, Any], incident_id: FromPath[str]) -> dict[str, Any]:
    office = office_of(request)
    _may_manage(request, office.site_of(incident_id))
    return incident_view(await office.incident(incident_id))


@patch("/incidents/{incident_id:str}", guards=[managers], summary="Change an incident report or move its status")
async def change_incident(
    request: Request[Any, Any, Any], incident_id: FromPath[str], data: JSONBody[IncidentChange]
) -> dict[str, Any]:
    """Text fields change until the report is closed; ``status`` moves one step: open → reported → closed
    (anything else 409 ``invalid_transition``, and nothing changes)."""
    office = office_of(request)
    site = office.site_of(incident_id)
    _may_manage(request, site)
    changes: dict[str, Any] = {}
    if data.category is not None:
        changes["category"] = data.category
    if data.title is not None:
        changes["title"] = _clean(data.title, "title", one_line=True, required=True)
    if data.occurred_at is not None:
        changes["occurred_at"] = _when(request, data.occurred_at)
    if data.description is not None:
        changes["description"] = _clean(data.description, "description", required=True)
    for field in ("actions", "follow_up"):
        value = getattr(data, field)
        if value is not None:
            changes[field] = _clean(value, field)
    if not changes and data.status is None:
        return incident_view(await office.incident(incident_id))
    what = ", ".join([*changes, *([f"status {data.status}"] if data.status else [])])
    entry = audit_entry(request, "incident.change", site=site, detail=what)
    record = await office.update_incident(incident_id, changes, status=data.status, by=operator(request), audit=entry)
    return incident_view(record)


ROUTES = [read_tallies, add_tally, record_incident, list_incidents, read_incident, change_incident]
